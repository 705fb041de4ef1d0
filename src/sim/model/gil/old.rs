//! The old GIL (CPython 2.x): the holder releases and at once re-acquires the lock every
//! check interval.
//!
//! That is not simulated tick by tick (millions of events per second of simulated
//! time). While a woken waiter retries on another core, the holder pays `signal_us` per
//! check interval, and the retries are drawn as one geometric number: each needs a
//! wake-up and wins with probability `race_window_ns / (check_interval_ticks *
//! tick_ns)`. A thread that arrives at the lock awake (back from I/O or a sleep) races
//! at once instead: it tries once per check interval, and a try wins when it lands
//! between the holder's release and its re-acquire, a window as long as
//! `race_window_ns` plus the signal (the release posts the lock, wakes a waiter in a
//! system call, then re-acquires). Measured on CPython 2.7.18 here, such a thread got
//! the lock back within about 0.04 ms beside a CPU-bound thread. With no idle core, a
//! woken waiter only runs when the OS preempts the holder, and wins if that fell inside
//! the window. Now and then the awake racer loses a try and falls asleep on the lock
//! (`racer_sleeps` per lost try): from then on it is a woken waiter like any other, and
//! waits milliseconds where it would have waited microseconds.

use rand::RngExt;

use super::super::super::spec::{InterpreterParams, MachineParams};
use super::super::os::Os;
use super::super::thread::{Act, ExecKind};
use super::super::workload::NS_PER_US;
use super::super::{Ev, Sim};
use super::GilRules;

#[derive(Clone, Copy, Debug)]
pub(in super::super) struct OldGil {
    /// Chance that a woken waiter's try falls inside the holder's release window (the
    /// ticks between its release and its re-acquire).
    p_win: f64,
    /// Chance that a try of a thread arriving awake falls inside the release window,
    /// which then includes the signal.
    p_win_awake: f64,
    /// Chance per lost try that a thread racing awake falls asleep on the lock.
    p_sleep: f64,
    /// Between two tries of a woken waiter (wake-up and context switch).
    retry_ns: u64,
    /// Between two tries of a thread arriving awake: one check interval and its signal.
    cycle_ns: u64,
    /// Slowdown of the holder while a waiter retries (a signal every check interval).
    overhead: f64,
}

impl OldGil {
    pub(super) fn new(interp: &InterpreterParams, machine: &MachineParams) -> OldGil {
        let cycle_ns = f64::from(interp.check_interval_ticks) * interp.tick_ns;
        let signal_ns = machine.signal_us * NS_PER_US;
        OldGil {
            p_win: (interp.race_window_ns / cycle_ns).clamp(1e-12, 1.0),
            p_win_awake: ((interp.race_window_ns + signal_ns) / (cycle_ns + signal_ns))
                .clamp(1e-12, 1.0),
            p_sleep: interp.racer_sleeps.clamp(0.0, 1.0),
            retry_ns: (((machine.wake_latency_us + machine.context_switch_us) * NS_PER_US).round()
                as u64)
                .max(1),
            cycle_ns: ((cycle_ns + signal_ns).round() as u64).max(1),
            overhead: (cycle_ns + signal_ns) / cycle_ns,
        }
    }

    fn holder_runs_python(sim: &Sim, interpreter: usize) -> Option<usize> {
        let h = sim.interpreters[interpreter].gil.holder?;
        sim.threads[h].runs_python().then_some(h)
    }

    /// Failed attempts before the first success, each succeeding with `p`.
    fn geometric(sim: &mut Sim, p: f64) -> u64 {
        if p >= 1.0 {
            return 0;
        }
        if p <= 0.0 {
            return u64::MAX;
        }
        let u: f64 = sim.rng.random();
        let k = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
        k.clamp(0.0, 1e12) as u64
    }

    /// Starts or stops the retry race of old-GIL waiters against the running holder.
    fn update(&self, sim: &mut Sim, interpreter: usize) {
        let holder = Self::holder_runs_python(sim, interpreter);
        let sleeping = sim.waiters_in(interpreter, Act::LockSleep);
        let idle = sim.any_idle_core();
        let racing = holder.is_some() && !sleeping.is_empty() && idle;
        let gil = &sim.interpreters[interpreter].gil;
        if racing && !gil.retry_active {
            let k = Self::geometric(sim, self.p_win);
            let at = sim.now() + (k + 1).saturating_mul(self.retry_ns);
            Self::start_race(sim, interpreter, None, at, false);
        } else if !racing && gil.retry_active {
            let gil = &mut sim.interpreters[interpreter].gil;
            gil.retry_active = false;
            gil.racer = None;
            gil.racer_falls_asleep = false;
            gil.event_gen = gil.event_gen.wrapping_add(1);
        }
        // No free core: a waiter woken by a release can only run once the OS preempts
        // the holder.
        let attempting = sim.interpreters[interpreter]
            .gil
            .waiters
            .iter()
            .any(|&w| sim.threads[w].act == Act::LockRetry);
        if holder.is_some() && !sleeping.is_empty() && !idle && !attempting {
            let w = sleeping[0];
            sim.threads[w].act = Act::LockRetry;
            sim.want_core(w, false);
        }
    }

