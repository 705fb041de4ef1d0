//! `bars`: one horizontal bar per run of a measure, labelled with its value and its ratio
//! to a baseline run.
//!
//! Ratios are always "this run's value divided by the baseline's" ("0.55x"): for time
//! measures that reads as "took 0.55x the time", so below 1.00x is faster. One wording for
//! every measure keeps the course's claims ("two processes: 0.55–0.65x") and the charts in
//! the same terms; the note above the bars and the desc say which way is better.
//!
//! Bars are horizontal with the run's label above its bar, so long labels ("4 threads,
//! C extension releasing the GIL") keep the full width on a phone.

use std::fmt::Write as _;

use super::svg::{self, Anchor, FONT, TEXT, WIDTH, n};
use super::{ChartError, ChartOptions, ChartWords, Drawing, Measure, Real, Table, chosen_run};
use crate::measurement::Stat;
use crate::sim::{RunResult, SimResult};

const LEFT: f64 = 8.0;
const BAR: f64 = 20.0;
/// Run label, bar, gap.
const ROW: f64 = LABEL + BAR + 12.0;
const LABEL: f64 = FONT + 4.0;
const BAR_PAINT: svg::Paint = svg::Paint {
    property: "chart-python",
    fallback: "#1f5fbf",
};

pub(crate) fn draw(
    options: &ChartOptions,
    result: &SimResult,
    real: Real,
    words: &ChartWords,
) -> Result<Drawing, ChartError> {
    let measure = options.measure.unwrap_or_default();
    let baseline = chosen_run(result, options.baseline.as_deref())?;
    let rows = Rows::new(measure, result, baseline, real, words);
    let any_measured = rows.measured.iter().any(Option::is_some);

    let (mut body, note_height) =
        svg::note(&note(measure, rows.base_value > 0.0, any_measured, words));
    let mut y = svg::NOTE_TOP;
    y += note_height + 8.0;
    let bars_bottom = rows.draw(&mut body, y);

    let values = &rows.values;
    let mut desc = describe(&rows);
    desc.push_str(&describe_measured(measure, result, &rows.measured, words));
    let mut table = table(&rows);
    if any_measured {
        table.push_measured(measure, rows.measured.iter().copied(), words);
    }
    Ok(Drawing {
        height: bars_bottom + 8.0,
        body,
        desc,
        table,
        key_figures: key_figures(measure, result, values, words),
    })
}

/// The runs' values and their labels, one bar each.
struct Rows<'r> {
    measure: Measure,
    result: &'r SimResult,
    baseline: &'r RunResult,
    base_value: f64,
    values: Vec<f64>,
    /// Per run, what a real interpreter measured.
    measured: Vec<Option<Stat>>,
    /// Per run, the value (with its ratio to the baseline's and the measured median).
    labels: Vec<String>,
    words: &'r ChartWords,
}

impl<'r> Rows<'r> {
    fn new(
        measure: Measure,
        result: &'r SimResult,
        baseline: &'r RunResult,
        real: Real,
        words: &'r ChartWords,
    ) -> Self {
        let base_value = measure.of(baseline);
        let values: Vec<f64> = result.runs.iter().map(|r| measure.of(r)).collect();
        let measured: Vec<Option<Stat>> = (0..values.len())
            .map(|i| measure.real_of(real, i))
            .collect();
        let ratio = |v: f64| (base_value > 0.0).then(|| v / base_value);
        let labels = result
            .runs
            .iter()
            .zip(&values)
            .zip(&measured)
            .map(|((run, v), m)| {
                let mut label = match ratio(*v) {
                    Some(r) if !std::ptr::eq(run, baseline) => {
                        let ratio = measure.ratio_phrase(r, words);
                        format!("{} · {ratio}", measure.format(*v, words))
                    }
                    _ => measure.format(*v, words),
                };
                if let Some(m) = m {
                    let real = measure.format(m.median, words);
                    label.push_str(&words.fill("chart_real_value", &[("value", &real)]));
                }
                label
            })
            .collect();
        Rows {
            measure,
            result,
            baseline,
            base_value,
            values,
            measured,
            labels,
            words,
        }
    }

