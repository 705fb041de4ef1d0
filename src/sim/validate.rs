//! Range and unit checks of a scenario, and the cheap budget estimate made before running.
//!
//! Paths are relative to the simulation entry (`machine.cores`,
//! `runs[0].interpreter.switch_interval_ms`); the content layer prefixes its own.

use std::collections::HashSet;
use std::fmt;

use crate::keypath::KeyPath;

use super::Budget;
use super::spec::{
    GilKind, Interpreter, Machine, ProcessSpec, RunSpec, Scenario, Step, SubinterpreterSpec,
    ThreadSpec,
};

/// One problem found in a scenario, located by key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: KeyPath,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Longest simulated duration any single value may ask for (10 minutes).
const MAX_MS: f64 = 600_000.0;
const MAX_REPEAT_DEPTH: usize = 8;
/// Every event of the model looks at every thread and core of its run, so a run's cost
/// grows with their product: threads are capped, and so are runs per simulation.
pub const MAX_THREADS_PER_RUN: usize = 256;
pub const MAX_RUNS: usize = 32;

struct Checker {
    problems: Vec<Problem>,
}

fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "infinity" } else { "-infinity" }.to_string()
    } else {
        format!("{v}")
    }
}

impl Checker {
    fn push(&mut self, path: KeyPath, message: String) {
        self.problems.push(Problem { path, message });
    }

    fn name(path: &KeyPath) -> String {
        path.last_key().unwrap_or("value").to_string()
    }

    /// `lo <= v <= hi`, with `lo` exclusive when `positive`.
    fn range(&mut self, path: KeyPath, v: f64, lo: f64, positive: bool, hi: f64, unit: &str) {
        let name = Self::name(&path);
        if !v.is_finite() {
            self.push(
                path,
                format!("`{name}` must be a finite number (got {})", fmt_num(v)),
            );
        } else if positive && v <= lo {
            self.push(
                path,
                format!("`{name}` must be positive (got {})", fmt_num(v)),
            );
        } else if !positive && v < lo {
            let what = if lo == 0.0 {
                "must not be negative".to_string()
            } else {
                format!("must be at least {}", fmt_num(lo))
            };
            self.push(path, format!("`{name}` {what} (got {})", fmt_num(v)));
        } else if v > hi {
            self.push(
                path,
                format!(
                    "`{name}` must be at most {}{unit} (got {})",
                    fmt_num(hi),
                    fmt_num(v)
                ),
            );
        }
    }

    fn opt(&mut self, base: &KeyPath, key: &str, v: Option<f64>, lo: f64, pos: bool, hi: f64) {
        if let Some(v) = v {
            self.range(base.key(key), v, lo, pos, hi, "");
        }
    }

    fn machine(&mut self, base: &KeyPath, m: &Machine) {
        if let Some(c) = m.cores {
            let path = base.key("cores");
            if c < 1 {
                self.push(path, format!("`cores` must be at least 1 (got {c})"));
            } else if c > 1024 {
                self.push(path, format!("`cores` must be at most 1024 (got {c})"));
            }
        }
        self.opt(base, "wake_latency_us", m.wake_latency_us, 0.0, false, 1e6);
        self.opt(
            base,
            "context_switch_us",
            m.context_switch_us,
            0.0,
            false,
            1e5,
        );
        self.opt(base, "time_slice_ms", m.time_slice_ms, 0.0, true, 1e4);
        self.opt(base, "timer_slack_us", m.timer_slack_us, 0.0, false, 1e6);
        self.opt(base, "signal_us", m.signal_us, 0.0, false, 1e4);
        self.opt(
            base,
            "parallel_slowdown",
            m.parallel_slowdown,
            1.0,
            false,
            16.0,
        );
        self.opt(base, "cache_refill_us", m.cache_refill_us, 0.0, false, 1e5);
        self.opt(base, "jitter", m.jitter, 0.0, false, 0.9);
        self.opt(base, "send_us", m.send_us, 0.0, true, 1e5);
        self.opt(base, "receive_us", m.receive_us, 0.0, true, 1e5);
        self.opt(base, "idle_poll_us", m.idle_poll_us, 0.0, false, 1e6);
        self.opt(base, "poll_wake_us", m.poll_wake_us, 0.0, true, 1e5);
        self.opt(base, "requester_wins", m.requester_wins, 0.0, false, 1.0);
        self.opt(base, "deep_wake_us", m.deep_wake_us, 0.0, false, 1e6);
        self.opt(base, "deep_idle_ms", m.deep_idle_ms, 0.0, true, 1e6);
    }