    /// Schedules the win of the race under way at `at`: for `racer`, or a waiter picked
    /// then.
    fn start_race(
        sim: &mut Sim,
        interpreter: usize,
        racer: Option<usize>,
        at: u64,
        falls_asleep: bool,
    ) {
        let gil = &mut sim.interpreters[interpreter].gil;
        gil.retry_active = true;
        gil.racer = racer;
        gil.racer_falls_asleep = falls_asleep;
        gil.event_gen = gil.event_gen.wrapping_add(1);
        let generation = gil.event_gen;
        sim.q.push(
            at,
            Ev::Lock {
                interpreter: interpreter as u32,
                generation,
            },
        );
    }

    /// The lock passes from its holder (which now waits for it, in `holder_act`) to `to`.
    fn hand_over(sim: &mut Sim, holder: usize, holder_act: Act, to: usize) {
        let interpreter = sim.threads[holder].interpreter;
        let t = &mut sim.threads[holder];
        t.has_gil = false;
        t.act = holder_act;
        let gil = &mut sim.interpreters[interpreter].gil;
        gil.holder = None;
        gil.waiters.push(holder);
        sim.take(to);
    }

    /// A retry won the race: the waiter holds the lock, the holder sleeps on it.
    fn on_win(&self, sim: &mut Sim, interpreter: usize) {
        let gil = &mut sim.interpreters[interpreter].gil;
        gil.retry_active = false;
        gil.event_gen = gil.event_gen.wrapping_add(1);
        let racer = gil.racer.take();
        if std::mem::take(&mut gil.racer_falls_asleep) {
            // The racer now sleeps on the lock: `update` starts the woken waiters' race.
            return;
        }
        let Some(h) = Self::holder_runs_python(sim, interpreter) else {
            return;
        };
        let sleeping = sim.waiters_in(interpreter, Act::LockSleep);
        if sleeping.is_empty() {
            return;
        }
        let w = match racer {
            Some(r) if sleeping.contains(&r) => r,
            _ => sleeping[sim.pick(sleeping.len())],
        };
        sim.settle(h);
        sim.cancel_timer(h);
        Self::hand_over(sim, h, Act::LockSleep, w);
        sim.threads[w].act = Act::Ready;
        sim.leave_core(h);
        sim.want_core(w, true);
    }
}

impl GilRules for OldGil {
    fn attempt(&self, sim: &mut Sim, tid: usize) {
        if sim.take_if_free(tid) {
            return;
        }
        sim.threads[tid].act = Act::LockSleep;
        let interpreter = sim.threads[tid].interpreter;
        let gil = &mut sim.interpreters[interpreter].gil;
        if !gil.waiters.contains(&tid) {
            gil.waiters.push(tid);
        }
        let race_free = !gil.retry_active;
        sim.leave_core(tid);
        // Awake on a core of its own while the holder runs Python: it races at once.
        if race_free && Self::holder_runs_python(sim, interpreter).is_some() {
            let wins_at = Self::geometric(sim, self.p_win_awake);
            let sleeps_after = Self::geometric(sim, self.p_sleep);
            let falls_asleep = sleeps_after < wins_at;
            let tries = if falls_asleep { sleeps_after } else { wins_at };
            let at = sim.now() + (tries + 1).saturating_mul(self.cycle_ns);
            Self::start_race(sim, interpreter, Some(tid), at, falls_asleep);
        }
    }

    fn release(&self, sim: &mut Sim, tid: usize, _exiting: bool) -> bool {
        let interpreter = sim.threads[tid].interpreter;
        let candidates = sim.waiters_in(interpreter, Act::LockSleep);
        if !candidates.is_empty() {
            let w = candidates[sim.pick(candidates.len())];
            sim.threads[w].act = Act::LockRetry;
            sim.want_core(w, false);
        }
        false
    }

    fn python_factor(&self, sim: &Sim, tid: usize) -> f64 {
        let gil = &sim.interpreters[sim.threads[tid].interpreter].gil;
        if gil.retry_active && gil.holder == Some(tid) {
            self.overhead
        } else {
            1.0
        }
    }

    /// On a core after a wake-up: try the lock once.
    fn retry(&self, sim: &mut Sim, tid: usize) {
        let interpreter = sim.threads[tid].interpreter;
        let Some(h) = sim.interpreters[interpreter].gil.holder else {
            sim.take(tid);
            sim.resume(tid);
            return;
        };
        let ht = &sim.threads[h];
        let preempted_in_python =
            ht.act == Act::Exec && ht.exec == Some(ExecKind::Py) && ht.os == Os::Queued;
        if preempted_in_python && sim.rng.random::<f64>() < self.p_win {
            // The OS preempted the holder between its release and re-acquire.
            Self::hand_over(sim, h, Act::WantGil, tid);
            sim.resume(tid);
        } else {
            sim.threads[tid].act = Act::LockSleep;
            sim.leave_core(tid);
        }
    }

    fn on_lock_event(&self, sim: &mut Sim, interpreter: usize) {
        self.on_win(sim, interpreter);
    }

    fn after_event(&self, sim: &mut Sim) {
        for p in 0..sim.interpreters.len() {
            self.update(sim, p);
        }
    }
}
