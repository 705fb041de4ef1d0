//! `histogram`: how long one thread waited, after each of its blocking calls completed,
//! before it ran Python again. Latencies span microseconds (an idle interpreter) to
//! switch intervals (convoying behind a CPU-bound thread), so buckets are log-scaled with
//! 1-2-5 edges and drawn at their true logarithmic widths; p50 and p99 are marked.

use super::axes::{self, ValueAxis, XTick};
use super::svg::{self, Anchor, SMALL, WIDTH, n};
use super::{ChartError, ChartOptions, ChartWords, Drawing, Real, Table, chosen_run, names_thread};
use crate::sim::{RunResult, SimResult, ThreadResult, percentile};

const PLOT_HEIGHT: f64 = 170.0;
const RIGHT: f64 = WIDTH - 16.0;
const BAR_PAINT: svg::Paint = svg::Paint {
    property: "chart-blocked",
    fallback: "#9ca3af",
};
const MARK_PAINT: svg::Paint = svg::Paint {
    property: "chart-wait",
    fallback: "#d97706",
};

pub(crate) fn draw(
    options: &ChartOptions,
    result: &SimResult,
    real: Real,
    words: &ChartWords,
) -> Result<Drawing, ChartError> {
    let run = chosen_run(result, options.run.as_deref())?;
    let run_index = result
        .runs
        .iter()
        .position(|r| std::ptr::eq(r, run))
        .unwrap_or(0);
    let thread = chosen_thread(run, options.thread.as_deref())?;
    let latencies = &thread.io_latencies_ns;
    let buckets = Buckets::of(latencies, words);
    let p50 = percentile(latencies, 0.5);
    let p99 = percentile(latencies, 0.99);

    let calls = latencies.len().to_string();
    let (mut body, note_height) =
        svg::note(&words.fill("chart_histogram_note", &[("calls", &calls)]));
    let mut y = svg::NOTE_TOP;
    y += note_height + 6.0;

    // Two label rows above the plot, one per percentile, so the labels never collide
    // however close p50 and p99 are.
    let label_rows = y;
    let top = label_rows + 2.0 * (SMALL + 5.0) + 4.0;
    let bottom = top + PLOT_HEIGHT;
    let max_count = buckets.counts.iter().copied().max().unwrap_or(0).max(1);
    let y_ticks = words.ticks(svg::ticks(0.0, max_count as f64, 6, true, true));
    let axis = ValueAxis::new(y_ticks, max_count as f64, bottom, PLOT_HEIGHT);
    let scale = LogScale::new(&buckets.edges, axis.left);

    body.push_str(&axis.grid(RIGHT));
    body.push_str(&axis.tick_labels());
    body.push_str(&bars(&buckets, &axis, &scale));
    body.push_str(&axis.frame(top, RIGHT));
    let marks = [
        (words.get("chart_median"), p50),
        (words.get("chart_p99"), p99),
    ];
    for (row, (name, value)) in marks.into_iter().enumerate() {
        let label_y = label_rows + row as f64 * (SMALL + 5.0) + SMALL;
        body.push_str(&percentile_mark(
            name,
            value,
            &scale,
            (label_y, bottom),
            words,
        ));
    }
    let ticks: Vec<XTick> = shown_edges(&buckets.edges, &scale, words)
        .into_iter()
        .map(|e| edge_tick(scale.x_of(e), words.duration(e as f64)))
        .collect();
    body.push_str(&axes::x_ticks(&ticks, bottom));
    let plot_width = RIGHT - axis.left;
    body.push_str(&axes::x_title(
        axis.left + plot_width / 2.0,
        bottom,
        words.get("chart_histogram_axis"),
    ));

    let mut desc = describe(run, thread, &buckets, (p50, p99));
    let mut table = buckets.table();
    add_measured(real, (run_index, thread), &mut desc, &mut table, words);
    Ok(Drawing {
        height: axes::height_below(bottom),
        body,
        desc,
        table,
        key_figures: key_figures(latencies, (p50, p99), words),
    })
}

