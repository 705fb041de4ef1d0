//! The machine and its OS scheduler: cores, a FIFO run queue, time slices, wake-up and
//! context-switch latencies with their jitter, and how busy cores slow each other down.

use rand::RngExt;

use super::workload::NS_PER_US;
use super::{Act, Ev, Sim, TimerKind};

/// Where the OS has the thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Os {
    Off,
    Queued,
    Switching(usize),
    OnCore(usize),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum CoreState {
    Idle,
    Switching(usize),
    Busy(usize),
}

pub(super) struct Core {
    pub(super) state: CoreState,
    /// When the core last went idle: a core idle only briefly still polls and wakes a
    /// thread faster.
    pub(super) idle_since: u64,
    pub(super) slice_end: u64,
    pub(super) slice_armed: bool,
    pub(super) slice_gen: u32,
    pub(super) busy_ns: u64,
}

impl Core {
    pub(super) fn idle() -> Core {
        Core {
            state: CoreState::Idle,
            idle_since: 0,
            slice_end: 0,
            slice_armed: false,
            slice_gen: 0,
            busy_ns: 0,
        }
    }
}

impl Sim {
    // ---- randomness (OS jitter only) ----

    /// `base_ns` as the OS delivers it: never much sooner, sometimes much later. The
    /// median stays at `base_ns`; the spread is exponential (scale `jitter`), so one
    /// delay in a hundred is about 2.4 times as long at the default 0.4, where a uniform
    /// spread could never exceed 1.4 times and left the measured tails unexplained.
    pub(super) fn jittered(&mut self, base_ns: f64) -> u64 {
        let j = self.machine.jitter;
        let v = if j > 0.0 {
            let u: f64 = self.rng.random();
            let exponential = -(1.0 - u).ln();
            base_ns * (1.0 + j * (exponential - std::f64::consts::LN_2))
        } else {
            base_ns
        };
        v.round().max(0.0) as u64
    }

    /// From a signal to the woken thread running on `core`: quick while the core still
    /// polls after going idle, a full wake-up once it sleeps (or runs another thread).
    pub(super) fn wake_ns(&mut self, core: usize) -> u64 {
        let us = self.wake_us(core, false);
        self.jittered(us * NS_PER_US).max(1)
    }

    /// The median wake-up onto `core`, in microseconds. `deepens` for a reply that ends
    /// a wait: that wake-up grows with how long the core slept, as measured. A thread
    /// whose own timer fired does not see it: the host wakes a guest's core ahead of its
    /// timer (KVM advances guest timers by the time a wake-up takes), and the measured
    /// sleeps ran 0.1 ms late after 10 and after 100 ms alike. Wake-ups by the GIL's
    /// condition variable keep the shallow value the convoy rows were fitted with: no
    /// measurement here separates them.
    fn wake_us(&self, core: usize, deepens: bool) -> f64 {
        let m = &self.machine;
        let idle = self.cores[core].state == CoreState::Idle;
        let idle_us = if idle {
            (self.now() - self.cores[core].idle_since) as f64 / NS_PER_US
        } else {
            0.0
        };
        if idle && idle_us < m.idle_poll_us {
            return m.poll_wake_us;
        }
        if !deepens {
            return m.wake_latency_us;
        }
        // A core that has slept longer sleeps deeper: past the polling time the wake-up
        // grows from `wake_latency_us` toward `deep_wake_us`, most of the way after
        // `deep_idle_ms` (the host picks deeper idle states the longer nothing
        // happens). Measured: 0.05 ms after a 1 ms wait, 0.10 after 5, 0.19 after 20,
        // 0.21 after 50.
        let slept_ms = (idle_us - m.idle_poll_us).max(0.0) / 1000.0;
        let depth = 1.0 - (-slept_ms / m.deep_idle_ms).exp();
        m.wake_latency_us + (m.deep_wake_us - m.wake_latency_us).max(0.0) * depth
    }

    /// Makes a thread whose reply arrived runnable (see [`Sim::wake_us`]).
    pub(super) fn want_core_after_reply(&mut self, tid: usize) {
        self.enqueue(tid, Some(true));
    }

    fn switch_ns(&mut self) -> u64 {
        self.jittered(self.machine.context_switch_us * NS_PER_US)
            .max(1)
    }

    pub(super) fn slack_ns(&mut self) -> u64 {
        self.jittered(self.machine.timer_slack_us * NS_PER_US)
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        let u: f64 = self.rng.random();
        u < p
    }

