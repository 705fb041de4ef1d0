//! Inline SVG charts of GIL simulator results. Pure functions: a result and the author's
//! chart options in, one HTML `<figure>` out. Nothing here knows about Markdown, lessons
//! or files.
//!
//! Every figure holds a title, the result in words (shown under the title and describing
//! the SVG to screen readers), an `<svg>` sized by its viewBox (it scales to the column)
//! and coloured through the theme's `--chart-*` custom properties (so dark mode works),
//! whose bars, lanes and points take keyboard focus and name their exact values, and a
//! collapsible `<table>` of the same numbers. An explorable chart holds all of that once
//! per variant (see [`explore`]). All numbers are printed with fixed precision, so the
//! same result always gives byte-identical output.
//!
//! - [`render`]: draw a chart; [`render_explorable`]: one with variants.
//! - [`validate`]: check chart options against a simulation spec before running it.

mod axes;
mod bars;
pub mod explore;
mod histogram;
mod lines;
pub mod options;
mod svg;
mod timeline;
mod validate;
mod words;

use std::fmt::Write as _;

use crate::html::escape;
use crate::measurement::{MeasuredRun, Stat};
use crate::sim::{RunResult, SimResult, ThreadResult, percentile};

pub use crate::sim::validate::Problem;
pub use options::{ChartKind, ChartOptions, ChartSpec, Measure, RunPoint};
pub use svg::plain;
pub use validate::validate;
pub use words::ChartWords;

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
    /// What produced the numbers, e.g. "Simulated by crescu's GIL model (sim-1), spec
    /// 3f2a9c1e" (plain text).
    pub provenance: &'a str,
    /// Per variant (one for a plain chart), what a real interpreter measured for each
    /// run, aligned with the variant's result; empty or `None` where nothing was.
    pub measured: &'a [Option<&'a [MeasuredRun]>],
    /// The words the chart writes itself, in the page's language.
    pub words: &'a ChartWords,
}

/// What a real interpreter measured for the runs of one result, if anything.
pub(crate) type Real<'a> = Option<&'a [MeasuredRun]>;

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
    #[error("{results} results for {variants} variants of an explorable chart")]
    VariantsMismatch { results: usize, variants: usize },
}

/// What a chart kind draws: the SVG content, its height in viewBox units, the result in
/// words, the table of numbers and a short line of key figures (for the list of every
/// variant of an explorable chart).
pub(crate) struct Drawing {
    pub height: f64,
    pub body: String,
    pub desc: String,
    pub table: Table,
    pub key_figures: String,
}

/// A data table; cells are plain text. The first cell of each row heads the row.
#[derive(Default)]
pub(crate) struct Table {
    /// Optional headings over groups of columns: (text, columns spanned).
    pub groups: Vec<(String, usize)>,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A last column of what a real interpreter measured for each row's run ("–" where
    /// nothing was), `measured` in row order.
    fn push_measured(
        &mut self,
        measure: Measure,
        measured: impl IntoIterator<Item = Option<Stat>>,
        words: &ChartWords,
    ) {
        self.head.push(words.get("chart_measured_head").to_string());
        for (row, m) in self.rows.iter_mut().zip(measured) {
            row.push(m.map_or("–".into(), |m| measure.format_stat(m, words)));
        }
    }

