//! The model: cores with an OS scheduler, one interpreter (and GIL) per process, and
//! threads stepping through their work. Driven by [`super::engine::EventQueue`].
//!
//! The new GIL follows `take_gil`/`drop_gil` of CPython's `Python/ceval_gil.c`: a waiter
//! does a timed wait of one switch interval, sets the drop request on a timeout with no
//! switch meanwhile; the holder sees it at its next eval-breaker check, drops, signals one
//! waiter and (forced switching) sleeps until another thread took the lock.
//!
//! The old GIL's release/re-acquire every check interval is not simulated tick by tick
//! (millions of events per second of simulated time). While a woken waiter retries on
//! another core, the holder pays `signal_us` per check interval, and the retries are
//! drawn as one geometric number: each wins with probability
//! `race_window_ns / (check_interval_ticks * tick_ns)`. With no idle core, a woken waiter
//! only runs when the OS preempts the holder, and wins if that fell inside the window.
//!
//! Simplifications worth knowing:
//! - The OS: a FIFO run queue, time slices only while threads wait for a core, wake-up
//!   latency onto an idle core (shorter if that core went idle only just now: it is
//!   still in a shallow sleep state), a context switch when a core changes threads.
//! - A signal wakes a uniformly chosen waiter (no fairness, no priority for I/O).
//! - A timed-out waiter handles its timeout without taking a core (the timer slack
//!   stands for its wake-up).
//! - Per-switch cost: after taking the GIL from another thread, a thread's first
//!   `cache_refill_us` of Python run at half speed.
//! - All busy cores run `parallel_slowdown` slower (interpolated by how many are busy).
//! - Processes start in parallel, each after its start-up cost.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::engine::EventQueue;
use super::measure::{Lane, RunResult, Span, ThreadResult, ThreadState};
use super::spec::{GilKind, InterpreterParams, MachineParams, RunSpec, Step};
use super::{Budget, SimError};

const NS_PER_MS: f64 = 1e6;
const NS_PER_US: f64 = 1e3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExecKind {
    Py,
    CHold,
    CFree,
}

/// One indivisible piece of a thread's work.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    Py(u64),
    CHold(u64),
    CFree(u64),
    Block { ns: u64, io: bool },
}

/// A thread's workload compiled to a flat program; repeats become jumps.
#[derive(Clone, Copy, Debug)]
enum Op {
    Py(u64),
    CHold(u64),
    CFree(u64),
    Sleep(u64),
    Io { count: u32, wait: u64, cpu: u64 },
    Repeat { times: u32 },
    EndRepeat,
}

fn ms_to_ns(ms: f64) -> u64 {
    (ms * NS_PER_MS).round().max(0.0) as u64
}

/// Compiles steps, dropping anything that yields no action (zero-length Python, empty
/// repeats) so every pass of a loop produces at least one event: no spin without events.
fn compile(steps: &[Step], out: &mut Vec<Op>) {
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
                    out.push(Op::CFree(ns));
                } else if ns > 0 {
                    out.push(Op::CHold(ns));
                }
            }
            Step::SleepMs(ms) => out.push(Op::Sleep(ms_to_ns(*ms))),
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
                compile(&r.steps, out);
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

#[derive(Default)]
struct Cursor {
    pc: usize,
    loops: Vec<(usize, u32)>,
    io_left: u32,
    io_active: bool,
    io_block_next: bool,
}

impl Cursor {
    fn next(&mut self, ops: &[Op]) -> Option<Action> {
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
                    return Some(Action::Block { ns, io: false });
                }
                Op::Io { count, wait, cpu } => {
                    if !self.io_active {
                        self.io_active = true;
                        self.io_left = count;
                        self.io_block_next = false;
                    }
                    if self.io_left == 0 {
                        self.io_active = false;
                        self.pc += 1;
                        continue;
                    }
                    if !self.io_block_next {
                        self.io_block_next = true;
                        if cpu > 0 {
                            return Some(Action::Py(cpu));
                        }
                    }
                    self.io_block_next = false;
                    self.io_left -= 1;
                    return Some(Action::Block { ns: wait, io: true });
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
}

/// What the thread is doing, from the interpreter's point of view.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Act {
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
    OldSleep,
    /// Old GIL: woken, will try the lock once on a core.
    OldAttempt,
    /// Running (or preempted in) its current piece of work.
    Exec,
    Blocked,
    Done,
}

