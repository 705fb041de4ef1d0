//! `lines`: a measure against each run's numeric `x`, one line per `series` (runs without
//! a series form one unnamed series). The y axis starts at 0 so heights compare honestly.

use std::fmt::Write as _;

use super::axes::{self, ValueAxis, XTick};
use super::svg::{self, Anchor, Key, SMALL, WIDTH, n};
use super::{ChartError, ChartOptions, ChartWords, Drawing, Measure, Real, RunPoint, Table};
use crate::measurement::Stat;
use crate::sim::SimResult;

const PLOT_HEIGHT: f64 = 210.0;
const RIGHT: f64 = WIDTH - 16.0;
/// Gap between the axes and the first and last x, so markers never sit on the axis.
const INSET: f64 = 12.0;

/// A series: its name (None for runs without one) and its points (x, value, run index,
/// measured on a real interpreter), sorted by x.
struct Series {
    name: Option<String>,
    points: Vec<(f64, f64, usize, Option<Stat>)>,
}

impl Series {
    /// "name, " before a point's tooltip, or nothing for the unnamed series.
    fn tip_prefix(&self) -> String {
        self.name
            .as_deref()
            .map(|n| format!("{n}, "))
            .unwrap_or_default()
    }
}

pub(crate) fn draw(
    options: &ChartOptions,
    points: &[RunPoint],
    result: &SimResult,
    real: Real,
    words: &ChartWords,
) -> Result<Drawing, ChartError> {
    let measure = options.measure.unwrap_or_default();
    let x_title = options
        .x_label
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| "x".to_string());
    let series = collect_series(measure, points, result, real)?;

    let mut body = String::new();
    let mut y = 4.0;
    let named = series.len() > 1 || series.iter().any(|s| s.name.is_some());
    let any_measured = series
        .iter()
        .any(|s| s.points.iter().any(|p| p.3.is_some()));
    if named || any_measured {
        let entries = legend(&series, any_measured, words);
        let (legend, h) = svg::legend(&entries, 8.0, y, WIDTH - 16.0);
        body.push_str(&legend);
        y += h + 4.0;
    }
    body.push_str(&svg::text(
        8.0,
        y + SMALL,
        Anchor::Start,
        SMALL,
        &measure.axis_title(words),
    ));
    let top = y + SMALL + 10.0;
    let bottom = top + PLOT_HEIGHT;
    let plot = Plot::new(measure, &series, bottom, words);

    body.push_str(&plot.axis.grid(RIGHT));
    body.push_str(&plot.axis.frame(top, RIGHT));
    body.push_str(&plot.axis.tick_labels());
    body.push_str(&axes::x_ticks(&plot.x_ticks(&series, words), bottom));
    body.push_str(&axes::x_title(
        (plot.axis.left + RIGHT) / 2.0,
        bottom,
        &x_title,
    ));
    let tips = Tips {
        measure,
        x_title: &x_title,
        words,
    };
    body.push_str(&series_lines(&series, &plot, &tips));
    body.push_str(&measured_lines(&series, &plot, &tips));
    body.push_str(&end_labels(&series, &plot, (measure, words), (top, bottom)));

    Ok(Drawing {
        height: axes::height_below(bottom),
        body,
        desc: describe(&tips, &series),
        table: table(&tips, &series, result, named, any_measured),
        key_figures: key_figures(measure, &series, words),
    })
}

/// The runs as series, each sorted by x.
fn collect_series(
    measure: Measure,
    points: &[RunPoint],
    result: &SimResult,
    real: Real,
) -> Result<Vec<Series>, ChartError> {
    let mut series: Vec<Series> = Vec::new();
    for (index, (run, point)) in result.runs.iter().zip(points).enumerate() {
        let x = point
            .x
            .filter(|x| x.is_finite())
            .ok_or_else(|| ChartError::MissingX(run.label.clone()))?;
        let v = measure.of(run);
        let m = measure.real_of(real, index);
        match series.iter_mut().find(|s| s.name == point.series) {
            Some(s) => s.points.push((x, v, index, m)),
            None => series.push(Series {
                name: point.series.clone(),
                points: vec![(x, v, index, m)],
            }),
        }
    }
    for s in &mut series {
        // Stable sort: equal x keep run order, so output does not depend on the sort.
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Ok(series)
}

fn legend(series: &[Series], any_measured: bool, words: &ChartWords) -> Vec<(Key, String)> {
    let mut entries: Vec<(Key, String)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = series_name(s, words);
            (
                key(i),
                if any_measured {
                    words.fill("chart_simulated_series", &[("name", &name)])
                } else {
                    name
                },
            )
        })
        .collect();
    if any_measured {
        entries.push((
            Key::Series(svg::MEASURED, svg::Marker::Diamond),
            words.get("chart_measured_legend").to_string(),
        ));
    }
    entries
}