    fn interpreter(&mut self, base: &KeyPath, i: &Interpreter) {
        if let Some(v) = i.switch_interval_ms {
            let path = base.key("switch_interval_ms");
            if v.is_finite() && v > 0.0 && v < 0.001 {
                self.push(
                    path,
                    format!(
                        "`switch_interval_ms` must be at least 0.001 (1 µs, CPython's minimum) (got {})",
                        fmt_num(v)
                    ),
                );
            } else {
                self.range(path, v, 0.0, true, MAX_MS, "");
            }
        }
        self.opt(base, "eval_check_ns", i.eval_check_ns, 0.0, true, 1e9);
        if let Some(t) = i.check_interval_ticks
            && t < 1
        {
            self.push(
                base.key("check_interval_ticks"),
                format!("`check_interval_ticks` must be at least 1 (got {t})"),
            );
        }
        self.opt(base, "tick_ns", i.tick_ns, 0.0, true, 1e6);
        self.opt(base, "race_window_ns", i.race_window_ns, 0.0, false, 1e9);
        self.opt(base, "racer_sleeps", i.racer_sleeps, 0.0, false, 1.0);
        self.opt(base, "ft_slowdown", i.ft_slowdown, 1.0, false, 100.0);
        self.opt(base, "thread_start_us", i.thread_start_us, 0.0, false, 1e7);
        self.opt(base, "thread_exit_us", i.thread_exit_us, 0.0, false, 1e7);
        self.opt(base, "call_us", i.call_us, 0.0, false, 1e5);
    }

    fn steps(&mut self, base: &KeyPath, steps: &[Step], depth: usize) {
        for (n, step) in steps.iter().enumerate() {
            let at = base.index(n);
            match step {
                Step::CpuMs(v) => self.range(at.key("cpu_ms"), *v, 0.0, false, MAX_MS, " ms"),
                Step::SleepMs(v) => self.range(at.key("sleep_ms"), *v, 0.0, false, MAX_MS, " ms"),
                Step::Io(io) => {
                    let p = at.key("io");
                    self.range(p.key("wait_ms"), io.wait_ms, 0.0, false, MAX_MS, " ms");
                    self.range(p.key("cpu_us"), io.cpu_us, 0.0, false, MAX_MS * 1e3, " µs");
                }
                Step::CExt(c) => {
                    self.range(at.key("c_ext").key("ms"), c.ms, 0.0, false, MAX_MS, " ms")
                }
                Step::Repeat(r) => {
                    let p = at.key("repeat");
                    if depth >= MAX_REPEAT_DEPTH {
                        self.push(
                            p.clone(),
                            format!("repeats may nest at most {MAX_REPEAT_DEPTH} deep"),
                        );
                        continue;
                    }
                    if r.steps.is_empty() {
                        self.push(
                            p.key("steps"),
                            "a repeat needs at least one step".to_string(),
                        );
                    }
                    self.steps(&p.key("steps"), &r.steps, depth + 1);
                }
            }
        }
    }

    fn threads(&mut self, base: &KeyPath, threads: &[ThreadSpec]) {
        if threads.is_empty() {
            self.push(base.clone(), "at least one thread is needed".to_string());
        }
        let mut seen = HashSet::new();
        for (n, t) in threads.iter().enumerate() {
            let at = base.index(n);
            if t.name.trim().is_empty() {
                self.push(at.key("name"), "a thread needs a name".to_string());
            } else if !seen.insert(t.name.as_str()) {
                self.push(
                    at.key("name"),
                    format!("thread name `{}` is used twice in this process", t.name),
                );
            }
            self.steps(&at.key("work"), &t.work, 0);
        }
    }

