//! The simulator's input: machine, interpreter and workload descriptions as serde types.
//!
//! Every parameter is optional in the input; [`MachineParams`] and [`InterpreterParams`]
//! hold the resolved values, and their `Default` impls are the one place where the
//! defaults live (each with its source from `gil-facts.md`).

use serde::{Deserialize, Serialize};

/// The hardware and OS the simulated programs run on. Missing fields take the defaults of
/// [`MachineParams::default`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// Number of cores (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// Delay between a condition-variable signal (or I/O completion) and the woken thread
    /// running on an idle core, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_latency_us: Option<f64>,
    /// Cost of switching a core from one thread to another, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_switch_us: Option<f64>,
    /// OS time slice when runnable threads outnumber cores, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_slice_ms: Option<f64>,
    /// How late a timed wait or sleep fires after its deadline, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer_slack_us: Option<f64>,
    /// CPU time the releasing thread spends waking a waiter on another core (futex wake,
    /// cache-line transfer), in microseconds. Only the old GIL pays it often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_us: Option<f64>,
    /// How much slower each core runs when all cores are busy (shared caches, SMT
    /// siblings, all-core clock); 1 means perfect scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_slowdown: Option<f64>,
    /// Extra time a thread's Python needs after taking the GIL from another thread (the
    /// interpreter's working set moves between cores): its first this-many microseconds
    /// of Python run at half speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_refill_us: Option<f64>,
    /// Relative spread of OS timings (wake-up, slack, context switch, socket calls): each
    /// is `value * (1 + jitter * (E - ln 2))` with `E` exponential of mean 1, so its
    /// median is `value`, it is never below `value * (1 - 0.69 * jitter)`, and it has a
    /// long tail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
    /// Time on the core of sending a request over a socket (the call does not wait), in
    /// microseconds; the GIL is released around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_us: Option<f64>,
    /// Time on the core of receiving a reply that is already there, in microseconds; the
    /// GIL is released around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_us: Option<f64>,
    /// How long an idle core keeps polling before it sleeps, in microseconds: a thread
    /// woken onto a core idle for less than this runs after `poll_wake_us` instead of
    /// `wake_latency_us`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_poll_us: Option<f64>,
    /// Delay between a signal and the woken thread running on a core that is still
    /// polling, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_wake_us: Option<f64>,
    /// Chance that a drop request hands the GIL to the waiter that made it (still awake on
    /// its way back into the wait when the holder's signal comes) rather than to the
    /// longest waiter, whom the signal wakes otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_wins: Option<f64>,
    /// Wake-up of a thread whose reply ended its wait, onto a core that has slept long,
    /// in microseconds: past `idle_poll_us` it grows from `wake_latency_us` toward this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_wake_us: Option<f64>,
    /// How fast a sleeping core sleeps deeper, in milliseconds: after this long idle the
    /// wake-up has gone 63% of the way to `deep_wake_us`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_idle_ms: Option<f64>,
}

/// Which kind of global lock the interpreter has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GilKind {
    /// CPython 3.2+: timed waits, drop requests, forced switching.
    #[default]
    New,
    /// CPython 2.x: release and immediate re-acquire every check interval.
    Old,
    /// PEP 703 builds: no global lock.
    FreeThreaded,
}

/// The Python interpreter of every process of a run. Missing fields take the defaults of
/// [`InterpreterParams::default`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpreter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil: Option<GilKind>,
    /// New GIL: the timed wait of a waiter (`sys.setswitchinterval`), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_interval_ms: Option<f64>,
    /// New GIL: time between two eval-breaker checks in running bytecode, in nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_check_ns: Option<f64>,
    /// Old GIL: bytecodes between two release/re-acquire points (`sys.setcheckinterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_interval_ticks: Option<u32>,
    /// Old GIL: time of one tick (bytecode), in nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_ns: Option<f64>,
    /// Old GIL: how long the lock stays free between the holder's release and its own
    /// re-acquire, in nanoseconds; a woken waiter must arrive inside it to win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race_window_ns: Option<f64>,
    /// Old GIL: chance that a thread racing for the lock on a core of its own (back from
    /// I/O or a sleep) falls asleep on it after a lost try, its core halting, and from
    /// then on wakes like any waiter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub racer_sleeps: Option<f64>,
    /// Free-threaded: factor by which Python code runs slower than with a GIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ft_slowdown: Option<f64>,
    /// Delay between starting two threads of one process, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_start_us: Option<f64>,
    /// Python a thread runs after its work before it is gone (thread teardown), holding
    /// the GIL, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_exit_us: Option<f64>,
    /// Python a thread runs before each call that releases the GIL (a sleep, C code):
    /// the call itself and the loop around it, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_us: Option<f64>,
}

