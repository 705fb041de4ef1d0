//! Golden (snapshot) tests of every chart kind, drawn from small hand-made results, plus
//! structural checks of the figures.
//!
//! The expected figures live in `tests/golden/chart-*.html`. After an intended change to
//! chart output, regenerate them with
//!
//!     UPDATE_GOLDEN=1 cargo test --test chart_golden
//!
//! and review the diff. `CHART_PREVIEW=/tmp/charts.html` also writes every figure into
//! one page that links the default theme's stylesheet, for looking at in a browser.

use std::path::PathBuf;

use crescu::chart::{self, ChartInput, ChartKind, ChartOptions, ChartWords, Measure, RunPoint};
use crescu::measurement::{MeasuredRun, Stat};
use crescu::sim::{Lane, RunResult, SimResult, Span, ThreadResult, ThreadState};

const MS: u64 = 1_000_000;
const US: u64 = 1_000;

fn thread(name: &str, process: &str, end_ms: u64) -> ThreadResult {
    ThreadResult {
        name: name.to_string(),
        process: process.to_string(),
        subinterpreter: None,
        cpu_ns: end_ms * MS / 2,
        work_ns: end_ms * MS / 2,
        gil_wait_ns: end_ms * MS / 2,
        acquisitions: 2,
        forced_drops: 1,
        io_ops: 0,
        io_latencies_ns: Vec::new(),
        end_ns: end_ms * MS,
    }
}

/// A lane from consecutive (state, duration in µs) pieces starting at 0.
fn lane(process: &str, name: &str, pieces: &[(ThreadState, u64)]) -> Lane {
    let mut t = 0;
    let segments = pieces
        .iter()
        .map(|(state, us)| {
            let span = Span {
                start_ns: t,
                end_ns: t + us * US,
                state: *state,
            };
            t += us * US;
            span
        })
        .collect();
    Lane {
        process: process.to_string(),
        subinterpreter: None,
        thread: name.to_string(),
        segments,
    }
}

fn run(label: &str, wall_ms: u64, threads: Vec<ThreadResult>, timeline: Vec<Lane>) -> RunResult {
    RunResult {
        label: label.to_string(),
        wall_ns: wall_ms * MS,
        gil_switches: 4,
        events: 100,
        threads,
        timeline,
        core_busy_ns: vec![wall_ms * MS; 2],
    }
}

/// Two CPU-bound threads handing the GIL over every 5 ms, the second thread starting late.
fn two_threads() -> SimResult {
    use ThreadState::*;
    let t1 = lane(
        "main",
        "T1",
        &[
            (RunningPython, 5_000),
            (WaitingGil, 5_030),
            (RunningPython, 5_000),
            (WaitingGil, 5_030),
            (RunningPython, 2_000),
        ],
    );
    let t2 = lane(
        "main",
        "T2 <&>",
        &[
            (Starting, 100),
            (WaitingGil, 4_930),
            (RunningPython, 5_000),
            (WaitingGil, 30),
            (Blocked, 3_000),
            (RunningC, 2_000),
            (RunningPython, 4_000),
            (Runnable, 1_000),
        ],
    );
    SimResult {
        runs: vec![run(
            "2 threads",
            22,
            vec![thread("T1", "main", 22), thread("T2 <&>", "main", 20)],
            vec![t1, t2],
        )],
    }
}

/// Two processes of one thread each: lanes grouped under process headings.
fn two_processes() -> SimResult {
    use ThreadState::*;
    let a = lane(
        "worker-1",
        "T",
        &[(Starting, 2_000), (RunningPython, 10_000)],
    );
    let b = lane(
        "worker-2",
        "T",
        &[
            (Starting, 2_500),
            (RunningPython, 8_000),
            (Runnable, 500),
            (RunningPython, 1_500),
        ],
    );
    SimResult {
        runs: vec![run(
            "2 processes",
            12,
            vec![thread("T", "worker-1", 12), thread("T", "worker-2", 12)],
            vec![a, b],
        )],
    }
}

