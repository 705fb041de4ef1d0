//! `timeline`: one lane per thread, grouped by process, coloured by state over time.
//!
//! The window is cut into half-unit cells and each cell takes the state that filled most
//! of it; runs of equal cells become one stroke. Sub-pixel slices (a 10 s run of 5 ms
//! hand-offs) thus cost at most one stroke per cell, and the SVG stays small however many
//! segments the simulator recorded.

use std::fmt::Write as _;

use super::svg::{self, Anchor, FONT, GRID, Key, SMALL, STATES, WIDTH, n};
use super::{ChartError, ChartOptions, ChartWords, Drawing, Table, chosen_run};
use crate::sim::{Lane, RunResult, SimResult, ThreadState};

const LEFT: f64 = 16.0;
const RIGHT: f64 = WIDTH - 20.0;
/// Cells per viewBox unit: half-unit cells are below a device pixel at any column width
/// the theme allows.
const CELLS_PER_UNIT: f64 = 2.0;
const BAR: f64 = 18.0;
/// Room above each lane's bar for the thread's name.
const LABEL: f64 = FONT + 3.0;

pub(crate) fn draw(
    options: &ChartOptions,
    result: &SimResult,
    words: &ChartWords,
) -> Result<Drawing, ChartError> {
    let run = chosen_run(result, options.run.as_deref())?;
    let (from_ns, to_ns) = window(options, run)?;
    let width = RIGHT - LEFT;
    let cells = (width * CELLS_PER_UNIT) as usize;
    let lanes = Lanes {
        run,
        states: run
            .timeline
            .iter()
            .map(|lane| dominant_states(lane, from_ns, to_ns, cells))
            .collect(),
        shares: run
            .timeline
            .iter()
            .map(|lane| time_per_state(lane, from_ns, to_ns))
            .collect(),
        grouped: group_order(&run.timeline).len() > 1,
        span: to_ns - from_ns,
        words,
    };

    let mut body = String::new();
    let mut y = 4.0;
    let (legend, legend_height) = svg::legend(&lanes.legend(), LEFT, y, width);
    body.push_str(&legend);
    y += legend_height + 6.0;
    // Lanes are drawn after the grid, so draw them first and place the grid below.
    let drawn = lanes.draw(y);

    // Time axis.
    let from_ms = from_ns / 1e6;
    let to_ms = to_ns / 1e6;
    let ticks = axis_ticks(from_ms, to_ms, width, words);
    let x_of = |ms: f64| LEFT + (ms - from_ms) / (to_ms - from_ms) * width;
    let tick_xs: Vec<f64> = ticks.iter().map(|t| x_of(t.value)).collect();
    body.push_str(&drawn.grid(&tick_xs));
    body.push_str(&drawn.markup);
    for (t, x) in ticks.iter().zip(&tick_xs) {
        body.push_str(&svg::text(
            *x,
            drawn.bottom + 4.0 + SMALL,
            Anchor::Middle,
            SMALL,
            &t.label,
        ));
    }
    body.push_str(&svg::text(
        LEFT + width / 2.0,
        drawn.bottom + 8.0 + 2.0 * SMALL,
        Anchor::Middle,
        SMALL,
        words.get("chart_time_ms"),
    ));

    Ok(Drawing {
        height: drawn.bottom + 14.0 + 2.0 * SMALL,
        body,
        desc: describe(&lanes, from_ns, to_ns),
        table: table(&lanes, (from_ns, to_ns)),
        key_figures: words.fill(
            "chart_timeline_key",
            &[
                ("time", &words.duration(run.wall_ns as f64)),
                ("switches", &run.gil_switches.to_string()),
            ],
        ),
    })
}

/// The lanes of a run within the window: per lane, its state per cell and its time in
/// each state.
struct Lanes<'r> {
    run: &'r RunResult,
    states: Vec<Vec<Option<ThreadState>>>,
    shares: Vec<[u64; STATES.len()]>,
    /// Whether lanes are grouped by process or interpreter (there are several).
    grouped: bool,
    /// The window's length in nanoseconds.
    span: f64,
    words: &'r ChartWords,
}

/// The lanes as drawn: their markup, where each bar lies (top, bottom), and the bottom
/// of the last lane.
struct DrawnLanes {
    markup: String,
    bar_spans: Vec<(f64, f64)>,
    bottom: f64,
}