/// The percentiles and the longest delay, in one line.
fn key_figures(latencies: &[u64], (p50, p99): (u64, u64), words: &ChartWords) -> String {
    let max = latencies.iter().copied().max().unwrap_or(0);
    words.fill(
        "chart_histogram_key",
        &[
            ("p50", &words.duration(p50 as f64)),
            ("p99", &words.duration(p99 as f64)),
            ("max", &words.duration(max as f64)),
        ],
    )
}

/// The thread asked for, which must have made blocking calls, or the first that did.
fn chosen_thread<'r>(
    run: &'r RunResult,
    name: Option<&str>,
) -> Result<&'r ThreadResult, ChartError> {
    let Some(name) = name else {
        return run
            .threads
            .iter()
            .find(|t| !t.io_latencies_ns.is_empty())
            .ok_or_else(|| ChartError::NoLatencies {
                run: run.label.clone(),
            });
    };
    let t = run
        .threads
        .iter()
        .find(|t| names_thread(name, &t.process, &t.name))
        .ok_or_else(|| ChartError::UnknownThread {
            run: run.label.clone(),
            thread: name.to_string(),
        })?;
    if t.io_latencies_ns.is_empty() {
        return Err(ChartError::ThreadWithoutLatencies {
            run: run.label.clone(),
            thread: name.to_string(),
        });
    }
    Ok(t)
}

/// Latencies counted into log-scaled buckets.
struct Buckets<'w> {
    /// 1-2-5 edges; bucket `i` is [edges[i], edges[i + 1]).
    edges: Vec<u64>,
    counts: Vec<usize>,
    words: &'w ChartWords,
}

impl<'w> Buckets<'w> {
    fn of(latencies: &[u64], words: &'w ChartWords) -> Self {
        let edges = bucket_edges(latencies);
        let buckets = edges.len() - 1;
        let mut counts = vec![0usize; buckets];
        for &l in latencies {
            // Buckets are [edge, next edge); a 0 latency falls into the first.
            let i = edges.partition_point(|e| *e <= l).saturating_sub(1);
            counts[i.min(buckets - 1)] += 1;
        }
        Buckets {
            edges,
            counts,
            words,
        }
    }

    fn name(&self, i: usize) -> String {
        self.words.fill(
            "chart_bucket",
            &[
                ("from", &self.words.duration(self.edges[i] as f64)),
                ("to", &self.words.duration(self.edges[i + 1] as f64)),
            ],
        )
    }

    fn table(&self) -> Table {
        Table {
            groups: Vec::new(),
            head: vec![
                self.words.get("chart_delay").to_string(),
                self.words.get("chart_calls").to_string(),
            ],
            rows: self
                .counts
                .iter()
                .enumerate()
                .map(|(i, c)| vec![self.name(i), c.to_string()])
                .collect(),
        }
    }
}

/// Positions across the plot on a log scale of nanoseconds, from the first edge at
/// `left` to the last at [`RIGHT`].
struct LogScale {
    first_edge: u64,
    log_lo: f64,
    log_hi: f64,
    left: f64,
}

impl LogScale {
    fn new(edges: &[u64], left: f64) -> Self {
        LogScale {
            first_edge: edges[0],
            log_lo: (edges[0] as f64).log10(),
            log_hi: (edges[edges.len() - 1] as f64).log10(),
            left,
        }
    }

    fn x_of(&self, ns: u64) -> f64 {
        let v = (ns.max(self.first_edge) as f64).log10();
        self.left + (v - self.log_lo) / (self.log_hi - self.log_lo) * (RIGHT - self.left)
    }
}