/// How a worker process is started (`multiprocessing` start methods).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartMethod {
    #[default]
    Fork,
    Forkserver,
    Spawn,
}

impl StartMethod {
    /// Default start-up cost in milliseconds of CPU on one core: for `spawn` a fresh
    /// interpreter importing the main module again, for `forkserver` a fork from the
    /// running server (which boots once per program, [`FORKSERVER_BOOT_MS`]).
    /// Measured on this machine with CPython 3.11 (BENCHMARKS.md, "Process start-up").
    pub fn default_start_ms(self) -> f64 {
        match self {
            StartMethod::Fork => 2.0,
            StartMethod::Forkserver => 20.0,
            StartMethod::Spawn => 80.0,
        }
    }

    /// CPU a process takes to exit after its last thread, in milliseconds: a spawned
    /// child finalises a whole interpreter, forked ones leave through `os._exit`.
    pub fn exit_ms(self) -> f64 {
        match self {
            StartMethod::Spawn => 18.0,
            StartMethod::Fork | StartMethod::Forkserver => 3.0,
        }
    }

    /// Whether starting the first such process also starts `multiprocessing`'s resource
    /// tracker, a process of its own ([`RESOURCE_TRACKER_BOOT_MS`]).
    pub fn starts_resource_tracker(self) -> bool {
        !matches!(self, StartMethod::Fork)
    }
}

/// CPU a program's forkserver takes to boot (a fresh interpreter that imports the main
/// module) before it forks the first child, in milliseconds.
pub const FORKSERVER_BOOT_MS: f64 = 70.0;

/// CPU the resource tracker takes to boot, in milliseconds: `spawn` and `forkserver`
/// start it beside the first child, and on a small machine it competes with them.
pub const RESOURCE_TRACKER_BOOT_MS: f64 = 60.0;

/// One step of a thread's work, written as a one-key map (`{cpu_ms: 100}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StepMap", into = "StepMap")]
pub enum Step {
    /// Pure-Python bytecode for this many milliseconds (of single-threaded time).
    CpuMs(f64),
    /// Blocking calls that release the GIL.
    Io(IoStep),
    /// A call into C code.
    CExt(CExtStep),
    /// `time.sleep`: releases the GIL.
    SleepMs(f64),
    /// The inner steps, `times` times over.
    Repeat(RepeatStep),
}

/// The written form of a [`Step`]: a map with exactly one of these keys. Going through
/// a struct (not serde's externally tagged enum) accepts the map form from any
/// deserializer, including `serde_yaml::Value`, and names the allowed keys in errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepMap {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io: Option<IoStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_ext: Option<CExtStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RepeatStep>,
}

impl TryFrom<StepMap> for Step {
    type Error = String;

    fn try_from(m: StepMap) -> Result<Self, String> {
        let mut found = Vec::new();
        if let Some(v) = m.cpu_ms {
            found.push(("cpu_ms", Step::CpuMs(v)));
        }
        if let Some(v) = m.io {
            found.push(("io", Step::Io(v)));
        }
        if let Some(v) = m.c_ext {
            found.push(("c_ext", Step::CExt(v)));
        }
        if let Some(v) = m.sleep_ms {
            found.push(("sleep_ms", Step::SleepMs(v)));
        }
        if let Some(v) = m.repeat {
            found.push(("repeat", Step::Repeat(v)));
        }
        match found.len() {
            1 => Ok(found.remove(0).1),
            0 => Err("a step needs one of `cpu_ms`, `io`, `c_ext`, `sleep_ms`, `repeat`".into()),
            _ => {
                let keys: Vec<String> = found.iter().map(|(k, _)| format!("`{k}`")).collect();
                Err(format!(
                    "a step has exactly one key, this one has {}",
                    keys.join(" and ")
                ))
            }
        }
    }
}

