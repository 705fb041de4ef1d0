//! The new GIL (CPython 3.2+), after `take_gil`/`drop_gil` of `Python/ceval_gil.c`: a
//! waiter does a timed wait of one switch interval and sets the drop request on a
//! timeout with no switch meanwhile; the holder sees it at its next eval-breaker check,
//! drops, signals one waiter and (forced switching) sleeps until another thread took
//! the lock.
//!
//! Which waiter the signal reaches: glibc's condition variable queues waiters in the
//! order they began to wait (one that timed out and waits again goes to the back) and
//! the kernel's futex wakes the first, so the longest waiter; but after a drop request
//! the requester has only just timed out and may still be awake on its way back into
//! the wait, and then takes the signal itself (`requester_wins`).

use super::super::super::spec::InterpreterParams;
use super::super::thread::Act;
use super::super::workload::NS_PER_MS;
use super::super::{Sim, TimerKind};
use super::{GilRules, GilTimer};

#[derive(Clone, Copy, Debug)]
pub(in super::super) struct NewGil {
    /// The timed wait of a waiter (`sys.setswitchinterval`).
    interval_ns: u64,
    /// Time between two eval-breaker checks in running bytecode.
    eval_check_ns: u64,
}

impl NewGil {
    pub(super) fn new(interp: &InterpreterParams) -> NewGil {
        NewGil {
            interval_ns: ((interp.switch_interval_ms * NS_PER_MS).round() as u64).max(1),
            eval_check_ns: (interp.eval_check_ns.round() as u64).max(1),
        }
    }

    fn enter_timed_wait(&self, sim: &mut Sim, tid: usize) {
        let interpreter = sim.threads[tid].interpreter;
        let gil = &mut sim.interpreters[interpreter].gil;
        // A wait begun again goes to the back of the queue.
        gil.waiters.retain(|&w| w != tid);
        gil.waiters.push(tid);
        let switch_number = gil.switch_number;
        let t = &mut sim.threads[tid];
        t.act = Act::TimedWait;
        t.saved_switch = switch_number;
        let at = sim.now() + self.interval_ns + sim.slack_ns();
        sim.set_timer(tid, at, TimerKind::Gil(GilTimer::WaitTimeout));
    }

    /// A thread that is awake off-core takes the free GIL, or starts its timed wait.
    fn take_or_wait_awake(&self, sim: &mut Sim, tid: usize) {
        let interpreter = sim.threads[tid].interpreter;
        if sim.interpreters[interpreter].gil.holder.is_none() {
            sim.take(tid);
            sim.threads[tid].act = Act::Ready;
            sim.want_core(tid, true);
        } else {
            self.enter_timed_wait(sim, tid);
        }
    }

    fn on_wait_timeout(&self, sim: &mut Sim, tid: usize) {
        let interpreter = sim.threads[tid].interpreter;
        if sim.interpreters[interpreter].gil.holder.is_none() {
            self.take_or_wait_awake(sim, tid);
            return;
        }
        let gil = &mut sim.interpreters[interpreter].gil;
        if gil.switch_number == sim.threads[tid].saved_switch && !gil.drop_request {
            gil.drop_request = true;
            gil.requester = Some(tid);
            self.notify_holder(sim, interpreter);
        }
        self.enter_timed_wait(sim, tid);
    }

    /// The holder, if it runs Python, sees the drop request at its next check.
    fn notify_holder(&self, sim: &mut Sim, interpreter: usize) {
        let Some(h) = sim.interpreters[interpreter].gil.holder else {
            return;
        };
        let now = sim.now();
        let t = &sim.threads[h];
        if t.runs_python() {
            let e = self.eval_check_ns;
            let since = now - t.seg_start;
            let notice = t.seg_start + since.div_ceil(e) * e;
            if notice < t.timer_at {
                sim.set_timer(h, notice, TimerKind::DropNotice);
            }
        }
    }

    fn on_forced_wake(&self, sim: &mut Sim, tid: usize) {
        match sim.threads[tid].pending_call.take() {
            Some(call) => sim.begin_call(tid, call),
            None => self.take_or_wait_awake(sim, tid),
        }
    }
}

impl GilRules for NewGil {
    fn attempt(&self, sim: &mut Sim, tid: usize) {
        if !sim.take_if_free(tid) {
            self.enter_timed_wait(sim, tid);
            sim.leave_core(tid);
        }
    }

    fn release(&self, sim: &mut Sim, tid: usize, exiting: bool) -> bool {
        let interpreter = sim.threads[tid].interpreter;
        let gil = &mut sim.interpreters[interpreter].gil;
        let must_wait = !exiting && gil.drop_request && !gil.waiters.is_empty();
        let requester = gil.requester.take();
        if must_wait {
            gil.drop_request = false;
            gil.forced.push(tid);
        }
        let candidates = sim.waiters_in(interpreter, Act::TimedWait);
        if !candidates.is_empty() {
            let w = match requester {
                Some(r) if candidates.contains(&r) && sim.chance(sim.machine.requester_wins) => r,
                _ => candidates[0],
            };
            sim.cancel_timer(w);
            sim.threads[w].act = Act::WantGil;
            sim.want_core(w, false);
        }
        must_wait
    }

    fn drop_notice_after(&self, sim: &Sim, interpreter: usize) -> Option<u64> {
        sim.interpreters[interpreter]
            .gil
            .drop_request
            .then_some(self.eval_check_ns)
    }

    fn on_timer(&self, sim: &mut Sim, tid: usize, timer: GilTimer) {
        match timer {
            GilTimer::WaitTimeout => self.on_wait_timeout(sim, tid),
            GilTimer::ForcedWake => self.on_forced_wake(sim, tid),
        }
    }
}