/// A bar per non-empty bucket, with a hairline gap between neighbours, and its count
/// above it where that fits.
fn bars(buckets: &Buckets, axis: &ValueAxis, scale: &LogScale) -> String {
    let edges = &buckets.edges;
    let mut bars = String::new();
    let mut count_labels = String::new();
    for (i, &count) in buckets.counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let x0 = scale.x_of(edges[i]);
        let x1 = scale.x_of(edges[i + 1]);
        let rect = format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            n(x0 + 0.5),
            n(axis.y_of(count as f64)),
            n((x1 - x0 - 1.0).max(0.5)),
            n(axis.length_of(count as f64))
        );
        bars.push_str(&svg::tip(
            &buckets.words.fill(
                if count == 1 {
                    "chart_one_call"
                } else {
                    "chart_calls_tip"
                },
                &[("bucket", &buckets.name(i)), ("n", &count.to_string())],
            ),
            &rect,
        ));
        let label = count.to_string();
        if svg::text_width(&label, SMALL) <= x1 - x0 + 4.0 {
            count_labels.push_str(&svg::text(
                (x0 + x1) / 2.0,
                axis.y_of(count as f64) - 4.0,
                Anchor::Middle,
                SMALL,
                &label,
            ));
        }
    }
    format!("<g fill=\"{}\">{bars}</g>\n{count_labels}", BAR_PAINT.css())
}

/// A percentile's mark: a dashed line from the plot floor up to its label's row, the
/// label on the side of the line where it fits.
fn percentile_mark(
    name: &str,
    value: u64,
    scale: &LogScale,
    (label_y, bottom): (f64, f64),
    words: &ChartWords,
) -> String {
    let x = scale.x_of(value);
    let label = format!("{name} {}", words.duration(value as f64));
    let fits_right = x + 4.0 + svg::text_width(&label, SMALL) <= WIDTH - 4.0;
    let (lx, anchor) = if fits_right {
        (x + 4.0, Anchor::Start)
    } else {
        (x - 4.0, Anchor::End)
    };
    let mut out = format!(
        "<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n",
        n(x),
        n(label_y - SMALL + 1.0),
        n(bottom),
        MARK_PAINT.css()
    );
    out.push_str(&svg::text(lx, label_y, anchor, SMALL, &label));
    out
}

/// The edges to label: all of them if they fit, else the powers of ten, else every
/// other of those, and so on.
fn shown_edges(edges: &[u64], scale: &LogScale, words: &ChartWords) -> Vec<u64> {
    let label_fits = |chosen: &[u64]| {
        chosen.windows(2).all(|w| {
            let room = scale.x_of(w[1]) - scale.x_of(w[0]);
            let need = (svg::text_width(&words.duration(w[0] as f64), SMALL)
                + svg::text_width(&words.duration(w[1] as f64), SMALL))
                / 2.0
                + 6.0;
            room >= need
        })
    };
    let mut shown: Vec<u64> = edges.to_vec();
    if !label_fits(&shown) {
        let powers = || edges.iter().copied().filter(|e| is_power_of_ten(*e));
        shown = powers().collect();
        let mut stride = 2;
        while shown.len() > 2 && !label_fits(&shown) {
            shown = powers().step_by(stride).collect();
            stride += 1;
        }
    }
    shown
}

/// An edge's tick; the outermost labels would hang off the viewBox if centred on their
/// edge, so they end or start there instead.
fn edge_tick(x: f64, label: String) -> XTick {
    let half = svg::text_width(&label, SMALL) / 2.0;
    let (label_x, anchor) = if x + half > WIDTH - 2.0 {
        (WIDTH - 2.0, Anchor::End)
    } else if x - half < 2.0 {
        (2.0, Anchor::Start)
    } else {
        (x, Anchor::Middle)
    };
    XTick {
        x,
        label_x,
        anchor,
        label,
    }
}

