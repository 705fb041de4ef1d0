//! Unit tests of chart rendering and option validation. Snapshot tests of whole figures
//! live in `tests/chart_golden.rs`.

use proptest::prelude::*;

use super::*;
use crate::sim::spec::{IoStep, RunSpec, Scenario, Step, ThreadSpec};
use crate::sim::{Lane, Span, ThreadState};

const MS: u64 = 1_000_000;

fn thread(name: &str, latencies: Vec<u64>) -> ThreadResult {
    ThreadResult {
        name: name.to_string(),
        process: "main".to_string(),
        subinterpreter: None,
        cpu_ns: 10 * MS,
        work_ns: 10 * MS,
        gil_wait_ns: 2 * MS,
        acquisitions: 3,
        forced_drops: 1,
        io_ops: latencies.len() as u64,
        io_latencies_ns: latencies,
        end_ns: 20 * MS,
    }
}

fn run(label: &str, wall_ms: u64) -> RunResult {
    RunResult {
        label: label.to_string(),
        wall_ns: wall_ms * MS,
        gil_switches: 7,
        events: 10,
        threads: vec![
            thread("cpu", vec![]),
            thread("io", vec![MS, 2 * MS, 50_000]),
        ],
        timeline: vec![Lane {
            process: "main".to_string(),
            subinterpreter: None,
            thread: "cpu".to_string(),
            segments: vec![
                Span {
                    start_ns: 0,
                    end_ns: 5 * MS,
                    state: ThreadState::RunningPython,
                },
                Span {
                    start_ns: 5 * MS,
                    end_ns: wall_ms * MS,
                    state: ThreadState::WaitingGil,
                },
            ],
        }],
        core_busy_ns: vec![],
    }
}

fn result() -> SimResult {
    SimResult {
        runs: vec![run("one", 20), run("two", 10)],
    }
}

fn draw(
    options: &ChartOptions,
    points: &[RunPoint],
    result: &SimResult,
) -> Result<String, ChartError> {
    render(&ChartInput {
        id: "t",
        title: "T",
        caption: None,
        options,
        points,
        result,
        provenance: "p",
        measured: &[],
        words: &ChartWords::default(),
    })
}

fn with_kind(kind: ChartKind) -> ChartOptions {
    ChartOptions {
        kind,
        ..ChartOptions::default()
    }
}

#[test]
fn measures_of_a_run() {
    let r = run("one", 20);
    assert_eq!(Measure::WallMs.of(&r), 20.0);
    assert_eq!(Measure::GilSwitches.of(&r), 7.0);
    assert_eq!(Measure::CpuMs.of(&r), 20.0);
    assert_eq!(Measure::GilWaitMs.of(&r), 4.0);
    assert_eq!(Measure::IoLatencyP50Ms.of(&r), 1.0);
    assert_eq!(Measure::IoLatencyMaxMs.of(&r), 2.0);
    assert_eq!(Measure::IoOpsPerS.of(&r), 150.0);
    let words = ChartWords::default();
    assert_eq!(Measure::GilSwitches.format(7.0, &words), "7");
    assert_eq!(Measure::WallMs.format(1031.25, &words), "1031 ms");
    assert_eq!(Measure::IoLatencyP50Ms.format(0.0291, &words), "29.1 µs");
    assert_eq!(Measure::IoLatencyP50Ms.format(5.114, &words), "5.11 ms");
    let german = ChartWords::from_lookup(|k| (k == "chart_decimal_separator").then(|| ",".into()));
    assert_eq!(Measure::IoLatencyP50Ms.format(5.114, &german), "5,11 ms");
    assert_eq!(Measure::IoOpsPerS.precise(52.25, &german), "52,2");
}

#[test]
fn element_ids_are_safe() {
    let r = result();
    let html = render(&ChartInput {
        id: "two words<&>",
        title: "T",
        caption: None,
        options: &ChartOptions::default(),
        points: &[RunPoint::default(), RunPoint::default()],
        result: &r,
        provenance: "p",
        measured: &[],
        words: &ChartWords::default(),
    })
    .unwrap();
    assert!(html.contains("id=\"chart-two-words---\""));
    assert!(html.contains(
        "aria-labelledby=\"chart-two-words----title\" aria-describedby=\"chart-two-words----result\""
    ));
}