impl Lanes<'_> {
    /// A swatch per state drawn somewhere.
    fn legend(&self) -> Vec<(Key, String)> {
        let mut drawn = [false; STATES.len()];
        for s in self.states.iter().flatten().flatten() {
            drawn[svg::state_index(*s)] = true;
        }
        STATES
            .iter()
            .filter(|s| drawn[svg::state_index(**s)])
            .map(|s| {
                (
                    Key::Swatch(svg::state_paint(*s)),
                    self.words.state(*s).to_string(),
                )
            })
            .collect()
    }

    /// Every lane from `y` down, group by group.
    fn draw(&self, mut y: f64) -> DrawnLanes {
        let timeline = &self.run.timeline;
        let mut markup = String::new();
        let mut bar_spans: Vec<(f64, f64)> = Vec::new();
        for group in &group_order(timeline) {
            let members: Vec<usize> = (0..timeline.len())
                .filter(|i| &group_of(&timeline[*i]) == group)
                .collect();
            let heading = members
                .first()
                .map(|i| group_heading(&timeline[*i], self.words))
                .unwrap_or_default();
            // A process of one thread gets one line, "process P1 · main"; a process of
            // several gets a heading over its threads' lanes.
            let single = self.grouped && members.len() == 1;
            if self.grouped && !single {
                let _ = writeln!(
                    markup,
                    "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>",
                    n(LEFT),
                    n(y + FONT),
                    crate::html::escape(&heading)
                );
                y += FONT + 5.0;
            }
            for i in members {
                markup.push_str(&self.lane(i, y, single.then_some(heading.as_str())));
                bar_spans.push((y + LABEL, y + LABEL + BAR));
                y += LABEL + BAR + 8.0;
            }
        }
        DrawnLanes {
            markup,
            bar_spans,
            bottom: y - 8.0,
        }
    }

    /// Lane `i` at `y`: the thread's name (after its group's `heading` when the group is
    /// this one thread), outline and strokes, one tooltip target.
    fn lane(&self, i: usize, y: f64, heading: Option<&str>) -> String {
        let lane = &self.run.timeline[i];
        let mut one = String::new();
        if let Some(heading) = heading {
            let _ = writeln!(
                one,
                "<text x=\"{}\" y=\"{}\"><tspan font-weight=\"bold\">{}</tspan> · {}</text>",
                n(LEFT),
                n(y + FONT - 1.0),
                crate::html::escape(heading),
                crate::html::escape(&lane.thread)
            );
        } else {
            one.push_str(&svg::text(
                LEFT,
                y + FONT - 1.0,
                Anchor::Start,
                FONT,
                &lane.thread,
            ));
        }
        let mid = y + LABEL + BAR / 2.0;
        let _ = writeln!(
            one,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"0.5\"/>",
            n(LEFT),
            n(y + LABEL),
            n(RIGHT - LEFT),
            n(BAR),
            GRID.css()
        );
        let name = lane_name(lane, self.grouped);
        one.push_str(&strokes(&self.states[i], mid, |k| {
            state_tip(&name, k, self.shares[i][k], self.span, self.words)
        }));
        one
    }
}

impl DrawnLanes {
    /// Gridlines at `xs` behind the bars only, never through the labels above them.
    fn grid(&self, xs: &[f64]) -> String {
        let mut grid = String::new();
        for x in xs {
            for (i, (top, bottom)) in self.bar_spans.iter().enumerate() {
                let bottom = if i + 1 == self.bar_spans.len() {
                    self.bottom + 4.0
                } else {
                    *bottom
                };
                let _ = write!(grid, "M{} {}V{}", n(*x), n(*top), n(bottom));
            }
        }
        format!(
            "<path d=\"{grid}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
            GRID.css()
        )
    }
}

/// The window in nanoseconds: the one asked for, or the whole run.
fn window(options: &ChartOptions, run: &RunResult) -> Result<(f64, f64), ChartError> {
    match options.window_ms {
        Some([from, to]) => {
            if from.is_finite() && to.is_finite() && from >= 0.0 && to > from {
                Ok((from * 1e6, to * 1e6))
            } else {
                Err(ChartError::BadWindow)
            }
        }
        None => {
            let last_segment = run
                .timeline
                .iter()
                .flat_map(|l| l.segments.last())
                .map(|s| s.end_ns)
                .max()
                .unwrap_or(0);
            // A run that took no time still gets a (1 ns) axis rather than a division by 0.
            Ok((0.0, run.wall_ns.max(last_segment).max(1) as f64))
        }
    }
}

/// The group a lane is drawn in: its process, or for a thread of a subinterpreter, that
/// interpreter (whose GIL the group's threads share).
fn group_of(lane: &Lane) -> String {
    match &lane.subinterpreter {
        Some(sub) => format!("{}/{sub}", lane.process),
        None => lane.process.clone(),
    }
}

