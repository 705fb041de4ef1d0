//! The workload cursor: a thread's steps compiled to a flat program, and the cursor that
//! hands out its next indivisible piece of work.

use super::super::spec::Step;

pub(super) const NS_PER_MS: f64 = 1e6;
pub(super) const NS_PER_US: f64 = 1e3;

pub(super) fn ms_to_ns(ms: f64) -> u64 {
    (ms * NS_PER_MS).round().max(0.0) as u64
}

/// One indivisible piece of a thread's work.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Action {
    Py(u64),
    CHold(u64),
    CFree(u64),
    /// A sleep: off the core without the GIL for `ns`.
    Sleep(u64),
    /// The request of a round trip: a socket call that does not wait, run on the core
    /// without the GIL; the reply is due `reply_in` after it starts.
    Send {
        reply_in: u64,
    },
    /// The reply of the round trip: waits off the core unless it is already there.
    Receive,
}

/// A thread's workload compiled to a flat program; repeats become jumps.
#[derive(Clone, Copy, Debug)]
pub(super) enum Op {
    Py(u64),
    CHold(u64),
    CFree(u64),
    Sleep(u64),
    Io { count: u32, wait: u64, cpu: u64 },
    Repeat { times: u32 },
    EndRepeat,
}

/// Compiles steps, dropping anything that yields no action (zero-length Python, empty
/// repeats) so every pass of a loop produces at least one event: no spin without events.
/// `call_ns` of Python go before each call that releases the GIL.
pub(super) fn compile(steps: &[Step], call_ns: u64, out: &mut Vec<Op>) {
    let call = |out: &mut Vec<Op>| {
        if call_ns > 0 {
            out.push(Op::Py(call_ns));
        }
    };
    for step in steps {
        match step {
            Step::CpuMs(ms) => {
                let ns = ms_to_ns(*ms);
                if ns > 0 {
                    out.push(Op::Py(ns));
                }
            }
            Step::CExt(c) => {
                let ns = ms_to_ns(c.ms);
                if c.releases_gil {
                    call(out);
                    out.push(Op::CFree(ns));
                } else if ns > 0 {
                    out.push(Op::CHold(ns));
                }
            }
            Step::SleepMs(ms) => {
                call(out);
                out.push(Op::Sleep(ms_to_ns(*ms)));
            }
            Step::Io(io) => {
                if io.count > 0 {
                    out.push(Op::Io {
                        count: io.count,
                        wait: ms_to_ns(io.wait_ms),
                        cpu: (io.cpu_us * NS_PER_US).round().max(0.0) as u64,
                    });
                }
            }
            Step::Repeat(r) => {
                if r.times == 0 {
                    continue;
                }
                let head = out.len();
                out.push(Op::EndRepeat); // placeholder, patched below
                compile(&r.steps, call_ns, out);
                if out.len() == head + 1 {
                    out.pop();
                    continue;
                }
                out.push(Op::EndRepeat);
                out[head] = Op::Repeat { times: r.times };
            }
        }
    }
}

/// The next piece of one round trip of an I/O step.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum IoPhase {
    #[default]
    Python,
    Send,
    Receive,
}

/// Where a thread is in its program: the next op, the open loops and the I/O step under
/// way.
#[derive(Default)]
pub(super) struct Cursor {
    pc: usize,
    loops: Vec<(usize, u32)>,
    io_left: u32,
    io_active: bool,
    io_phase: IoPhase,
}

impl Cursor {
    pub(super) fn next(&mut self, ops: &[Op]) -> Option<Action> {
        loop {
            match *ops.get(self.pc)? {
                Op::Py(ns) => {
                    self.pc += 1;
                    return Some(Action::Py(ns));
                }
                Op::CHold(ns) => {
                    self.pc += 1;
                    return Some(Action::CHold(ns));
                }
                Op::CFree(ns) => {
                    self.pc += 1;
                    return Some(Action::CFree(ns));
                }
                Op::Sleep(ns) => {
                    self.pc += 1;
                    return Some(Action::Sleep(ns));
                }
                Op::Io { count, wait, cpu } => {
                    if let Some(action) = self.io_next(count, wait, cpu) {
                        return Some(action);
                    }
                }
                Op::Repeat { times } => {
                    self.loops.push((self.pc + 1, times));
                    self.pc += 1;
                }
                Op::EndRepeat => match self.loops.last_mut() {
                    Some(top) if top.1 > 1 => {
                        top.1 -= 1;
                        self.pc = top.0;
                    }
                    _ => {
                        self.loops.pop();
                        self.pc += 1;
                    }
                },
            }
        }
    }

    /// The next piece of an I/O step, or None once all its round trips are made and the
    /// cursor moved past it. A round trip is what a client does over a socket: its
    /// Python, then sending the request and receiving the reply, two calls that each
    /// release the GIL and take it back.
    fn io_next(&mut self, count: u32, wait: u64, cpu: u64) -> Option<Action> {
        if !self.io_active {
            self.io_active = true;
            self.io_left = count;
            self.io_phase = IoPhase::Python;
        }
        if self.io_left == 0 {
            self.io_active = false;
            self.pc += 1;
            return None;
        }
        match self.io_phase {
            IoPhase::Python => {
                self.io_phase = IoPhase::Send;
                if cpu > 0 {
                    return Some(Action::Py(cpu));
                }
                self.io_phase = IoPhase::Receive;
                Some(Action::Send { reply_in: wait })
            }
            IoPhase::Send => {
                self.io_phase = IoPhase::Receive;
                Some(Action::Send { reply_in: wait })
            }
            IoPhase::Receive => {
                self.io_phase = IoPhase::Python;
                self.io_left -= 1;
                Some(Action::Receive)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::spec::{IoStep, RepeatStep};

    fn actions(steps: &[Step]) -> Vec<Action> {
        let mut ops = Vec::new();
        compile(steps, 0, &mut ops);
        let mut cursor = Cursor::default();
        std::iter::from_fn(|| cursor.next(&ops)).collect()
    }

    #[test]
    fn io_steps_are_python_then_a_send_and_a_receive() {
        let io = Step::Io(IoStep {
            count: 2,
            wait_ms: 1.0,
            cpu_us: 5.0,
        });
        let send = Action::Send {
            reply_in: 1_000_000,
        };
        let trip = [Action::Py(5_000), send, Action::Receive];
        assert_eq!(actions(&[io]), [trip, trip].concat());
    }

    #[test]
    fn repeats_unroll_and_empty_work_is_dropped() {
        let steps = [
            Step::CpuMs(0.0),
            Step::Repeat(RepeatStep {
                times: 3,
                steps: vec![Step::CpuMs(1.0)],
            }),
            Step::Repeat(RepeatStep {
                times: 5,
                steps: vec![Step::CpuMs(0.0)],
            }),
            Step::SleepMs(2.0),
        ];
        let py = Action::Py(1_000_000);
        let sleep = Action::Sleep(2_000_000);
        assert_eq!(actions(&steps), vec![py, py, py, sleep]);
    }
}