/// Wall times of a thread/process sweep.
fn sweep() -> SimResult {
    let runs = [
        ("1 thread", 1000.0),
        ("2 threads", 1031.25),
        ("4 threads", 1052.5),
        ("2 processes", 560.0),
        ("4 processes <&>", 301.75),
    ]
    .iter()
    .map(|(label, ms)| {
        let mut r = run(label, 0, vec![thread("T1", "main", 1)], Vec::new());
        r.wall_ns = (ms * MS as f64) as u64;
        r.gil_switches = (ms * 0.2) as u64;
        r
    })
    .collect();
    SimResult { runs }
}

fn sweep_points() -> Vec<RunPoint> {
    let point = |x: f64, series: &str| RunPoint {
        x: Some(x),
        series: Some(series.to_string()),
    };
    vec![
        point(1.0, "threads"),
        point(2.0, "threads"),
        point(4.0, "threads"),
        point(2.0, "processes"),
        point(4.0, "processes"),
    ]
}

/// An I/O thread whose wake-ups mostly come quickly but sometimes wait out a switch
/// interval behind a CPU-bound thread.
fn io_latencies() -> SimResult {
    let mut io = thread("io", "main", 100);
    io.io_ops = 40;
    io.io_latencies_ns = (0..40u64)
        .map(|i| match i % 8 {
            0 => 31 * US,
            1 => 45 * US,
            2 => 38 * US,
            3 => 120 * US,
            4 => 4_900 * US,
            5 => 5_020 * US,
            6 => 33 * US,
            _ => 2_400 * US,
        })
        .collect();
    SimResult {
        runs: vec![run(
            "beside a CPU thread",
            100,
            vec![thread("cpu", "main", 100), io],
            Vec::new(),
        )],
    }
}

/// The I/O thread alone and beside CPU-bound threads, with labels too long for one line.
fn convoy() -> SimResult {
    let with_latency = |label: &str, latency_ns: u64| {
        let mut io = thread("io", "main", 50);
        io.io_ops = 3;
        io.io_latencies_ns = vec![latency_ns; 3];
        run(label, 50, vec![io], Vec::new())
    };
    SimResult {
        runs: vec![
            with_latency("I/O thread alone", 29 * US),
            with_latency(
                "I/O thread beside one CPU-bound thread that never blocks, on two cores",
                5_110 * US,
            ),
            with_latency("beside 2 CPU threads", 10_200 * US),
        ],
    }
}

fn no_points(result: &SimResult) -> Vec<RunPoint> {
    vec![RunPoint::default(); result.runs.len()]
}

struct Case {
    name: &'static str,
    title: &'static str,
    caption: Option<&'static str>,
    options: ChartOptions,
    points: Vec<RunPoint>,
    result: SimResult,
}