impl From<Step> for StepMap {
    fn from(step: Step) -> Self {
        let mut m = StepMap::default();
        match step {
            Step::CpuMs(v) => m.cpu_ms = Some(v),
            Step::Io(v) => m.io = Some(v),
            Step::CExt(v) => m.c_ext = Some(v),
            Step::SleepMs(v) => m.sleep_ms = Some(v),
            Step::Repeat(v) => m.repeat = Some(v),
        }
        m
    }
}

/// `count` times: `cpu_us` of Python, then a blocking call of `wait_ms` without the GIL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoStep {
    #[serde(default = "one")]
    pub count: u32,
    pub wait_ms: f64,
    #[serde(default)]
    pub cpu_us: f64,
}

fn one() -> u32 {
    1
}

/// C code running for `ms`, with or without the GIL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CExtStep {
    pub ms: f64,
    pub releases_gil: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatStep {
    pub times: u32,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadSpec {
    pub name: String,
    pub work: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessSpec {
    pub name: String,
    #[serde(default)]
    pub start: StartMethod,
    /// Start-up cost overriding the start method's default, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<f64>,
    pub threads: Vec<ThreadSpec>,
}

/// A subinterpreter of the run's process (PEP 684, CPython 3.12+): its own GIL, its own
/// modules and objects, in the same process as the main interpreter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubinterpreterSpec {
    pub name: String,
    /// Start-up cost (create the interpreter, run its first code) overriding
    /// [`SUBINTERPRETER_START_MS`], in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<f64>,
    pub threads: Vec<ThreadSpec>,
}

/// Default start-up cost of a subinterpreter in milliseconds: `_interpreters.create()`
/// and a first `exec` took a median 11.8 ms of CPU on CPython 3.13.0 (12.5 ms with 3.12.1's
/// `_xxsubinterpreters`), measured by `scripts/claims/subinterpreters.py` on this machine
/// kind (see `scripts/claims/README.md`). CPU time rather than wall time: the machine was
/// busy, and wall time then also counts waiting for a core.
pub const SUBINTERPRETER_START_MS: f64 = 12.0;

/// One run of a simulation: either threads of a single process (with, optionally,
/// subinterpreters of it), or several processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    pub label: String,
    /// Fields given here override the simulation's interpreter for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<Interpreter>,
    /// Fields given here override the simulation's machine for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<Vec<ThreadSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<Vec<ProcessSpec>>,
    /// Subinterpreters of the run's one process, each with its own GIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreters: Option<Vec<SubinterpreterSpec>>,
}

/// The part of a simulation entry the simulator needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub machine: Machine,
    /// The default interpreter of every run.
    #[serde(default)]
    pub interpreter: Interpreter,
    pub runs: Vec<RunSpec>,
}

/// Name given to the single process of a run that lists `threads` directly.
pub const MAIN_PROCESS: &str = "main";

/// Resolved machine parameters, in the units of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineParams {
    pub cores: u32,
    pub wake_latency_us: f64,
    pub context_switch_us: f64,
    /// `None` means derived from the core count (see [`MachineParams::time_slice_ms`]).
    pub time_slice_ms: Option<f64>,
    pub timer_slack_us: f64,
    pub signal_us: f64,
    pub parallel_slowdown: f64,
    pub cache_refill_us: f64,
    pub jitter: f64,
    pub send_us: f64,
    pub receive_us: f64,
    pub idle_poll_us: f64,
    pub poll_wake_us: f64,
    pub requester_wins: f64,
    pub deep_wake_us: f64,
    pub deep_idle_ms: f64,
}

