//! Invariants of the simulator over random scenarios (small case counts: the suite runs
//! in a debug build).

use crescu::sim::{
    self, Budget, CExtStep, GilKind, Interpreter, InterpreterParams, IoStep, Machine,
    MachineParams, ProcessSpec, RepeatStep, RunSpec, Scenario, SimResult, StartMethod, Step,
    SubinterpreterSpec, ThreadResult, ThreadSpec, ThreadState,
};
use proptest::prelude::*;

fn leaf_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0.0..8.0f64).prop_map(Step::CpuMs),
        (1u32..5, 0.0..1.5f64, 0.0..80.0f64).prop_map(|(count, wait_ms, cpu_us)| Step::Io(
            IoStep {
                count,
                wait_ms,
                cpu_us
            }
        )),
        (0.0..4.0f64, any::<bool>())
            .prop_map(|(ms, releases_gil)| Step::CExt(CExtStep { ms, releases_gil })),
        (0.0..3.0f64).prop_map(Step::SleepMs),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => leaf_step(),
        1 => (1u32..4, prop::collection::vec(leaf_step(), 1..3))
            .prop_map(|(times, steps)| Step::Repeat(RepeatStep { times, steps })),
    ]
}

fn thread_list() -> impl Strategy<Value = Vec<ThreadSpec>> {
    prop::collection::vec(prop::collection::vec(step(), 1..4), 1..4).prop_map(|works| {
        works
            .into_iter()
            .enumerate()
            .map(|(i, work)| ThreadSpec {
                name: format!("T{i}"),
                work,
            })
            .collect()
    })
}

fn gil_kind() -> impl Strategy<Value = GilKind> {
    prop_oneof![
        Just(GilKind::New),
        Just(GilKind::Old),
        Just(GilKind::FreeThreaded)
    ]
}

/// Where a run's threads live: one process, several processes, or one process with
/// subinterpreters.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Threads,
    Processes,
    Subinterpreters,
}

/// A scenario with one run; `exact` turns off the effects that make CPU time differ from
/// the spec (parallel slowdown, cache refill, old-GIL signalling); `subinterpreters`
/// always puts the threads in subinterpreters (with the new GIL or none).
fn scenario(exact: bool, subinterpreters: bool) -> impl Strategy<Value = Scenario> {
    let (gil, layout) = if subinterpreters {
        (
            prop_oneof![Just(GilKind::New), Just(GilKind::FreeThreaded)].boxed(),
            Just(Layout::Subinterpreters).boxed(),
        )
    } else {
        (
            gil_kind().boxed(),
            prop_oneof![
                Just(Layout::Threads),
                Just(Layout::Processes),
                Just(Layout::Subinterpreters)
            ]
            .boxed(),
        )
    };
    (
        1u32..5,
        gil,
        prop_oneof![Just(0.05), Just(0.5), Just(5.0)],
        prop::collection::vec(thread_list(), 1..4),
        layout,
    )
        .prop_map(move |(cores, gil, interval, procs, layout)| {
            let machine = Machine {
                cores: Some(cores),
                parallel_slowdown: exact.then_some(1.0),
                cache_refill_us: exact.then_some(0.0),
                signal_us: exact.then_some(0.0),
                ..Machine::default()
            };
            // Subinterpreters need the new GIL or none (validation refuses the old).
            let layout = match (layout, gil) {
                (Layout::Subinterpreters, GilKind::Old) => Layout::Processes,
                (layout, _) => layout,
            };
            let (threads, processes, interpreters) = match layout {
                Layout::Processes => {
                    let ps = procs
                        .into_iter()
                        .enumerate()
                        .map(|(i, threads)| ProcessSpec {
                            name: format!("P{i}"),
                            start: StartMethod::Fork,
                            start_ms: None,
                            threads,
                        })
                        .collect();
                    (None, Some(ps), None)
                }
                Layout::Threads => (procs.into_iter().next(), None, None),
                Layout::Subinterpreters => {
                    // The main interpreter gets the first list when there are several.
                    let mut lists = procs.into_iter();
                    let main = if lists.len() > 1 { lists.next() } else { None };
                    let subs = lists
                        .enumerate()
                        .map(|(i, threads)| SubinterpreterSpec {
                            name: format!("I{i}"),
                            start_ms: Some(f64::from(i as u32) * 0.5),
                            // Thread names are unique in the whole process.
                            threads: threads
                                .into_iter()
                                .map(|t| ThreadSpec {
                                    name: format!("I{i}{}", t.name),
                                    ..t
                                })
                                .collect(),
                        })
                        .collect::<Vec<_>>();
                    let subs = (!subs.is_empty()).then_some(subs);
                    (main, None, subs)
                }
            };
            Scenario {
                machine,
                interpreter: Interpreter {
                    gil: Some(gil),
                    switch_interval_ms: Some(interval),
                    ..Interpreter::default()
                },
                runs: vec![RunSpec {
                    label: "run".to_string(),
                    interpreter: None,
                    machine: None,
                    threads,
                    processes,
                    interpreters,
                }],
            }
        })
}