    fn to_html(&self) -> String {
        let mut out = String::from("<table>\n<thead>");
        if !self.groups.is_empty() {
            out.push_str("<tr>");
            for (text, span) in &self.groups {
                if text.is_empty() {
                    let _ = write!(out, "<td colspan=\"{span}\"></td>");
                    continue;
                }
                let _ = write!(
                    out,
                    "<th scope=\"colgroup\" colspan=\"{span}\">{}</th>",
                    escape(text)
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("<tr>");
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
    compose(input, &[], std::slice::from_ref(input.result))
}

/// An explorable chart: `results` holds the result of every variant of `axes`, in the
/// order of [`explore::variant_index`]; the default variant is shown first. (`input.result`
/// is not used.)
pub fn render_explorable(
    input: &ChartInput,
    axes: &[explore::Axis],
    results: &[SimResult],
) -> Result<String, ChartError> {
    let variants = explore::variant_count(axes);
    if axes.is_empty() || results.len() != variants {
        return Err(ChartError::VariantsMismatch {
            results: results.len(),
            variants,
        });
    }
    compose(input, axes, results)
}

fn draw_kind(
    input: &ChartInput,
    result: &SimResult,
    real: Real,
) -> Result<(&'static str, Drawing), ChartError> {
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
    // Runs are matched by position; a file whose labels differ is not shown.
    let real = real.filter(|m| {
        m.len() == result.runs.len() && m.iter().zip(&result.runs).all(|(m, r)| m.label == r.label)
    });
    let words = input.words;
    Ok(match options.kind {
        ChartKind::Timeline => ("timeline", timeline::draw(options, result, words)?),
        ChartKind::Bars => ("bars", bars::draw(options, result, real, words)?),
        ChartKind::Lines => (
            "lines",
            lines::draw(options, input.points, result, real, words)?,
        ),
        ChartKind::Histogram => ("histogram", histogram::draw(options, result, real, words)?),
    })
}

/// The figure: title and caption, the controls (explorable charts), every variant stacked
/// in one place (all but one hidden; they share the tallest one's size, so switching never
/// moves the page), the key figures of every variant, and where the numbers come from.
fn compose(
    input: &ChartInput,
    axes: &[explore::Axis],
    results: &[SimResult],
) -> Result<String, ChartError> {
    let drawings = results
        .iter()
        .enumerate()
        .map(|(k, r)| draw_kind(input, r, input.measured.get(k).copied().flatten()))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = drawings.first().map_or("timeline", |d| d.0);
    let height = drawings.iter().map(|d| d.1.height).fold(0.0, f64::max);
    let id = element_id(input.id);
    let explorable = !axes.is_empty();
    let default = explore::default_variant(axes);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"chart chart-{kind}\" id=\"chart-{id}\"{}>",
        if explorable { " data-explore" } else { "" }
    );
    let _ = write!(
        out,
        "<figcaption><span class=\"chart-title\" id=\"chart-{id}-title\">{}</span>",
        escape(input.title)
    );
    if let Some(caption) = input.caption.filter(|c| !c.trim().is_empty()) {
        let _ = write!(
            out,
            " <span class=\"chart-caption\">{}</span>",
            escape(caption)
        );
    }
    out.push_str("</figcaption>\n");
    if explorable {
        out.push_str(&explore::controls(&id, axes, input.words));
    }
    out.push_str("<div class=\"chart-stage\">\n");
    for (k, (_, drawing)) in drawings.iter().enumerate() {
        let vid = if explorable {
            format!("{id}-v{k}")
        } else {
            id.clone()
        };
        variant(
            &mut out,
            &id,
            &vid,
            k != default,
            height,
            drawing,
            input.words,
        );
    }
    out.push_str("</div>\n");
    if explorable {
        let figures: Vec<String> = drawings.iter().map(|d| d.1.key_figures.clone()).collect();
        out.push_str(&explore::others(axes, &figures, default, input.words));
        out.push_str("<p class=\"chart-live visually-hidden\" aria-live=\"polite\"></p>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"chart-provenance\">{}</p>",
        escape(input.provenance)
    );
    out.push_str("</figure>\n");
    Ok(out)
}

/// One variant: the result in words, the SVG and its data table.
fn variant(
    out: &mut String,
    id: &str,
    vid: &str,
    hidden: bool,
    height: f64,
    drawing: &Drawing,
    words: &ChartWords,
) {
    let _ = writeln!(
        out,
        "<div class=\"chart-variant\"{}>",
        if hidden { " hidden" } else { "" }
    );
    let _ = writeln!(
        out,
        "<p class=\"chart-result\" id=\"chart-{vid}-result\">{}</p>",
        escape(&drawing.desc)
    );
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"group\" aria-labelledby=\"chart-{id}-title\" aria-describedby=\"chart-{vid}-result\" \
         font-size=\"{font}\" fill=\"{text}\">",
        w = svg::n(svg::WIDTH),
        h = svg::n(height),
        font = svg::n(svg::FONT),
        text = svg::TEXT.css(),
    );
    out.push_str(&drawing.body);
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<details class=\"chart-data\"><summary>{}</summary>\n{}\n</details>\n</div>",
        escape(words.get("chart_data")),
        drawing.table.to_html()
    );
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

/// Milliseconds for a data table: four significant digits down to the microsecond
/// ("1031.3", "52.35", "5.110", "0.029").
pub(crate) fn table_ms(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn sum(threads: &[ThreadResult], f: impl Fn(&ThreadResult) -> u64) -> u64 {
    threads.iter().map(f).sum()
}

impl Measure {
    /// This measure as a real interpreter showed it, where a program can observe it (not
    /// GIL switches or time waiting for the lock: only the model sees those).
    pub fn measured(self, run: &MeasuredRun) -> Option<Stat> {
        let latency = run.latency_ms;
        match self {
            Measure::WallMs => run.wall_ms,
            Measure::CpuMs => run.cpu_ms,
            Measure::IoLatencyP50Ms => latency.map(|l| l.p50),
            Measure::IoLatencyP99Ms => latency.map(|l| l.p99),
            Measure::IoLatencyMaxMs => latency.map(|l| l.max),
            Measure::IoOpsPerS => run.ops_per_s,
            Measure::GilSwitches | Measure::GilWaitMs => None,
        }
    }

    /// The measured figure of run `index` of `real`, if there is one.
    pub(crate) fn real_of(self, real: Real, index: usize) -> Option<Stat> {
        real.and_then(|runs| runs.get(index))
            .and_then(|r| self.measured(r))
    }

    /// "98.2 ms (95.1–101.3)": a measured figure for tables and tooltips.
    pub(crate) fn format_stat(self, s: Stat, words: &ChartWords) -> String {
        format!(
            "{} ({}–{})",
            self.format(s.median, words),
            self.format(s.min, words),
            self.format(s.max, words)
        )
    }

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
    pub fn name(self, words: &ChartWords) -> &str {
        words.get(&format!("chart_measure_{}", self.word_key()))
    }

    /// A short name for axis titles and table heads.
    pub fn short_name(self, words: &ChartWords) -> &str {
        words.get(&format!("chart_short_{}", self.word_key()))
    }

    /// The end of this measure's keys in [`ChartWords`].
    fn word_key(self) -> &'static str {
        match self {
            Measure::WallMs => "wall",
            Measure::GilSwitches => "switches",
            Measure::CpuMs => "cpu",
            Measure::GilWaitMs => "wait",
            Measure::IoLatencyP50Ms => "p50",
            Measure::IoLatencyP99Ms => "p99",
            Measure::IoLatencyMaxMs => "max",
            Measure::IoOpsPerS => "ops",
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

    /// A ratio to a baseline in words: "177x as long", "0.56x as long", "2.10x as many".
    pub fn ratio_phrase(self, r: f64, words: &ChartWords) -> String {
        let key = match self {
            Measure::CpuMs => "chart_as_much",
            Measure::GilSwitches | Measure::IoOpsPerS => "chart_as_many",
            _ => "chart_as_long",
        };
        words.fill(key, &[("ratio", &words.ratio(r))])
    }

    /// What a ratio to a baseline below 1.00x means ("less time").
    pub fn lower_means(self, words: &ChartWords) -> &str {
        words.get(match self {
            Measure::WallMs | Measure::CpuMs | Measure::GilWaitMs => "chart_lower_time",
            Measure::IoLatencyP50Ms | Measure::IoLatencyP99Ms | Measure::IoLatencyMaxMs => {
                "chart_lower_delay"
            }
            Measure::GilSwitches => "chart_lower_switches",
            Measure::IoOpsPerS => "chart_lower_calls",
        })
    }

    /// "wall time (ms)", "GIL switches".
    pub fn axis_title(self, words: &ChartWords) -> String {
        match self.unit() {
            "" | "/s" => self.short_name(words).to_string(),
            unit => format!("{} ({unit})", self.short_name(words)),
        }
    }

    /// A value as the data table prints it: counts whole, rates to a tenth, times with
    /// about four significant digits.
    pub fn precise(self, v: f64, words: &ChartWords) -> String {
        let v = if v.is_finite() { v } else { 0.0 };
        words.number(match self.unit() {
            "" => format!("{v:.0}"),
            "/s" => format!("{v:.1}"),
            _ => table_ms(v),
        })
    }

    /// A value with its unit ("1031 ms", "212"). Times under a millisecond are given in
    /// microseconds ("29 µs" reads better than "0.029 ms" beside "5.11 ms").
    pub fn format(self, v: f64, words: &ChartWords) -> String {
        match self.unit() {
            "" => format!("{:.0}", if v.is_finite() { v } else { 0.0 }),
            "/s" => format!("{}/s", words.value(v)),
            "ms" if v > 0.0 && v < 1.0 => words.duration(v * 1e6),
            unit => format!("{} {unit}", words.value(v)),
        }
    }
}

#[cfg(test)]
mod tests;
