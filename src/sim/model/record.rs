//! Measurement: each thread's timeline of states, kept as spans while the run goes,
//! and the run's result once it is over.

use super::super::measure::{Lane, RunResult, Span, ThreadResult, ThreadState};
use super::Sim;
use super::os::Os;
use super::thread::{Act, ExecKind, Role};

impl Sim {
    /// Closes the span of every thread whose state changed at this event.
    pub(super) fn record_states(&mut self) {
        let now = self.now();
        for tid in 0..self.threads.len() {
            let state = self.state_of(tid);
            let t = &mut self.threads[tid];
            if state != t.state {
                if let Some(old) = t.state
                    && now > t.state_since
                {
                    match t.spans.last_mut() {
                        Some(last) if last.state == old && last.end_ns == t.state_since => {
                            last.end_ns = now;
                        }
                        _ => t.spans.push(Span {
                            start_ns: t.state_since,
                            end_ns: now,
                            state: old,
                        }),
                    }
                }
                t.state = state;
                t.state_since = now;
            }
        }
    }

    fn state_of(&self, tid: usize) -> Option<ThreadState> {
        let t = &self.threads[tid];
        Some(match t.act {
            Act::NotStarted => ThreadState::Starting,
            Act::Done => return None,
            Act::Blocked => ThreadState::Blocked,
            Act::WantGil | Act::TimedWait | Act::ForcedWait | Act::LockSleep | Act::LockRetry => {
                ThreadState::WaitingGil
            }
            Act::Ready => ThreadState::Runnable,
            Act::Exec => match (t.os, t.exec) {
                (Os::OnCore(_), Some(ExecKind::CFree)) => ThreadState::RunningC,
                (Os::OnCore(_), Some(ExecKind::Syscall)) => ThreadState::Blocked,
                (Os::OnCore(_), _) => ThreadState::RunningPython,
                _ => ThreadState::Runnable,
            },
        })
    }

    pub(super) fn into_result(self, label: &str) -> RunResult {
        let wall_ns = self.threads.iter().map(|t| t.gone_ns).max().unwrap_or(0);
        let gil_switches = self.interpreters.iter().map(|p| p.gil.switches).sum();
        let events = self.events;
        let core_busy_ns = self.cores.iter().map(|c| c.busy_ns).collect();
        let mut threads = Vec::with_capacity(self.threads.len());
        let mut timeline = Vec::with_capacity(self.threads.len());
        for t in self.threads.into_iter().filter(|t| t.role == Role::Spec) {
            let place = &self.interpreters[t.interpreter];
            let process = place.process.clone();
            let lane = Lane {
                process: process.clone(),
                subinterpreter: place.subinterpreter.clone(),
                thread: t.name.clone(),
                segments: t.spans,
            };
            threads.push(ThreadResult {
                name: t.name,
                process,
                subinterpreter: place.subinterpreter.clone(),
                cpu_ns: t.cpu_ns,
                work_ns: t.work_ns.round() as u64,
                gil_wait_ns: lane.time_in(ThreadState::WaitingGil),
                acquisitions: t.acquisitions,
                forced_drops: t.forced_drops,
                io_ops: t.io_ops,
                io_latencies_ns: t.latencies,
                end_ns: t.end_ns,
            });
            timeline.push(lane);
        }
        RunResult {
            label: label.to_string(),
            wall_ns,
            gil_switches,
            events,
            threads,
            timeline,
            core_busy_ns,
        }
    }
}