#[test]
fn render_reports_what_it_cannot_draw() {
    let r = result();
    let points = vec![RunPoint::default(); 2];
    let run_named = |name: &str| ChartOptions {
        run: Some(name.to_string()),
        ..ChartOptions::default()
    };
    assert_eq!(
        draw(&run_named("three"), &points, &r),
        Err(ChartError::UnknownRun("three".to_string()))
    );
    assert_eq!(
        draw(&with_kind(ChartKind::Lines), &points, &r),
        Err(ChartError::MissingX("one".to_string()))
    );
    assert!(matches!(
        draw(&ChartOptions::default(), &points[..1], &r),
        Err(ChartError::PointsMismatch { .. })
    ));
    let histogram_of = |thread: &str| ChartOptions {
        kind: ChartKind::Histogram,
        thread: Some(thread.to_string()),
        ..ChartOptions::default()
    };
    assert!(matches!(
        draw(&histogram_of("cpu"), &points, &r),
        Err(ChartError::ThreadWithoutLatencies { .. })
    ));
    assert!(matches!(
        draw(&histogram_of("nope"), &points, &r),
        Err(ChartError::UnknownThread { .. })
    ));
    assert!(draw(&histogram_of("main/io"), &points, &r).is_ok());
    let reversed = ChartOptions {
        window_ms: Some([5.0, 1.0]),
        ..ChartOptions::default()
    };
    assert_eq!(draw(&reversed, &points, &r), Err(ChartError::BadWindow));
    assert_eq!(
        draw(&ChartOptions::default(), &[], &SimResult { runs: vec![] }),
        Err(ChartError::NoRuns)
    );
}

#[test]
fn a_timeline_groups_threads_by_interpreter() {
    let thread = |name: &str| ThreadSpec {
        name: name.to_string(),
        work: vec![Step::CpuMs(5.0)],
    };
    let sub = |name: &str, threads| crate::sim::SubinterpreterSpec {
        name: name.to_string(),
        start_ms: None,
        threads,
    };
    let s = Scenario {
        runs: vec![RunSpec {
            label: "subs".to_string(),
            interpreter: None,
            machine: None,
            threads: Some(vec![thread("main")]),
            processes: None,
            interpreters: Some(vec![
                sub("I1", vec![thread("A")]),
                sub("I2", vec![thread("B"), thread("C")]),
            ]),
        }],
        ..Scenario::default()
    };
    let r = crate::sim::run(&s, 1, &crate::sim::Budget::default()).unwrap();
    let html = render(&ChartInput {
        id: "subs",
        title: "T",
        caption: None,
        options: &ChartOptions::default(),
        points: &[RunPoint::default()],
        result: &r,
        provenance: "p",
        measured: &[],
        words: &ChartWords::default(),
    })
    .unwrap();
    for part in [
        "process main</tspan> · main",
        "interpreter I1</tspan> · A",
        ">interpreter I2</text>",
        "main/I2/B",
        "(4 threads in 3 interpreters)",
    ] {
        assert!(html.contains(part), "{part} missing from {html}");
    }
}

#[test]
fn timeline_cells_take_the_dominant_state() {
    let lane = Lane {
        process: "main".to_string(),
        subinterpreter: None,
        thread: "t".to_string(),
        segments: vec![
            Span {
                start_ns: 0,
                end_ns: 30,
                state: ThreadState::RunningPython,
            },
            Span {
                start_ns: 30,
                end_ns: 40,
                state: ThreadState::WaitingGil,
            },
            Span {
                start_ns: 40,
                end_ns: 100,
                state: ThreadState::Blocked,
            },
        ],
    };
    // Cells of 20 ns over [0, 120): the last cell has no thread at all.
    let cells = timeline::dominant_states(&lane, 0.0, 120.0, 6);
    use ThreadState::*;
    assert_eq!(
        cells,
        vec![
            Some(RunningPython),
            Some(RunningPython),
            Some(Blocked),
            Some(Blocked),
            Some(Blocked),
            None
        ]
    );
}

