//! The model: cores with an OS scheduler, interpreters (each with its GIL: one per
//! process, and one per subinterpreter), and threads stepping through their work. Driven by [`super::engine::EventQueue`].
//!
//! - [`os`]: the machine and its OS scheduler.
//! - [`gil`]: the GIL as an interface, one file per interpreter.
//! - [`thread`]: a thread executing its pieces of work.
//! - [`workload`]: the workload cursor.
//! - [`record`]: measurement (timelines and results).
//!
//! Simplifications worth knowing:
//! - The OS: a FIFO run queue, time slices only while threads wait for a core, wake-up
//!   latency onto an idle core (`poll_wake_us` instead of `wake_latency_us` while the
//!   core still polls, for `idle_poll_us` after it went idle), a context switch when a
//!   core changes threads.
//! - An I/O round trip is a send and a receive, each a socket call that releases the
//!   GIL and takes it back; a call that returns before the signalled waiter woke can
//!   take the GIL straight back (the race of fact 12 in gil-facts.md).
//! - A drop signals the longest waiter, or the waiter that asked for the drop with
//!   probability `requester_wins` (see [`gil`]'s new GIL); no priority for I/O.
//! - A process starts and exits as Python on a core under its own, uncontended GIL:
//!   its start-up before its threads, its exit after the last of them. `spawn` and
//!   `forkserver` also start the resource tracker, and `forkserver` boots its server
//!   once, before the first child; none of these appear in the results, and only the
//!   exits count in the wall time (a program joins its children, not the tracker).
//! - The old GIL's retries are drawn, not ticked (see [`gil`]'s old GIL): a thread back
//!   from I/O races at once, and falls asleep on the lock after a lost try with
//!   probability `racer_sleeps`.
//! - A timed-out waiter handles its timeout without taking a core (the timer slack
//!   stands for its wake-up).
//! - A thread of the spec, once its work is done, runs `thread_exit_us` of Python
//!   holding the GIL (its teardown) before it is gone; its figures (end, CPU time) stop
//!   where its work ended, as the measuring program's clock does, but a `join` and the
//!   wall time wait for the teardown.
//! - Per-switch cost: after taking the GIL from another thread, a thread's first
//!   `cache_refill_us` of Python run at half speed.
//! - All busy cores run `parallel_slowdown` slower (interpolated by how many are busy).
//! - Subinterpreters start in parallel, each after its start-up cost as a delay on no
//!   core (a pool of subinterpreters creates each in its own worker thread).

mod gil;
mod os;
mod record;
mod thread;
mod workload;

use std::collections::VecDeque;

use chacha20::ChaCha8Rng;
use rand::SeedableRng;

use super::engine::EventQueue;
use super::measure::RunResult;
use super::spec::{
    FORKSERVER_BOOT_MS, InterpreterParams, MachineParams, RESOURCE_TRACKER_BOOT_MS, RunSpec,
    StartMethod, Step,
};
use super::{Budget, SimError};
use gil::{Gil, GilState, GilTimer};
use os::Core;
use thread::{Act, Role, Thread};
use workload::{NS_PER_US, compile, ms_to_ns};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TimerKind {
    ExecEnd,
    /// The holder reaches the eval-breaker check that sees a drop request.
    DropNotice,
    BlockEnd,
    Dispatched,
    Gil(GilTimer),
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
    /// An event of a lock's rules (old GIL: a waiter's retry wins the race).
    Lock {
        interpreter: u32,
        generation: u32,
    },
    Start {
        tid: u32,
    },
}

/// The processes `multiprocessing` starts for itself, at most one of each per run.
#[derive(Default)]
struct StartUpHelpers {
    resource_tracker: bool,
    /// The forkserver's start-up thread.
    forkserver: Option<usize>,
}

/// An interpreter with its lock: a process's main interpreter, or a subinterpreter.
struct InterpreterState {
    process: String,
    subinterpreter: Option<String>,
    gil: GilState,
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
    gil: Gil,
    q: EventQueue<Ev>,
    rng: ChaCha8Rng,
    threads: Vec<Thread>,
    interpreters: Vec<InterpreterState>,
    cores: Vec<Core>,
    run_queue: VecDeque<usize>,
    events: u64,
    slice_ns: u64,
    refill_ns: f64,
    /// Python each thread of the spec runs after its work (its teardown), nanoseconds.
    thread_exit_ns: u64,
}