    fn run(&mut self, base: &KeyPath, run: &RunSpec) {
        if run.label.trim().is_empty() {
            self.push(base.key("label"), "a run needs a label".to_string());
        }
        if let Some(m) = &run.machine {
            self.machine(&base.key("machine"), m);
        }
        if let Some(i) = &run.interpreter {
            self.interpreter(&base.key("interpreter"), i);
        }
        let threads: usize = run.process_list().iter().map(|(_, _, t)| t.len()).sum();
        if threads > MAX_THREADS_PER_RUN {
            let key = if run.threads.is_some() {
                "threads"
            } else if run.processes.is_some() {
                "processes"
            } else {
                "interpreters"
            };
            self.push(
                base.key(key),
                format!(
                    "a run may have at most {MAX_THREADS_PER_RUN} threads in all (got {threads})"
                ),
            );
        }
        match (&run.threads, &run.processes) {
            (Some(_), Some(_)) => self.push(
                base.clone(),
                "give either `threads` or `processes`, not both".to_string(),
            ),
            (None, None) if run.interpreters.is_none() => self.push(
                base.clone(),
                "a run needs `threads` or `processes`".to_string(),
            ),
            (None, None) => {}
            (Some(threads), None) => self.threads(&base.key("threads"), threads),
            (None, Some(procs)) => self.processes(&base.key("processes"), procs),
        }
        if let Some(subs) = &run.interpreters {
            self.subinterpreters(base, run, subs);
        }
    }

    fn processes(&mut self, base: &KeyPath, procs: &[ProcessSpec]) {
        if procs.is_empty() {
            self.push(base.clone(), "at least one process is needed".to_string());
        }
        let mut seen = HashSet::new();
        for (n, p) in procs.iter().enumerate() {
            let at = base.index(n);
            self.named_start(&at, "process", &p.name, p.start_ms, &mut seen);
            self.threads(&at.key("threads"), &p.threads);
        }
    }

    /// The name (given, and once only among `seen`) and start cost of a process or
    /// subinterpreter.
    fn named_start<'a>(
        &mut self,
        at: &KeyPath,
        what: &str,
        name: &'a str,
        start_ms: Option<f64>,
        seen: &mut HashSet<&'a str>,
    ) {
        if name.trim().is_empty() {
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            self.push(at.key("name"), format!("{article} {what} needs a name"));
        } else if !seen.insert(name) {
            self.push(
                at.key("name"),
                format!("{what} name `{name}` is used twice"),
            );
        }
        if let Some(s) = start_ms {
            self.range(at.key("start_ms"), s, 0.0, false, MAX_MS, " ms");
        }
    }

    /// Subinterpreters of the run's one process: named once each, and their threads
    /// named once in the whole process (charts and reports name a thread by process).
    fn subinterpreters(&mut self, base: &KeyPath, run: &RunSpec, subs: &[SubinterpreterSpec]) {
        let ibase = base.key("interpreters");
        if run.processes.is_some() {
            self.push(
                ibase.clone(),
                "subinterpreters belong to the run's one process: give `interpreters` with \
                 `threads` or alone, not with `processes`"
                    .to_string(),
            );
        }
        if subs.is_empty() {
            self.push(
                ibase.clone(),
                "at least one interpreter is needed".to_string(),
            );
        }
        let mut names = HashSet::new();
        let mut threads: HashSet<&str> = run
            .threads
            .iter()
            .flatten()
            .map(|t| t.name.as_str())
            .collect();
        for (n, sub) in subs.iter().enumerate() {
            let at = ibase.index(n);
            self.named_start(&at, "interpreter", &sub.name, sub.start_ms, &mut names);
            self.threads(&at.key("threads"), &sub.threads);
            // Names repeated inside this interpreter were reported just above.
            let before = threads.clone();
            for (k, t) in sub.threads.iter().enumerate() {
                let name = t.name.as_str();
                if !name.trim().is_empty() && before.contains(name) {
                    self.push(
                        at.key("threads").index(k).key("name"),
                        format!(
                            "thread name `{name}` is used twice in this process (its \
                             interpreters share it)"
                        ),
                    );
                }
                threads.insert(name);
            }
        }
    }
}

