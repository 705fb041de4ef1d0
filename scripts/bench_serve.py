#!/usr/bin/env python3
"""Time the dev server's rebuild after one lesson is edited, as a browser sees it.

Starts `crescu serve` on a course, listens on its reload channel (/__crescu/events) like
an open page, then edits one lesson EDITS times (rewriting a sentence of its body, saved
the way editors do: write beside, rename over). For each edit it takes the time from the
rename to the `reload` event, the time `crescu serve` reported ("rebuilt N pages in
M ms"), and the CPU time the server used meanwhile (user + system, from /proc: on a
loaded machine the steadier figure). Prints each edit, then the median and range.

Usage: bench_serve.py CRESCU COURSE_ROOT [EDITS] [--title]
  --title  also change the lesson's title on every edit (its neighbours' pages change)
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def lesson_file(root):
    content = os.path.join(root, "content")
    modules = sorted(d for d in os.listdir(content) if os.path.isdir(os.path.join(content, d)))
    module = os.path.join(content, modules[len(modules) // 2])
    lessons = sorted(f for f in os.listdir(module) if f.endswith(".md") and f != "_index.md")
    return os.path.join(module, lessons[len(lessons) // 2])


def events(port):
    """A reader of the event stream: yields (name, arrival time) of each event."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /__crescu/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    reader = sock.makefile("rb")
    while reader.readline().strip():
        pass  # the response head
    name = None
    for line in reader:
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif not line and name:
            yield name, time.perf_counter()
            name = None


def cpu_ms(pid):
    """User + system CPU time of a process so far, in milliseconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main():
    crescu, root = sys.argv[1], sys.argv[2]
    edits = int(next((a for a in sys.argv[3:] if a.isdigit()), "12"))
    retitle = "--title" in sys.argv
    out = tempfile.mkdtemp(prefix="bench-serve-")
    server = subprocess.Popen(
        [crescu, "serve", "--port", "0", "--root", root, "--output", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = server.stdout.readline()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", first).group(1))
    reported = []
    warnings = [0]

    def read_log():
        for line in server.stderr:
            m = re.match(r"rebuilt (\d+) pages? in (\d+) ms", line)
            if m:
                reported.append(int(m.group(2)))
            elif line.startswith("warning"):
                warnings[0] += 1

    threading.Thread(target=read_log, daemon=True).start()
    stream = events(port)
    assert next(stream)[0] == "state"
    path = lesson_file(root)
    original = open(path).read()
    to_reload, cpu = [], []
    try:
        for i in range(edits):
            text = original.replace("## Section 1\n\n", f"## Section 1\n\nEdit number {i}. ", 1)
            if retitle:
                text = re.sub(r'^title: "(.*)"$', rf'title: "\1 ({i})"', text, count=1, flags=re.M)
            tmp = os.path.join(root, ".bench-saving")
            with open(tmp, "w") as f:
                f.write(text)
            cpu_before = cpu_ms(server.pid)
            written = time.perf_counter()
            os.rename(tmp, path)
            name, arrived = next(stream)
            assert name == "reload", f"edit {i}: {name}"
            to_reload.append((arrived - written) * 1000)
            cpu.append(cpu_ms(server.pid) - cpu_before)
            time.sleep(0.3)  # let the log line arrive and the machine settle
    finally:
        with open(path, "w") as f:
            f.write(original)
        server.terminate()
        server.wait()
        shutil.rmtree(out, ignore_errors=True)
    # The first line is the first build's ("built"), not matched above.
    for i, ms in enumerate(to_reload):
        shown = reported[i] if i < len(reported) else "?"
        print(f"edit {i}: write -> reload {ms:.1f} ms, reported {shown} ms, CPU {cpu[i]:.0f} ms")
    print(f"write -> reload: median {statistics.median(to_reload):.1f} ms "
          f"(min {min(to_reload):.1f}, max {max(to_reload):.1f}, {len(to_reload)} edits)")
    if reported:
        print(f"reported by crescu serve: median {statistics.median(reported)} ms "
              f"(min {min(reported)}, max {max(reported)})")
    print(f"CPU per rebuild: median {statistics.median(cpu):.0f} ms (min {min(cpu):.0f}, max {max(cpu):.0f}; "
          f"clock ticks of {1000 / os.sysconf('SC_CLK_TCK'):.0f} ms)")
    print(f"warning lines printed in all: {warnings[0]}")


if __name__ == "__main__":
    main()