fn describe(
    run: &RunResult,
    thread: &ThreadResult,
    buckets: &Buckets,
    (p50, p99): (u64, u64),
) -> String {
    let latencies = &thread.io_latencies_ns;
    let max = latencies.iter().copied().max().unwrap_or(0);
    let thread_name = if run.threads.iter().any(|t| t.process != thread.process) {
        format!("{}/{}", thread.process, thread.name)
    } else {
        thread.name.clone()
    };
    let counts = &buckets.counts;
    let busiest = counts
        .iter()
        .enumerate()
        .fold(0, |best, (i, c)| if *c > counts[best] { i } else { best });
    let words = buckets.words;
    words.fill(
        "chart_histogram_desc",
        &[
            ("thread", &thread_name),
            ("run", &run.label),
            ("calls", &latencies.len().to_string()),
            ("p50", &words.duration(p50 as f64)),
            ("p99", &words.duration(p99 as f64)),
            ("max", &words.duration(max as f64)),
            ("bucket", &buckets.name(busiest)),
            ("count", &counts[busiest].to_string()),
        ],
    )
}

/// A program sees each call's delay but keeps only its percentiles: those are given
/// beside the simulated distribution, in words and in the table.
fn add_measured(
    real: Real,
    (run_index, thread): (usize, &ThreadResult),
    desc: &mut String,
    table: &mut Table,
    words: &ChartWords,
) {
    let measured = real
        .and_then(|runs| runs.get(run_index))
        .and_then(|r| {
            r.threads
                .iter()
                .find(|t| t.name == thread.name && t.process == thread.process)
        })
        .and_then(|t| t.latency_ms);
    let Some(l) = measured else {
        return;
    };
    desc.push_str(&words.fill(
        "chart_histogram_measured",
        &[
            ("p50", &words.number(l.p50.median.to_string())),
            ("p99", &words.number(l.p99.median.to_string())),
            ("max", &words.number(l.max.median.to_string())),
        ],
    ));
    for (key, s) in [
        ("chart_median", l.p50),
        ("chart_p99", l.p99),
        ("chart_longest", l.max),
    ] {
        let name = words.get(key);
        table.rows.push(vec![
            words.fill("chart_measured_row", &[("name", name)]),
            words.fill(
                "chart_stat",
                &[
                    ("median", &words.number(s.median.to_string())),
                    ("min", &words.number(s.min.to_string())),
                    ("max", &words.number(s.max.to_string())),
                ],
            ),
        ]);
    }
}

fn is_power_of_ten(mut v: u64) -> bool {
    while v >= 10 && v.is_multiple_of(10) {
        v /= 10;
    }
    v == 1
}

/// 1-2-5 x 10^k edges in nanoseconds from the largest at or below the smallest positive
/// latency to the smallest above the largest, so every latency has a bucket.
fn bucket_edges(latencies: &[u64]) -> Vec<u64> {
    let smallest = latencies
        .iter()
        .copied()
        .filter(|l| *l > 0)
        .min()
        .unwrap_or(1);
    let largest = latencies.iter().copied().max().unwrap_or(1).max(smallest);
    let mut sequence = Vec::new();
    let mut decade: u64 = 1;
    'outer: loop {
        for m in [1, 2, 5] {
            let Some(e) = decade.checked_mul(m) else {
                break 'outer;
            };
            sequence.push(e);
            if e > largest {
                break 'outer;
            }
        }
        match decade.checked_mul(10) {
            Some(d) => decade = d,
            None => break,
        }
    }
    let start = sequence
        .partition_point(|e| *e <= smallest)
        .saturating_sub(1);
    let mut edges = sequence[start..].to_vec();
    if edges.len() < 2 {
        edges.push(u64::MAX);
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_cover_every_latency() {
        assert_eq!(bucket_edges(&[30_000, 45_000]), vec![20_000, 50_000]);
        assert_eq!(
            bucket_edges(&[0, 30_000, 4_900_000]),
            vec![
                20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000
            ]
        );
        assert_eq!(bucket_edges(&[100]), vec![100, 200]);
        assert_eq!(bucket_edges(&[0]), vec![1, 2]);
        assert!(is_power_of_ten(1000) && !is_power_of_ten(2000) && is_power_of_ten(1));
    }
}