/// Every problem of the scenario (empty when it can run).
pub fn validate(scenario: &Scenario) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let root = KeyPath::root();
    c.machine(&root.key("machine"), &scenario.machine);
    c.interpreter(&root.key("interpreter"), &scenario.interpreter);
    if scenario.runs.is_empty() {
        c.push(
            root.key("runs"),
            "a simulation needs at least one run".to_string(),
        );
    }
    if scenario.runs.len() > MAX_RUNS {
        c.push(
            root.key("runs"),
            format!(
                "a simulation may have at most {MAX_RUNS} runs (got {})",
                scenario.runs.len()
            ),
        );
    }
    let mut labels = HashSet::new();
    for (n, run) in scenario.runs.iter().enumerate() {
        let at = root.key("runs").index(n);
        if !run.label.trim().is_empty() && !labels.insert(run.label.as_str()) {
            c.push(
                at.key("label"),
                format!("run label `{}` is used twice", run.label),
            );
        }
        c.run(&at, run);
        let (_, interp) = scenario.resolved(n);
        if interp.gil == GilKind::Old && run.interpreters.is_some() {
            c.push(
                at.key("interpreters"),
                "subinterpreters with their own GIL need CPython 3.12 or later: \
                 `gil: new` or `free_threaded`, not `old`"
                    .to_string(),
            );
        }
        // Cross-field: the race window cannot exceed the check interval.
        let cycle = f64::from(interp.check_interval_ticks) * interp.tick_ns;
        if interp.gil == GilKind::Old
            && interp.race_window_ns.is_finite()
            && interp.race_window_ns > cycle
            && cycle > 0.0
        {
            c.push(
                at.key("interpreter").key("race_window_ns"),
                format!(
                    "`race_window_ns` ({}) must not exceed the check interval of {} ns",
                    fmt_num(interp.race_window_ns),
                    fmt_num(cycle)
                ),
            );
        }
    }
    c.problems
}

/// Upper-bound guesses for one run, made without simulating.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEstimate {
    /// At least this much simulated time (the longest single thread, alone).
    pub min_simulated_s: f64,
    /// Roughly this many events.
    pub events: f64,
    /// Roughly the model's work: events times the threads and cores each one looks at.
    pub work: f64,
}

/// (actions, total ns, python ns) of a list of steps, repeats multiplied out.
fn tally(steps: &[Step]) -> (f64, f64, f64) {
    let mut acc = (0.0, 0.0, 0.0);
    for s in steps {
        let (a, t, p) = match s {
            Step::CpuMs(ms) => (1.0, ms * 1e6, ms * 1e6),
            Step::SleepMs(ms) => (1.0, ms * 1e6, 0.0),
            Step::CExt(c) => (1.0, c.ms * 1e6, 0.0),
            Step::Io(io) => {
                let n = f64::from(io.count);
                (
                    2.0 * n,
                    n * (io.wait_ms * 1e6 + io.cpu_us * 1e3),
                    n * io.cpu_us * 1e3,
                )
            }
            Step::Repeat(r) => {
                let (a, t, p) = tally(&r.steps);
                let n = f64::from(r.times);
                (a * n, t * n, p * n)
            }
        };
        acc.0 += a;
        acc.1 += t;
        acc.2 += p;
    }
    acc
}

/// Cheap estimates of every run of a valid scenario.
pub fn estimate(scenario: &Scenario) -> Vec<RunEstimate> {
    scenario
        .runs
        .iter()
        .enumerate()
        .map(|(n, run)| {
            let (machine, interp) = scenario.resolved(n);
            let slack_ns = machine.timer_slack_us * 1e3;
            let slice_ns = machine.time_slice_ms() * 1e6;
            let mut longest: f64 = 0.0;
            let mut events = 0.0;
            let mut all_threads = 0usize;
            let mut cpu_total = 0.0;
            for (_, start_ms, threads) in run.process_list() {
                let start = start_ms.unwrap_or(0.0) * 1e6;
                let mut py_in_process = 0.0;
                for t in threads {
                    let (actions, total, py) = tally(&t.work);
                    let slow = if interp.gil == GilKind::FreeThreaded {
                        interp.ft_slowdown
                    } else {
                        1.0
                    };
                    longest = longest.max(start + total + py * (slow - 1.0));
                    events += 8.0 * actions + 4.0;
                    py_in_process += py;
                    cpu_total += total;
                }
                all_threads += threads.len();
                if threads.len() > 1 {
                    let period = match interp.gil {
                        GilKind::New => interp.switch_interval_ms * 1e6 + slack_ns,
                        GilKind::Old => {
                            let cycle = f64::from(interp.check_interval_ticks) * interp.tick_ns;
                            let p = (interp.race_window_ns / cycle).clamp(1e-12, 1.0);
                            ((machine.wake_latency_us + machine.context_switch_us) * 1e3 / p)
                                .min(slice_ns)
                        }
                        GilKind::FreeThreaded => f64::INFINITY,
                    };
                    // Each hand-off costs a dozen events, and every waiting thread wakes
                    // once per interval (its timed wait runs out).
                    let per_period = 12.0 + (threads.len() - 1) as f64;
                    events += per_period * py_in_process / period.max(1.0);
                }
            }
            if all_threads > machine.cores as usize {
                events += 6.0 * cpu_total / slice_ns.max(1.0);
            }
            RunEstimate {
                min_simulated_s: longest / 1e9,
                events,
                work: events * (all_threads + machine.cores as usize) as f64,
            }
        })
        .collect()
}

