"""How long a socket call that does not wait takes on this machine: sending a short
request over loopback TCP to a peer process blocked in recv, and receiving a reply
that is already there. Sets the simulator's `syscall_us` (docs/reference.md).

Run on an idle machine: python3 scripts/syscall_cost.py [rounds]
Prints median and min-max in microseconds over interleaved rounds."""

import os
import socket
import sys
import time

clock = getattr(time, "perf_counter", time.time)


def peer(sock):
    # Answer every 8-byte request at once with 8 bytes.
    while True:
        request = sock.recv(8, socket.MSG_WAITALL)
        if len(request) < 8:
            return
        sock.sendall(request)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    # Loopback TCP, as `crescu measure` uses for its I/O round trips.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    pid = os.fork()
    if pid == 0:
        b = socket.create_connection(listener.getsockname())
        b.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer(b)
        os._exit(0)
    a, _ = listener.accept()
    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sends, ready_receives = [], []
    for _ in range(rounds):
        t0 = clock()
        a.sendall(b"12345678")
        sends.append((clock() - t0) * 1e6)
        time.sleep(0.0005)  # the answer is surely there now
        t0 = clock()
        got = a.recv(64)
        ready_receives.append((clock() - t0) * 1e6)
        assert len(got) == 8
    a.close()
    os.waitpid(pid, 0)
    for name, xs in (("send", sends), ("receive, reply there", ready_receives)):
        xs.sort()
        print(
            "%-22s median %6.1f us  p10 %6.1f  p90 %6.1f  min %6.1f  max %7.1f"
            % (name, xs[len(xs) // 2], xs[len(xs) // 10], xs[9 * len(xs) // 10], xs[0], xs[-1])
        )


if __name__ == "__main__":
    main()
