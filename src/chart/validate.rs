//! Chart options checked against the simulation spec, before anything runs, so an author
//! sees every mistake at once with its location.

use super::{ChartKind, ChartOptions, RunPoint, names_thread};
use crate::keypath::KeyPath;
use crate::sim::spec::{RunSpec, Scenario, Step};
use crate::sim::validate::Problem;

/// Every problem of `options` (and the runs' `x`/`series`) against `scenario`, located by
/// paths relative to the simulation entry (`chart.run`, `runs[2].x`).
pub fn validate(options: &ChartOptions, points: &[RunPoint], scenario: &Scenario) -> Vec<Problem> {
    let mut problems = misplaced_options(options);
    let chosen = check_runs(options, scenario, &mut problems);
    check_window(options, &mut problems);
    if options.kind == ChartKind::Histogram
        && let Some(run) = chosen
    {
        check_histogram_thread(options.thread.as_deref(), run, &mut problems);
    }
    check_points(options, points, scenario, &mut problems);
    problems
}

fn problem(path: KeyPath, message: String) -> Problem {
    Problem { path, message }
}

fn chart_key(key: &str) -> KeyPath {
    KeyPath::root().key("chart").key(key)
}

/// Whether option `key` means something to the chosen kind of chart.
fn applies(options: &ChartOptions, key: &str) -> bool {
    match key {
        "run" => matches!(options.kind, ChartKind::Timeline | ChartKind::Histogram),
        "thread" => options.kind == ChartKind::Histogram,
        "window_ms" => options.kind == ChartKind::Timeline,
        "measure" => matches!(options.kind, ChartKind::Bars | ChartKind::Lines),
        "baseline" => options.kind == ChartKind::Bars,
        "x_label" => options.kind == ChartKind::Lines,
        _ => true,
    }
}

/// Options that the chosen kind would silently ignore are mistakes too.
fn misplaced_options(options: &ChartOptions) -> Vec<Problem> {
    let kind_name = match options.kind {
        ChartKind::Timeline => "timeline",
        ChartKind::Bars => "bars",
        ChartKind::Lines => "lines",
        ChartKind::Histogram => "histogram",
    };
    let given = [
        ("run", options.run.is_some()),
        ("thread", options.thread.is_some()),
        ("window_ms", options.window_ms.is_some()),
        ("measure", options.measure.is_some()),
        ("baseline", options.baseline.is_some()),
        ("x_label", options.x_label.is_some()),
    ];
    given
        .into_iter()
        .filter(|(key, is_given)| *is_given && !applies(options, key))
        .map(|(key, _)| {
            problem(
                chart_key(key),
                format!("`{key}` does not apply to a {kind_name} chart"),
            )
        })
        .collect()
}

/// The `run` and `baseline` options name runs of the scenario. Returns the run a
/// single-run chart shows (the first unless `run` names another).
fn check_runs<'s>(
    options: &ChartOptions,
    scenario: &'s Scenario,
    problems: &mut Vec<Problem>,
) -> Option<&'s RunSpec> {
    let labels: Vec<&str> = scenario.runs.iter().map(|r| r.label.as_str()).collect();
    let unknown = |label: &str| {
        let known: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
        format!(
            "no run is labelled `{label}`; the runs are {}",
            known.join(", ")
        )
    };
    let mut chosen: Option<&RunSpec> = scenario.runs.first();
    if let Some(label) = &options.run {
        chosen = scenario.runs.iter().find(|r| &r.label == label);
        if chosen.is_none() && applies(options, "run") {
            problems.push(problem(chart_key("run"), unknown(label)));
        }
    }
    if let Some(label) = &options.baseline
        && applies(options, "baseline")
        && !labels.contains(&label.as_str())
    {
        problems.push(problem(chart_key("baseline"), unknown(label)));
    }
    chosen
}

fn check_window(options: &ChartOptions, problems: &mut Vec<Problem>) {
    let Some([from, to]) = options.window_ms else {
        return;
    };
    if !applies(options, "window_ms") {
        return;
    }
    let message = if !from.is_finite() || !to.is_finite() {
        "`window_ms` must be two finite times in milliseconds".to_string()
    } else if from < 0.0 {
        format!("`window_ms` starts at {from} ms; the run starts at 0")
    } else if to <= from {
        format!("`window_ms` must be [from, to] with from < to, not [{from}, {to}]")
    } else {
        return;
    };
    problems.push(problem(chart_key("window_ms"), message));
}

/// A histogram's thread must exist and make blocking calls; without `thread`, some
/// thread of the run must.
fn check_histogram_thread(thread: Option<&str>, run: &RunSpec, problems: &mut Vec<Problem>) {
    let threads = threads_of(run);
    match thread {
        Some(name) => match threads.iter().find(|(p, t)| names_thread(name, p, &t.name)) {
            None => problems.push(problem(
                chart_key("thread"),
                format!(
                    "run `{}` has no thread `{name}`; its threads are {}",
                    run.label,
                    threads
                        .iter()
                        .map(|(_, t)| format!("`{}`", t.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Some((_, t)) if !blocks(&t.work) => problems.push(problem(
                chart_key("thread"),
                format!(
                    "thread `{name}` makes no blocking call (`io` or `sleep_ms`), so its \
                     I/O latency histogram would be empty"
                ),
            )),
            Some(_) => {}
        },
        None => {
            if !threads.iter().any(|(_, t)| blocks(&t.work)) {
                problems.push(problem(
                    chart_key("kind"),
                    format!(
                        "no thread of run `{}` makes a blocking call (`io` or `sleep_ms`), \
                         so there is no I/O latency to show",
                        run.label
                    ),
                ));
            }
        }
    }
}

/// One chart point per run, and for a lines chart a finite `x` on each.
fn check_points(
    options: &ChartOptions,
    points: &[RunPoint],
    scenario: &Scenario,
    problems: &mut Vec<Problem>,
) {
    if points.len() != scenario.runs.len() {
        problems.push(problem(
            KeyPath::root().key("runs"),
            format!(
                "{} chart points for {} runs (a bug: there should be one per run)",
                points.len(),
                scenario.runs.len()
            ),
        ));
    }
    if options.kind != ChartKind::Lines {
        return;
    }
    for (i, point) in points.iter().enumerate() {
        let at = KeyPath::root().key("runs").index(i).key("x");
        match point.x {
            None => problems.push(problem(
                at,
                "a lines chart needs a numeric `x` on every run (the value this run \
                 stands for: threads, switch interval, ...)"
                    .to_string(),
            )),
            Some(x) if !x.is_finite() => {
                problems.push(problem(at, "`x` must be a finite number".to_string()))
            }
            Some(_) => {}
        }
    }
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
