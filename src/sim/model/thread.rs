//! A thread and how it steps through its work: pieces of Python and C run on a core in
//! segments (a segment ends when the piece ends, the core's speed changes or the OS
//! preempts it), blocking calls run off the core without the GIL.

use super::super::measure::{Span, ThreadState};
use super::os::Os;
use super::workload::{Action, Cursor, NS_PER_US, Op};
use super::{Sim, TimerKind};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ExecKind {
    Py,
    CHold,
    CFree,
    /// A socket call that does not wait: on the core, without the GIL.
    Syscall,
}

/// What the thread is doing, from the interpreter's point of view.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Act {
    NotStarted,
    /// Holds the GIL (or needs none) and waits for a core to continue.
    Ready,
    /// Will try to take the GIL once on a core.
    WantGil,
    /// New GIL: in the timed condition-variable wait.
    TimedWait,
    /// New GIL: dropped on request, sleeping until another thread took the GIL.
    ForcedWait,
    /// Old GIL: asleep on the lock.
    LockSleep,
    /// Old GIL: woken, will try the lock once on a core.
    LockRetry,
    /// Running (or preempted in) its current piece of work.
    Exec,
    Blocked,
    Done,
}

pub(super) struct Thread {
    pub(super) name: String,
    /// The interpreter (and so the GIL) the thread belongs to.
    pub(super) interpreter: usize,
    pub(super) ops: Vec<Op>,
    pub(super) cursor: Cursor,
    pub(super) act: Act,
    pub(super) os: Os,
    pub(super) last_core: usize,
    pub(super) has_gil: bool,
    pub(super) exec: Option<ExecKind>,
    /// Work left in the current piece, in single-threaded nanoseconds.
    pub(super) remaining: f64,
    pub(super) seg_start: u64,
    /// Wall nanoseconds per nanosecond of work in the current segment.
    pub(super) factor: f64,
    /// Python work still to run with cold caches (at half speed) after a GIL switch.
    pub(super) cold: f64,
    pub(super) pending_call: Option<Action>,
    pub(super) saved_switch: u64,
    pub(super) timer_gen: u32,
    pub(super) timer_at: u64,
    pub(super) latency_from: Option<u64>,
    /// When the blocking call under way is due to return: a sleep's deadline, or the
    /// arrival of the reply of the round trip under way.
    pub(super) due_at: u64,
    /// The blocking call under way ends by the thread's own timer (a sleep), not by a
    /// signal from another core (a reply).
    pub(super) timer_wake: bool,
    pub(super) cpu_ns: u64,
    pub(super) work_ns: f64,
    pub(super) acquisitions: u64,
    pub(super) forced_drops: u64,
    pub(super) io_ops: u64,
    pub(super) latencies: Vec<u64>,
    pub(super) end_ns: u64,
    pub(super) spans: Vec<Span>,
    pub(super) state: Option<ThreadState>,
    pub(super) state_since: u64,
    pub(super) role: Role,
    /// Threads this one waits for before it starts (a process's threads wait for its
    /// start-up, its exit for its threads).
    pub(super) waits_for: u32,
    /// Threads that wait for this one, each starting that long after the last thread it
    /// waits for ended, in nanoseconds.
    pub(super) then_start: Vec<(usize, u64)>,
    /// Set once the work is done and the teardown runs: the figures a program sees end
    /// there, so the teardown adds nothing to them.
    pub(super) work_done: Option<WorkDone>,
    /// When the thread was gone, teardown included: what a `join` waits for.
    pub(super) gone_ns: u64,
}

/// A thread's figures as they stood when its work ended, before its teardown.
#[derive(Clone, Copy, Debug)]
pub(super) struct WorkDone {
    end_ns: u64,
    cpu_ns: u64,
    work_ns: f64,
}

/// What a simulated thread stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Role {
    /// A thread of the spec.
    Spec,
    /// A process starting (booting an interpreter): left out of the results and the
    /// wall time, which a program's clock starts before and stops without waiting for
    /// `multiprocessing`'s own processes.
    StartUp,
    /// A process exiting after its threads: the program's `join` waits for it, so it
    /// counts in the wall time, and only there.
    Exit,
}

impl Thread {
    pub(super) fn new(name: String, interpreter: usize, ops: Vec<Op>) -> Thread {
        Thread {
            name,
            interpreter,
            ops,
            cursor: Cursor::default(),
            act: Act::NotStarted,
            os: Os::Off,
            last_core: 0,
            has_gil: false,
            exec: None,
            remaining: 0.0,
            seg_start: 0,
            factor: 1.0,
            cold: 0.0,
            pending_call: None,
            saved_switch: 0,
            timer_gen: 0,
            timer_at: 0,
            latency_from: None,
            due_at: 0,
            timer_wake: false,
            cpu_ns: 0,
            work_ns: 0.0,
            acquisitions: 0,
            forced_drops: 0,
            io_ops: 0,
            latencies: Vec::new(),
            end_ns: 0,
            spans: Vec::new(),
            state: Some(ThreadState::Starting),
            state_since: 0,
            role: Role::Spec,
            waits_for: 0,
            then_start: Vec::new(),
            work_done: None,
            gone_ns: 0,
        }
    }