/// Problems for runs that would surely or probably exceed the budget.
pub fn check_budget(scenario: &Scenario, budget: &Budget) -> Vec<Problem> {
    let mut out = Vec::new();
    for (n, est) in estimate(scenario).iter().enumerate() {
        let path = KeyPath::root().key("runs").index(n);
        let label = &scenario.runs[n].label;
        if est.min_simulated_s > budget.max_simulated_s {
            out.push(Problem {
                path,
                message: format!(
                    "run `{label}` would simulate at least {:.0} s, over the budget of {} s",
                    est.min_simulated_s, budget.max_simulated_s
                ),
            });
        } else if est.events > budget.max_events as f64 {
            out.push(Problem {
                path,
                message: format!(
                    "run `{label}` would need about {:.0} million events, over the budget of {} million",
                    est.events / 1e6,
                    budget.max_events as f64 / 1e6
                ),
            });
        } else if est.work > budget.max_work {
            out.push(Problem {
                path,
                message: format!(
                    "run `{label}` would need about {:.0} million steps (events times threads and cores), over the budget of {:.0} million",
                    est.work / 1e6,
                    budget.max_work / 1e6
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scenario(v: serde_json::Value) -> Scenario {
        serde_json::from_value(v).expect("scenario deserializes")
    }

    fn messages(s: &Scenario) -> Vec<String> {
        validate(s).iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        // The bad-input lesson `sim-out-of-range.md`.
        let s = scenario(json!({
            "machine": {"cores": 0},
            "runs": [{
                "label": "two threads",
                "interpreter": {"gil": "new", "switch_interval_ms": -5},
                "threads": [{"name": "T1", "work": [{"cpu_ms": 100}]}]
            }]
        }));
        assert_eq!(
            messages(&s),
            vec![
                "machine.cores: `cores` must be at least 1 (got 0)",
                "runs[0].interpreter.switch_interval_ms: `switch_interval_ms` must be positive (got -5)",
            ]
        );
    }

    #[test]
    fn checks_steps_names_and_shape() {
        let s = scenario(json!({
            "interpreter": {"switch_interval_ms": 0.0000001, "ft_slowdown": 0.5},
            "runs": [
                {"label": "a", "threads": [
                    {"name": "T", "work": [{"cpu_ms": -1}, {"io": {"count": 2, "wait_ms": 1e9}}]},
                    {"name": "T", "work": [{"repeat": {"times": 2, "steps": []}}]}
                ]},
                {"label": "a", "threads": [], "processes": []},
                {"label": "b"}
            ]
        }));
        let m = messages(&s);
        let expected = [
            "interpreter.switch_interval_ms: `switch_interval_ms` must be at least 0.001 (1 µs, CPython's minimum) (got 0.0000001)",
            "interpreter.ft_slowdown: `ft_slowdown` must be at least 1 (got 0.5)",
            "runs[0].threads[0].work[0].cpu_ms: `cpu_ms` must not be negative (got -1)",
            "runs[0].threads[0].work[1].io.wait_ms: `wait_ms` must be at most 600000 ms (got 1000000000)",
            "runs[0].threads[1].name: thread name `T` is used twice in this process",
            "runs[0].threads[1].work[0].repeat.steps: a repeat needs at least one step",
            "runs[1].label: run label `a` is used twice",
            "runs[1]: give either `threads` or `processes`, not both",
            "runs[2]: a run needs `threads` or `processes`",
        ];
        for e in expected {
            assert!(m.iter().any(|x| x == e), "missing {e:?} in {m:#?}");
        }
        assert_eq!(m.len(), expected.len(), "{m:#?}");
    }

    #[test]
    fn checks_subinterpreters() {
        let thread = |name: &str| json!({"name": name, "work": [{"cpu_ms": 1}]});
        let s = scenario(json!({"runs": [
            {"label": "a", "threads": [thread("T")], "interpreters": [
                {"name": "I", "start_ms": -1, "threads": [thread("T"), thread("U")]},
                {"name": "I", "threads": [thread("U")]},
                {"name": " ", "threads": []}
            ]},
            {"label": "b", "processes": [{"name": "P", "threads": [thread("T")]}],
             "interpreters": []},
            {"label": "c", "interpreters": [{"name": "I", "threads": [thread("T")]}]}
        ]}));
        assert_eq!(
            messages(&s),
            vec![
                "runs[0].interpreters[0].start_ms: `start_ms` must not be negative (got -1)",
                "runs[0].interpreters[0].threads[0].name: thread name `T` is used twice in \
                 this process (its interpreters share it)",
                "runs[0].interpreters[1].name: interpreter name `I` is used twice",
                "runs[0].interpreters[1].threads[0].name: thread name `U` is used twice in \
                 this process (its interpreters share it)",
                "runs[0].interpreters[2].name: an interpreter needs a name",
                "runs[0].interpreters[2].threads: at least one thread is needed",
                "runs[1].interpreters: subinterpreters belong to the run's one process: give \
                 `interpreters` with `threads` or alone, not with `processes`",
                "runs[1].interpreters: at least one interpreter is needed",
            ]
        );
    }

    #[test]
    fn steps_are_one_key_maps() {
        let err = serde_json::from_value::<Step>(json!({"cpu_ms": 1, "sleep_ms": 2}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exactly one key"), "{err}");
        let err = serde_json::from_value::<Step>(json!({"cpu": 1}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `cpu`"), "{err}");
        let step: Step = serde_json::from_value(json!({"io": {"wait_ms": 2}})).unwrap();
        assert_eq!(
            step,
            Step::Io(super::super::spec::IoStep {
                count: 1,
                wait_ms: 2.0,
                cpu_us: 0.0
            })
        );
        // Round trip through the written form.
        let back: Step = serde_json::from_value(serde_json::to_value(&step).unwrap()).unwrap();
        assert_eq!(back, step);
    }

    #[test]
    fn budget_refuses_runs_that_cannot_fit() {
        let long = scenario(json!({"runs": [{"label": "long", "threads": [
            {"name": "T", "work": [{"repeat": {"times": 1000, "steps": [{"sleep_ms": 1000}]}}]}
        ]}]}));
        let p = check_budget(&long, &Budget::default());
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("at least 1000 s"), "{}", p[0].message);
        let storm = scenario(json!({
            "interpreter": {"switch_interval_ms": 0.001},
            "runs": [{"label": "storm", "threads": [
                {"name": "A", "work": [{"cpu_ms": 300000}]},
                {"name": "B", "work": [{"cpu_ms": 300000}]}
            ]}]
        }));
        let p = check_budget(&storm, &Budget::default());
        assert!(p[0].message.contains("million events"), "{}", p[0].message);
    }

    fn crowd(threads: usize, runs: usize, cpu_ms: f64) -> Scenario {
        let threads: Vec<_> = (0..threads)
            .map(|i| json!({"name": format!("T{i}"), "work": [{"cpu_ms": cpu_ms}]}))
            .collect();
        let runs: Vec<_> = (0..runs)
            .map(|i| json!({"label": format!("r{i}"), "threads": threads}))
            .collect();
        scenario(json!({ "machine": {"cores": 2}, "runs": runs }))
    }

    #[test]
    fn threads_and_runs_are_capped() {
        let messages =
            |s: &Scenario| -> Vec<String> { validate(s).iter().map(|p| p.to_string()).collect() };
        assert!(messages(&crowd(MAX_THREADS_PER_RUN, 1, 1.0)).is_empty());
        assert_eq!(
            messages(&crowd(MAX_THREADS_PER_RUN + 1, 1, 1.0)),
            [format!(
                "runs[0].threads: a run may have at most {MAX_THREADS_PER_RUN} threads in all (got {})",
                MAX_THREADS_PER_RUN + 1
            )]
        );
        assert_eq!(
            messages(&crowd(1, MAX_RUNS + 1, 1.0)),
            [format!(
                "runs: a simulation may have at most {MAX_RUNS} runs (got {})",
                MAX_RUNS + 1
            )]
        );
    }

    #[test]
    fn crowds_of_threads_cost_their_square_and_more() {
        // Events grow with threads x intervals, and each event looks at every thread.
        let small = estimate(&crowd(50, 1, 50.0))[0].work;
        let large = estimate(&crowd(200, 1, 50.0))[0].work;
        assert!(large > 40.0 * small, "{small} -> {large}");
        let p = check_budget(&crowd(256, 1, 1000.0), &Budget::default());
        assert!(p[0].message.contains("million steps"), "{p:?}");
    }
}