    /// The x of a value: bars share the width left of the widest value label.
    fn scale(&self) -> impl Fn(f64) -> f64 {
        let widest_label = self
            .labels
            .iter()
            .map(|l| svg::text_width(l, FONT))
            .fold(0.0, f64::max);
        let span = (WIDTH - 2.0 * LEFT - widest_label - 8.0).max(40.0);
        let max_value = self
            .values
            .iter()
            .copied()
            .chain(self.measured.iter().flatten().map(|m| m.max))
            .fold(0.0, f64::max);
        move |v: f64| {
            if max_value > 0.0 {
                LEFT + v / max_value * span
            } else {
                LEFT
            }
        }
    }

    /// Every run's name and bar from `y` down, into `body`; returns the bottom of the
    /// last bar.
    fn draw(&self, body: &mut String, mut y: f64) -> f64 {
        let x_of = self.scale();
        let mut layers = Layers::default();
        let base_x = x_of(self.base_value);
        for (i, run) in self.result.runs.iter().enumerate() {
            let is_baseline = std::ptr::eq(run, self.baseline);
            let name = if is_baseline {
                self.words.fill("chart_baseline", &[("run", &run.label)])
            } else {
                run.label.clone()
            };
            // Long labels wrap above their bar rather than run off the chart.
            let (name_markup, name_height) =
                svg::wrapped_text(LEFT, y - 1.0, FONT, &name, WIDTH - 2.0 * LEFT);
            y += (name_height - FONT * 1.3).max(0.0);
            let (bar, bar_end) = bar(name_markup, &x_of, self.values[i], y);
            let label_x = match self.measured[i] {
                Some(m) => {
                    let tip = self.words.fill(
                        "chart_measured_tip",
                        &[
                            ("run", &run.label),
                            ("value", &self.measure.format_stat(m, self.words)),
                        ],
                    );
                    let mark = svg::measured_across(
                        x_of(m.min),
                        x_of(m.median),
                        x_of(m.max),
                        y + LABEL + BAR / 2.0,
                    );
                    layers.real_marks.push_str(&svg::tip(&tip, &mark));
                    bar_end.max(x_of(m.max) + 4.0)
                }
                None => bar_end.max(0.0),
            };
            let label = &self.labels[i];
            body.push_str(&svg::tip(&format!("{}: {label}", run.label), &bar));
            layers.marks_beside(label, label_x, y, (!is_baseline).then_some(base_x));
            y += ROW;
        }
        layers.finish(body, self.base_value > 0.0);
        y - ROW + LABEL + BAR
    }
}

/// A row's bar after its name, and where the bar ends.
fn bar(name_markup: String, x_of: &impl Fn(f64) -> f64, v: f64, y: f64) -> (String, f64) {
    let mut bar = name_markup;
    // A value that is not zero always shows as a sliver, however small next to the
    // largest (0.03 ms beside 10 ms).
    let bar_end = if v > 0.0 {
        x_of(v).max(LEFT + 2.0)
    } else {
        LEFT
    };
    // The whole row (name and bar) is one target for the tooltip; a bar of zero
    // keeps a transparent strip to point at.
    let _ = write!(
        bar,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
        n(LEFT),
        n(y + LABEL),
        n((bar_end - LEFT).max(4.0)),
        n(BAR),
        if bar_end > LEFT {
            BAR_PAINT.css()
        } else {
            "transparent".to_string()
        }
    );
    (bar, bar_end)
}

/// What the rows draw, each kind gathered apart so that it lands in its own layer:
/// value labels go on top of the baseline marks, which they may cross.
#[derive(Default)]
struct Layers {
    labels: String,
    zero_line: String,
    baseline_marks: String,
    real_marks: String,
}

impl Layers {
    /// A row's value label, and the zero line and the baseline's value marked beside
    /// its bar only, so they never run through the run labels above the bars.
    fn marks_beside(&mut self, label: &str, label_x: f64, y: f64, base_x: Option<f64>) {
        self.labels.push_str(&svg::text_with(
            label_x + 6.0,
            y + LABEL + BAR / 2.0 + FONT * 0.35,
            Anchor::Start,
            FONT,
            label,
            svg::HALO,
        ));
        let _ = write!(
            self.zero_line,
            "M{} {}v{}",
            n(LEFT),
            n(y + LABEL - 2.0),
            n(BAR + 4.0)
        );
        if let Some(base_x) = base_x {
            let _ = write!(
                self.baseline_marks,
                "M{} {}v{}",
                n(base_x),
                n(y + LABEL - 3.0),
                n(BAR + 6.0)
            );
        }
    }

