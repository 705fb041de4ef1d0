//! Inline SVG charts of GIL simulator results. Pure functions: a result and the author's
//! chart options in, one HTML `<figure>` out. Nothing here knows about Markdown, lessons
//! or files.
//!
//! Every figure holds an `<svg>` sized by its viewBox (it scales to the column), coloured
//! through the theme's `--chart-*` custom properties (so dark mode works), with a
//! `<title>` and a `<desc>` that state the result in words, a `<figcaption>` and a
//! collapsible `<table>` of the same numbers. All numbers are printed with fixed
//! precision, so the same result always gives byte-identical output.
//!
//! - [`render`]: draw a chart.
//! - [`validate`]: check chart options against a simulation spec before running it.

mod bars;
pub mod explore;
mod histogram;
mod lines;
pub mod options;
mod svg;
mod timeline;
mod validate;

use std::fmt::Write as _;

use crate::html::escape;
use crate::sim::{RunResult, SimResult, ThreadResult, percentile};

pub use crate::sim::validate::Problem;
pub use svg::plain;
pub use options::{ChartKind, ChartOptions, ChartSpec, Measure, RunPoint};
pub use validate::validate;

/// Everything a chart is drawn from.
pub struct ChartInput<'a> {
    /// Simulation id, unique per page: element ids derive from it.
    pub id: &'a str,
    /// Plain text.
    pub title: &'a str,
    /// Plain text, shown under the title.
    pub caption: Option<&'a str>,
    pub options: &'a ChartOptions,
    /// Per run, aligned with `result.runs`.
    pub points: &'a [RunPoint],
    pub result: &'a SimResult,
    /// What produced the numbers, e.g. "Measured by the crescu GIL simulator (sim-1),
    /// spec 3f2a9c1e" (plain text).
    pub provenance: &'a str,
}

/// Why a chart cannot be drawn from a result. [`validate`] reports the same mistakes
/// against the spec, with locations, before anything runs; these are the fallback.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    #[error("the simulation has no runs to chart")]
    NoRuns,
    #[error("the chart has {points} run points but the simulation has {runs} runs")]
    PointsMismatch { points: usize, runs: usize },
    #[error("no run is labelled `{0}`")]
    UnknownRun(String),
    #[error("run `{run}` has no thread `{thread}`")]
    UnknownThread { run: String, thread: String },
    #[error("run `{run}`: no thread made a blocking call, so there is no I/O latency to show")]
    NoLatencies { run: String },
    #[error(
        "run `{run}`: thread `{thread}` made no blocking call, so it has no I/O latency to show"
    )]
    ThreadWithoutLatencies { run: String, thread: String },
    #[error("run `{0}` has no numeric `x`, which a lines chart needs on every run")]
    MissingX(String),
    #[error("`window_ms` must be two finite times with 0 <= from < to")]
    BadWindow,
}

/// What a chart kind draws: the SVG content below the `<desc>`, its height in viewBox
/// units, the result in words and the table of numbers.
pub(crate) struct Drawing {
    pub height: f64,
    pub body: String,
    pub desc: String,
    pub table: Table,
}

/// A data table; cells are plain text. The first cell of each row heads the row.
#[derive(Default)]
pub(crate) struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn to_html(&self) -> String {
        let mut out = String::from("<table>\n<thead><tr>");
        for h in &self.head {
            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                if i == 0 {
                    let _ = write!(out, "<th scope=\"row\">{}</th>", escape(cell));
                } else {
                    let _ = write!(out, "<td>{}</td>", escape(cell));
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>");
        out
    }
}

/// The chart as one HTML `<figure class="chart chart-KIND" id="chart-ID">`.
pub fn render(input: &ChartInput) -> Result<String, ChartError> {
    let result = input.result;
    if result.runs.is_empty() {
        return Err(ChartError::NoRuns);
    }
    if input.points.len() != result.runs.len() {
        return Err(ChartError::PointsMismatch {
            points: input.points.len(),
            runs: result.runs.len(),
        });
    }
    let options = input.options;
    let (kind, drawing) = match options.kind {
        ChartKind::Timeline => ("timeline", timeline::draw(options, result)?),
        ChartKind::Bars => ("bars", bars::draw(options, result)?),
        ChartKind::Lines => ("lines", lines::draw(options, input.points, result)?),
        ChartKind::Histogram => ("histogram", histogram::draw(options, result)?),
    };
    let id = element_id(input.id);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"chart chart-{kind}\" id=\"chart-{id}\">"
    );
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\" font-size=\"{font}\" fill=\"{text}\">",
        w = svg::n(svg::WIDTH),
        h = svg::n(drawing.height),
        font = svg::n(svg::FONT),
        text = svg::TEXT.css(),
    );
    let _ = writeln!(
        out,
        "<title id=\"chart-{id}-title\">{}</title>",
        escape(input.title)
    );
    let _ = writeln!(
        out,
        "<desc id=\"chart-{id}-desc\">{}</desc>",
        escape(&drawing.desc)
    );
    out.push_str(&drawing.body);
    out.push_str("</svg>\n<figcaption>");
    let _ = write!(
        out,
        "<span class=\"chart-title\">{}</span>",
        escape(input.title)
    );
    if let Some(caption) = input.caption.filter(|c| !c.trim().is_empty()) {
        let _ = write!(
            out,
            " <span class=\"chart-caption\">{}</span>",
            escape(caption)
        );
    }
    let _ = writeln!(
        out,
        " <small class=\"chart-provenance\">{}</small></figcaption>",
        escape(input.provenance)
    );
    let _ = writeln!(
        out,
        "<details class=\"chart-data\"><summary>Data</summary>\n{}\n</details>",
        drawing.table.to_html()
    );
    out.push_str("</figure>\n");
    Ok(out)
}