/// Where the OS has the thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Os {
    Off,
    Queued,
    Switching(usize),
    OnCore(usize),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TimerKind {
    ExecEnd,
    Notice,
    BlockEnd,
    WaitTimeout,
    Dispatched,
    ForcedWake,
}

#[derive(Clone, Copy, Debug)]
/// Kept small (16 bytes) because the heap moves events around on every pop; the
/// generations wrap, which is safe because cancelled events are purged long before.
enum Ev {
    Thread {
        tid: u32,
        generation: u32,
        kind: TimerKind,
    },
    Slice {
        core: u32,
        generation: u32,
    },
    OldWin {
        proc: u32,
        generation: u32,
    },
    Start {
        tid: u32,
    },
}

struct Thread {
    name: String,
    proc: usize,
    ops: Vec<Op>,
    cursor: Cursor,
    act: Act,
    os: Os,
    last_core: usize,
    has_gil: bool,
    exec: Option<ExecKind>,
    /// Work left in the current piece, in single-threaded nanoseconds.
    remaining: f64,
    seg_start: u64,
    /// Wall nanoseconds per nanosecond of work in the current segment.
    factor: f64,
    /// Python work still to run with cold caches (at half speed) after a GIL switch.
    cold: f64,
    pending_call: Option<Action>,
    saved_switch: u64,
    timer_gen: u32,
    timer_at: u64,
    latency_from: Option<u64>,
    cpu_ns: u64,
    work_ns: f64,
    acquisitions: u64,
    forced_drops: u64,
    io_ops: u64,
    latencies: Vec<u64>,
    end_ns: u64,
    spans: Vec<Span>,
    state: Option<ThreadState>,
    state_since: u64,
}

#[derive(Default)]
struct Gil {
    holder: Option<usize>,
    last_holder: Option<usize>,
    switch_number: u64,
    drop_request: bool,
    /// Threads that want the lock (any waiting act).
    waiters: Vec<usize>,
    /// New GIL: threads in the forced-switching wait, oldest first.
    forced: Vec<usize>,
    retry_active: bool,
    retry_gen: u32,
    switches: u64,
}