impl Sim {
    pub(crate) fn new(
        run: &RunSpec,
        machine: MachineParams,
        interp: InterpreterParams,
        seed: u64,
        run_index: usize,
    ) -> Sim {
        let mut sim = Sim {
            gil: Gil::for_params(&interp, &machine),
            q: EventQueue::new(),
            rng: ChaCha8Rng::seed_from_u64(run_seed(seed, run_index)),
            threads: Vec::new(),
            interpreters: Vec::new(),
            cores: (0..machine.cores.max(1)).map(|_| Core::idle()).collect(),
            run_queue: VecDeque::new(),
            events: 0,
            slice_ns: ms_to_ns(machine.time_slice_ms()).max(1),
            refill_ns: machine.cache_refill_us * NS_PER_US,
            thread_exit_ns: (interp.thread_exit_us * NS_PER_US).round() as u64,
            machine,
        };
        let thread_gap = (interp.thread_start_us * NS_PER_US).round() as u64;
        let call_ns = (interp.call_us * NS_PER_US).round() as u64;
        let mut helpers = StartUpHelpers::default();
        for place in run.interpreter_list() {
            let interpreter =
                sim.add_interpreter(place.process.clone(), place.subinterpreter.clone());
            let mut tids = Vec::with_capacity(place.threads.len());
            for spec in place.threads {
                let mut ops = Vec::new();
                compile(&spec.work, call_ns, &mut ops);
                tids.push(sim.threads.len());
                sim.threads
                    .push(Thread::new(spec.name.clone(), interpreter, ops));
            }
            let starts = tids
                .iter()
                .enumerate()
                .map(|(i, &tid)| (tid, thread_gap * i as u64));
            match (place.start_method, place.start_ms) {
                (Some(method), Some(start_ms)) => {
                    let start_up = sim.add_step(interpreter, Role::StartUp, start_ms, call_ns);
                    sim.then_start(start_up, starts);
                    let exit = sim.add_step(interpreter, Role::Exit, method.exit_ms(), call_ns);
                    for &tid in &tids {
                        sim.then_start(tid, [(exit, 0)]);
                    }
                    if tids.is_empty() {
                        sim.then_start(start_up, [(exit, 0)]);
                    }
                    sim.start_process(start_up, method, &mut helpers, call_ns);
                }
                (_, start_ms) => {
                    let at = start_ms.map(ms_to_ns).unwrap_or(0);
                    for (tid, after) in starts {
                        sim.q.push(at + after, Ev::Start { tid: tid as u32 });
                    }
                }
            }
        }
        sim
    }

    fn now(&self) -> u64 {
        self.q.now()
    }

    // ---- processes starting ----

    fn add_interpreter(&mut self, process: String, subinterpreter: Option<String>) -> usize {
        self.interpreters.push(InterpreterState {
            process,
            subinterpreter,
            gil: GilState::default(),
        });
        self.interpreters.len() - 1
    }

    /// A process starting or exiting, as Python run by a thread of its own interpreter
    /// (a fresh interpreter boots holding its own, uncontended GIL).
    fn add_step(&mut self, interpreter: usize, role: Role, ms: f64, call_ns: u64) -> usize {
        let mut ops = Vec::new();
        compile(&[Step::CpuMs(ms)], call_ns, &mut ops);
        let name = match role {
            Role::Exit => "exit",
            _ => "start-up",
        };
        let mut step = Thread::new(name.to_string(), interpreter, ops);
        step.role = role;
        self.threads.push(step);
        self.threads.len() - 1
    }

    /// Makes each of `next` wait for `tid` to end, then start that long after.
    fn then_start(&mut self, tid: usize, next: impl IntoIterator<Item = (usize, u64)>) {
        for (n, after) in next {
            self.threads[n].waits_for += 1;
            self.threads[tid].then_start.push((n, after));
        }
    }