/// Where values and x values land in the plot.
struct Plot {
    axis: ValueAxis,
    x_lo: f64,
    x_hi: f64,
}

impl Plot {
    fn new(measure: Measure, series: &[Series], bottom: f64, words: &ChartWords) -> Self {
        let max_value = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1.max(p.3.map_or(0.0, |m| m.max))))
            .fold(0.0, f64::max);
        let y_ticks = words.ticks(svg::ticks(
            0.0,
            if max_value > 0.0 { max_value } else { 1.0 },
            7,
            true,
            measure == Measure::GilSwitches,
        ));
        let axis = ValueAxis::new(y_ticks, max_value, bottom, PLOT_HEIGHT);
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let x_min = xs.clone().fold(f64::INFINITY, f64::min);
        let x_max = xs.fold(f64::NEG_INFINITY, f64::max);
        let (x_lo, x_hi) = if x_max > x_min {
            (x_min, x_max)
        } else {
            (x_min - 1.0, x_min + 1.0)
        };
        Plot { axis, x_lo, x_hi }
    }

    fn x_of(&self, x: f64) -> f64 {
        let left = self.axis.left;
        left + INSET + (x - self.x_lo) / (self.x_hi - self.x_lo) * (RIGHT - left - 2.0 * INSET)
    }

    fn y_of(&self, v: f64) -> f64 {
        self.axis.y_of(v)
    }

    fn x_ticks(&self, series: &[Series], words: &ChartWords) -> Vec<XTick> {
        let mut distinct_xs: Vec<f64> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        distinct_xs.sort_by(f64::total_cmp);
        distinct_xs.dedup();
        x_axis_ticks(
            &distinct_xs,
            (self.x_lo, self.x_hi),
            &|x| self.x_of(x),
            words,
        )
        .into_iter()
        .map(|t| XTick::centred(self.x_of(t.value), t.label))
        .collect()
    }
}

/// What a point's tooltip says (and the words of the whole chart).
struct Tips<'a> {
    measure: Measure,
    x_title: &'a str,
    words: &'a ChartWords,
}

impl Tips<'_> {
    /// "series, x title x: what" for the point at `x`.
    fn at(&self, s: &Series, x: f64, what: &str) -> String {
        format!(
            "{}{} {}: {what}",
            s.tip_prefix(),
            self.x_title,
            self.words.plain(x)
        )
    }

    fn simulated(&self, s: &Series, x: f64, v: f64) -> String {
        self.at(s, x, &self.measure.format(v, self.words))
    }

    fn measured(&self, s: &Series, x: f64, m: Stat) -> String {
        let value = self.measure.format_stat(m, self.words);
        let what = self
            .words
            .fill("chart_measured_point", &[("value", &value)]);
        self.at(s, x, &what)
    }
}

/// A polyline through `points` in SVG path syntax (without the leading `M`).
fn polyline(points: impl Iterator<Item = (f64, f64)>) -> String {
    let d: Vec<String> = points.map(|(x, y)| format!("{} {}", n(x), n(y))).collect();
    d.join("L")
}

