//! `histogram`: how long one thread waited, after each of its blocking calls completed,
//! before it ran Python again. Latencies span microseconds (an idle interpreter) to
//! switch intervals (convoying behind a CPU-bound thread), so buckets are log-scaled with
//! 1-2-5 edges and drawn at their true logarithmic widths; p50 and p99 are marked.

use std::fmt::Write as _;

use super::svg::{self, Anchor, GRID, SMALL, TEXT, WIDTH, n};
use super::{ChartError, ChartOptions, Drawing, Real, Table, chosen_run, names_thread};
use crate::sim::{SimResult, ThreadResult, percentile};

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
) -> Result<Drawing, ChartError> {
    let run = chosen_run(result, options.run.as_deref())?;
    let run_index = result
        .runs
        .iter()
        .position(|r| std::ptr::eq(r, run))
        .unwrap_or(0);
    let thread: &ThreadResult = match options.thread.as_deref() {
        Some(name) => {
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
            t
        }
        None => run
            .threads
            .iter()
            .find(|t| !t.io_latencies_ns.is_empty())
            .ok_or_else(|| ChartError::NoLatencies {
                run: run.label.clone(),
            })?,
    };
    let latencies = &thread.io_latencies_ns;
    let edges = bucket_edges(latencies);
    let buckets = edges.len() - 1;
    let mut counts = vec![0usize; buckets];
    for &l in latencies {
        // Buckets are [edge, next edge); a 0 latency falls into the first.
        let i = edges.partition_point(|e| *e <= l).saturating_sub(1);
        counts[i.min(buckets - 1)] += 1;
    }
    let p50 = percentile(latencies, 0.5);
    let p99 = percentile(latencies, 0.99);
    let max = latencies.iter().copied().max().unwrap_or(0);

    let mut body = String::new();
    let mut y = 2.0;
    let (note, note_height) = svg::wrapped_text(
        8.0,
        y,
        SMALL,
        &format!(
            "Calls per delay bucket ({} calls). Log-scaled buckets in 1-2-5 steps.",
            latencies.len()
        ),
        WIDTH - 16.0,
    );
    body.push_str(&note);
    y += note_height + 6.0;

    // Two label rows above the plot, one per percentile, so the labels never collide
    // however close p50 and p99 are.
    let label_rows = y;
    let top = label_rows + 2.0 * (SMALL + 5.0) + 4.0;
    let bottom = top + PLOT_HEIGHT;
    let max_count = counts.iter().copied().max().unwrap_or(0).max(1);
    let y_ticks = svg::ticks(0.0, max_count as f64, 6, true, true);
    let y_top = y_ticks
        .last()
        .map(|t| t.value)
        .unwrap_or(1.0)
        .max(max_count as f64);
    let left = 8.0
        + y_ticks
            .iter()
            .map(|t| svg::text_width(&t.label, SMALL))
            .fold(0.0, f64::max)
        + 6.0;
    let log_lo = (edges[0] as f64).log10();
    let log_hi = (edges[edges.len() - 1] as f64).log10();
    let x_of = |ns: u64| {
        let v = (ns.max(edges[0]) as f64).log10();
        left + (v - log_lo) / (log_hi - log_lo) * (RIGHT - left)
    };
    let y_of = |count: f64| bottom - count / y_top * PLOT_HEIGHT;

    let mut grid = String::new();
    for t in &y_ticks {
        let _ = write!(grid, "M{} {}H{}", n(left), n(y_of(t.value)), n(RIGHT));
    }
    let _ = writeln!(
        body,
        "<path d=\"{grid}\" stroke=\"{}\" stroke-width=\"1\"/>",
        GRID.css()
    );
    body.push_str(&svg::y_tick_labels(&y_ticks, left, y_of));

    // Bars, with a hairline gap between neighbours.
    let mut bars = String::new();
    let mut count_labels = String::new();
    for (i, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let x0 = x_of(edges[i]);
        let x1 = x_of(edges[i + 1]);
        let rect = format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            n(x0 + 0.5),
            n(y_of(count as f64)),
            n((x1 - x0 - 1.0).max(0.5)),
            n(count as f64 / y_top * PLOT_HEIGHT)
        );
        bars.push_str(&svg::tip(
            &format!(
                "{}: {count} call{}",
                bucket_name(edges[i], edges[i + 1]),
                if count == 1 { "" } else { "s" }
            ),
            &rect,
        ));
        let label = count.to_string();
        if svg::text_width(&label, SMALL) <= x1 - x0 + 4.0 {
            count_labels.push_str(&svg::text(
                (x0 + x1) / 2.0,
                y_of(count as f64) - 4.0,
                Anchor::Middle,
                SMALL,
                &label,
            ));
        }
    }
    let _ = writeln!(body, "<g fill=\"{}\">{bars}</g>", BAR_PAINT.css());
    body.push_str(&count_labels);
    let _ = writeln!(
        body,
        "<path d=\"M{l} {t}V{b}H{r}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1\"/>",
        TEXT.css(),
        l = n(left),
        t = n(top),
        b = n(bottom),
        r = n(RIGHT),
    );

    // Percentile marks: a dashed line from the plot floor up to its label row.
    for (row, (name, value)) in [("median", p50), ("99th percentile", p99)]
        .into_iter()
        .enumerate()
    {
        let x = x_of(value);
        let label_y = label_rows + row as f64 * (SMALL + 5.0) + SMALL;
        let label = format!("{name} {}", svg::duration(value as f64));
        let fits_right = x + 4.0 + svg::text_width(&label, SMALL) <= WIDTH - 4.0;
        let (lx, anchor) = if fits_right {
            (x + 4.0, Anchor::Start)
        } else {
            (x - 4.0, Anchor::End)
        };
        let _ = writeln!(
            body,
            "<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>",
            n(x),
            n(label_y - SMALL + 1.0),
            n(bottom),
            MARK_PAINT.css()
        );
        body.push_str(&svg::text(lx, label_y, anchor, SMALL, &label));
    }

    // Edge labels: all of them if they fit, else the powers of ten, else every other.
    let plot_width = RIGHT - left;
    let label_fits = |chosen: &[u64]| {
        chosen.windows(2).all(|w| {
            let room = x_of(w[1]) - x_of(w[0]);
            let need = (svg::text_width(&svg::duration(w[0] as f64), SMALL)
                + svg::text_width(&svg::duration(w[1] as f64), SMALL))
                / 2.0
                + 6.0;
            room >= need
        })
    };
    let mut shown: Vec<u64> = edges.clone();
    if !label_fits(&shown) {
        shown = edges
            .iter()
            .copied()
            .filter(|e| is_power_of_ten(*e))
            .collect();
        let mut stride = 2;
        while shown.len() > 2 && !label_fits(&shown) {
            shown = edges
                .iter()
                .copied()
                .filter(|e| is_power_of_ten(*e))
                .step_by(stride)
                .collect();
            stride += 1;
        }
    }
    let mut ticks = String::new();
    for &e in &shown {
        let x = x_of(e);
        let _ = write!(ticks, "M{} {}v5", n(x), n(bottom));
        let label = svg::duration(e as f64);
        // The outermost labels would hang off the viewBox if centred on their edge.
        let half = svg::text_width(&label, SMALL) / 2.0;
        let (lx, anchor) = if x + half > WIDTH - 2.0 {
            (WIDTH - 2.0, Anchor::End)
        } else if x - half < 2.0 {
            (2.0, Anchor::Start)
        } else {
            (x, Anchor::Middle)
        };
        body.push_str(&svg::text(lx, bottom + 7.0 + SMALL, anchor, SMALL, &label));
    }
    let _ = writeln!(
        body,
        "<path d=\"{ticks}\" stroke=\"{}\" stroke-width=\"1\"/>",
        TEXT.css()
    );
    body.push_str(&svg::text(
        left + plot_width / 2.0,
        bottom + 11.0 + 2.0 * SMALL,
        Anchor::Middle,
        SMALL,
        "delay until running Python again (log scale)",
    ));

    let thread_name = if run.threads.iter().any(|t| t.process != thread.process) {
        format!("{}/{}", thread.process, thread.name)
    } else {
        thread.name.clone()
    };
    let busiest = counts
        .iter()
        .enumerate()
        .fold(0, |best, (i, c)| if *c > counts[best] { i } else { best });
    let mut desc = format!(
        "I/O latency of thread “{thread_name}” in run “{}”: for each of its {} blocking calls \
         (I/O and sleeps), the delay from the call's completion until the thread ran Python \
         again. Median {}, 99th percentile {}, longest {}. Buckets are log-scaled in 1-2-5 \
         steps; the fullest, {}, holds {} calls.",
        run.label,
        latencies.len(),
        svg::duration(p50 as f64),
        svg::duration(p99 as f64),
        svg::duration(max as f64),
        bucket_name(edges[busiest], edges[busiest + 1]),
        counts[busiest],
    );
    let key_figures = format!(
        "median {}, 99th percentile {}, longest {}",
        svg::duration(p50 as f64),
        svg::duration(p99 as f64),
        svg::duration(max as f64)
    );
    let mut table = Table {
        groups: Vec::new(),
        head: vec!["Delay".to_string(), "Calls".to_string()],
        rows: counts
            .iter()
            .enumerate()
            .map(|(i, c)| vec![bucket_name(edges[i], edges[i + 1]), c.to_string()])
            .collect(),
    };
    // A program sees each call's delay but keeps only its percentiles: those are given
    // beside the simulated distribution.
    let measured = real
        .and_then(|runs| runs.get(run_index))
        .and_then(|r| {
            r.threads
                .iter()
                .find(|t| t.name == thread.name && t.process == thread.process)
        })
        .and_then(|t| t.latency_ms);
    if let Some(l) = measured {
        let _ = write!(
            desc,
            " Measured on CPython (median of the repetitions): median {} ms, 99th percentile {} ms, longest {} ms.",
            l.p50.median, l.p99.median, l.max.median
        );
        for (name, s) in [
            ("median", l.p50),
            ("99th percentile", l.p99),
            ("longest", l.max),
        ] {
            table.rows.push(vec![
                format!("measured on CPython: {name}, ms"),
                s.to_string(),
            ]);
        }
    }
    Ok(Drawing {
        height: bottom + 17.0 + 2.0 * SMALL,
        body,
        desc,
        table,
        key_figures,
    })
}

fn bucket_name(from: u64, to: u64) -> String {
    format!(
        "{} to {}",
        svg::duration(from as f64),
        svg::duration(to as f64)
    )
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