    /// Runs Python on a core right now.
    pub(super) fn runs_python(&self) -> bool {
        self.act == Act::Exec && self.exec == Some(ExecKind::Py) && matches!(self.os, Os::OnCore(_))
    }
}

impl Sim {
    /// Wall nanoseconds per nanosecond of work for the thread with `busy` cores busy.
    pub(super) fn factor_of(&self, tid: usize, busy: usize) -> f64 {
        let mut f = self.parallel_factor(busy);
        if self.threads[tid].exec == Some(ExecKind::Py) {
            f *= self.gil.rules().python_factor(self, tid);
        }
        f
    }

    /// Books the time since the segment started as CPU time and work done.
    pub(super) fn settle(&mut self, tid: usize) {
        let now = self.now();
        let t = &mut self.threads[tid];
        if t.act != Act::Exec {
            return;
        }
        let Os::OnCore(c) = t.os else { return };
        let elapsed = now.saturating_sub(t.seg_start);
        t.cpu_ns += elapsed;
        let wall = elapsed as f64;
        let cold = if t.exec == Some(ExecKind::Py) {
            t.cold.min(t.remaining)
        } else {
            0.0
        };
        let cold_wall = cold * 2.0 * t.factor;
        let done = if wall <= cold_wall {
            t.cold -= wall / (2.0 * t.factor);
            wall / (2.0 * t.factor)
        } else {
            t.cold -= cold;
            cold + (wall - cold_wall) / t.factor
        };
        let done = done.min(t.remaining);
        t.remaining -= done;
        t.work_ns += done;
        t.seg_start = now;
        self.cores[c].busy_ns += elapsed;
    }

    pub(super) fn start_segment(&mut self, tid: usize) {
        let now = self.now();
        let busy = self.busy_cores();
        let factor = self.factor_of(tid, busy);
        let t = &mut self.threads[tid];
        t.seg_start = now;
        t.factor = factor;
        let cold = if t.exec == Some(ExecKind::Py) {
            t.cold.min(t.remaining)
        } else {
            0.0
        };
        let end = now + ((t.remaining + cold) * factor).ceil() as u64;
        let (python, has_gil, interpreter) =
            (t.exec == Some(ExecKind::Py), t.has_gil, t.interpreter);
        if python
            && has_gil
            && let Some(check) = self.gil.rules().drop_notice_after(self, interpreter)
        {
            let notice = now + check;
            if notice < end {
                self.set_timer(tid, notice, TimerKind::DropNotice);
                return;
            }
        }
        self.set_timer(tid, end, TimerKind::ExecEnd);
    }

    /// On a core with the GIL (or needing none): continue the current piece or the next.
    pub(super) fn resume(&mut self, tid: usize) {
        if self.threads[tid].exec.is_some() {
            self.threads[tid].act = Act::Exec;
            self.start_segment(tid);
        } else {
            self.proceed(tid);
        }
    }

    /// On a core with the GIL (or needing none), between two pieces of work.
    pub(super) fn proceed(&mut self, tid: usize) {
        let now = self.now();
        let t = &mut self.threads[tid];
        if let Some(from) = t.latency_from.take() {
            t.latencies.push(now - from);
        }
        let next = t.cursor.next(&t.ops);
        match next {
            // A thread of the spec is torn down holding the GIL before it is gone.
            None if t.role == Role::Spec && t.work_done.is_none() && self.thread_exit_ns > 0 => {
                t.work_done = Some(WorkDone {
                    end_ns: now,
                    cpu_ns: t.cpu_ns,
                    work_ns: t.work_ns,
                });
                let ns = self.thread_exit_ns;
                self.start_piece(tid, ExecKind::Py, ns);
            }
            None => self.finish(tid),
            Some(Action::Py(ns)) => self.start_piece(tid, ExecKind::Py, ns),
            Some(Action::CHold(ns)) => self.start_piece(tid, ExecKind::CHold, ns),
            Some(call) => {
                if self.threads[tid].has_gil && self.drop_gil(tid, false) {
                    let t = &mut self.threads[tid];
                    t.act = Act::ForcedWait;
                    t.pending_call = Some(call);
                    self.leave_core(tid);
                    return;
                }
                self.begin_call(tid, call);
            }
        }
    }