fn cases() -> Vec<Case> {
    let bars = sweep();
    let histogram = io_latencies();
    let timeline = two_threads();
    let processes = two_processes();
    vec![
        Case {
            name: "timeline",
            title: "Two CPU-bound threads take turns",
            caption: Some("Each thread holds the GIL for about 5 ms, then waits."),
            options: ChartOptions {
                kind: ChartKind::Timeline,
                ..ChartOptions::default()
            },
            points: no_points(&timeline),
            result: timeline.clone(),
        },
        Case {
            name: "timeline-window",
            title: "The first hand-off, close up",
            caption: None,
            options: ChartOptions {
                kind: ChartKind::Timeline,
                window_ms: Some([4.0, 11.0]),
                ..ChartOptions::default()
            },
            points: no_points(&timeline),
            result: timeline,
        },
        Case {
            name: "timeline-processes",
            title: "Two processes run side by side",
            caption: None,
            options: ChartOptions::default(),
            points: no_points(&processes),
            result: processes,
        },
        Case {
            name: "bars",
            title: "Threads do not speed up CPU-bound Python; processes do",
            caption: Some("Wall time of the same total work."),
            options: ChartOptions {
                kind: ChartKind::Bars,
                ..ChartOptions::default()
            },
            points: no_points(&bars),
            result: bars.clone(),
        },
        Case {
            name: "bars-switches",
            title: "GIL switches",
            caption: None,
            options: ChartOptions {
                kind: ChartKind::Bars,
                measure: Some(Measure::GilSwitches),
                baseline: Some("2 threads".to_string()),
                ..ChartOptions::default()
            },
            points: no_points(&bars),
            result: bars.clone(),
        },
        Case {
            name: "bars-latency",
            title: "How long an I/O thread waits for the GIL",
            caption: None,
            options: ChartOptions {
                kind: ChartKind::Bars,
                measure: Some(Measure::IoLatencyP50Ms),
                ..ChartOptions::default()
            },
            points: no_points(&convoy()),
            result: convoy(),
        },
        Case {
            name: "lines",
            title: "Wall time against workers",
            caption: Some("Threads stay flat; processes scale."),
            options: ChartOptions {
                kind: ChartKind::Lines,
                x_label: Some("workers".to_string()),
                ..ChartOptions::default()
            },
            points: sweep_points(),
            result: bars,
        },
        Case {
            name: "histogram",
            title: "An I/O thread waits behind a CPU-bound thread",
            caption: None,
            options: ChartOptions {
                kind: ChartKind::Histogram,
                ..ChartOptions::default()
            },
            points: no_points(&histogram),
            result: histogram,
        },
    ]
}

fn render(case: &Case) -> String {
    draw(
        case,
        "Simulated by crescu's GIL model (sim-1), spec 3f2a9c1e",
        &[],
    )
}