    /// Starts a process's start-up the way its start method does: at once for `fork`
    /// and `spawn`, after the forkserver booted for `forkserver`; the first `spawn` or
    /// `forkserver` child also starts the resource tracker beside it.
    fn start_process(
        &mut self,
        start_up: usize,
        method: StartMethod,
        helpers: &mut StartUpHelpers,
        call_ns: u64,
    ) {
        if method.starts_resource_tracker() && !helpers.resource_tracker {
            helpers.resource_tracker = true;
            let tracker =
                self.helper_process("resource tracker", RESOURCE_TRACKER_BOOT_MS, call_ns);
            self.q.push(
                0,
                Ev::Start {
                    tid: tracker as u32,
                },
            );
        }
        if method != StartMethod::Forkserver {
            self.q.push(
                0,
                Ev::Start {
                    tid: start_up as u32,
                },
            );
            return;
        }
        let server = *helpers.forkserver.get_or_insert_with(|| {
            let server = self.helper_process("forkserver", FORKSERVER_BOOT_MS, call_ns);
            self.q.push(0, Ev::Start { tid: server as u32 });
            server
        });
        // The server forks its children one after another, each fork as long as a
        // `fork` start.
        let forked = self.threads[server].then_start.len() as u64;
        let after = forked * ms_to_ns(StartMethod::Fork.default_start_ms());
        self.then_start(server, [(start_up, after)]);
    }

    /// A process `multiprocessing` starts for itself, with no thread of the spec.
    fn helper_process(&mut self, name: &str, boot_ms: f64, call_ns: u64) -> usize {
        let interpreter = self.add_interpreter(name.to_string(), None);
        self.add_step(interpreter, Role::StartUp, boot_ms, call_ns)
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
        let purge_at = 2 * (self.threads.len() + self.cores.len() + self.interpreters.len()) + 16;
        let over = |message: String| SimError::Budget {
            run: label.to_string(),
            message,
        };
        while let Some((time, ev)) = self.q.pop() {
            if !self.is_live(&ev) {
                continue;
            }
            if self.q.len() > purge_at {
                let (threads, cores, interpreters) =
                    (&self.threads, &self.cores, &self.interpreters);
                self.q.retain(|e| live_in(threads, cores, interpreters, e));
            }
            if time > max_ns {
                return Err(over(format!(
                    "simulated time passed the budget of {} s",
                    budget.max_simulated_s
                )));
            }
            self.events += 1;
            if self.events > max_events {
                return Err(over(format!(
                    "more than {max_events} events (with {lanes} threads and cores)"
                )));
            }
            self.handle(ev);
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

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Start { tid } => {
                let tid = tid as usize;
                self.threads[tid].act = Act::WantGil;
                self.want_core(tid, true);
            }
            Ev::Slice { core, .. } => self.on_slice_end(core as usize),
            Ev::Lock { interpreter, .. } => self.on_lock_event(interpreter as usize),
            Ev::Thread { tid, kind, .. } => {
                let tid = tid as usize;
                match kind {
                    TimerKind::Dispatched => self.on_dispatched(tid),
                    TimerKind::ExecEnd => self.on_exec_end(tid),
                    TimerKind::DropNotice => self.on_drop_notice(tid),
                    TimerKind::BlockEnd => self.on_block_end(tid),
                    TimerKind::Gil(timer) => self.on_gil_timer(tid, timer),
                }
            }
        }
    }

    /// Bookkeeping after every event: the lock's own updates, segment speeds that the
    /// number of busy cores changed, time slices, and the timelines.
    fn after_change(&mut self) {
        self.gil_after_event();
        let busy = self.busy_cores();
        for c in 0..self.cores.len() {
            if let os::CoreState::Busy(tid) = self.cores[c].state
                && self.threads[tid].act == Act::Exec
            {
                let f = self.factor_of(tid, busy);
                if f != self.threads[tid].factor {
                    self.settle(tid);
                    self.start_segment(tid);
                }
            }
        }
        self.arm_slices();
        self.record_states();
    }

    fn is_live(&self, ev: &Ev) -> bool {
        live_in(&self.threads, &self.cores, &self.interpreters, ev)
    }
}

/// Whether an event is still current (its target's generation has not moved on).
fn live_in(threads: &[Thread], cores: &[Core], interpreters: &[InterpreterState], ev: &Ev) -> bool {
    match *ev {
        Ev::Thread {
            tid, generation, ..
        } => generation == threads[tid as usize].timer_gen,
        Ev::Slice { core, generation } => generation == cores[core as usize].slice_gen,
        Ev::Lock {
            interpreter,
            generation,
        } => generation == interpreters[interpreter as usize].gil.event_gen,
        Ev::Start { .. } => true,
    }
}