    /// Starts Python or a GIL-holding C call after an eval-breaker check: a pending drop
    /// request is honoured first (the loop between two calls checks it).
    fn start_piece(&mut self, tid: usize, kind: ExecKind, ns: u64) {
        let t = &self.threads[tid];
        let requested = t.has_gil
            && matches!(t.os, Os::OnCore(_))
            && self
                .gil
                .rules()
                .drop_notice_after(self, t.interpreter)
                .is_some();
        if requested {
            let now = self.now();
            let t = &mut self.threads[tid];
            t.exec = Some(kind);
            t.remaining = ns as f64;
            t.act = Act::Exec;
            t.seg_start = now;
            self.on_drop_notice(tid);
        } else {
            self.start_exec(tid, kind, ns);
        }
    }

    fn start_exec(&mut self, tid: usize, kind: ExecKind, ns: u64) {
        let t = &mut self.threads[tid];
        t.exec = Some(kind);
        t.remaining = ns as f64;
        t.act = Act::Exec;
        if matches!(t.os, Os::OnCore(_)) {
            self.start_segment(tid);
        } else {
            self.want_core(tid, true);
        }
    }

    /// Starts a call that runs without the GIL (already dropped).
    pub(super) fn begin_call(&mut self, tid: usize, call: Action) {
        match call {
            Action::CFree(ns) => self.start_exec(tid, ExecKind::CFree, ns),
            Action::Sleep(ns) => {
                // Late by the timer slack; the latency counts from the deadline.
                let due = self.now() + ns;
                let at = due + self.slack_ns();
                self.block_until(tid, due, at, true);
            }
            Action::Send { reply_in } => {
                let ns = self.jittered(self.machine.send_us * NS_PER_US).max(1);
                self.threads[tid].due_at = self.now() + ns + reply_in;
                self.start_exec(tid, ExecKind::Syscall, ns);
            }
            Action::Receive => {
                let due = self.threads[tid].due_at;
                self.threads[tid].io_ops += 1;
                if due <= self.now() {
                    // The reply is there: the call returns without sleeping.
                    self.threads[tid].latency_from = Some(due);
                    let ns = self.jittered(self.machine.receive_us * NS_PER_US).max(1);
                    self.start_exec(tid, ExecKind::Syscall, ns);
                } else {
                    self.block_until(tid, due, due, false);
                }
            }
            Action::Py(ns) => self.start_exec(tid, ExecKind::Py, ns),
            Action::CHold(ns) => self.start_exec(tid, ExecKind::CHold, ns),
        }
    }

    /// Off the core until `wake_at`; what it waited for was due at `due`, and ends by
    /// the thread's own timer (`timer_wake`) or by a reply.
    fn block_until(&mut self, tid: usize, due: u64, wake_at: u64, timer_wake: bool) {
        let t = &mut self.threads[tid];
        t.act = Act::Blocked;
        t.due_at = due;
        t.timer_wake = timer_wake;
        self.leave_core(tid);
        self.set_timer(tid, wake_at, TimerKind::BlockEnd);
    }

    fn finish(&mut self, tid: usize) {
        if self.threads[tid].has_gil {
            self.drop_gil(tid, true);
        }
        let now = self.now();
        let t = &mut self.threads[tid];
        t.act = Act::Done;
        t.exec = None;
        t.end_ns = now;
        t.gone_ns = now;
        if let Some(done) = t.work_done {
            t.end_ns = done.end_ns;
            t.cpu_ns = done.cpu_ns;
            t.work_ns = done.work_ns;
        }
        let then_start = std::mem::take(&mut t.then_start);
        if t.role == Role::StartUp {
            // The process's first thread goes on from its start-up, as on a fresh lock.
            let gil = &mut self.interpreters[t.interpreter].gil;
            gil.last_holder = None;
        }
        self.cancel_timer(tid);
        self.leave_core(tid);
        for (next, after) in then_start {
            let waiting = &mut self.threads[next].waits_for;
            *waiting = waiting.saturating_sub(1);
            if *waiting == 0 {
                self.q
                    .push(now + after, super::Ev::Start { tid: next as u32 });
            }
        }
    }

    pub(super) fn on_exec_end(&mut self, tid: usize) {
        self.settle(tid);
        let t = &mut self.threads[tid];
        t.work_ns += t.remaining;
        t.remaining = 0.0;
        match t.exec.take() {
            Some(ExecKind::CFree | ExecKind::Syscall) => {
                t.act = Act::WantGil;
                self.gil_attempt(tid);
            }
            _ => self.proceed(tid),
        }
    }

    /// A blocking call returned: the thread wants the GIL back, after a wake-up. Its
    /// latency counts from when the call was due to return.
    pub(super) fn on_block_end(&mut self, tid: usize) {
        let t = &mut self.threads[tid];
        t.act = Act::WantGil;
        t.latency_from = Some(t.due_at);
        if t.timer_wake {
            self.want_core(tid, false);
        } else {
            self.want_core_after_reply(tid);
        }
    }
}