/// Each series' line, then its markers on top.
fn series_lines(series: &[Series], plot: &Plot, tips: &Tips) -> String {
    let mut out = String::new();
    for (i, s) in series.iter().enumerate() {
        let paint = svg::SERIES[i % svg::SERIES.len()];
        if s.points.len() > 1 {
            let d = polyline(s.points.iter().map(|p| (plot.x_of(p.0), plot.y_of(p.1))));
            let _ = writeln!(
                out,
                "<path d=\"M{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
                paint.css()
            );
        }
        for p in &s.points {
            let shape = svg::MARKERS[i % svg::MARKERS.len()];
            let marker = svg::marker(shape, plot.x_of(p.0), plot.y_of(p.1), 4.5, paint);
            out.push_str(&svg::tip(&tips.simulated(s, p.0, p.1), &marker));
        }
        out.push('\n');
    }
    out
}

/// Measured figures: a dashed line through the medians of each series, a hollow
/// diamond on each and a line over its range.
fn measured_lines(series: &[Series], plot: &Plot, tips: &Tips) -> String {
    let mut out = String::new();
    for s in series {
        let measured: Vec<(f64, Stat)> = s
            .points
            .iter()
            .filter_map(|p| p.3.map(|m| (p.0, m)))
            .collect();
        if measured.len() > 1 {
            let d = polyline(
                measured
                    .iter()
                    .map(|(x, m)| (plot.x_of(*x), plot.y_of(m.median))),
            );
            let _ = writeln!(
                out,
                "<path d=\"M{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
                svg::MEASURED.css()
            );
        }
        for (x, m) in &measured {
            let (lo, median, hi) = (plot.y_of(m.min), plot.y_of(m.median), plot.y_of(m.max));
            let mark = svg::measured_up(plot.x_of(*x), lo, median, hi);
            out.push_str(&svg::tip(&tips.measured(s, *x, *m), &mark));
        }
    }
    out
}

/// Each series' last value, written beside its last point: the end of a sweep is what a
/// reader compares. A label goes on the side away from the line arriving at the point
/// (below a falling line, above a rising one), inside the plot, and labels are pushed
/// apart so that series ending close together stay legible.
fn end_labels(
    series: &[Series],
    plot: &Plot,
    (measure, words): (Measure, &ChartWords),
    (top, bottom): (f64, f64),
) -> String {
    let mut end_labels: Vec<(f64, f64, String)> = series
        .iter()
        .filter_map(|s| {
            let last = s.points.last()?;
            let falling = s.points.len() > 1 && s.points[s.points.len() - 2].1 > last.1;
            let (x, y) = (plot.x_of(last.0), plot.y_of(last.1));
            let above = y - 8.0;
            let below = y + 8.0 + SMALL;
            let y = if (falling && below <= bottom - 2.0) || above - SMALL < top {
                below
            } else {
                above
            };
            Some((x, y, measure.format(last.1, words)))
        })
        .collect();
    end_labels.sort_by(|a, b| a.1.total_cmp(&b.1));
    for i in 1..end_labels.len() {
        let previous = end_labels[i - 1].1;
        if (end_labels[i].0 - end_labels[i - 1].0).abs() < 60.0
            && end_labels[i].1 < previous + SMALL + 2.0
        {
            end_labels[i].1 = previous + SMALL + 2.0;
        }
    }
    end_labels
        .iter()
        .map(|(x, y, label)| svg::text_with(*x - 6.0, *y, Anchor::End, SMALL, label, svg::HALO))
        .collect()
}