fn group_heading(lane: &Lane, words: &ChartWords) -> String {
    match &lane.subinterpreter {
        Some(sub) => words.fill("chart_interpreter", &[("name", sub)]),
        None => words.fill("chart_process", &[("name", &lane.process)]),
    }
}

fn group_order(lanes: &[Lane]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for group in lanes.iter().map(group_of) {
        if !order.contains(&group) {
            order.push(group);
        }
    }
    order
}

/// For each of `cells` equal slices of [from, to), the state that covers most of it, or
/// `None` when the thread is absent (not started, finished) for most of it.
pub(super) fn dominant_states(
    lane: &Lane,
    from: f64,
    to: f64,
    cells: usize,
) -> Vec<Option<ThreadState>> {
    let cell_ns = (to - from) / cells as f64;
    let mut time = vec![[0.0f64; STATES.len()]; cells];
    for span in &lane.segments {
        let start = (span.start_ns as f64).max(from);
        let end = (span.end_ns as f64).min(to);
        if end <= start {
            continue;
        }
        let state = svg::state_index(span.state);
        let first = (((start - from) / cell_ns) as usize).min(cells - 1);
        let last = (((end - from) / cell_ns).ceil() as usize).clamp(first + 1, cells);
        for (i, cell) in time.iter_mut().enumerate().take(last).skip(first) {
            let cell_start = from + i as f64 * cell_ns;
            let overlap = end.min(cell_start + cell_ns) - start.max(cell_start);
            if overlap > 0.0 {
                cell[state] += overlap;
            }
        }
    }
    time.iter()
        .map(|cell| {
            let covered: f64 = cell.iter().sum();
            // Ties go to the state listed first, so the choice never depends on float noise
            // in a way that differs between runs of the same input.
            let (best, best_time) =
                cell.iter().enumerate().fold(
                    (0, 0.0),
                    |acc, (i, t)| if *t > acc.1 { (i, *t) } else { acc },
                );
            if best_time > 0.0 && best_time >= cell_ns - covered {
                Some(STATES[best])
            } else {
                None
            }
        })
        .collect()
}

/// One path per state with a horizontal stroke per run of equal cells.
fn strokes(states: &[Option<ThreadState>], mid: f64, tip: impl Fn(usize) -> String) -> String {
    let mut paths: Vec<String> = vec![String::new(); STATES.len()];
    let mut pens: Vec<f64> = vec![0.0; STATES.len()];
    let mut i = 0;
    while i < states.len() {
        let Some(state) = states[i] else {
            i += 1;
            continue;
        };
        let start = i;
        while i < states.len() && states[i] == Some(state) {
            i += 1;
        }
        let k = svg::state_index(state);
        let x = LEFT + start as f64 / CELLS_PER_UNIT;
        let w = (i - start) as f64 / CELLS_PER_UNIT;
        // Relative moves after the first keep each stroke to a few bytes.
        if paths[k].is_empty() {
            let _ = write!(paths[k], "M{} {}h{}", n(x), n(mid), n(w));
        } else {
            let _ = write!(paths[k], "m{} 0h{}", n(x - pens[k]), n(w));
        }
        pens[k] = x + w;
    }
    let mut out = String::new();
    for (k, d) in paths.iter().enumerate() {
        if !d.is_empty() {
            // Every stroke of one state is one tooltip target: hovering a segment names
            // the thread's time in that state.
            let path = format!(
                "<path d=\"{d}\" stroke=\"{}\" stroke-width=\"{}\"/>",
                svg::state_paint(STATES[k]).css(),
                n(BAR)
            );
            out.push_str(&svg::tip(&tip(k), &path));
        }
    }
    out
}

/// Ticks whose labels fit side by side across `width`.
fn axis_ticks(from_ms: f64, to_ms: f64, width: f64, words: &ChartWords) -> Vec<svg::Tick> {
    let mut max_ticks = 8;
    loop {
        let ticks = words.ticks(svg::nice_ticks(from_ms, to_ms, max_ticks));
        let widest = ticks
            .iter()
            .map(|t| svg::text_width(&t.label, SMALL))
            .fold(0.0, f64::max);
        if max_ticks <= 2 || (widest + 14.0) * ticks.len() as f64 <= width {
            return ticks;
        }
        max_ticks -= 1;
    }
}

/// Nanoseconds per state inside the window, in [`STATES`] order.
fn time_per_state(lane: &Lane, from: f64, to: f64) -> [u64; STATES.len()] {
    let mut out = [0u64; STATES.len()];
    for span in &lane.segments {
        let start = (span.start_ns as f64).max(from);
        let end = (span.end_ns as f64).min(to);
        if end > start {
            out[svg::state_index(span.state)] += (end - start) as u64;
        }
    }
    out
}

