//! The GIL as an interface: [`GilRules`] is what the rest of the model asks of a lock
//! (take it on a core, release it, how it slows Python, its own timers and events), and
//! each interpreter implements it in one file. [`Gil`] picks the implementation for a
//! run.
//!
//! Enum dispatch rather than a boxed trait object: the model is borrowed mutably while a
//! rule runs, and a `Copy` enum can be taken out of it for the call at no cost, with no
//! allocation and the interpreter's own parameters held by value. A new interpreter is
//! one file implementing [`GilRules`], one variant of [`Gil`] and its arm in
//! [`Gil::rules`] and [`Gil::for_params`].

mod free_threaded;
mod new;
mod old;

use super::super::spec::{GilKind, InterpreterParams, MachineParams};
use super::thread::{Act, Role};
use super::{Sim, TimerKind};

/// The state of one lock (one per interpreter). Fields that only some rules use say so.
#[derive(Default)]
pub(super) struct GilState {
    pub(super) holder: Option<usize>,
    pub(super) last_holder: Option<usize>,
    pub(super) switch_number: u64,
    /// New GIL: a waiter asked the holder to drop the lock.
    pub(super) drop_request: bool,
    /// New GIL: the waiter that set the drop request, while the request stands.
    pub(super) requester: Option<usize>,
    /// Threads that want the lock (any waiting act).
    pub(super) waiters: Vec<usize>,
    /// New GIL: threads in the forced-switching wait, oldest first.
    pub(super) forced: Vec<usize>,
    /// Old GIL: a waiter's retry race against the holder is under way.
    pub(super) retry_active: bool,
    /// Old GIL: the thread racing, if one arrived awake (else a woken waiter is picked).
    pub(super) racer: Option<usize>,
    /// Old GIL: the pending event is the racer falling asleep, not its win.
    pub(super) racer_falls_asleep: bool,
    /// Generation of the lock's pending event (stale events are skipped).
    pub(super) event_gen: u32,
    pub(super) switches: u64,
}

/// Timers of a thread that only some rules set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum GilTimer {
    /// New GIL: the timed wait of one switch interval ran out.
    WaitTimeout,
    /// New GIL: another thread took the lock; the forced waiter wakes.
    ForcedWake,
}

/// What one interpreter's lock does. Hooks with a default are those most locks need not.
pub(super) trait GilRules {
    /// The thread is on a core and wants the lock: take it, or wait for it.
    fn attempt(&self, sim: &mut Sim, tid: usize);

    /// The holder released the lock (already marked free); signal a waiter. Returns true
    /// when the thread must wait until another takes it (forced switching).
    fn release(&self, sim: &mut Sim, tid: usize, exiting: bool) -> bool;

    /// Factor by which this thread's Python runs slower under these rules.
    fn python_factor(&self, _sim: &Sim, _tid: usize) -> f64 {
        1.0
    }

    /// When the holder of lock `interpreter` was asked to drop it: after how many nanoseconds
    /// of running Python it notices.
    fn drop_notice_after(&self, _sim: &Sim, _proc: usize) -> Option<u64> {
        None
    }

    /// A woken waiter (`Act::LockRetry`) got a core.
    fn retry(&self, sim: &mut Sim, tid: usize) {
        self.attempt(sim, tid);
    }

    /// A timer of these rules fired for a thread.
    fn on_timer(&self, _sim: &mut Sim, _tid: usize, _timer: GilTimer) {}

    /// The pending event of lock `interpreter` fired.
    fn on_lock_event(&self, _sim: &mut Sim, _proc: usize) {}

    /// After every event, once the thread and core states are settled.
    fn after_event(&self, _sim: &mut Sim) {}
}

/// The lock of a run's interpreters, with the parameters its rules need.
#[derive(Clone, Copy, Debug)]
pub(super) enum Gil {
    New(new::NewGil),
    Old(old::OldGil),
    FreeThreaded(free_threaded::FreeThreaded),
}

impl Gil {
    pub(super) fn for_params(interp: &InterpreterParams, machine: &MachineParams) -> Gil {
        match interp.gil {
            GilKind::New => Gil::New(new::NewGil::new(interp)),
            GilKind::Old => Gil::Old(old::OldGil::new(interp, machine)),
            GilKind::FreeThreaded => Gil::FreeThreaded(free_threaded::FreeThreaded::new(interp)),
        }
    }