fn scenario() -> Scenario {
    let cpu = ThreadSpec {
        name: "cpu".to_string(),
        work: vec![Step::CpuMs(10.0)],
    };
    let io = ThreadSpec {
        name: "io".to_string(),
        work: vec![Step::Io(IoStep {
            count: 3,
            wait_ms: 1.0,
            cpu_us: 0.0,
        })],
    };
    let run = |label: &str, threads: Vec<ThreadSpec>| RunSpec {
        label: label.to_string(),
        interpreter: None,
        machine: None,
        threads: Some(threads),
        processes: None,
        interpreters: None,
    };
    Scenario {
        runs: vec![run("alone", vec![cpu.clone()]), run("mixed", vec![cpu, io])],
        ..Scenario::default()
    }
}

fn messages(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn validate_accepts_good_options() {
    let points = vec![RunPoint::default(); 2];
    for kind in [ChartKind::Timeline, ChartKind::Bars] {
        assert!(validate(&with_kind(kind), &points, &scenario()).is_empty());
    }
    let histogram = ChartOptions {
        kind: ChartKind::Histogram,
        run: Some("mixed".to_string()),
        thread: Some("io".to_string()),
        ..ChartOptions::default()
    };
    assert_eq!(
        messages(&validate(&histogram, &points, &scenario())),
        Vec::<String>::new()
    );
    let lines_points = vec![
        RunPoint {
            x: Some(1.0),
            series: None,
        },
        RunPoint {
            x: Some(2.0),
            series: None,
        },
    ];
    assert!(validate(&with_kind(ChartKind::Lines), &lines_points, &scenario()).is_empty());
}

#[test]
fn validate_locates_every_problem() {
    let points = vec![RunPoint::default(); 2];
    let options = ChartOptions {
        kind: ChartKind::Timeline,
        run: Some("three".to_string()),
        window_ms: Some([10.0, 2.0]),
        baseline: Some("one".to_string()),
        ..ChartOptions::default()
    };
    let found = messages(&validate(&options, &points, &scenario()));
    assert_eq!(
        found,
        [
            "chart.baseline: `baseline` does not apply to a timeline chart",
            "chart.run: no run is labelled `three`; the runs are `alone`, `mixed`",
            "chart.window_ms: `window_ms` must be [from, to] with from < to, not [10, 2]",
        ]
    );

    let negative = ChartOptions {
        window_ms: Some([-1.0, 2.0]),
        ..ChartOptions::default()
    };
    assert_eq!(
        messages(&validate(&negative, &points, &scenario())),
        ["chart.window_ms: `window_ms` starts at -1 ms; the run starts at 0"]
    );

    let bars = ChartOptions {
        kind: ChartKind::Bars,
        baseline: Some("nope".to_string()),
        ..ChartOptions::default()
    };
    assert_eq!(
        messages(&validate(&bars, &points, &scenario())),
        ["chart.baseline: no run is labelled `nope`; the runs are `alone`, `mixed`"]
    );

    let lines_points = vec![
        RunPoint {
            x: Some(1.0),
            series: None,
        },
        RunPoint::default(),
    ];
    let found = messages(&validate(
        &with_kind(ChartKind::Lines),
        &lines_points,
        &scenario(),
    ));
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("runs[1].x: a lines chart needs a numeric `x`"));

    let histogram = |run: &str, thread: Option<&str>| ChartOptions {
        kind: ChartKind::Histogram,
        run: Some(run.to_string()),
        thread: thread.map(str::to_string),
        ..ChartOptions::default()
    };
    let found = messages(&validate(&histogram("alone", None), &points, &scenario()));
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("chart.kind: no thread of run `alone` makes a blocking call"));
    let found = messages(&validate(
        &histogram("mixed", Some("cpu")),
        &points,
        &scenario(),
    ));
    assert!(found[0].starts_with("chart.thread: thread `cpu` makes no blocking call"));
    let found = messages(&validate(
        &histogram("mixed", Some("gpu")),
        &points,
        &scenario(),
    ));
    assert_eq!(
        found,
        ["chart.thread: run `mixed` has no thread `gpu`; its threads are `cpu`, `io`"]
    );
}