/// (python ns, C ns, io ops, blocking calls) a list of steps asks for; `call_ns` of
/// Python go before each call that releases the GIL.
fn demand(steps: &[Step], call_ns: u64) -> (u64, u64, u64, u64) {
    let ns = |ms: f64| (ms * 1e6).round() as u64;
    let mut d = (0, 0, 0, 0);
    for s in steps {
        let (py, c, io, blocks) = match s {
            Step::CpuMs(ms) => (ns(*ms), 0, 0, 0),
            Step::CExt(x) if x.releases_gil => (call_ns, ns(x.ms), 0, 0),
            Step::CExt(x) => (0, ns(x.ms), 0, 0),
            Step::SleepMs(_) => (call_ns, 0, 0, 1),
            Step::Io(io) => {
                let n = u64::from(io.count);
                (n * (io.cpu_us * 1e3).round() as u64, 0, n, n)
            }
            Step::Repeat(r) => {
                let (a, b, c, e) = demand(&r.steps, call_ns);
                let n = u64::from(r.times);
                (a * n, b * n, c * n, e * n)
            }
        };
        d.0 += py;
        d.1 += c;
        d.2 += io;
        d.3 += blocks;
    }
    d
}

fn specs(s: &Scenario) -> Vec<(String, &ThreadSpec)> {
    let run = &s.runs[0];
    run.process_list()
        .into_iter()
        .flat_map(|(p, _, ts)| ts.iter().map(move |t| (p.clone(), t)))
        .collect()
}

fn simulate(s: &Scenario, seed: u64) -> SimResult {
    sim::run(s, seed, &Budget::default()).expect("scenario runs")
}

/// Largest number of lanes in one of `states` at any instant, per group key (made from
/// the lane's thread).
fn max_overlap(
    result: &SimResult,
    states: &[ThreadState],
    group: impl Fn(&ThreadResult) -> String,
) -> usize {
    let run = &result.runs[0];
    let mut edges: Vec<(String, u64, i32)> = Vec::new();
    for (lane, thread) in run.timeline.iter().zip(&run.threads) {
        for s in lane.segments.iter().filter(|s| states.contains(&s.state)) {
            edges.push((group(thread), s.start_ns, 1));
            edges.push((group(thread), s.end_ns, -1));
        }
    }
    // Ends before starts at equal times: spans are half-open.
    edges.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    let mut best = 0;
    let mut current = 0i32;
    let mut key = String::new();
    for (k, _, d) in edges {
        if k != key {
            key = k;
            current = 0;
        }
        current += d;
        best = best.max(current as usize);
    }
    best
}