    pub(super) fn rules(&self) -> &dyn GilRules {
        match self {
            Gil::New(g) => g,
            Gil::Old(g) => g,
            Gil::FreeThreaded(g) => g,
        }
    }
}

impl Sim {
    /// On a core, wanting the GIL.
    pub(super) fn gil_attempt(&mut self, tid: usize) {
        let gil = self.gil;
        gil.rules().attempt(self, tid);
    }

    /// On a core after a wake-up: try the lock once.
    pub(super) fn gil_retry(&mut self, tid: usize) {
        let gil = self.gil;
        gil.rules().retry(self, tid);
    }

    pub(super) fn on_gil_timer(&mut self, tid: usize, timer: GilTimer) {
        let gil = self.gil;
        gil.rules().on_timer(self, tid, timer);
    }

    pub(super) fn on_lock_event(&mut self, interpreter: usize) {
        let gil = self.gil;
        gil.rules().on_lock_event(self, interpreter);
    }

    pub(super) fn gil_after_event(&mut self) {
        let gil = self.gil;
        gil.rules().after_event(self);
    }

    /// Takes the free lock of the thread's interpreter.
    pub(super) fn take(&mut self, tid: usize) {
        let now = self.now();
        let interpreter = self.threads[tid].interpreter;
        // A process starting or exiting is not a thread switching the lock.
        let counts = self.threads[tid].role == Role::Spec;
        let gil = &mut self.interpreters[interpreter].gil;
        // The GIL invariant: nobody else may hold the lock being taken.
        debug_assert!(gil.holder.is_none() || gil.holder == Some(tid));
        gil.holder = Some(tid);
        gil.waiters.retain(|&w| w != tid);
        let mut switched = false;
        if gil.last_holder != Some(tid) {
            gil.switch_number += 1;
            if gil.last_holder.is_some() && counts {
                gil.switches += 1;
                switched = true;
            }
            gil.last_holder = Some(tid);
        }
        gil.drop_request = false;
        gil.requester = None;
        let wake_forced = if gil.forced.is_empty() {
            None
        } else {
            Some(gil.forced.remove(0))
        };
        let t = &mut self.threads[tid];
        t.has_gil = true;
        t.acquisitions += 1;
        if switched {
            // The interpreter's hot data now lives in another core's caches.
            t.cold = self.refill_ns;
        }
        if let Some(fw) = wake_forced {
            let core = self.threads[fw].last_core;
            let at = now + self.wake_ns(core);
            self.set_timer(fw, at, TimerKind::Gil(GilTimer::ForcedWake));
        }
    }

    /// Takes the lock if it is free and continues on the core; false if it is held.
    pub(super) fn take_if_free(&mut self, tid: usize) -> bool {
        let interpreter = self.threads[tid].interpreter;
        if self.interpreters[interpreter].gil.holder.is_some() {
            return false;
        }
        self.take(tid);
        self.resume(tid);
        true
    }

    /// Releases the GIL and signals a waiter. Returns true when the thread must wait for
    /// another to take the lock (forced switching after a drop request).
    pub(super) fn drop_gil(&mut self, tid: usize, exiting: bool) -> bool {
        let interpreter = self.threads[tid].interpreter;
        self.threads[tid].has_gil = false;
        let gil = &mut self.interpreters[interpreter].gil;
        if gil.holder == Some(tid) {
            gil.holder = None;
        }
        let rules = self.gil;
        rules.rules().release(self, tid, exiting)
    }

    /// The waiters of lock `interpreter` in `act`, in the order they started waiting.
    pub(super) fn waiters_in(&self, interpreter: usize, act: Act) -> Vec<usize> {
        self.interpreters[interpreter]
            .gil
            .waiters
            .iter()
            .copied()
            .filter(|&w| self.threads[w].act == act)
            .collect()
    }

    /// The holder noticed a drop request: it drops the lock and waits until another
    /// thread took it, or (nobody waiting any more) asks for it again.
    pub(super) fn on_drop_notice(&mut self, tid: usize) {
        self.settle(tid);
        self.threads[tid].forced_drops += 1;
        if self.drop_gil(tid, false) {
            self.threads[tid].act = Act::ForcedWait;
            self.threads[tid].pending_call = None;
            self.leave_core(tid);
        } else {
            self.threads[tid].act = Act::WantGil;
            self.gil_attempt(tid);
        }
    }
}