/// A case drawn with this provenance line and these measured runs.
fn draw(case: &Case, provenance: &str, measured: &[Option<&[MeasuredRun]>]) -> String {
    chart::render(&ChartInput {
        id: case.name,
        title: case.title,
        caption: case.caption,
        options: &case.options,
        points: &case.points,
        result: &case.result,
        provenance,
        measured,
        words: &ChartWords::default(),
    })
    .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compare `html` with `tests/golden/chart-NAME.html` (or write it, with UPDATE_GOLDEN=1).
fn check_golden(name: &str, html: &str, mismatches: &mut Vec<String>) {
    let path = golden_dir().join(format!("chart-{name}.html"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, html).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == html => {}
        Ok(_) => mismatches.push(format!("{} differs", path.display())),
        Err(_) => mismatches.push(format!("{} is missing", path.display())),
    }
}

/// The convoy chart made explorable: the switch interval (a slider of four values) and
/// the number of CPU-bound threads (a segmented control of two), eight variants.
fn explorable() -> (Vec<chart::explore::Axis>, Vec<SimResult>) {
    use chart::explore::Axis;
    let axes = vec![
        Axis {
            label: "Switch interval".to_string(),
            unit: "ms".to_string(),
            values: vec![1.0, 2.0, 5.0, 20.0],
            default: 2,
        },
        Axis {
            label: "CPU-bound threads".to_string(),
            unit: String::new(),
            values: vec![1.0, 2.0],
            default: 0,
        },
    ];
    let mut results = Vec::new();
    for interval in [1, 2, 5, 20] {
        for threads in [1, 2] {
            let mut r = convoy();
            r.runs.truncate(2);
            let io = &mut r.runs[1].threads[0];
            io.io_latencies_ns = vec![interval * threads * 1_020 * US; 3];
            results.push(r);
        }
    }
    (axes, results)
}

fn render_explorable() -> String {
    let (axes, results) = explorable();
    let points = no_points(&results[0]);
    chart::render_explorable(
        &ChartInput {
            id: "explore",
            title: "How long an I/O thread waits for the GIL",
            caption: Some("Median delay from a completed read to running Python again."),
            options: &ChartOptions {
                kind: ChartKind::Bars,
                measure: Some(Measure::IoLatencyP50Ms),
                ..ChartOptions::default()
            },
            points: &points,
            result: &results[0],
            provenance: "Simulated by crescu's GIL model (sim-1), spec 3f2a9c1e",
            measured: &[],
            words: &ChartWords::default(),
        },
        &axes,
        &results,
    )
    .unwrap()
}

#[test]
fn explorable_figure_matches_golden_file() {
    let mut mismatches = Vec::new();
    check_golden("explore", &render_explorable(), &mut mismatches);
    assert!(
        mismatches.is_empty(),
        "{mismatches:?} (UPDATE_GOLDEN=1 after an intended change)"
    );
}

#[test]
fn explorable_figure_shows_the_default_and_lists_the_others() {
    let html = render_explorable();
    assert_eq!(render_explorable(), html, "deterministic");
    assert_eq!(html.matches("class=\"chart-variant\"").count(), 8);
    assert_eq!(html.matches("class=\"chart-variant\" hidden").count(), 7);
    // Default: 5 ms, one CPU-bound thread (variant 4), 5.1 ms.
    let shown = html
        .split("<div class=\"chart-variant\">\n")
        .nth(1)
        .unwrap();
    assert!(shown.contains("5.10 ms · 176x as long"), "{shown}");
    assert!(html.contains("<div class=\"chart-controls\" hidden>"));
    assert!(html.contains("<input type=\"range\" min=\"0\" max=\"3\" step=\"1\" value=\"2\""));
    assert!(
        html.contains(
            "<input type=\"radio\" name=\"chart-explore-p1\" value=\"0\" checked>1</label>"
        )
    );
    assert!(html.contains(
        "<strong>Switch interval 20 ms, CPU-bound threads 2</strong>: I/O thread alone 29 µs;"
    ));
    assert!(html.contains("Switch interval 5 ms, CPU-bound threads 1 (shown)"));
}

#[test]
fn figures_match_golden_files() {
    let mut mismatches = Vec::new();
    for case in cases() {
        check_golden(case.name, &render(&case), &mut mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(run `UPDATE_GOLDEN=1 cargo test --test chart_golden` after an intended change)",
        mismatches.join("\n")
    );
}

#[test]
fn figures_have_accessible_structure() {
    for case in cases() {
        let html = render(&case);
        let name = case.name;
        assert!(
            html.starts_with(&format!(
                "<figure class=\"chart chart-{}\" id=\"chart-{name}\">",
                name.split('-').next().unwrap()
            )),
            "{name}"
        );
        assert!(html.contains("viewBox=\"0 0 420 "), "{name}: viewBox");
        assert!(html.contains("role=\"group\""), "{name}: role");
        assert!(
            html.contains(&format!(
                "aria-labelledby=\"chart-{name}-title\" aria-describedby=\"chart-{name}-result\""
            )),
            "{name}: aria"
        );
        // The title comes first and the result in words is shown under it, before the SVG.
        let title = html
            .find(&format!(
                "<span class=\"chart-title\" id=\"chart-{name}-title\">"
            ))
            .unwrap_or_else(|| panic!("{name}: title"));
        let result = html
            .find(&format!(
                "<p class=\"chart-result\" id=\"chart-{name}-result\">"
            ))
            .unwrap_or_else(|| panic!("{name}: result"));
        assert!(
            title < result && result < html.find("<svg").unwrap(),
            "{name}: order"
        );
        assert!(html.contains("<figcaption>"), "{name}: caption");
        assert!(
            !html.contains("easured"),
            "{name}: simulated, never measured"
        );
        // Every bar, lane or point is a focusable target naming its value.
        assert!(
            html.contains("<g tabindex=\"0\" role=\"img\" aria-label=\""),
            "{name}: tooltips"
        );
        assert!(
            html.contains("class=\"chart-provenance\""),
            "{name}: provenance"
        );
        assert!(
            html.contains("<details class=\"chart-data\"><summary>Data</summary>"),
            "{name}"
        );
        for bad in ["NaN", "inf", "<&>", "-0 ", "-0\""] {
            assert!(!html.contains(bad), "{name}: contains {bad:?}");
        }
        // Every SVG text is readable on a phone: no font below the small size.
        for size in html.split("font-size=\"").skip(1) {
            let size: f64 = size.split('"').next().unwrap().parse().unwrap();
            assert!(size >= 12.0, "{name}: font-size {size}");
        }
        let rows = html.matches("<tr><th scope=\"row\">").count();
        let expected_rows = match case.options.kind {
            ChartKind::Timeline => case.result.runs[0].timeline.len(),
            ChartKind::Bars | ChartKind::Lines => case.result.runs.len(),
            ChartKind::Histogram => rows.max(1),
        };
        assert_eq!(rows, expected_rows, "{name}: table rows");
    }
}

#[test]
fn labels_are_escaped() {
    let cases = cases();
    let bars = render(&cases[3]);
    assert!(bars.contains("4 processes &lt;&amp;&gt;"));
    let timeline = render(&cases[0]);
    assert!(timeline.contains("T2 &lt;&amp;&gt;"));
}

#[test]
fn output_is_deterministic() {
    for case in cases() {
        assert_eq!(render(&case), render(&case), "{}", case.name);
    }
}

#[test]
fn bars_state_ratios_to_the_baseline() {
    let html = render(&cases()[3]);
    assert!(html.contains("2 processes 560 ms, 0.56x as long"), "{html}");
    assert!(html.contains("compared with “1 thread” (1000 ms): 2 threads 1031 ms, 1.03x as long;"));
    assert!(html.contains("below 1.00x: less time."));
}

/// A long run of many short slices stays small after sub-pixel merging.
#[test]
fn long_timelines_stay_small() {
    use ThreadState::*;
    let slices = 2_000; // 10 s of 5 ms hand-offs
    let mut a = Vec::new();
    let mut b = Vec::new();
    for i in 0..slices {
        let (sa, sb) = if i % 2 == 0 {
            (RunningPython, WaitingGil)
        } else {
            (WaitingGil, RunningPython)
        };
        a.push((sa, 5_000));
        b.push((sb, 5_000));
    }
    let result = SimResult {
        runs: vec![run(
            "long",
            10_000,
            vec![thread("A", "main", 10_000), thread("B", "main", 10_000)],
            vec![lane("main", "A", &a), lane("main", "B", &b)],
        )],
    };
    let html = chart::render(&ChartInput {
        id: "long",
        title: "Long",
        caption: None,
        options: &ChartOptions::default(),
        points: &no_points(&result),
        result: &result,
        provenance: "test",
        measured: &[],
        words: &ChartWords::default(),
    })
    .unwrap();
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    assert!(svg.len() < 40_000, "SVG is {} bytes", svg.len());
    if let Ok(dir) = std::env::var("CHART_REAL_DUMP") {
        std::fs::write(format!("{dir}/long.html"), &html).unwrap();
    }
}

/// With `CHART_PREVIEW=/path.html`, write every figure into one page for a browser.
#[test]
fn preview_page() {
    let Some(path) = std::env::var_os("CHART_PREVIEW") else {
        return;
    };
    let css = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/style.css");
    let mut page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"file://{}\"><title>Charts</title></head>\
         <body><main class=\"wrap prose\">\n",
        css.display()
    );
    for case in cases() {
        page.push_str(&render(&case));
    }
    if let Ok(extra) = std::env::var("CHART_PREVIEW_EXTRA") {
        page.push_str(&std::fs::read_to_string(extra).unwrap_or_default());
    }
    page.push_str("</main></body></html>\n");
    std::fs::write(path, page).unwrap();
}

/// A real 10 s simulation of two CPU-bound threads (about 2000 hand-offs) draws as a
/// timeline well under 40 KB, and every kind renders real results.
#[test]
fn real_simulations_render_small() {
    let scenario: crescu::sim::Scenario = serde_yaml::from_str(
        "machine: { cores: 2 }\n\
         runs:\n\
         - label: 2 threads\n\
         \x20 threads:\n\
         \x20   - { name: T1, work: [ { cpu_ms: 5000 } ] }\n\
         \x20   - { name: T2, work: [ { cpu_ms: 5000 } ] }\n\
         \x20   - { name: io, work: [ { io: { count: 100, wait_ms: 1, cpu_us: 50 } } ] }\n\
         - label: 1 thread\n\
         \x20 threads:\n\
         \x20   - { name: T1, work: [ { cpu_ms: 100 } ] }\n",
    )
    .unwrap();
    let result = crescu::sim::run(&scenario, 1, &crescu::sim::Budget::default()).unwrap();
    let points = vec![
        RunPoint {
            x: Some(2.0),
            series: None,
        },
        RunPoint {
            x: Some(1.0),
            series: None,
        },
    ];
    for kind in [
        ChartKind::Timeline,
        ChartKind::Bars,
        ChartKind::Lines,
        ChartKind::Histogram,
    ] {
        let options = ChartOptions {
            kind,
            ..ChartOptions::default()
        };
        let html = chart::render(&ChartInput {
            id: "real",
            title: "Real",
            caption: None,
            options: &options,
            points: &points,
            result: &result,
            provenance: "test",
            measured: &[],
            words: &ChartWords::default(),
        })
        .unwrap();
        let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
        assert!(svg.len() < 40_000, "{kind:?}: SVG is {} bytes", svg.len());
        assert!(!html.contains("NaN") && !html.contains("inf"));
        if let Ok(dir) = std::env::var("CHART_REAL_DUMP") {
            std::fs::write(format!("{dir}/real-{kind:?}.html"), &html).unwrap();
        }
    }
}

/// Wall times a real interpreter might have shown for the runs of `result`: the
/// simulated time scaled by `factor`, spread ±5%.
fn measured_walls(result: &SimResult, factor: f64) -> Vec<MeasuredRun> {
    result
        .runs
        .iter()
        .map(|r| {
            let median = r.wall_ns as f64 / 1e6 * factor;
            MeasuredRun {
                label: r.label.clone(),
                wall_ms: Some(Stat {
                    median,
                    min: median * 0.95,
                    max: median * 1.05,
                }),
                ..MeasuredRun::default()
            }
        })
        .collect()
}

/// A case drawn with `real` as its measured runs.
fn render_measured(case: &Case, real: &[MeasuredRun], provenance: &str) -> String {
    draw(case, provenance, &[Some(real)])
}

/// Bars and lines with measured figures beside the simulated ones; a run that was not
/// measurable shows none.
#[test]
fn measured_figures_match_golden_files() {
    let mut mismatches = Vec::new();
    for case in cases()
        .into_iter()
        .filter(|c| c.name == "bars" || c.name == "lines")
    {
        let mut real = measured_walls(&case.result, 1.1);
        real[1] = MeasuredRun {
            label: real[1].label.clone(),
            not_measurable: Some("the run needs 8 cores".into()),
            ..MeasuredRun::default()
        };
        let html = render_measured(
            &case,
            &real,
            "Simulated by crescu's GIL model (sim-1), spec 3f2a9c1e; measured on CPython 3.11.7, 2 cores, 2026-12-02",
        );
        assert!(html.contains("measured on CPython"), "{html}");
        assert!(
            html.contains("var(--chart-measured"),
            "the marks are drawn: {html}"
        );
        assert!(
            html.contains("Measured on CPython (median)"),
            "the result in words says it"
        );
        check_golden(&format!("{}-measured", case.name), &html, &mut mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(run `UPDATE_GOLDEN=1 cargo test --test chart_golden` after an intended change)",
        mismatches.join("\n")
    );
}

/// Figures only the model knows are never given a measured value.
#[test]
fn gil_switches_have_no_measured_marks() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "bars-switches")
        .unwrap();
    let real = measured_walls(&case.result, 1.0);
    let html = render_measured(&case, &real, "p");
    assert!(
        !html.contains("chart-measured") && !html.contains("Measured on CPython"),
        "{html}"
    );
}