fn arb_state() -> impl Strategy<Value = ThreadState> {
    prop_oneof![
        Just(ThreadState::RunningPython),
        Just(ThreadState::WaitingGil),
        Just(ThreadState::Blocked),
        Just(ThreadState::RunningC),
        Just(ThreadState::Runnable),
        Just(ThreadState::Starting),
    ]
}

fn arb_lane() -> impl Strategy<Value = Lane> {
    (
        "[a-h<&>]{0,4}",
        prop::collection::vec((arb_state(), 0u64..5_000_000), 0..8),
    )
        .prop_map(|(name, pieces)| {
            let mut t = 0;
            let segments = pieces
                .into_iter()
                .map(|(state, d)| {
                    let span = Span {
                        start_ns: t,
                        end_ns: t + d,
                        state,
                    };
                    t += d;
                    span
                })
                .collect();
            Lane {
                process: "main".to_string(),
                subinterpreter: None,
                thread: name,
                segments,
            }
        })
}

fn arb_run() -> impl Strategy<Value = RunResult> {
    (
        "[0-9 <&>\"']{0,6}",
        0u64..50_000_000,
        0u64..1000,
        prop::collection::vec(0u64..20_000_000, 0..12),
        prop::collection::vec(arb_lane(), 0..3),
    )
        .prop_map(
            |(label, wall_ns, switches, latencies, timeline)| RunResult {
                label,
                wall_ns,
                gil_switches: switches,
                events: 0,
                threads: vec![thread("t", latencies)],
                timeline,
                core_busy_ns: vec![],
            },
        )
}

fn arb_kind() -> impl Strategy<Value = ChartKind> {
    prop_oneof![
        Just(ChartKind::Timeline),
        Just(ChartKind::Bars),
        Just(ChartKind::Lines),
        Just(ChartKind::Histogram),
    ]
}