fn lane_name(lane: &Lane, grouped: bool) -> String {
    if grouped {
        format!("{}/{}", group_of(lane), lane.thread)
    } else {
        lane.thread.clone()
    }
}

fn describe(lanes: &Lanes, from: f64, to: f64) -> String {
    let (run, words) = (lanes.run, lanes.words);
    let span = to - from;
    let threads = run.timeline.len().to_string();
    let threads = match run.timeline.len() {
        1 => words.fill("chart_one_thread", &[("n", &threads)]),
        _ => words.fill("chart_threads", &[("n", &threads)]),
    };
    let groups = if lanes.grouped {
        let key = if run.timeline.iter().any(|l| l.subinterpreter.is_some()) {
            "chart_in_interpreters"
        } else {
            "chart_in_processes"
        };
        let count = group_order(&run.timeline).len().to_string();
        words.fill(key, &[("n", &count)])
    } else {
        String::new()
    };
    let mut out = words.fill(
        "chart_timeline_desc",
        &[
            ("run", &run.label),
            ("threads", &threads),
            ("groups", &groups),
            ("from", &words.plain(from / 1e6)),
            ("to", &words.plain(to / 1e6)),
            ("wall", &words.value(run.wall_ns as f64 / 1e6)),
        ],
    );
    for (lane, share) in run.timeline.iter().zip(&lanes.shares) {
        let parts: Vec<String> = STATES
            .iter()
            .zip(share)
            .filter(|(_, t)| **t > 0)
            .map(|(s, t)| format!("{} {}", words.state(*s), percent(*t as f64 / span, words)))
            .collect();
        let parts = if parts.is_empty() {
            words.get("chart_not_running").to_string()
        } else {
            parts.join(", ")
        };
        let _ = write!(out, " {}: {}.", lane_name(lane, lanes.grouped), parts);
    }
    out.push_str(&words.fill(
        "chart_timeline_switches",
        &[("switches", &run.gil_switches.to_string())],
    ));
    out
}

/// A state's tooltip: the thread's time in that state within the window.
fn state_tip(lane: &str, k: usize, ns: u64, span: f64, words: &ChartWords) -> String {
    words.fill(
        "chart_state_tip",
        &[
            ("lane", lane),
            ("state", words.state(STATES[k])),
            ("time", &words.duration(ns as f64)),
            ("share", &percent(ns as f64 / span, words)),
        ],
    )
}

fn percent(fraction: f64, words: &ChartWords) -> String {
    let p = fraction * 100.0;
    if p > 0.0 && p < 1.0 {
        words.get("chart_under_1_percent").to_string()
    } else {
        words.fill("chart_percent", &[("p", &format!("{p:.0}"))])
    }
}

fn table(lanes: &Lanes, (from, to): (f64, f64)) -> Table {
    let (run, shares, grouped, words) = (lanes.run, &lanes.shares, lanes.grouped, lanes.words);
    let present: Vec<usize> = (0..STATES.len())
        .filter(|k| shares.iter().any(|s| s[*k] > 0))
        .collect();
    let mut head = vec![words.get("chart_thread").to_string()];
    head.extend(
        present
            .iter()
            .map(|k| format!("{} (ms)", words.state(STATES[*k]))),
    );
    head.push(words.get("chart_finished_at").to_string());
    let rows = run
        .timeline
        .iter()
        .zip(shares)
        .map(|(lane, share)| {
            let mut row = vec![lane_name(lane, grouped)];
            row.extend(
                present
                    .iter()
                    .map(|k| words.number(super::table_ms(share[*k] as f64 / 1e6))),
            );
            let end = run
                .threads
                .iter()
                .find(|t| {
                    t.name == lane.thread
                        && t.process == lane.process
                        && t.subinterpreter == lane.subinterpreter
                })
                .map(|t| words.number(super::table_ms(t.end_ns as f64 / 1e6)))
                .unwrap_or_else(|| "–".to_string());
            row.push(end);
            row
        })
        .collect();
    // The state columns cover the window drawn; the finish time is of the whole run.
    let groups = vec![
        (String::new(), 1),
        (
            words.fill(
                "chart_time_in_states",
                &[
                    ("from", &words.plain(from / 1e6)),
                    ("to", &words.plain(to / 1e6)),
                ],
            ),
            present.len(),
        ),
        (words.get("chart_whole_run").to_string(), 1),
    ];
    Table { groups, head, rows }
}