impl Default for MachineParams {
    /// Defaults from `gil-facts.md` ("Parameters and their defaults") and from what
    /// `crescu measure` saw on CPython 3.11 and 2.7 here (the calibration course,
    /// BENCHMARKS.md):
    /// - `cores` 2: the build machine.
    /// - `wake_latency_us` 45: wake-up onto a core that sleeps; an I/O thread alone ran
    ///   again 0.03–0.05 ms after its reply, a sleeper 0.1 ms after its deadline.
    /// - `context_switch_us` 2: a direct context switch, ~1–5 µs.
    /// - `time_slice_ms`: Linux CFS/EEVDF base slice, 0.75 ms x (1 + log2 cores).
    /// - `timer_slack_us` 60: Linux default timer slack (50 µs) and the timer's own
    ///   delay; with the wake-up, a sleep ends ~0.1 ms late as measured.
    /// - `signal_us` 0.6: a futex wake with a cross-core cache-line transfer; set so that
    ///   the old GIL's two threads on two cores land in fact 3's 1.3–2.3x.
    /// - `parallel_slowdown` 1.12: two busy cores of this machine kind run ~12% slower
    ///   each; set from facts 7, 9 and 10 (2 processes: 0.55–0.65x, not 0.5x).
    /// - `cache_refill_us` 35: per GIL hand-off; with the wake-up it is the per-switch
    ///   cost that fact 2 needs (1.4x at a 0.1 ms interval, 2.5x at 1 µs).
    /// - `jitter` 0.4: OS timings spread with a long tail (one in a hundred about 2.4
    ///   times the median); less made the races between a socket call and a woken
    ///   waiter all-or-nothing, which the measured rows are not, and a uniform spread
    ///   (`sim-3`) left the measured p99 of a lone I/O thread (0.10-0.15 ms) at 0.06.
    /// - `send_us` 9, `receive_us` 4: median of `scripts/syscall_cost.py` here (CPython
    ///   3.11, loopback TCP).
    /// - `idle_poll_us` 200: a KVM guest's idle loop polls about this long before it
    ///   halts (`guest_halt_poll_ns`).
    /// - `poll_wake_us` 6: a wake-up onto a polling core; set so that an I/O thread
    ///   beside a CPU-bound thread loses the race after its send and mostly wins it after
    ///   a receive whose reply is there, as measured (median 4.35 ms at a 5 ms interval,
    ///   p99 9.2 ms).
    /// - `requester_wins` 0.5: a condition variable's signal goes to its longest waiter
    ///   (glibc queues waiters in order, the kernel's futex wakes the first), but the
    ///   waiter that asked for the drop has only just timed out and is often still awake
    ///   when the signal comes, and takes it. Half and half puts an I/O thread beside two
    ///   or three CPU-bound threads where it was measured: about two intervals at the
    ///   median, a tail of five to ten.
    /// - `deep_wake_us` 205, `deep_idle_ms` 10: an I/O thread alone ran again 0.05 ms
    ///   after a reply that ended a 1 ms wait, 0.10 after 5 ms, 0.19 after 20 and 0.21
    ///   after 50 (calibration `io-after-idle`).
    fn default() -> Self {
        MachineParams {
            cores: 2,
            wake_latency_us: 45.0,
            context_switch_us: 2.0,
            time_slice_ms: None,
            timer_slack_us: 60.0,
            signal_us: 0.6,
            parallel_slowdown: 1.12,
            cache_refill_us: 35.0,
            jitter: 0.4,
            send_us: 9.0,
            receive_us: 4.0,
            idle_poll_us: 200.0,
            poll_wake_us: 6.0,
            requester_wins: 0.5,
            deep_wake_us: 205.0,
            deep_idle_ms: 10.0,
        }
    }
}

impl MachineParams {
    /// The time slice in effect: the given one, or Linux's base slice scaled by cores.
    pub fn time_slice_ms(&self) -> f64 {
        self.time_slice_ms
            .unwrap_or_else(|| 0.75 * (1.0 + f64::from(self.cores.max(1)).log2()))
    }