    fn finish(self, body: &mut String, has_ratios: bool) {
        let _ = writeln!(
            body,
            "<path d=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>",
            self.zero_line,
            TEXT.css()
        );
        if has_ratios && !self.baseline_marks.is_empty() {
            let _ = writeln!(
                body,
                "<path d=\"{}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>",
                self.baseline_marks,
                TEXT.css(),
            );
        }
        body.push_str(&self.real_marks);
        body.push_str(&self.labels);
    }
}

/// The line above the bars saying what the ratios mean (and the measured marks).
fn note(measure: Measure, has_ratios: bool, measured: bool, words: &ChartWords) -> String {
    // No unit here: every value label carries its own (µs or ms).
    let what = svg::capitalised(measure.short_name(words));
    let key = match (measured, has_ratios) {
        (true, true) => "chart_bars_note_measured_ratios",
        (true, false) => "chart_bars_note_measured",
        (false, true) => "chart_bars_note_ratios",
        (false, false) => "chart_bars_note",
    };
    words.fill(
        key,
        &[("what", &what), ("lower", measure.lower_means(words))],
    )
}

/// The measured figures in words, after the simulated ones.
fn describe_measured(
    measure: Measure,
    result: &SimResult,
    measured: &[Option<Stat>],
    words: &ChartWords,
) -> String {
    let parts: Vec<String> = result
        .runs
        .iter()
        .zip(measured)
        .filter_map(|(run, m)| {
            m.map(|m| format!("{} {}", run.label, measure.format(m.median, words)))
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    words.fill("chart_measured_median", &[("values", &parts.join("; "))])
}

fn describe(rows: &Rows) -> String {
    let (measure, words) = (rows.measure, rows.words);
    let (baseline, base_value) = (rows.baseline.label.as_str(), rows.base_value);
    let name = svg::capitalised(measure.name(words));
    let mut out = if base_value > 0.0 {
        let value = measure.format(base_value, words);
        words.fill(
            "chart_bars_desc",
            &[("what", &name), ("baseline", baseline), ("value", &value)],
        )
    } else {
        words.fill(
            "chart_bars_desc_no_ratios",
            &[("what", &name), ("baseline", baseline)],
        )
    };
    let parts: Vec<String> = rows
        .result
        .runs
        .iter()
        .zip(&rows.values)
        .filter(|(run, _)| base_value <= 0.0 || run.label != baseline)
        .map(|(run, v)| {
            if base_value > 0.0 {
                format!(
                    "{} {}, {}",
                    run.label,
                    measure.format(*v, words),
                    measure.ratio_phrase(v / base_value, words)
                )
            } else {
                format!("{} {}", run.label, measure.format(*v, words))
            }
        })
        .collect();
    let _ = write!(out, " {}.", parts.join("; "));
    out
}

/// Every run's value, in one line.
fn key_figures(measure: Measure, result: &SimResult, values: &[f64], words: &ChartWords) -> String {
    result
        .runs
        .iter()
        .zip(values)
        .map(|(run, v)| format!("{} {}", run.label, measure.format(*v, words)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn table(rows: &Rows) -> Table {
    let (measure, words, base_value) = (rows.measure, rows.words, rows.base_value);
    let head = vec![
        words.get("chart_run").to_string(),
        svg::capitalised(&measure.axis_title(words)),
        words.fill("chart_ratio_to", &[("baseline", &rows.baseline.label)]),
    ];
    let rows = rows
        .result
        .runs
        .iter()
        .zip(&rows.values)
        .map(|(run, v)| {
            vec![
                run.label.clone(),
                measure.precise(*v, words),
                if base_value > 0.0 {
                    words.ratio(v / base_value)
                } else {
                    "–".to_string()
                },
            ]
        })
        .collect();
    Table {
        head,
        rows,
        ..Table::default()
    }
}