fn arb_measure() -> impl Strategy<Value = Measure> {
    prop_oneof![
        Just(Measure::WallMs),
        Just(Measure::GilSwitches),
        Just(Measure::CpuMs),
        Just(Measure::GilWaitMs),
        Just(Measure::IoLatencyP50Ms),
        Just(Measure::IoLatencyP99Ms),
        Just(Measure::IoLatencyMaxMs),
        Just(Measure::IoOpsPerS),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the result, render never panics and never prints a non-number.
    #[test]
    fn render_never_panics_or_prints_nan(
        runs in prop::collection::vec(arb_run(), 1..4),
        kind in arb_kind(),
        measure in arb_measure(),
        window in prop::option::of((0.0f64..30.0, 0.0f64..30.0)),
        xs in prop::collection::vec(prop::option::of(-5.0f64..100.0), 4),
        series in prop::collection::vec(prop::option::of("[ab]"), 4),
    ) {
        let result = SimResult { runs };
        let points: Vec<RunPoint> = result
            .runs
            .iter()
            .enumerate()
            .map(|(i, _)| RunPoint { x: xs[i], series: series[i].clone() })
            .collect();
        let options = ChartOptions {
            kind,
            measure: Some(measure),
            window_ms: window.map(|(a, b)| [a, b]),
            ..ChartOptions::default()
        };
        if let Ok(html) = draw(&options, &points, &result) {
            prop_assert!(!html.contains("NaN"), "{}", html);
            prop_assert!(!html.contains("inf"), "{}", html);
            prop_assert!(html.contains("chart-title") && html.contains("chart-result") && html.contains("<table>"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Validation never panics, whatever the options, and every problem has a location.
    #[test]
    fn validate_never_panics(
        kind in arb_kind(),
        run in prop::option::of("(alone|mixed|other)"),
        thread in prop::option::of("(cpu|io|main/io|x)"),
        window in prop::option::of((-10.0f64..30.0, -10.0f64..30.0)),
        baseline in prop::option::of("(alone|nope)"),
        xs in prop::collection::vec(prop::option::of(-5.0f64..100.0), 0..4),
    ) {
        let options = ChartOptions {
            kind,
            run,
            thread,
            window_ms: window.map(|(a, b)| [a, b]),
            baseline,
            ..ChartOptions::default()
        };
        let points: Vec<RunPoint> = xs.into_iter().map(|x| RunPoint { x, series: None }).collect();
        for problem in validate(&options, &points, &scenario()) {
            prop_assert!(!problem.path.0.is_empty());
            prop_assert!(!problem.message.is_empty());
        }
    }
}

/// Two axes of 2 and 3 values: six variants, the default one shown, the others hidden
/// but the same size, each with its own result, table and key figures.
#[test]
fn explorable_charts_hold_every_variant() {
    let axes = [
        explore::Axis {
            label: "Cores".to_string(),
            unit: String::new(),
            values: vec![1.0, 2.0],
            default: 1,
        },
        explore::Axis {
            label: "Switch interval".to_string(),
            unit: "ms".to_string(),
            values: vec![1.0, 5.0, 20.0],
            default: 0,
        },
    ];
    let results: Vec<SimResult> = (1..=6)
        .map(|k| SimResult {
            runs: vec![run("one", 10 * k), run("two", 5)],
        })
        .collect();
    let input = ChartInput {
        id: "x",
        title: "T",
        caption: None,
        options: &with_kind(ChartKind::Bars),
        points: &[RunPoint::default(), RunPoint::default()],
        result: &results[0],
        provenance: "p",
        measured: &[],
        words: &ChartWords::default(),
    };
    let html = render_explorable(&input, &axes, &results).unwrap();
    assert!(html.starts_with("<figure class=\"chart chart-bars\" id=\"chart-x\" data-explore>"));
    assert_eq!(
        html.matches("<div class=\"chart-variant\" hidden>").count(),
        5
    );
    assert_eq!(html.matches("<div class=\"chart-variant\">").count(), 1);
    // The default is cores 2, interval 1 ms: variant 3 (row-major), "one" at 40 ms.
    let shown = html
        .split("<div class=\"chart-variant\">")
        .nth(1)
        .unwrap()
        .trim_start();
    assert!(
        shown.starts_with("<p class=\"chart-result\" id=\"chart-x-v3-result\">"),
        "{shown}"
    );
    assert!(
        shown.contains("compared with “one” (40.0 ms): two 5.00 ms, 0.12x as long."),
        "{shown}"
    );
    let heights: std::collections::BTreeSet<&str> = html
        .split(" height=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .filter(|h| h.contains('.') || h.len() > 2)
        .collect();
    assert!(
        heights.len() <= 2,
        "every SVG has the same height: {heights:?}"
    );
    assert_eq!(html.matches("<table>").count(), 6);
    assert!(html.contains("<li><strong>Cores 2, Switch interval 1 ms (shown)</strong>: one 40.0 ms; two 5.00 ms</li>"), "{html}");
    assert!(html.contains("aria-live=\"polite\""));
    assert_eq!(
        render_explorable(&input, &axes, &results[..5]),
        Err(ChartError::VariantsMismatch {
            results: 5,
            variants: 6
        })
    );
}

#[test]
fn bars_lanes_and_points_name_their_values_for_tooltips() {
    let r = result();
    let points = [1.0, 2.0].map(|x| RunPoint {
        x: Some(x),
        series: None,
    });
    let bars = draw(&with_kind(ChartKind::Bars), &points, &r).unwrap();
    assert!(
        bars.contains(
            "<g tabindex=\"0\" role=\"img\" aria-label=\"two: 10.0 ms · 0.50x as long\">"
        ),
        "{bars}"
    );
    let lines = draw(&with_kind(ChartKind::Lines), &points, &r).unwrap();
    assert!(lines.contains("aria-label=\"x 2: 10.0 ms\""), "{lines}");
    let timeline = draw(&ChartOptions::default(), &points, &r).unwrap();
    assert!(
        timeline.contains("aria-label=\"cpu, running Python: 5 ms (25% of the window)\""),
        "{timeline}"
    );
    let histogram = draw(&with_kind(ChartKind::Histogram), &points, &r).unwrap();
    assert!(
        histogram.contains("aria-label=\"1 ms to 2 ms: 1 call\""),
        "{histogram}"
    );
}