struct Process {
    name: String,
    gil: Gil,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CoreState {
    Idle,
    Switching(usize),
    Busy(usize),
}

struct Core {
    state: CoreState,
    /// When the core last went idle: a core idle only briefly is in a shallow sleep
    /// state and wakes a thread faster.
    idle_since: u64,
    slice_end: u64,
    slice_armed: bool,
    slice_gen: u32,
    busy_ns: u64,
}

/// Derives the run's RNG seed from the document seed and the run index (splitmix64),
/// so runs do not share jitter streams.
fn run_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed
        ^ (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) struct Sim {
    machine: MachineParams,
    interp: InterpreterParams,
    q: EventQueue<Ev>,
    rng: ChaCha8Rng,
    threads: Vec<Thread>,
    procs: Vec<Process>,
    cores: Vec<Core>,
    run_queue: VecDeque<usize>,
    events: u64,
    interval_ns: u64,
    eval_check_ns: u64,
    slice_ns: u64,
    p_win: f64,
    retry_ns: u64,
    old_overhead: f64,
    refill_ns: f64,
}

impl Sim {
    pub(crate) fn new(
        run: &RunSpec,
        machine: MachineParams,
        interp: InterpreterParams,
        seed: u64,
        run_index: usize,
    ) -> Sim {
        let cycle_ns = f64::from(interp.check_interval_ticks) * interp.tick_ns;
        let mut sim = Sim {
            q: EventQueue::new(),
            rng: ChaCha8Rng::seed_from_u64(run_seed(seed, run_index)),
            threads: Vec::new(),
            procs: Vec::new(),
            cores: (0..machine.cores.max(1))
                .map(|_| Core {
                    state: CoreState::Idle,
                    idle_since: 0,
                    slice_end: 0,
                    slice_armed: false,
                    slice_gen: 0,
                    busy_ns: 0,
                })
                .collect(),
            run_queue: VecDeque::new(),
            events: 0,
            interval_ns: ((interp.switch_interval_ms * NS_PER_MS).round() as u64).max(1),
            eval_check_ns: (interp.eval_check_ns.round() as u64).max(1),
            slice_ns: ms_to_ns(machine.time_slice_ms()).max(1),
            p_win: (interp.race_window_ns / cycle_ns).clamp(1e-12, 1.0),
            retry_ns: (((machine.wake_latency_us + machine.context_switch_us) * NS_PER_US).round()
                as u64)
                .max(1),
            old_overhead: (cycle_ns + machine.signal_us * NS_PER_US) / cycle_ns,
            refill_ns: machine.cache_refill_us * NS_PER_US,
            machine,
            interp,
        };
        let thread_gap = (sim.interp.thread_start_us * NS_PER_US).round() as u64;
        for (pname, start_ms, threads) in run.process_list() {
            let proc = sim.procs.len();
            sim.procs.push(Process {
                name: pname,
                gil: Gil::default(),
            });
            let start = start_ms.map(ms_to_ns).unwrap_or(0);
            for (i, spec) in threads.iter().enumerate() {
                let mut ops = Vec::new();
                compile(&spec.work, &mut ops);
                let tid = sim.threads.len();
                sim.threads.push(Thread {
                    name: spec.name.clone(),
                    proc,
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
                });
                sim.q
                    .push(start + thread_gap * i as u64, Ev::Start { tid: tid as u32 });
            }
        }
        sim
    }

    fn now(&self) -> u64 {
        self.q.now()
    }

    // ---- randomness (OS jitter only) ----

    fn jittered(&mut self, base_ns: f64) -> u64 {
        let j = self.machine.jitter;
        let v = if j > 0.0 {
            let u: f64 = self.rng.random();
            base_ns * (1.0 + j * (2.0 * u - 1.0))
        } else {
            base_ns
        };
        v.round().max(0.0) as u64
    }

    fn wake_ns(&mut self) -> u64 {
        self.jittered(self.machine.wake_latency_us * NS_PER_US)
            .max(1)
    }

    fn switch_ns(&mut self) -> u64 {
        self.jittered(self.machine.context_switch_us * NS_PER_US)
            .max(1)
    }

    fn slack_ns(&mut self) -> u64 {
        self.jittered(self.machine.timer_slack_us * NS_PER_US)
    }

