//! Chart options checked against the simulation spec, before anything runs, so an author
//! sees every mistake at once with its location.

use super::{ChartKind, ChartOptions, RunPoint, names_thread};
use crate::keypath::KeyPath;
use crate::sim::spec::{RunSpec, Scenario, Step};
use crate::sim::validate::Problem;

/// Every problem of `options` (and the runs' `x`/`series`) against `scenario`, located by
/// paths relative to the simulation entry (`chart.run`, `runs[2].x`).
pub fn validate(options: &ChartOptions, points: &[RunPoint], scenario: &Scenario) -> Vec<Problem> {
    let mut problems = Vec::new();
    let chart = KeyPath::root().key("chart");
    let mut push = |path: KeyPath, message: String| problems.push(Problem { path, message });
    let labels: Vec<&str> = scenario.runs.iter().map(|r| r.label.as_str()).collect();
    let known_runs = || {
        labels
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind_name = match options.kind {
        ChartKind::Timeline => "timeline",
        ChartKind::Bars => "bars",
        ChartKind::Lines => "lines",
        ChartKind::Histogram => "histogram",
    };

    // Options that the chosen kind would silently ignore are mistakes too.
    let applies = |key: &str| match key {
        "run" => matches!(options.kind, ChartKind::Timeline | ChartKind::Histogram),
        "thread" => options.kind == ChartKind::Histogram,
        "window_ms" => options.kind == ChartKind::Timeline,
        "measure" => matches!(options.kind, ChartKind::Bars | ChartKind::Lines),
        "baseline" => options.kind == ChartKind::Bars,
        "x_label" => options.kind == ChartKind::Lines,
        _ => true,
    };
    let given = [
        ("run", options.run.is_some()),
        ("thread", options.thread.is_some()),
        ("window_ms", options.window_ms.is_some()),
        ("measure", options.measure.is_some()),
        ("baseline", options.baseline.is_some()),
        ("x_label", options.x_label.is_some()),
    ];
    for (key, is_given) in given {
        if is_given && !applies(key) {
            push(
                chart.key(key),
                format!("`{key}` does not apply to a {kind_name} chart"),
            );
        }
    }

    let mut chosen: Option<&RunSpec> = scenario.runs.first();
    if let Some(label) = &options.run {
        chosen = scenario.runs.iter().find(|r| &r.label == label);
        if chosen.is_none() && applies("run") {
            push(
                chart.key("run"),
                format!(
                    "no run is labelled `{label}`; the runs are {}",
                    known_runs()
                ),
            );
        }
    }
    if let Some(label) = &options.baseline
        && applies("baseline")
        && !labels.contains(&label.as_str())
    {
        push(
            chart.key("baseline"),
            format!(
                "no run is labelled `{label}`; the runs are {}",
                known_runs()
            ),
        );
    }

    if let Some([from, to]) = options.window_ms
        && applies("window_ms")
    {
        if !from.is_finite() || !to.is_finite() {
            push(
                chart.key("window_ms"),
                "`window_ms` must be two finite times in milliseconds".to_string(),
            );
        } else if from < 0.0 {
            push(
                chart.key("window_ms"),
                format!("`window_ms` starts at {from} ms; the run starts at 0"),
            );
        } else if to <= from {
            push(
                chart.key("window_ms"),
                format!("`window_ms` must be [from, to] with from < to, not [{from}, {to}]"),
            );
        }
    }

    if options.kind == ChartKind::Histogram
        && let Some(run) = chosen
    {
        let threads = threads_of(run);
        match &options.thread {
            Some(name) => match threads.iter().find(|(p, t)| names_thread(name, p, &t.name)) {
                None => push(
                    chart.key("thread"),
                    format!(
                        "run `{}` has no thread `{name}`; its threads are {}",
                        run.label,
                        threads
                            .iter()
                            .map(|(_, t)| format!("`{}`", t.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Some((_, t)) if !blocks(&t.work) => push(
                    chart.key("thread"),
                    format!(
                        "thread `{name}` makes no blocking call (`io` or `sleep_ms`), so its \
                         I/O latency histogram would be empty"
                    ),
                ),
                Some(_) => {}
            },
            None => {
                if !threads.iter().any(|(_, t)| blocks(&t.work)) {
                    push(
                        chart.key("kind"),
                        format!(
                            "no thread of run `{}` makes a blocking call (`io` or `sleep_ms`), \
                             so there is no I/O latency to show",
                            run.label
                        ),
                    );
                }
            }
        }
    }

    if points.len() != scenario.runs.len() {
        push(
            KeyPath::root().key("runs"),
            format!(
                "{} chart points for {} runs (a bug: there should be one per run)",
                points.len(),
                scenario.runs.len()
            ),
        );
    }
    if options.kind == ChartKind::Lines {
        for (i, point) in points.iter().enumerate() {
            let at = KeyPath::root().key("runs").index(i).key("x");
            match point.x {
                None => push(
                    at,
                    "a lines chart needs a numeric `x` on every run (the value this run \
                     stands for: threads, switch interval, ...)"
                        .to_string(),
                ),
                Some(x) if !x.is_finite() => push(at, "`x` must be a finite number".to_string()),
                Some(_) => {}
            }
        }
    }
    problems
}

/// (process name, thread) of every thread of a run.
fn threads_of(run: &RunSpec) -> Vec<(String, &crate::sim::ThreadSpec)> {
    run.process_list()
        .into_iter()
        .flat_map(|(process, _, threads)| threads.iter().map(move |t| (process.clone(), t)))
        .collect()
}

/// Whether the work makes a blocking call, which is what records an I/O latency.
fn blocks(work: &[Step]) -> bool {
    work.iter().any(|step| match step {
        Step::Io(io) => io.count > 0,
        Step::SleepMs(_) => true,
        Step::Repeat(r) => r.times > 0 && blocks(&r.steps),
        Step::CpuMs(_) | Step::CExt(_) => false,
    })
}