    /// These parameters with the fields given in `m` replaced.
    pub fn with(&self, m: &Machine) -> Self {
        MachineParams {
            cores: m.cores.unwrap_or(self.cores),
            wake_latency_us: m.wake_latency_us.unwrap_or(self.wake_latency_us),
            context_switch_us: m.context_switch_us.unwrap_or(self.context_switch_us),
            time_slice_ms: m.time_slice_ms.or(self.time_slice_ms),
            timer_slack_us: m.timer_slack_us.unwrap_or(self.timer_slack_us),
            signal_us: m.signal_us.unwrap_or(self.signal_us),
            parallel_slowdown: m.parallel_slowdown.unwrap_or(self.parallel_slowdown),
            cache_refill_us: m.cache_refill_us.unwrap_or(self.cache_refill_us),
            jitter: m.jitter.unwrap_or(self.jitter),
            send_us: m.send_us.unwrap_or(self.send_us),
            receive_us: m.receive_us.unwrap_or(self.receive_us),
            idle_poll_us: m.idle_poll_us.unwrap_or(self.idle_poll_us),
            poll_wake_us: m.poll_wake_us.unwrap_or(self.poll_wake_us),
            requester_wins: m.requester_wins.unwrap_or(self.requester_wins),
            deep_wake_us: m.deep_wake_us.unwrap_or(self.deep_wake_us),
            deep_idle_ms: m.deep_idle_ms.unwrap_or(self.deep_idle_ms),
        }
    }
}

/// Resolved interpreter parameters, in the units of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct InterpreterParams {
    pub gil: GilKind,
    pub switch_interval_ms: f64,
    pub eval_check_ns: f64,
    pub check_interval_ticks: u32,
    pub tick_ns: f64,
    pub race_window_ns: f64,
    pub racer_sleeps: f64,
    pub ft_slowdown: f64,
    pub thread_start_us: f64,
    pub thread_exit_us: f64,
    pub call_us: f64,
}

impl Default for InterpreterParams {
    /// Defaults from `gil-facts.md`:
    /// - `gil` new: CPython 3.2 and later.
    /// - `switch_interval_ms` 5: `DEFAULT_INTERVAL 5000` µs in `Python/ceval_gil.c`.
    /// - `eval_check_ns` 21: one simple loop iteration on 3.11 here (the eval breaker is
    ///   checked at every back-edge).
    /// - `check_interval_ticks` 100: Python 2 `sys.setcheckinterval` default.
    /// - `tick_ns` 10: a Python 2 bytecode, about a quarter of a ~40 ns loop iteration.
    /// - `race_window_ns` 10: the holder re-acquires one tick after releasing.
    /// - `racer_sleeps` 0.025: on CPython 2.7.18 here an I/O thread beside a CPU-bound
    ///   thread mostly got the lock back within 0.1 ms, but the slowest of 20 replies
    ///   waited a median of 2.6 ms (0.46 to 11 ms over 7 rounds; 0.31 to 0.63 alone): now
    ///   and then the racer loses, sleeps, and meets the convoy of fact 3. With 2.5% per
    ///   lost try about one reply in 25 does (calibration `old-io`).
    /// - `ft_slowdown` 1.10: 3.14t single-thread cost of 5–10% (What's New in 3.14).
    /// - `thread_start_us` 100: thread start cost quoted by PEP 703.
    /// - `thread_exit_us` 150: a thread that ends keeps the GIL while it is torn down
    ///   (`threading`'s bookkeeping, then its C thread state cleared). On 3.11 here a
    ///   thread spinning beside it ran again 106-284 µs later than after a plain sleep
    ///   call (six runs of `scripts/thread_exit_cost.py`, median about 160; 2.7: 87-165,
    ///   3.9: 63-100, 3.13: 127-285). Sleepers that wake while others end pay it: the
    ///   calibration course's four sleepers, slowest wake.
    /// - `call_us` 3: a Python function call around `time.sleep` or a C call, with its
    ///   loop, on 3.11 here; the holder keeps the GIL that long after taking it, which is
    ///   what lets sleepers woken together pass it on one after another (the calibration
    ///   course's sleepers).
    fn default() -> Self {
        InterpreterParams {
            gil: GilKind::New,
            switch_interval_ms: 5.0,
            eval_check_ns: 21.0,
            check_interval_ticks: 100,
            tick_ns: 10.0,
            race_window_ns: 10.0,
            racer_sleeps: 0.025,
            ft_slowdown: 1.10,
            thread_start_us: 100.0,
            thread_exit_us: 150.0,
            call_us: 3.0,
        }
    }
}