    /// Uniform pick among `n` candidates; the OS gives no fairness.
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.rng.random_range(0..n)
        }
    }

    /// Failed attempts before the first success, each succeeding with `p`.
    fn geometric(&mut self, p: f64) -> u64 {
        if p >= 1.0 {
            return 0;
        }
        let u: f64 = self.rng.random();
        let k = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
        k.clamp(0.0, 1e12) as u64
    }

    // ---- timers ----

    fn set_timer(&mut self, tid: usize, at: u64, kind: TimerKind) {
        let t = &mut self.threads[tid];
        t.timer_gen = t.timer_gen.wrapping_add(1);
        t.timer_at = at;
        let generation = t.timer_gen;
        self.q.push(
            at,
            Ev::Thread {
                tid: tid as u32,
                generation,
                kind,
            },
        );
    }

    fn cancel_timer(&mut self, tid: usize) {
        self.threads[tid].timer_gen = self.threads[tid].timer_gen.wrapping_add(1);
    }

    // ---- OS: cores and the run queue ----

    fn idle_core(&self, tid: usize) -> Option<usize> {
        let last = self.threads[tid].last_core;
        if self.cores[last].state == CoreState::Idle {
            return Some(last);
        }
        self.cores.iter().position(|c| c.state == CoreState::Idle)
    }

    fn busy_cores(&self) -> usize {
        self.cores
            .iter()
            .filter(|c| matches!(c.state, CoreState::Busy(_)))
            .count()
    }

    /// Makes the thread runnable: onto an idle core after a wake-up (none if it is
    /// already awake), or into the run queue.
    fn want_core(&mut self, tid: usize, awake: bool) {
        self.threads[tid].os = Os::Queued;
        match self.idle_core(tid) {
            Some(c) => {
                let delay = if awake {
                    0
                } else {
                    let idle_for = self.now() - self.cores[c].idle_since;
                    let wake = self.wake_ns();
                    wake.min(idle_for + self.switch_ns())
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

    fn leave_core(&mut self, tid: usize) {
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

    fn on_dispatched(&mut self, tid: usize) {
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
            Act::OldAttempt => self.old_attempt(tid),
            Act::Exec => self.start_segment(tid),
            _ => self.leave_core(tid),
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

    // ---- executing work ----

    fn parallel_factor(&self, busy: usize) -> f64 {
        let cores = self.cores.len();
        if cores <= 1 || busy <= 1 {
            1.0
        } else {
            let share = (busy - 1) as f64 / (cores - 1) as f64;
            1.0 + (self.machine.parallel_slowdown - 1.0) * share.min(1.0)
        }
    }

    fn factor_of(&self, tid: usize, busy: usize) -> f64 {
        let t = &self.threads[tid];
        let mut f = self.parallel_factor(busy);
        if t.exec == Some(ExecKind::Py) {
            match self.interp.gil {
                GilKind::FreeThreaded => f *= self.interp.ft_slowdown,
                GilKind::Old => {
                    let gil = &self.procs[t.proc].gil;
                    if gil.retry_active && gil.holder == Some(tid) {
                        f *= self.old_overhead;
                    }
                }
                GilKind::New => {}
            }
        }
        f
    }

    /// Books the time since the segment started as CPU time and work done.
    fn settle(&mut self, tid: usize) {
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

    fn start_segment(&mut self, tid: usize) {
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
        let gil = &self.procs[t.proc].gil;
        if t.exec == Some(ExecKind::Py)
            && t.has_gil
            && self.interp.gil == GilKind::New
            && gil.drop_request
        {
            let notice = now + self.eval_check_ns;
            if notice < end {
                self.set_timer(tid, notice, TimerKind::Notice);
                return;
            }
        }
        self.set_timer(tid, end, TimerKind::ExecEnd);
    }

    /// On a core with the GIL (or needing none): continue the current piece or the next.
    fn resume(&mut self, tid: usize) {
        if self.threads[tid].exec.is_some() {
            self.threads[tid].act = Act::Exec;
            self.start_segment(tid);
        } else {
            self.proceed(tid);
        }
    }

    /// On a core with the GIL (or needing none), between two pieces of work.
    fn proceed(&mut self, tid: usize) {
        let now = self.now();
        let t = &mut self.threads[tid];
        if let Some(from) = t.latency_from.take() {
            t.latencies.push(now - from);
        }
        let next = t.cursor.next(&t.ops);
        match next {
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
        let requested = self.interp.gil == GilKind::New
            && t.has_gil
            && matches!(t.os, Os::OnCore(_))
            && self.procs[t.proc].gil.drop_request;
        if requested {
            let now = self.now();
            let t = &mut self.threads[tid];
            t.exec = Some(kind);
            t.remaining = ns as f64;
            t.act = Act::Exec;
            t.seg_start = now;
            self.on_notice(tid);
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
    fn begin_call(&mut self, tid: usize, call: Action) {
        match call {
            Action::CFree(ns) => self.start_exec(tid, ExecKind::CFree, ns),
            Action::Block { ns, io } => {
                let extra = if io { 0 } else { self.slack_ns() };
                let t = &mut self.threads[tid];
                if io {
                    t.io_ops += 1;
                }
                t.act = Act::Blocked;
                self.leave_core(tid);
                let at = self.now() + ns + extra;
                self.set_timer(tid, at, TimerKind::BlockEnd);
            }
            Action::Py(ns) => self.start_exec(tid, ExecKind::Py, ns),
            Action::CHold(ns) => self.start_exec(tid, ExecKind::CHold, ns),
        }
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
        self.cancel_timer(tid);
        self.leave_core(tid);
    }

    // ---- the GIL ----

    fn take(&mut self, tid: usize) {
        let now = self.now();
        let proc = self.threads[tid].proc;
        let gil = &mut self.procs[proc].gil;
        // The GIL invariant: nobody else may hold the lock being taken.
        debug_assert!(gil.holder.is_none() || gil.holder == Some(tid));
        gil.holder = Some(tid);
        gil.waiters.retain(|&w| w != tid);
        let mut switched = false;
        if gil.last_holder != Some(tid) {
            gil.switch_number += 1;
            if gil.last_holder.is_some() {
                gil.switches += 1;
                switched = true;
            }
            gil.last_holder = Some(tid);
        }
        gil.drop_request = false;
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
            let at = now + self.wake_ns();
            self.set_timer(fw, at, TimerKind::ForcedWake);
        }
    }

    /// Releases the GIL and signals a waiter. Returns true when the thread must wait for
    /// another to take the lock (forced switching after a drop request).
    fn drop_gil(&mut self, tid: usize, exiting: bool) -> bool {
        let proc = self.threads[tid].proc;
        self.threads[tid].has_gil = false;
        let kind = self.interp.gil;
        let gil = &mut self.procs[proc].gil;
        if gil.holder == Some(tid) {
            gil.holder = None;
        }
        match kind {
            GilKind::FreeThreaded => false,
            GilKind::New => {
                let must_wait = !exiting && gil.drop_request && !gil.waiters.is_empty();
                if must_wait {
                    gil.drop_request = false;
                    gil.forced.push(tid);
                }
                let candidates: Vec<usize> = gil
                    .waiters
                    .iter()
                    .copied()
                    .filter(|&w| self.threads[w].act == Act::TimedWait)
                    .collect();
                if !candidates.is_empty() {
                    let w = candidates[self.pick(candidates.len())];
                    self.cancel_timer(w);
                    self.threads[w].act = Act::WantGil;
                    self.want_core(w, false);
                }
                must_wait
            }
            GilKind::Old => {
                let candidates: Vec<usize> = gil
                    .waiters
                    .iter()
                    .copied()
                    .filter(|&w| self.threads[w].act == Act::OldSleep)
                    .collect();
                if !candidates.is_empty() {
                    let w = candidates[self.pick(candidates.len())];
                    self.threads[w].act = Act::OldAttempt;
                    self.want_core(w, false);
                }
                false
            }
        }
    }

    /// On a core, wanting the GIL: take it if free, otherwise wait for it off the core.
    fn gil_attempt(&mut self, tid: usize) {
        let proc = self.threads[tid].proc;
        match self.interp.gil {
            GilKind::FreeThreaded => self.resume(tid),
            _ if self.procs[proc].gil.holder.is_none() => {
                self.take(tid);
                self.resume(tid);
            }
            GilKind::New => {
                self.enter_timed_wait(tid);
                self.leave_core(tid);
            }
            GilKind::Old => {
                self.threads[tid].act = Act::OldSleep;
                let gil = &mut self.procs[proc].gil;
                if !gil.waiters.contains(&tid) {
                    gil.waiters.push(tid);
                }
                self.leave_core(tid);
            }
        }
    }

    fn enter_timed_wait(&mut self, tid: usize) {
        let proc = self.threads[tid].proc;
        let gil = &mut self.procs[proc].gil;
        if !gil.waiters.contains(&tid) {
            gil.waiters.push(tid);
        }
        let switch_number = gil.switch_number;
        let t = &mut self.threads[tid];
        t.act = Act::TimedWait;
        t.saved_switch = switch_number;
        let at = self.now() + self.interval_ns + self.slack_ns();
        self.set_timer(tid, at, TimerKind::WaitTimeout);
    }

    /// A thread that is awake off-core takes the free GIL, or starts its timed wait.
    fn take_or_wait_awake(&mut self, tid: usize) {
        let proc = self.threads[tid].proc;
        if self.procs[proc].gil.holder.is_none() {
            self.take(tid);
            self.threads[tid].act = Act::Ready;
            self.want_core(tid, true);
        } else {
            self.enter_timed_wait(tid);
        }
    }

    fn on_wait_timeout(&mut self, tid: usize) {
        let proc = self.threads[tid].proc;
        if self.procs[proc].gil.holder.is_none() {
            self.take_or_wait_awake(tid);
            return;
        }
        let gil = &mut self.procs[proc].gil;
        if gil.switch_number == self.threads[tid].saved_switch && !gil.drop_request {
            gil.drop_request = true;
            self.notify_holder(proc);
        }
        self.enter_timed_wait(tid);
    }

    /// The holder, if it runs Python, sees the drop request at its next check.
    fn notify_holder(&mut self, proc: usize) {
        let Some(h) = self.procs[proc].gil.holder else {
            return;
        };
        let now = self.now();
        let t = &self.threads[h];
        if t.act == Act::Exec && t.exec == Some(ExecKind::Py) && matches!(t.os, Os::OnCore(_)) {
            let e = self.eval_check_ns;
            let since = now - t.seg_start;
            let notice = t.seg_start + since.div_ceil(e) * e;
            if notice < t.timer_at {
                self.set_timer(h, notice, TimerKind::Notice);
            }
        }
    }

    fn on_notice(&mut self, tid: usize) {
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

    fn on_forced_wake(&mut self, tid: usize) {
        match self.threads[tid].pending_call.take() {
            Some(call) => self.begin_call(tid, call),
            None => self.take_or_wait_awake(tid),
        }
    }

    fn on_exec_end(&mut self, tid: usize) {
        self.settle(tid);
        let t = &mut self.threads[tid];
        t.work_ns += t.remaining;
        t.remaining = 0.0;
        match t.exec.take() {
            Some(ExecKind::CFree) => {
                t.act = Act::WantGil;
                self.gil_attempt(tid);
            }
            _ => self.proceed(tid),
        }
    }

    // ---- the old GIL ----

    fn holder_runs_python(&self, proc: usize) -> Option<usize> {
        let h = self.procs[proc].gil.holder?;
        let t = &self.threads[h];
        (t.act == Act::Exec && t.exec == Some(ExecKind::Py) && matches!(t.os, Os::OnCore(_)))
            .then_some(h)
    }

    fn sleeping_old_waiters(&self, proc: usize) -> Vec<usize> {
        self.procs[proc]
            .gil
            .waiters
            .iter()
            .copied()
            .filter(|&w| self.threads[w].act == Act::OldSleep)
            .collect()
    }

    /// Starts or stops the retry race of old-GIL waiters against the running holder.
    fn update_old(&mut self, proc: usize) {
        let holder = self.holder_runs_python(proc);
        let sleeping = self.sleeping_old_waiters(proc);
        let idle = self.cores.iter().any(|c| c.state == CoreState::Idle);
        let racing = holder.is_some() && !sleeping.is_empty() && idle;
        let gil = &self.procs[proc].gil;
        if racing && !gil.retry_active {
            let k = self.geometric(self.p_win);
            let at = self.now() + (k + 1).saturating_mul(self.retry_ns);
            let gil = &mut self.procs[proc].gil;
            gil.retry_active = true;
            gil.retry_gen = gil.retry_gen.wrapping_add(1);
            let generation = gil.retry_gen;
            self.q.push(
                at,
                Ev::OldWin {
                    proc: proc as u32,
                    generation,
                },
            );
        } else if !racing && gil.retry_active {
            let gil = &mut self.procs[proc].gil;
            gil.retry_active = false;
            gil.retry_gen = gil.retry_gen.wrapping_add(1);
        }
        // No free core: a waiter woken by a release can only run once the OS preempts
        // the holder.
        let attempting = self.procs[proc]
            .gil
            .waiters
            .iter()
            .any(|&w| self.threads[w].act == Act::OldAttempt);
        if holder.is_some() && !sleeping.is_empty() && !idle && !attempting {
            let w = sleeping[0];
            self.threads[w].act = Act::OldAttempt;
            self.want_core(w, false);
        }
    }

    fn on_old_win(&mut self, proc: usize) {
        let gil = &mut self.procs[proc].gil;
        gil.retry_active = false;
        gil.retry_gen = gil.retry_gen.wrapping_add(1);
        let Some(h) = self.holder_runs_python(proc) else {
            return;
        };
        let sleeping = self.sleeping_old_waiters(proc);
        if sleeping.is_empty() {
            return;
        }
        let w = sleeping[self.pick(sleeping.len())];
        self.settle(h);
        self.cancel_timer(h);
        let t = &mut self.threads[h];
        t.has_gil = false;
        t.act = Act::OldSleep;
        self.procs[proc].gil.holder = None;
        self.procs[proc].gil.waiters.push(h);
        self.take(w);
        self.threads[w].act = Act::Ready;
        self.leave_core(h);
        self.want_core(w, true);
    }

    /// On a core after a wake-up: try the old lock once.
    fn old_attempt(&mut self, tid: usize) {
        let proc = self.threads[tid].proc;
        let Some(h) = self.procs[proc].gil.holder else {
            self.take(tid);
            self.resume(tid);
            return;
        };
        let ht = &self.threads[h];
        let preempted_in_python =
            ht.act == Act::Exec && ht.exec == Some(ExecKind::Py) && ht.os == Os::Queued;
        if preempted_in_python && self.rng.random::<f64>() < self.p_win {
            // The OS preempted the holder between its release and re-acquire.
            let ht = &mut self.threads[h];
            ht.has_gil = false;
            ht.act = Act::WantGil;
            self.procs[proc].gil.holder = None;
            self.procs[proc].gil.waiters.push(h);
            self.take(tid);
            self.resume(tid);
        } else {
            self.threads[tid].act = Act::OldSleep;
            self.leave_core(tid);
        }
    }

    // ---- bookkeeping after every event ----

    fn after_change(&mut self) {
        if self.interp.gil == GilKind::Old {
            for p in 0..self.procs.len() {
                self.update_old(p);
            }
        }
        let busy = self.busy_cores();
        for c in 0..self.cores.len() {
            if let CoreState::Busy(tid) = self.cores[c].state
                && self.threads[tid].act == Act::Exec
            {
                let f = self.factor_of(tid, busy);
                if f != self.threads[tid].factor {
                    self.settle(tid);
                    self.start_segment(tid);
                }
            }
        }
        if !self.run_queue.is_empty() {
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
            Act::WantGil | Act::TimedWait | Act::ForcedWait | Act::OldSleep | Act::OldAttempt => {
                ThreadState::WaitingGil
            }
            Act::Ready => ThreadState::Runnable,
            Act::Exec => match (t.os, t.exec) {
                (Os::OnCore(_), Some(ExecKind::CFree)) => ThreadState::RunningC,
                (Os::OnCore(_), _) => ThreadState::RunningPython,
                _ => ThreadState::Runnable,
            },
        })
    }

    // ---- the loop ----

    pub(crate) fn run(mut self, label: &str, budget: &Budget) -> Result<RunResult, SimError> {
        let max_ns = (budget.max_simulated_s * 1e9) as u64;
        // Each event looks at every thread and core, so the work budget caps events.
        let lanes = (self.threads.len() + self.cores.len()).max(1) as f64;
        let max_events = budget
            .max_events
            .min((budget.max_work / lanes).max(0.0) as u64);
        // Cancelled timers stay in the heap until popped; purge them once they clearly
        // outnumber the live ones (at most one per thread, core and process).
        let purge_at = 2 * (self.threads.len() + self.cores.len() + self.procs.len()) + 16;
        while let Some((time, ev)) = self.q.pop() {
            if !self.is_live(&ev) {
                continue;
            }
            if self.q.len() > purge_at {
                let (threads, cores, procs) = (&self.threads, &self.cores, &self.procs);
                self.q.retain(|e| live_in(threads, cores, procs, e));
            }
            if time > max_ns {
                return Err(SimError::Budget {
                    run: label.to_string(),
                    message: format!(
                        "simulated time passed the budget of {} s",
                        budget.max_simulated_s
                    ),
                });
            }
            self.events += 1;
            if self.events > max_events {
                return Err(SimError::Budget {
                    run: label.to_string(),
                    message: format!(
                        "more than {max_events} events (with {lanes} threads and cores)"
                    ),
                });
            }
            match ev {
                Ev::Start { tid } => {
                    let tid = tid as usize;
                    self.threads[tid].act = Act::WantGil;
                    self.want_core(tid, true);
                }
                Ev::Slice { core, .. } => {
                    let core = core as usize;
                    self.cores[core].slice_armed = false;
                    if let CoreState::Busy(tid) = self.cores[core].state
                        && !self.run_queue.is_empty()
                    {
                        self.preempt(tid);
                    }
                }
                Ev::OldWin { proc, .. } => self.on_old_win(proc as usize),
                Ev::Thread { tid, kind, .. } => {
                    let tid = tid as usize;
                    match kind {
                        TimerKind::Dispatched => self.on_dispatched(tid),
                        TimerKind::ExecEnd => self.on_exec_end(tid),
                        TimerKind::Notice => self.on_notice(tid),
                        TimerKind::BlockEnd => {
                            let t = &mut self.threads[tid];
                            t.act = Act::WantGil;
                            t.latency_from = Some(time);
                            self.want_core(tid, false);
                        }
                        TimerKind::WaitTimeout => self.on_wait_timeout(tid),
                        TimerKind::ForcedWake => self.on_forced_wake(tid),
                    }
                }
            }
            self.after_change();
        }
        if let Some(t) = self.threads.iter().find(|t| t.act != Act::Done) {
            return Err(SimError::Stuck {
                run: label.to_string(),
                thread: t.name.clone(),
            });
        }
        Ok(self.into_result(label))
    }

    fn is_live(&self, ev: &Ev) -> bool {
        live_in(&self.threads, &self.cores, &self.procs, ev)
    }

    fn into_result(self, label: &str) -> RunResult {
        let wall_ns = self.threads.iter().map(|t| t.end_ns).max().unwrap_or(0);
        let gil_switches = self.procs.iter().map(|p| p.gil.switches).sum();
        let mut threads = Vec::with_capacity(self.threads.len());
        let mut timeline = Vec::with_capacity(self.threads.len());
        for t in self.threads {
            let process = self.procs[t.proc].name.clone();
            let lane = Lane {
                process: process.clone(),
                thread: t.name.clone(),
                segments: t.spans,
            };
            threads.push(ThreadResult {
                name: t.name,
                process,
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
            events: self.events,
            threads,
            timeline,
            core_busy_ns: self.cores.iter().map(|c| c.busy_ns).collect(),
        }
    }
}

/// Whether an event is still current (its target's generation has not moved on).
fn live_in(threads: &[Thread], cores: &[Core], procs: &[Process], ev: &Ev) -> bool {
    match *ev {
        Ev::Thread {
            tid, generation, ..
        } => generation == threads[tid as usize].timer_gen,
        Ev::Slice { core, generation } => generation == cores[core as usize].slice_gen,
        Ev::OldWin { proc, generation } => generation == procs[proc as usize].gil.retry_gen,
        Ev::Start { .. } => true,
    }
}
