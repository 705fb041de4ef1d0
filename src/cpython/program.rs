//! Translation of one simulated run into a real Python program.
//!
//! Pure: the program text depends only on the scenario, the run and the interpreter's
//! facts and calibration, so every step kind can be checked without running Python.
//! The program is the runtime in `prelude.py` followed by one function per thread
//! (its steps, each a call sized by calibration) and the `RUN` table that says which
//! threads run in which process.

use crate::sim::spec::{GilKind, RunSpec, Scenario, StartMethod, Step, ThreadSpec};
use std::fmt::Write as _;

/// The runtime every generated program starts with (Python 2.7 and 3.x).
pub const PRELUDE: &str = include_str!("prelude.py");

/// What `crescu measure` learned about an interpreter by running it once.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct PythonFacts {
    /// `major.minor.micro`.
    pub version: String,
    pub gil_enabled: bool,
    /// Cores this process may run on.
    pub cpus: u32,
    pub start_methods: Vec<String>,
    /// Whether `time.thread_time` exists (3.7+), so threads' CPU time can be measured.
    pub thread_cpu_time: bool,
    /// `spin` loop iterations per millisecond.
    pub spin_per_ms: f64,
    /// Items per millisecond of `sum(range(n))`, C work that keeps the GIL.
    pub hold_per_ms: f64,
    /// Bytes per millisecond of SHA-256, C work that releases the GIL.
    pub hash_bytes_per_ms: f64,
}

impl PythonFacts {
    pub fn major(&self) -> u32 {
        self.version
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(3)
    }

    /// "3.11.7" or "3.13.0 free-threaded".
    pub fn describe(&self) -> String {
        if self.gil_enabled {
            self.version.clone()
        } else {
            format!("{} free-threaded", self.version)
        }
    }
}

/// Which interpreter a scenario's run needs.
pub fn needs_python2(scenario: &Scenario, run: usize) -> bool {
    scenario.resolved(run).1.gil == GilKind::Old
}

/// The program measuring run `run` of `scenario`, or why this interpreter and machine
/// cannot measure it.
pub fn program(scenario: &Scenario, run: usize, python: &PythonFacts) -> Result<String, String> {
    let spec = scenario
        .runs
        .get(run)
        .ok_or_else(|| format!("the simulation has no run {run}"))?;
    let (machine, interp) = scenario.resolved(run);
    check_interpreter(interp.gil, python)?;
    let groups = groups(spec);
    check_runnable(spec, &groups, machine.cores, python)?;
    let mut out = String::with_capacity(PRELUDE.len() + 2048);
    out.push_str(PRELUDE);
    out.push('\n');
    let mut zeros_ms = 0f64;
    let (table, io) = thread_functions(&groups, &mut out, &mut zeros_ms);
    let (switch, check) = if python.major() >= 3 {
        (
            format!("{:?}", interp.switch_interval_ms / 1000.0),
            "None".to_string(),
        )
    } else {
        ("None".to_string(), interp.check_interval_ticks.to_string())
    };
    let _ = write!(
        out,
        "\n\nRUN = {{\n    \"setup\": {{\"switch_interval_s\": {switch}, \"check_interval\": {check}, \
         \"cores\": {cores}, \"io\": {io}, \"zeros_ms\": {zeros_ms:?}}},\n    \"processes\": [\n{table}    ],\n}}\n\n\
         if __name__ == \"__main__\":\n    run_main()\n",
        cores = machine.cores,
        io = py_bool(io),
    );
    Ok(out)
}

/// Why this interpreter on this machine cannot run the run, if it cannot.
fn check_runnable(
    spec: &RunSpec,
    groups: &[Group],
    cores: u32,
    python: &PythonFacts,
) -> Result<(), String> {
    if spec.interpreters.is_some() {
        // 3.12 and 3.13 reach subinterpreters only through private modules whose API
        // changed between them; programs are not generated for those yet.
        return Err(format!(
            "crescu cannot yet run subinterpreters on a real interpreter (Python {} here; they need 3.12 or later and private modules before 3.14)",
            python.version
        ));
    }
    if cores > python.cpus {
        return Err(format!(
            "the run needs {cores} cores; this machine lets Python use {}",
            python.cpus
        ));
    }
    for group in groups {
        if let Some(method) = group.start
            && !python.start_methods.iter().any(|m| m == start_name(method))
        {
            return Err(format!(
                "Python {} has no `{}` start method",
                python.version,
                start_name(method)
            ));
        }
    }
    Ok(())
}