impl InterpreterParams {
    /// These parameters with the fields given in `i` replaced.
    pub fn with(&self, i: &Interpreter) -> Self {
        InterpreterParams {
            gil: i.gil.unwrap_or(self.gil),
            switch_interval_ms: i.switch_interval_ms.unwrap_or(self.switch_interval_ms),
            eval_check_ns: i.eval_check_ns.unwrap_or(self.eval_check_ns),
            check_interval_ticks: i.check_interval_ticks.unwrap_or(self.check_interval_ticks),
            tick_ns: i.tick_ns.unwrap_or(self.tick_ns),
            race_window_ns: i.race_window_ns.unwrap_or(self.race_window_ns),
            racer_sleeps: i.racer_sleeps.unwrap_or(self.racer_sleeps),
            ft_slowdown: i.ft_slowdown.unwrap_or(self.ft_slowdown),
            thread_start_us: i.thread_start_us.unwrap_or(self.thread_start_us),
            thread_exit_us: i.thread_exit_us.unwrap_or(self.thread_exit_us),
            call_us: i.call_us.unwrap_or(self.call_us),
        }
    }
}

impl Scenario {
    /// The machine and interpreter in effect for run `index`.
    pub fn resolved(&self, index: usize) -> (MachineParams, InterpreterParams) {
        let mut machine = MachineParams::default().with(&self.machine);
        let mut interp = InterpreterParams::default().with(&self.interpreter);
        if let Some(run) = self.runs.get(index) {
            if let Some(m) = &run.machine {
                machine = machine.with(m);
            }
            if let Some(i) = &run.interpreter {
                interp = interp.with(i);
            }
        }
        (machine, interp)
    }
}

/// One interpreter of a run, with its own GIL: a process's main interpreter or one of
/// its subinterpreters.
#[derive(Debug, Clone, PartialEq)]
pub struct InterpreterPlace<'a> {
    pub process: String,
    /// `None` for a process's main interpreter.
    pub subinterpreter: Option<String>,
    /// Its start-up cost, in milliseconds: a delay for a subinterpreter, CPU on a core
    /// for a process.
    pub start_ms: Option<f64>,
    /// How a process other than the main one is started.
    pub start_method: Option<StartMethod>,
    pub threads: &'a [ThreadSpec],
}

impl RunSpec {
    /// The run's processes, with a run of bare `threads` as one process named "main";
    /// subinterpreters are listed as parts of "main", with their start-up cost.
    pub fn process_list(&self) -> Vec<(String, Option<f64>, &[ThreadSpec])> {
        self.interpreter_list()
            .into_iter()
            .map(|i| (i.process, i.start_ms, i.threads))
            .collect()
    }

    /// Every interpreter of the run, each with its own GIL, in the order of the spec:
    /// the main process's, its subinterpreters, then the other processes'.
    pub fn interpreter_list(&self) -> Vec<InterpreterPlace<'_>> {
        let mut out = Vec::new();
        let main = |subinterpreter, start_ms, threads| InterpreterPlace {
            process: MAIN_PROCESS.to_string(),
            subinterpreter,
            start_ms,
            start_method: None,
            threads,
        };
        if let Some(threads) = &self.threads {
            out.push(main(None, None, threads.as_slice()));
        }
        for i in self.interpreters.iter().flatten() {
            let start = i.start_ms.unwrap_or(SUBINTERPRETER_START_MS);
            out.push(main(
                Some(i.name.clone()),
                Some(start),
                i.threads.as_slice(),
            ));
        }
        for p in self.processes.iter().flatten() {
            let start = p.start_ms.unwrap_or_else(|| p.start.default_start_ms());
            out.push(InterpreterPlace {
                process: p.name.clone(),
                subinterpreter: None,
                start_ms: Some(start),
                start_method: Some(p.start),
                threads: p.threads.as_slice(),
            });
        }
        out
    }
}