    /// Uniform pick among `n` candidates; the OS gives no fairness.
    pub(super) fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.rng.random_range(0..n)
        }
    }

    // ---- cores and the run queue ----

    fn idle_core(&self, tid: usize) -> Option<usize> {
        let last = self.threads[tid].last_core;
        if self.cores[last].state == CoreState::Idle {
            return Some(last);
        }
        self.cores.iter().position(|c| c.state == CoreState::Idle)
    }

    pub(super) fn any_idle_core(&self) -> bool {
        self.cores.iter().any(|c| c.state == CoreState::Idle)
    }

    pub(super) fn busy_cores(&self) -> usize {
        self.cores
            .iter()
            .filter(|c| matches!(c.state, CoreState::Busy(_)))
            .count()
    }

    /// Makes the thread runnable: onto an idle core after a wake-up (none if it is
    /// already awake), or into the run queue.
    pub(super) fn want_core(&mut self, tid: usize, awake: bool) {
        self.enqueue(tid, (!awake).then_some(false));
    }

    /// Onto an idle core or into the run queue; `wake` is `None` for a thread already
    /// awake, else whether its wake-up deepens with the core's sleep.
    fn enqueue(&mut self, tid: usize, wake: Option<bool>) {
        self.threads[tid].os = Os::Queued;
        match self.idle_core(tid) {
            Some(c) => {
                let delay = match wake {
                    None => 0,
                    Some(deepens) => {
                        let us = self.wake_us(c, deepens);
                        self.jittered(us * NS_PER_US).max(1)
                    }
                };
                self.dispatch(c, tid, delay);
            }
            None => self.run_queue.push_back(tid),
        }
    }

    fn dispatch(&mut self, core: usize, tid: usize, delay: u64) {
        self.cores[core].state = CoreState::Switching(tid);
        self.threads[tid].os = Os::Switching(core);
        let at = self.now() + delay;
        self.set_timer(tid, at, TimerKind::Dispatched);
    }

    pub(super) fn leave_core(&mut self, tid: usize) {
        if let Os::OnCore(c) | Os::Switching(c) = self.threads[tid].os {
            self.threads[tid].os = Os::Off;
            self.core_next(c);
        } else if self.threads[tid].os == Os::Queued {
            self.run_queue.retain(|&t| t != tid);
            self.threads[tid].os = Os::Off;
        }
    }

    fn core_next(&mut self, core: usize) {
        match self.run_queue.pop_front() {
            Some(next) => {
                let delay = self.switch_ns();
                self.dispatch(core, next, delay);
            }
            None => {
                self.cores[core].state = CoreState::Idle;
                self.cores[core].idle_since = self.now();
            }
        }
    }

    pub(super) fn on_dispatched(&mut self, tid: usize) {
        let Os::Switching(c) = self.threads[tid].os else {
            return;
        };
        let now = self.now();
        let core = &mut self.cores[c];
        core.state = CoreState::Busy(tid);
        core.slice_end = now + self.slice_ns;
        core.slice_armed = false;
        core.slice_gen = core.slice_gen.wrapping_add(1);
        self.threads[tid].os = Os::OnCore(c);
        self.threads[tid].last_core = c;
        match self.threads[tid].act {
            Act::Ready => self.resume(tid),
            Act::WantGil => self.gil_attempt(tid),
            Act::LockRetry => self.gil_retry(tid),
            Act::Exec => self.start_segment(tid),
            _ => self.leave_core(tid),
        }
    }

    /// A core's time slice ended: its thread goes to the back of the run queue if
    /// another waits for a core.
    pub(super) fn on_slice_end(&mut self, core: usize) {
        self.cores[core].slice_armed = false;
        if let CoreState::Busy(tid) = self.cores[core].state
            && !self.run_queue.is_empty()
        {
            self.preempt(tid);
        }
    }

    fn preempt(&mut self, tid: usize) {
        let Os::OnCore(c) = self.threads[tid].os else {
            return;
        };
        self.settle(tid);
        self.cancel_timer(tid);
        self.threads[tid].os = Os::Queued;
        self.run_queue.push_back(tid);
        self.core_next(c);
    }

    /// While threads wait for a core, every busy core's slice must end at some point.
    pub(super) fn arm_slices(&mut self) {
        if self.run_queue.is_empty() {
            return;
        }
        let now = self.now();
        for c in 0..self.cores.len() {
            let core = &mut self.cores[c];
            if matches!(core.state, CoreState::Busy(_)) && !core.slice_armed {
                core.slice_armed = true;
                core.slice_gen = core.slice_gen.wrapping_add(1);
                let (at, generation) = (core.slice_end.max(now), core.slice_gen);
                self.q.push(
                    at,
                    Ev::Slice {
                        core: c as u32,
                        generation,
                    },
                );
            }
        }
    }

    /// How much slower each busy core runs with `busy` cores busy (shared caches, SMT,
    /// all-core clock), interpolated up to `parallel_slowdown` with all busy.
    pub(super) fn parallel_factor(&self, busy: usize) -> f64 {
        let cores = self.cores.len();
        if cores <= 1 || busy <= 1 {
            1.0
        } else {
            let share = (busy - 1) as f64 / (cores - 1) as f64;
            1.0 + (self.machine.parallel_slowdown - 1.0) * share.min(1.0)
        }
    }
}