/// Writes one Python function per thread into `out`; returns the table of processes and
/// their threads that names them, and whether any thread does I/O.
fn thread_functions(groups: &[Group], out: &mut String, zeros_ms: &mut f64) -> (String, bool) {
    let mut table = String::new();
    let mut io = false;
    for (g, group) in groups.iter().enumerate() {
        let start = group
            .start
            .map_or("None".to_string(), |m| py_str(start_name(m)));
        let _ = write!(
            table,
            "        {{\"name\": {}, \"start\": {start}, \"threads\": [",
            py_str(&group.name)
        );
        for (t, thread) in group.threads.iter().enumerate() {
            let function = format!("work_{g}_{t}");
            let body = thread_body(&thread.work, zeros_ms);
            let _ = write!(out, "\ndef {function}(rec):\n{body}");
            let needs_io = uses_io(&thread.work);
            io |= needs_io;
            let _ = write!(
                table,
                "({}, {function}, {}), ",
                py_str(&thread.name),
                py_bool(needs_io)
            );
        }
        table.push_str("]},\n");
    }
    (table, io)
}

/// The program that reports an interpreter's facts and calibration.
pub fn calibration_program() -> String {
    format!("{PRELUDE}\n\nif __name__ == \"__main__\":\n    calibrate()\n")
}

fn check_interpreter(gil: GilKind, python: &PythonFacts) -> Result<(), String> {
    let fits = match gil {
        GilKind::New => python.major() >= 3 && python.gil_enabled,
        GilKind::Old => python.major() == 2,
        GilKind::FreeThreaded => !python.gil_enabled,
    };
    if fits {
        return Ok(());
    }
    let wanted = match gil {
        GilKind::New => "a CPython 3 with the GIL",
        GilKind::Old => "a CPython 2 interpreter (the old GIL)",
        GilKind::FreeThreaded => "a free-threaded CPython build with the GIL disabled",
    };
    Err(format!(
        "the run needs {wanted}; Python {} is not one",
        python.describe()
    ))
}

/// The threads of one process of a run; `start` is `None` for the measuring process.
struct Group<'a> {
    name: String,
    start: Option<StartMethod>,
    threads: &'a [ThreadSpec],
}

fn groups(spec: &RunSpec) -> Vec<Group<'_>> {
    let mut out = Vec::new();
    if let Some(threads) = &spec.threads {
        out.push(Group {
            name: crate::sim::spec::MAIN_PROCESS.to_string(),
            start: None,
            threads,
        });
    }
    for p in spec.processes.iter().flatten() {
        out.push(Group {
            name: p.name.clone(),
            start: Some(p.start),
            threads: &p.threads,
        });
    }
    out
}

fn start_name(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => "fork",
        StartMethod::Forkserver => "forkserver",
        StartMethod::Spawn => "spawn",
    }
}

fn thread_body(steps: &[Step], zeros_ms: &mut f64) -> String {
    let mut out = String::new();
    write_steps(&mut out, steps, 1, zeros_ms);
    if out.is_empty() {
        out.push_str("    pass\n");
    }
    out
}

/// Work for `ms` milliseconds: `rate` (the program's own measure of units per
/// millisecond) times `ms`, at least `least`.
fn units(ms: f64, rate: &str, least: u64) -> String {
    format!("max({least}, int({ms:?} * {rate}))")
}

fn write_steps(out: &mut String, steps: &[Step], depth: usize, zeros_ms: &mut f64) {
    let pad = "    ".repeat(depth);
    for step in steps {
        match step {
            Step::CpuMs(ms) => {
                let _ = writeln!(out, "{pad}spin({})  # cpu_ms: {ms}", units(*ms, "SPIN", 1));
            }
            Step::SleepMs(ms) => {
                let _ = writeln!(out, "{pad}nap(rec, {:?})  # sleep_ms: {ms}", ms / 1000.0);
            }
            Step::Io(io) => {
                let wait_us = (io.wait_ms * 1000.0).round() as u64;
                let _ = writeln!(
                    out,
                    "{pad}for _ in loop_range({}):  # io: {} x {} ms, {} us of Python each",
                    io.count, io.count, io.wait_ms, io.cpu_us
                );
                if io.cpu_us > 0.0 {
                    let _ = writeln!(
                        out,
                        "{pad}    spin({})",
                        units(io.cpu_us / 1000.0, "SPIN", 1)
                    );
                }
                let _ = writeln!(out, "{pad}    ask(rec, {wait_us})");
            }
            Step::CExt(c) if c.releases_gil => {
                // At least 2 KiB: below that hashlib keeps the GIL.
                *zeros_ms = zeros_ms.max(c.ms);
                let bytes = units(c.ms, "HASH", 2048);
                let _ = writeln!(
                    out,
                    "{pad}hash_bytes({bytes})  # c_ext: {} ms without the GIL",
                    c.ms
                );
            }
            Step::CExt(c) => {
                let _ = writeln!(
                    out,
                    "{pad}hold({})  # c_ext: {} ms holding the GIL",
                    units(c.ms, "HOLD", 1),
                    c.ms
                );
            }
            Step::Repeat(r) => {
                let _ = writeln!(out, "{pad}for _ in loop_range({}):", r.times);
                let before = out.len();
                write_steps(out, &r.steps, depth + 1, zeros_ms);
                if out.len() == before {
                    let _ = writeln!(out, "{pad}    pass");
                }
            }
        }
    }
}

