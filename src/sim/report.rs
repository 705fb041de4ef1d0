//! Reports of simulation results: the JSON shape other tools rely on, a text table, and
//! each thread's timeline as text.
//! Pure functions; every number is rounded to a fixed precision so output is stable.

use std::fmt::Write as _;

use serde::Serialize;

use super::measure::{RunResult, SimResult, ThreadResult, ThreadState};

/// Milliseconds with three decimals (nanosecond input).
fn ms(ns: u64) -> f64 {
    (ns as f64 / 1e3).round() / 1e3
}

#[derive(Serialize)]
struct JsonReport<'a> {
    simulations: Vec<JsonSimulation<'a>>,
}

#[derive(Serialize)]
struct JsonSimulation<'a> {
    id: &'a str,
    runs: Vec<JsonRun<'a>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    label: &'a str,
    wall_ms: f64,
    gil_switches: u64,
    events: u64,
    threads: Vec<JsonThread<'a>>,
}

#[derive(Serialize)]
struct JsonThread<'a> {
    name: &'a str,
    process: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subinterpreter: Option<&'a str>,
    cpu_ms: f64,
    gil_wait_ms: f64,
    acquisitions: u64,
    forced_drops: u64,
    io_ops: u64,
    io_latency_ms: JsonLatency,
}

#[derive(Serialize)]
struct JsonLatency {
    p50: f64,
    p99: f64,
    max: f64,
}

fn json_thread(t: &ThreadResult) -> JsonThread<'_> {
    let (p50, p99, max) = t.latency_summary();
    JsonThread {
        name: &t.name,
        process: &t.process,
        subinterpreter: t.subinterpreter.as_deref(),
        cpu_ms: ms(t.cpu_ns),
        gil_wait_ms: ms(t.gil_wait_ns),
        acquisitions: t.acquisitions,
        forced_drops: t.forced_drops,
        io_ops: t.io_ops,
        io_latency_ms: JsonLatency {
            p50: ms(p50),
            p99: ms(p99),
            max: ms(max),
        },
    }
}

fn json_run(r: &RunResult) -> JsonRun<'_> {
    JsonRun {
        label: &r.label,
        wall_ms: ms(r.wall_ns),
        gil_switches: r.gil_switches,
        events: r.events,
        threads: r.threads.iter().map(json_thread).collect(),
    }
}

/// `{"simulations": [{"id", "runs": [...]}]}` for `crescu sim --format json`, pretty
/// printed, ending in a newline.
pub fn json_report(simulations: &[(&str, &SimResult)]) -> String {
    let report = JsonReport {
        simulations: simulations
            .iter()
            .map(|(id, result)| JsonSimulation {
                id,
                runs: result.runs.iter().map(json_run).collect(),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

/// A plain-text table of one simulation's runs and threads.
pub fn text_report(id: &str, result: &SimResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "simulation {id}");
    let base = result.runs.first().map(|r| r.wall_ns).unwrap_or(0);
    for run in &result.runs {
        let ratio = if base > 0 {
            run.wall_ns as f64 / base as f64
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "  run {:<28} wall {:>11.3} ms  ({:.2}x first run)  GIL switches {:>7}  events {:>9}",
            format!("\"{}\"", run.label),
            ms(run.wall_ns),
            ratio,
            run.gil_switches,
            run.events
        );
        let _ = writeln!(
            out,
            "    {:<16} {:<10} {:>11} {:>12} {:>7} {:>7} {:>7} {:>10} {:>10} {:>10}",
            "thread",
            "process",
            "cpu ms",
            "GIL wait ms",
            "acq",
            "forced",
            "io ops",
            "lat p50",
            "lat p99",
            "lat max"
        );
        for t in &run.threads {
            let (p50, p99, max) = t.latency_summary();
            let _ = writeln!(
                out,
                "    {:<16} {:<10} {:>11.3} {:>12.3} {:>7} {:>7} {:>7} {:>10.3} {:>10.3} {:>10.3}",
                t.name,
                match &t.subinterpreter {
                    Some(sub) => format!("{}/{sub}", t.process),
                    None => t.process.clone(),
                },
                ms(t.cpu_ns),
                ms(t.gil_wait_ns),
                t.acquisitions,
                t.forced_drops,
                t.io_ops,
                ms(p50),
                ms(p99),
                ms(max)
            );
        }
    }
    out
}

fn state_name(state: ThreadState) -> &'static str {
    match state {
        ThreadState::RunningPython => "running Python",
        ThreadState::WaitingGil => "waiting for the GIL",
        ThreadState::Blocked => "blocked (sleep, I/O or socket call)",
        ThreadState::RunningC => "running C without the GIL",
        ThreadState::Runnable => "ready, waiting for a core",
        ThreadState::Starting => "starting",
    }
}

/// Every thread's timeline, one line per span (start and end in ms, and the state), so
/// that an author can follow who held the GIL when and why a figure came out as it did.
pub fn timeline_report(id: &str, result: &SimResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "simulation {id}");
    for run in &result.runs {
        let _ = writeln!(
            out,
            "  run \"{}\" (wall {:.3} ms)",
            run.label,
            ms(run.wall_ns)
        );
        for lane in &run.timeline {
            let place = match &lane.subinterpreter {
                Some(sub) => format!("{}/{sub}", lane.process),
                None => lane.process.clone(),
            };
            let _ = writeln!(out, "    thread {} ({place})", lane.thread);
            for span in &lane.segments {
                let _ = writeln!(
                    out,
                    "      {:>11.3} {:>11.3}  {}",
                    ms(span.start_ns),
                    ms(span.end_ns),
                    state_name(span.state)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Budget, Scenario, run};

    #[test]
    fn the_timeline_shows_who_runs_and_who_waits() {
        let scenario: Scenario = serde_json::from_value(serde_json::json!({"runs": [
            {"label": "two", "threads": [
                {"name": "T1", "work": [{"cpu_ms": 10}]},
                {"name": "T2", "work": [{"cpu_ms": 10}]}
            ]}
        ]}))
        .unwrap();
        let result = run(&scenario, 1, &Budget::default()).unwrap();
        let text = timeline_report("pair", &result);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "simulation pair");
        assert!(lines[1].starts_with("  run \"two\" (wall "), "{text}");
        assert_eq!(lines[2], "    thread T1 (main)");
        // T1 starts at once and runs Python; the second thread has to wait for the GIL
        // at some point, and every span line is start, end, state.
        assert!(lines[3].trim_start().starts_with("0.000"), "{text}");
        assert!(lines[3].ends_with("running Python"), "{text}");
        let t2 = lines
            .iter()
            .position(|l| *l == "    thread T2 (main)")
            .unwrap();
        assert!(
            lines[t2..]
                .iter()
                .any(|l| l.ends_with("waiting for the GIL")),
            "{text}"
        );
        let spans = lines.iter().filter(|l| l.starts_with("      ")).count();
        let expected: usize = result.runs[0]
            .timeline
            .iter()
            .map(|l| l.segments.len())
            .sum();
        assert_eq!(spans, expected);
    }
}