/// Every series' points, in one line.
fn key_figures(measure: Measure, series: &[Series], words: &ChartWords) -> String {
    series
        .iter()
        .map(|s| {
            let points = point_list(s, words, |p| Some(measure.format(p.1, words)));
            match &s.name {
                Some(name) => format!("{name}: {points}"),
                None => points,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "x → value" for each point of a series that `value` gives a value for.
fn point_list(
    s: &Series,
    words: &ChartWords,
    value: impl Fn(&(f64, f64, usize, Option<Stat>)) -> Option<String>,
) -> String {
    let points: Vec<String> = s
        .points
        .iter()
        .filter_map(|p| value(p).map(|v| format!("{} → {v}", words.plain(p.0))))
        .collect();
    points.join(", ")
}

fn key(i: usize) -> Key {
    Key::Series(
        svg::SERIES[i % svg::SERIES.len()],
        svg::MARKERS[i % svg::MARKERS.len()],
    )
}

fn series_name(s: &Series, words: &ChartWords) -> String {
    s.name
        .clone()
        .unwrap_or_else(|| words.get("chart_runs").to_string())
}

/// Ticks at the runs' own x values when there are few and their labels fit (a sweep of
/// 1, 2, 4, 8 threads reads best labelled exactly so), else nice ticks that fit.
fn x_axis_ticks(
    xs: &[f64],
    (lo, hi): (f64, f64),
    x_of: &dyn Fn(f64) -> f64,
    words: &ChartWords,
) -> Vec<svg::Tick> {
    let fits = |ticks: &[svg::Tick]| {
        ticks.windows(2).all(|w| {
            let need = (svg::text_width(&w[0].label, SMALL) + svg::text_width(&w[1].label, SMALL))
                / 2.0
                + 8.0;
            x_of(w[1].value) - x_of(w[0].value) >= need
        })
    };
    let own: Vec<svg::Tick> = xs
        .iter()
        .map(|x| svg::Tick {
            value: *x,
            label: words.plain(*x),
        })
        .collect();
    if own.len() <= 10 && fits(&own) {
        return own;
    }
    let integers = xs.iter().all(|x| x.fract() == 0.0);
    let mut max_ticks = 10;
    loop {
        let ticks = words.ticks(svg::ticks(lo, hi, max_ticks, false, integers));
        if max_ticks <= 2 || fits(&ticks) {
            return ticks;
        }
        max_ticks -= 1;
    }
}

fn describe(tips: &Tips, series: &[Series]) -> String {
    let (measure, x_title, words) = (tips.measure, tips.x_title, tips.words);
    let what = svg::capitalised(measure.name(words));
    let mut out = words.fill("chart_lines_desc", &[("what", &what), ("x", x_title)]);
    for s in series {
        let name = match &s.name {
            Some(name) => words.fill("chart_series_named", &[("name", name)]),
            None => words.get("chart_series_it").to_string(),
        };
        let (Some(first), Some(last)) = (s.points.first(), s.points.last()) else {
            continue;
        };
        if s.points.len() > 1 {
            let change = if first.1 > 0.0 {
                let ratio = words.ratio(last.1 / first.1);
                words.fill("chart_times_first", &[("ratio", &ratio)])
            } else {
                String::new()
            };
            out.push_str(&words.fill(
                "chart_series_goes",
                &[
                    ("name", &name),
                    ("from", &measure.format(first.1, words)),
                    ("x", x_title),
                    ("x_from", &words.plain(first.0)),
                    ("to", &measure.format(last.1, words)),
                    ("x_to", &words.plain(last.0)),
                    ("change", &change),
                ],
            ));
        } else {
            out.push_str(&words.fill("chart_series_one_point", &[("name", &name)]));
        }
        let points = point_list(s, words, |p| Some(measure.format(p.1, words)));
        let _ = write!(out, " {points}.");
        let real = point_list(s, words, |p| p.3.map(|m| measure.format(m.median, words)));
        if !real.is_empty() {
            out.push_str(&words.fill("chart_measured_median", &[("values", &real)]));
        }
    }
    out
}

fn table(tips: &Tips, series: &[Series], result: &SimResult, named: bool, measured: bool) -> Table {
    let (measure, words) = (tips.measure, tips.words);
    let mut head = vec![words.get("chart_run").to_string()];
    if named {
        head.push(words.get("chart_series").to_string());
    }
    head.push(tips.x_title.to_string());
    head.push(measure.axis_title(words));
    let mut rows = Vec::new();
    for s in series {
        for p in &s.points {
            let mut row = vec![result.runs[p.2].label.clone()];
            if named {
                row.push(series_name(s, words));
            }
            row.push(words.plain(p.0));
            row.push(measure.precise(p.1, words));
            rows.push(row);
        }
    }
    let mut table = Table {
        head,
        rows,
        ..Table::default()
    };
    if measured {
        table.push_measured(
            measure,
            series.iter().flat_map(|s| s.points.iter().map(|p| p.3)),
            words,
        );
    }
    table
}