/// The invariants every run keeps: same seed same result, work conserved, time only
/// forward, no core running two threads, and at most one thread per interpreter (a
/// process's main one, or each of its subinterpreters) running Python with its GIL.
fn check_invariants(s: &Scenario, seed: u64) -> Result<(), TestCaseError> {
    let result = simulate(s, seed);
    let run = &result.runs[0];
    let gil = s.interpreter.gil.unwrap();
    let cores = s.machine.cores.unwrap() as usize;
    let ft = if gil == GilKind::FreeThreaded {
        1.10
    } else {
        1.0
    };
    let tolerance = run.events as f64 + 10.0;
    let machine = MachineParams::default().with(&s.machine);
    // A jittered delay is at most `1 + jitter * E` times its median, and the exponential
    // `E` drawn from a 53-bit uniform never exceeds 53 ln 2 (about 36.7).
    let most = 1.0 + machine.jitter * 53.0 * std::f64::consts::LN_2;
    let socket_ns = (machine.send_us + machine.receive_us) * 1e3 * most;
    let call_ns = (InterpreterParams::default().with(&s.interpreter).call_us * 1e3).round() as u64;

    // Same seed, same result.
    prop_assert_eq!(&simulate(s, seed), &result);

    for ((process, spec), t) in specs(s).into_iter().zip(&run.threads) {
        prop_assert_eq!(&t.process, &process);
        let (py, c, io, blocks) = demand(&spec.work, call_ns);
        let expected_cpu = py as f64 * ft + c as f64;
        // Each round trip adds its socket calls (a send, and a receive when the reply
        // is already there), each jittered.
        let sockets = io as f64 * socket_ns;
        let within =
            |got: f64, want: f64| got >= want - tolerance && got <= want + sockets + tolerance;
        prop_assert!(
            within(t.cpu_ns as f64, expected_cpu),
            "{}: cpu {} vs {} (+ up to {} of socket calls)",
            t.name,
            t.cpu_ns,
            expected_cpu,
            sockets
        );
        prop_assert!(within(t.work_ns as f64, (py + c) as f64));
        prop_assert_eq!(t.io_ops, io);
        prop_assert_eq!(t.io_latencies_ns.len() as u64, blocks);
        prop_assert!(t.end_ns <= run.wall_ns);
    }

    // Time never goes back: spans ordered, non-empty, merged, within the run.
    for lane in &run.timeline {
        let mut last_end = 0;
        let mut last_state = None;
        for span in &lane.segments {
            prop_assert!(span.start_ns < span.end_ns);
            prop_assert!(span.start_ns >= last_end);
            prop_assert!(span.end_ns <= run.wall_ns);
            if span.start_ns == last_end {
                prop_assert_ne!(Some(span.state), last_state, "unmerged spans");
            }
            last_end = span.end_ns;
            last_state = Some(span.state);
        }
    }

    // No core runs two threads at once.
    let on_core = max_overlap(
        &result,
        &[ThreadState::RunningPython, ThreadState::RunningC],
        |_| String::new(),
    );
    prop_assert!(on_core <= cores, "{} threads on {} cores", on_core, cores);
    // At most one thread per interpreter (a process's main one, or each of its
    // subinterpreters) runs Python with that interpreter's GIL.
    if gil != GilKind::FreeThreaded {
        let holders = max_overlap(&result, &[ThreadState::RunningPython], |t| {
            format!("{}/{:?}", t.process, t.subinterpreter)
        });
        prop_assert!(holders <= 1, "{} GIL holders in one interpreter", holders);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(s in scenario(true, false), seed in 0u64..1000) {
        check_invariants(&s, seed)?;
    }

    #[test]
    fn invariants_hold_with_subinterpreters(s in scenario(true, true), seed in 0u64..1000) {
        prop_assert!(s.runs[0].interpreters.is_some());
        check_invariants(&s, seed)?;
    }

    #[test]
    fn seeds_differ_only_by_jitter(threads in 2usize..5, cores in 1u32..4, gil in gil_kind(), a in 0u64..1000, b in 0u64..1000) {
        let work: Vec<ThreadSpec> = (0..threads)
            .map(|i| ThreadSpec { name: format!("T{i}"), work: vec![Step::CpuMs(20.0)] })
            .collect();
        let s = Scenario {
            machine: Machine { cores: Some(cores), ..Machine::default() },
            interpreter: Interpreter { gil: Some(gil), ..Interpreter::default() },
            runs: vec![RunSpec { label: "cpu".into(), interpreter: None, machine: None, threads: Some(work), processes: None, interpreters: None }],
        };
        let wa = simulate(&s, a).runs[0].wall_ns as f64;
        let wb = simulate(&s, b).runs[0].wall_ns as f64;
        // The old GIL's hand-offs are themselves a race the OS decides (a geometric number
        // of failed retries), so which thread finishes first, and with it the wall time,
        // varies more there.
        let tolerance = if gil == GilKind::Old { 0.25 } else { 0.05 };
        prop_assert!((wa / wb - 1.0).abs() < tolerance, "seed {} -> {} ns, seed {} -> {} ns", a, wa, b, wb);
    }

    #[test]
    fn any_numbers_give_a_result_or_an_error_never_a_panic(
        cores in 0u32..6,
        interval in prop_oneof![Just(f64::NAN), Just(-5.0), Just(0.0), Just(1e-9), 0.0001..100.0f64],
        wake in prop_oneof![Just(-1.0), Just(f64::INFINITY), 0.0..1e5f64],
        cpu in prop_oneof![Just(-1.0), Just(f64::NAN), Just(1e12), 0.0..50.0f64],
        times in prop_oneof![Just(0u32), Just(u32::MAX), 1u32..5],
        wait in prop_oneof![Just(-0.5), Just(1e9), 0.0..2.0f64],
        gil in gil_kind(),
    ) {
        let work = vec![
            Step::CpuMs(cpu),
            Step::Repeat(RepeatStep { times, steps: vec![Step::Io(IoStep { count: 2, wait_ms: wait, cpu_us: 5.0 })] }),
        ];
        let s = Scenario {
            machine: Machine { cores: Some(cores), wake_latency_us: Some(wake), ..Machine::default() },
            interpreter: Interpreter { gil: Some(gil), switch_interval_ms: Some(interval), ..Interpreter::default() },
            runs: vec![RunSpec {
                label: "any".into(),
                interpreter: None,
                machine: None,
                threads: Some(vec![
                    ThreadSpec { name: "A".into(), work: work.clone() },
                    ThreadSpec { name: "B".into(), work },
                ]),
                processes: None,
                interpreters: None,
            }],
        };
        // A small budget keeps heavy but valid draws quick: they are refused, not run.
        let budget = Budget { max_events: 200_000, max_simulated_s: 60.0, ..Budget::default() };
        match sim::run(&s, 1, &budget) {
            Ok(r) => prop_assert!(r.runs[0].threads.iter().all(|t| t.end_ns <= r.runs[0].wall_ns)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