/// `id` made safe for `id` attributes and `aria-labelledby` lists, which split on spaces:
/// characters other than ASCII letters, digits, `-` and `_` become `-`.
fn element_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The run an option names, or the first run.
pub(crate) fn chosen_run<'r>(
    result: &'r SimResult,
    label: Option<&str>,
) -> Result<&'r RunResult, ChartError> {
    match label {
        None => result.runs.first().ok_or(ChartError::NoRuns),
        Some(label) => result
            .runs
            .iter()
            .find(|r| r.label == label)
            .ok_or_else(|| ChartError::UnknownRun(label.to_string())),
    }
}

/// Whether `name` picks `thread`: its bare name, or `process/name` when several processes
/// have threads of the same name.
pub(crate) fn names_thread(name: &str, process: &str, thread: &str) -> bool {
    name == thread
        || name
            .split_once('/')
            .is_some_and(|(p, t)| p == process && t == thread)
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn sum(threads: &[ThreadResult], f: impl Fn(&ThreadResult) -> u64) -> u64 {
    threads.iter().map(f).sum()
}

impl Measure {
    /// This measure of one run, in the unit of [`Measure::unit`].
    pub fn of(self, run: &RunResult) -> f64 {
        let latencies = || -> Vec<u64> {
            run.threads
                .iter()
                .flat_map(|t| t.io_latencies_ns.iter().copied())
                .collect()
        };
        match self {
            Measure::WallMs => ms(run.wall_ns),
            Measure::GilSwitches => run.gil_switches as f64,
            Measure::CpuMs => ms(sum(&run.threads, |t| t.cpu_ns)),
            Measure::GilWaitMs => ms(sum(&run.threads, |t| t.gil_wait_ns)),
            Measure::IoLatencyP50Ms => ms(percentile(&latencies(), 0.5)),
            Measure::IoLatencyP99Ms => ms(percentile(&latencies(), 0.99)),
            Measure::IoLatencyMaxMs => ms(latencies().into_iter().max().unwrap_or(0)),
            Measure::IoOpsPerS => {
                let ops = sum(&run.threads, |t| t.io_ops) as f64;
                if run.wall_ns == 0 {
                    0.0
                } else {
                    ops / (run.wall_ns as f64 / 1e9)
                }
            }
        }
    }

    /// What the measure is, in words, for axis labels and sentences.
    pub fn name(self) -> &'static str {
        match self {
            Measure::WallMs => "wall time",
            Measure::GilSwitches => "GIL switches",
            Measure::CpuMs => "CPU time of all threads",
            Measure::GilWaitMs => "time spent waiting for the GIL, all threads",
            Measure::IoLatencyP50Ms => "median delay from I/O completion to running Python",
            Measure::IoLatencyP99Ms => {
                "99th-percentile delay from I/O completion to running Python"
            }
            Measure::IoLatencyMaxMs => "longest delay from I/O completion to running Python",
            Measure::IoOpsPerS => "blocking I/O calls per second",
        }
    }

    /// A short name for axis titles and table heads.
    pub fn short_name(self) -> &'static str {
        match self {
            Measure::WallMs => "wall time",
            Measure::GilSwitches => "GIL switches",
            Measure::CpuMs => "CPU time",
            Measure::GilWaitMs => "GIL wait",
            Measure::IoLatencyP50Ms => "I/O latency p50",
            Measure::IoLatencyP99Ms => "I/O latency p99",
            Measure::IoLatencyMaxMs => "I/O latency max",
            Measure::IoOpsPerS => "I/O calls per second",
        }
    }

    /// The unit values are given in ("" for counts).
    pub fn unit(self) -> &'static str {
        match self {
            Measure::GilSwitches => "",
            Measure::IoOpsPerS => "/s",
            _ => "ms",
        }
    }

    /// What a ratio to a baseline below 1.00x means ("less time").
    pub fn lower_means(self) -> &'static str {
        match self {
            Measure::WallMs | Measure::CpuMs | Measure::GilWaitMs => "less time",
            Measure::IoLatencyP50Ms | Measure::IoLatencyP99Ms | Measure::IoLatencyMaxMs => {
                "a shorter delay"
            }
            Measure::GilSwitches => "fewer switches",
            Measure::IoOpsPerS => "fewer calls per second",
        }
    }

    /// "wall time (ms)", "GIL switches".
    pub fn axis_title(self) -> String {
        match self.unit() {
            "" => self.short_name().to_string(),
            "/s" => self.short_name().to_string(),
            unit => format!("{} ({unit})", self.short_name()),
        }
    }

    /// A value as the data table prints it: milliseconds to the microsecond, counts whole,
    /// rates to a tenth.
    pub fn precise(self, v: f64) -> String {
        let v = if v.is_finite() { v } else { 0.0 };
        match self.unit() {
            "" => format!("{v:.0}"),
            "/s" => format!("{v:.1}"),
            _ => format!("{v:.3}"),
        }
    }

    /// A value with its unit ("1031 ms", "212"). Times under a millisecond are given in
    /// microseconds ("29 µs" reads better than "0.029 ms" beside "5.11 ms").
    pub fn format(self, v: f64) -> String {
        match self.unit() {
            "" => format!("{:.0}", if v.is_finite() { v } else { 0.0 }),
            "/s" => format!("{}/s", svg::value(v)),
            "ms" if v > 0.0 && v < 1.0 => svg::duration(v * 1e6),
            unit => format!("{} {unit}", svg::value(v)),
        }
    }
}

#[cfg(test)]
mod tests;