fn uses_io(steps: &[Step]) -> bool {
    steps.iter().any(|s| match s {
        Step::Io(_) => true,
        Step::Repeat(r) => uses_io(&r.steps),
        _ => false,
    })
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A Python string literal meaning the same in Python 2 and 3: non-ASCII as `\u` escapes
/// of a `u""` literal, so front-matter names can never break out of the string.
fn py_str(s: &str) -> String {
    let mut out = String::from("u\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(version: &str) -> PythonFacts {
        PythonFacts {
            version: version.into(),
            gil_enabled: true,
            cpus: 2,
            start_methods: vec!["fork".into(), "spawn".into(), "forkserver".into()],
            thread_cpu_time: true,
            spin_per_ms: 20_000.0,
            hold_per_ms: 50_000.0,
            hash_bytes_per_ms: 1_000_000.0,
        }
    }

    fn scenario(yaml: &str) -> Scenario {
        serde_yaml::from_str(yaml).expect("scenario")
    }

    /// The part of the program after the prelude.
    fn generated(yaml: &str, py: &PythonFacts) -> String {
        let text = program(&scenario(yaml), 0, py).expect("measurable");
        text[PRELUDE.len()..].to_string()
    }

    #[test]
    fn cpu_ms_becomes_a_spin_sized_by_the_programs_own_rate() {
        let g = generated(
            "runs: [{label: a, threads: [{name: T1, work: [{cpu_ms: 50}]}]}]",
            &facts("3.11.7"),
        );
        assert!(
            g.contains("def work_0_0(rec):\n    spin(max(1, int(50.0 * SPIN)))  # cpu_ms: 50\n"),
            "{g}"
        );
        assert!(g.contains("(u\"T1\", work_0_0, False)"), "{g}");
        assert!(g.contains("\"switch_interval_s\": 0.005"), "{g}");
        assert!(g.contains("\"io\": False"), "{g}");
    }

    #[test]
    fn io_becomes_round_trips_with_python_between() {
        let g = generated(
            "runs: [{label: a, threads: [{name: IO, work: [{io: {count: 40, wait_ms: 2.5, cpu_us: 50}}]}]}]",
            &facts("3.11.7"),
        );
        assert!(
            g.contains("    for _ in loop_range(40):  # io: 40 x 2.5 ms, 50 us of Python each\n        spin(max(1, int(0.05 * SPIN)))\n        ask(rec, 2500)\n"),
            "{g}"
        );
        assert!(g.contains("(u\"IO\", work_0_0, True)"), "{g}");
        assert!(g.contains("\"io\": True"), "{g}");
    }

    #[test]
    fn sleep_becomes_a_timed_nap() {
        let g = generated(
            "runs: [{label: a, threads: [{name: S, work: [{sleep_ms: 10}]}]}]",
            &facts("3.11.7"),
        );
        assert!(g.contains("    nap(rec, 0.01)  # sleep_ms: 10\n"), "{g}");
    }

    #[test]
    fn repeat_becomes_a_loop_around_its_steps() {
        let g = generated(
            "runs: [{label: a, threads: [{name: R, work: [{repeat: {times: 3, steps: [{cpu_ms: 1}, {sleep_ms: 2}]}}]}]}]",
            &facts("3.11.7"),
        );
        assert!(
            g.contains("    for _ in loop_range(3):\n        spin(max(1, int(1.0 * SPIN)))  # cpu_ms: 1\n        nap(rec, 0.002)  # sleep_ms: 2\n"),
            "{g}"
        );
    }

    #[test]
    fn c_ext_releasing_hashes_a_buffer_sized_by_calibration() {
        let g = generated(
            "runs: [{label: a, threads: [{name: C, work: [{c_ext: {ms: 25, releases_gil: true}}, {c_ext: {ms: 0.0001, releases_gil: true}}]}]}]",
            &facts("3.11.7"),
        );
        assert!(
            g.contains(
                "    hash_bytes(max(2048, int(25.0 * HASH)))  # c_ext: 25 ms without the GIL\n"
            ),
            "{g}"
        );
        // Never below hashlib's 2 KiB threshold, or it would keep the GIL.
        assert!(
            g.contains("    hash_bytes(max(2048, int(0.0001 * HASH)))"),
            "{g}"
        );
        assert!(g.contains("\"zeros_ms\": 25.0"), "{g}");
    }

    #[test]
    fn c_ext_holding_runs_a_c_loop() {
        let g = generated(
            "runs: [{label: a, threads: [{name: C, work: [{c_ext: {ms: 2, releases_gil: false}}]}]}]",
            &facts("3.11.7"),
        );
        assert!(
            g.contains("    hold(max(1, int(2.0 * HOLD)))  # c_ext: 2 ms holding the GIL\n"),
            "{g}"
        );
    }

    #[test]
    fn processes_carry_their_start_method_and_the_interval_and_cores_are_set() {
        let g = generated(
            "machine: {cores: 1}\ninterpreter: {switch_interval_ms: 0.5}\nruns: [{label: a, processes: [{name: P1, start: spawn, threads: [{name: T1, work: [{cpu_ms: 1}]}]}, {name: P2, threads: [{name: T1, work: []}]}]}]",
            &facts("3.11.7"),
        );
        assert!(g.contains("{\"name\": u\"P1\", \"start\": u\"spawn\", \"threads\": [(u\"T1\", work_0_0, False), ]},"), "{g}");
        assert!(
            g.contains("{\"name\": u\"P2\", \"start\": u\"fork\""),
            "{g}"
        );
        assert!(g.contains("def work_1_0(rec):\n    pass\n"), "{g}");
        assert!(
            g.contains("\"switch_interval_s\": 0.0005, \"check_interval\": None, \"cores\": 1"),
            "{g}"
        );
    }

    #[test]
    fn the_old_gil_runs_on_python_2_with_its_check_interval() {
        let yaml = "interpreter: {gil: old, check_interval_ticks: 1000}\nruns: [{label: a, threads: [{name: T1, work: [{cpu_ms: 1}]}]}]";
        let g = generated(yaml, &facts("2.7.18"));
        assert!(
            g.contains("\"switch_interval_s\": None, \"check_interval\": 1000"),
            "{g}"
        );
        let err = program(&scenario(yaml), 0, &facts("3.11.7")).unwrap_err();
        assert!(err.contains("CPython 2"), "{err}");
        assert!(needs_python2(&scenario(yaml), 0));
    }

    #[test]
    fn runs_this_machine_or_interpreter_cannot_do_say_why() {
        let many =
            "machine: {cores: 8}\nruns: [{label: a, threads: [{name: T1, work: [{cpu_ms: 1}]}]}]";
        let err = program(&scenario(many), 0, &facts("3.11.7")).unwrap_err();
        assert!(
            err.contains("needs 8 cores") && err.contains("use 2"),
            "{err}"
        );
        let ft = "interpreter: {gil: free_threaded}\nruns: [{label: a, threads: [{name: T1, work: [{cpu_ms: 1}]}]}]";
        let err = program(&scenario(ft), 0, &facts("3.11.7")).unwrap_err();
        assert!(err.contains("free-threaded"), "{err}");
        let mut py2 = facts("2.7.18");
        py2.start_methods = vec!["fork".into()];
        let spawn = "interpreter: {gil: old}\nruns: [{label: a, processes: [{name: P, start: spawn, threads: []}]}]";
        let err = program(&scenario(spawn), 0, &py2).unwrap_err();
        assert!(err.contains("no `spawn` start method"), "{err}");
    }

    #[test]
    fn subinterpreters_are_not_measurable_yet_and_say_so() {
        let yaml = "runs: [{label: a, interpreters: [{name: I1, threads: [{name: T1, work: [{cpu_ms: 1}]}]}]}]";
        let err = program(&scenario(yaml), 0, &facts("3.11.7")).unwrap_err();
        assert!(
            err.contains("subinterpreters") && err.contains("3.11.7"),
            "{err}"
        );
    }

    #[test]
    fn names_cannot_break_out_of_their_string() {
        assert_eq!(py_str("a\"b\\c"), "u\"a\\\"b\\\\c\"");
        assert_eq!(py_str("é\n"), "u\"\\u00e9\\u000a\"");
        assert_eq!(py_str("😀"), "u\"\\U0001f600\"");
    }
}
