//! Small drawing helpers shared by the chart kinds: number formatting that is exact and
//! stable, "nice" axis ticks, paints from the theme's custom properties, and legends.

use std::fmt::Write as _;

use crate::html::escape;
use crate::sim::ThreadState;

/// Width of every chart's viewBox. Narrow on purpose, because the figure is scaled to
/// the column: at 420 units a 13-unit label is about 11 px on a 390 px phone (a 640-unit
/// box would shrink it to 7 px). The theme caps the figure's width on wide screens (32rem)
/// so the same label stays near body-text size there.
pub const WIDTH: f64 = 420.0;
/// Body text of a chart (labels, headings).
pub const FONT: f64 = 14.0;
/// Tick labels, legends and notes; the smallest text any chart uses.
pub const SMALL: f64 = 13.0;

/// A coordinate rounded to a tenth of a unit, without a trailing `.0`, never `-0`,
/// `NaN` or `inf` (non-finite values become 0 so a bug cannot leak into the markup).
pub fn n(v: f64) -> String {
    let tenths = if v.is_finite() {
        (v * 10.0).round() as i64
    } else {
        0
    };
    let sign = if tenths < 0 { "-" } else { "" };
    let a = tenths.unsigned_abs();
    if a % 10 == 0 {
        format!("{sign}{}", a / 10)
    } else {
        format!("{sign}{}.{}", a / 10, a % 10)
    }
}

/// A measured value with about three significant digits and a precision that depends only
/// on its magnitude, so the same number always prints the same way.
pub fn value(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let a = v.abs();
    let s = if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    // `{:.0}` of -0.4 is "-0"; a measure is never negative, but stay tidy.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// An author's number (an `x` value) with up to three decimals and no trailing zeros.
pub fn plain(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A ratio to a baseline: "1.03x", "17.6x", "353x" (two decimals only where they matter).
pub fn ratio(r: f64) -> String {
    let r = if r.is_finite() { r } else { 0.0 };
    if r >= 100.0 {
        format!("{r:.0}x")
    } else if r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

/// A duration given in nanoseconds, in the largest unit that keeps it at or above 1
/// ("500 ns", "20 µs", "1.25 ms", "3 s").
pub fn duration(ns: f64) -> String {
    let ns = if ns.is_finite() { ns.max(0.0) } else { 0.0 };
    let (scaled, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    let text = value(scaled);
    // Trim zeros the fixed precision added to round numbers ("2.00 ms" -> "2 ms").
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {unit}")
}

/// `s` with its first letter in upper case.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Estimated width of `text` at `size`: proportional sans-serif digits and lowercase
/// letters average a little over half an em; 0.6 errs on the wide side so layouts that
/// use it (legend wrapping, label placement) do not collide.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// A `<text>` element; `content` is plain text and is escaped here.
pub fn text(x: f64, y: f64, anchor: Anchor, size: f64, content: &str) -> String {
    text_with(x, y, anchor, size, content, "")
}

/// Attributes that outline text in the page background, so a label stays legible where it
/// crosses a line.
pub const HALO: &str = " paint-order=\"stroke\" stroke=\"var(--bg, #fbfaf7)\" stroke-width=\"4\" stroke-linejoin=\"round\"";

/// A `<text>` element with extra attributes (`extra` is markup, starting with a space).
pub fn text_with(x: f64, y: f64, anchor: Anchor, size: f64, content: &str, extra: &str) -> String {
    let anchor = match anchor {
        Anchor::Start => "",
        Anchor::Middle => " text-anchor=\"middle\"",
        Anchor::End => " text-anchor=\"end\"",
    };
    let size = if size == FONT {
        String::new()
    } else {
        format!(" font-size=\"{}\"", n(size))
    };
    format!(
        "<text x=\"{}\" y=\"{}\"{anchor}{size}{extra}>{}</text>\n",
        n(x),
        n(y),
        escape(content)
    )
}

/// `inner` as one focusable element named `label` (plain text): the theme shows the name
/// as a tooltip on hover and keyboard focus, and screen readers read it.
pub fn tip(label: &str, inner: &str) -> String {
    format!(
        "<g tabindex=\"0\" role=\"img\" aria-label=\"{}\">{}</g>\n",
        escape(label),
        inner.trim_end()
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A colour from the theme: a custom property with a fallback for pages without the theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paint {
    pub property: &'static str,
    pub fallback: &'static str,
}

impl Paint {
    /// The value for a `fill` or `stroke` attribute.
    pub fn css(self) -> String {
        format!("var(--{}, {})", self.property, self.fallback)
    }
}

pub const TEXT: Paint = Paint {
    property: "chart-text",
    fallback: "#1d1d1f",
};
pub const GRID: Paint = Paint {
    property: "chart-grid",
    fallback: "#d6d3cb",
};

/// Figures measured on a real interpreter, drawn beside the simulated ones.
pub const MEASURED: Paint = Paint {
    property: "chart-measured",
    fallback: "#a0196e",
};

/// A measured figure on a horizontal scale: a line over its range (`lo` to `hi`) and a
/// diamond at its median, centred at height `y`.
pub fn measured_across(lo: f64, median: f64, hi: f64, y: f64) -> String {
    let paint = MEASURED.css();
    format!(
        "<path d=\"M{} {}H{}M{} {}v8M{} {}v8\" stroke=\"{paint}\" stroke-width=\"2\"/>{}",
        n(lo),
        n(y),
        n(hi),
        n(lo),
        n(y - 4.0),
        n(hi),
        n(y - 4.0),
        marker(Marker::Diamond, median, y, 4.5, MEASURED)
    )
}

/// A measured figure on a vertical scale: range line from `lo` to `hi` (screen y) and a
/// hollow diamond at the median, at `x`.
pub fn measured_up(x: f64, lo: f64, median: f64, hi: f64) -> String {
    let paint = MEASURED.css();
    let s = 5.5;
    format!(
        "<path d=\"M{x} {lo}V{hi}\" stroke=\"{paint}\" stroke-width=\"1.5\"/>\
         <path d=\"M{x} {t}L{r} {m}L{x} {b}L{l} {m}Z\" fill=\"var(--bg, #fbfaf7)\" stroke=\"{paint}\" stroke-width=\"2\"/>",
        x = n(x),
        lo = n(lo),
        hi = n(hi),
        t = n(median - s),
        b = n(median + s),
        m = n(median),
        l = n(x - s),
        r = n(x + s),
    )
}

/// Every thread state, in the order lanes, legends and tables list them.
pub const STATES: [ThreadState; 6] = [
    ThreadState::RunningPython,
    ThreadState::RunningC,
    ThreadState::WaitingGil,
    ThreadState::Runnable,
    ThreadState::Blocked,
    ThreadState::Starting,
];

pub fn state_index(state: ThreadState) -> usize {
    STATES.iter().position(|s| *s == state).unwrap_or(0)
}

pub fn state_paint(state: ThreadState) -> Paint {
    let (property, fallback) = match state {
        ThreadState::RunningPython => ("chart-python", "#1f5fbf"),
        ThreadState::WaitingGil => ("chart-wait", "#d97706"),
        ThreadState::Blocked => ("chart-blocked", "#9ca3af"),
        ThreadState::RunningC => ("chart-c", "#15803d"),
        ThreadState::Runnable => ("chart-runnable", "#e5e7eb"),
        ThreadState::Starting => ("chart-start", "#7c3aed"),
    };
    Paint { property, fallback }
}

/// Colours for series of a lines chart, in order; the marker shape changes too, so
/// series stay apart for readers who cannot tell the colours apart.
pub const SERIES: [Paint; 5] = [
    Paint {
        property: "chart-python",
        fallback: "#1f5fbf",
    },
    Paint {
        property: "chart-wait",
        fallback: "#d97706",
    },
    Paint {
        property: "chart-c",
        fallback: "#15803d",
    },
    Paint {
        property: "chart-start",
        fallback: "#7c3aed",
    },
    Paint {
        property: "chart-text",
        fallback: "#1d1d1f",
    },
];

/// Marker shapes of lines-chart series, cycled with [`SERIES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

pub const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];

/// A marker of radius about `r` centred on (x, y), filled with `paint`.
pub fn marker(shape: Marker, x: f64, y: f64, r: f64, paint: Paint) -> String {
    let fill = paint.css();
    match shape {
        Marker::Circle => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"/>",
            n(x),
            n(y),
            n(r)
        ),
        Marker::Square => {
            let s = r * 0.9;
            format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
                n(x - s),
                n(y - s),
                n(2.0 * s),
                n(2.0 * s)
            )
        }
        Marker::Triangle => {
            let s = r * 1.2;
            format!(
                "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{fill}\"/>",
                n(x),
                n(y - s),
                n(x + s),
                n(y + s * 0.8),
                n(x - s),
                n(y + s * 0.8)
            )
        }
        Marker::Diamond => {
            let s = r * 1.25;
            format!(
                "<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" fill=\"{fill}\"/>",
                n(x),
                n(y - s),
                n(x + s),
                n(y),
                n(x),
                n(y + s),
                n(x - s),
                n(y)
            )
        }
    }
}

/// What a legend entry shows before its label.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    /// A filled square (timeline states, bars).
    Swatch(Paint),
    /// A short line with a marker (lines-chart series).
    Series(Paint, Marker),
}

/// Legend entries laid out left to right from (`x`, `y`), wrapping within `width`.
/// Returns the markup and the height used.
pub fn legend(entries: &[(Key, String)], x: f64, y: f64, width: f64) -> (String, f64) {
    const ROW: f64 = 21.0;
    const GAP: f64 = 14.0;
    if entries.is_empty() {
        return (String::new(), 0.0);
    }
    let mut out = String::new();
    let mut cx = x;
    let mut row = 0.0;
    for (key, label) in entries {
        let key_width = match key {
            Key::Swatch(_) => 12.0,
            Key::Series(..) => 22.0,
        };
        let entry_width = key_width + 5.0 + text_width(label, SMALL);
        if cx > x && cx + entry_width > x + width {
            cx = x;
            row += ROW;
        }
        let mid = y + row + ROW / 2.0;
        match key {
            Key::Swatch(paint) => {
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\" stroke=\"{}\" stroke-width=\"0.5\"/>",
                    n(cx),
                    n(mid - 6.0),
                    paint.css(),
                    GRID.css()
                );
            }
            Key::Series(paint, shape) => {
                let _ = write!(
                    out,
                    "<path d=\"M{} {}h22\" stroke=\"{}\" stroke-width=\"2.5\"/>{}",
                    n(cx),
                    n(mid),
                    paint.css(),
                    marker(*shape, cx + 11.0, mid, 4.0, *paint)
                );
            }
        }
        out.push_str(&text(
            cx + key_width + 5.0,
            mid + SMALL * 0.35,
            Anchor::Start,
            SMALL,
            label,
        ));
        cx += entry_width + GAP;
    }
    (out, row + ROW)
}

/// `content` as `<text>` lines of at most `width` units, breaking between words.
/// Returns the markup and the height used (line height 1.3 em).
pub fn wrapped_text(x: f64, y: f64, size: f64, content: &str, width: f64) -> (String, f64) {
    let mut lines: Vec<String> = Vec::new();
    for word in content.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let step = size * 1.3;
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&text(
            x,
            y + size + i as f64 * step,
            Anchor::Start,
            size,
            line,
        ));
    }
    (out, lines.len() as f64 * step)
}

/// Where a chart's opening note starts.
pub const NOTE_TOP: f64 = 2.0;

/// The note that opens a chart (what it shows, how to read it), wrapped across the
/// chart's width from [`NOTE_TOP`]: its markup and height.
pub fn note(content: &str) -> (String, f64) {
    wrapped_text(8.0, NOTE_TOP, SMALL, content, WIDTH - 16.0)
}

/// One axis tick: its value and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub value: f64,
    pub label: String,
}

/// Labels of a value axis, right-aligned just left of the axis at `left`.
pub fn y_tick_labels(ticks: &[Tick], left: f64, y_of: impl Fn(f64) -> f64) -> String {
    ticks
        .iter()
        .map(|t| {
            text(
                left - 6.0,
                y_of(t.value) + SMALL * 0.35,
                Anchor::End,
                SMALL,
                &t.label,
            )
        })
        .collect()
}

/// Ticks at multiples of a 1, 2 or 5 x 10^n step within [`lo`, `hi`], at most
/// `max_ticks` of them (at least two when the range allows). Labels are built from
/// integers, so they never show float noise ("0.30000000000000004"), and all share the
/// step's number of decimals.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<Tick> {
    ticks(lo, hi, max_ticks, false, false)
}

/// Like [`nice_ticks`], but the first tick is at or below `lo` and the last at or above
/// `hi` (a value axis whose top must hold the largest value), and with `integers` the
/// step is at least 1 (counts, numbers of threads).
pub fn ticks(lo: f64, hi: f64, max_ticks: usize, cover: bool, integers: bool) -> Vec<Tick> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo {
        (lo, hi)
    } else {
        let base = if lo.is_finite() { lo } else { 0.0 };
        (base, base + 1.0)
    };
    let max_ticks = max_ticks.max(2);
    let raw = (hi - lo) / (max_ticks - 1) as f64;
    let raw = if integers { raw.max(1.0) } else { raw };
    let mut exp = raw.log10().floor() as i32;
    let mut mantissa: i64 = 1;
    // The smallest 1/2/5 x 10^exp step at or above raw.
    loop {
        let step = mantissa as f64 * 10f64.powi(exp);
        if step >= raw * (1.0 - 1e-9) {
            break;
        }
        mantissa = match mantissa {
            1 => 2,
            2 => 5,
            _ => {
                exp += 1;
                1
            }
        };
    }
    let step = mantissa as f64 * 10f64.powi(exp);
    let (first, last) = if cover {
        (
            (lo / step + 1e-9).floor() as i64,
            (hi / step - 1e-9).ceil() as i64,
        )
    } else {
        (
            (lo / step - 1e-9).ceil() as i64,
            (hi / step + 1e-9).floor() as i64,
        )
    };
    (first..=last)
        .map(|k| Tick {
            value: k as f64 * step,
            label: scaled_integer(k * mantissa, exp),
        })
        .collect()
}

/// `units x 10^exp` written out exactly ("25", -2 -> "0.25"; 3, 2 -> "300").
fn scaled_integer(units: i64, exp: i32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let digits = units.unsigned_abs().to_string();
    if exp >= 0 {
        if units == 0 {
            return "0".to_string();
        }
        return format!("{sign}{digits}{}", "0".repeat(exp as usize));
    }
    let decimals = (-exp) as usize;
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (whole, frac) = padded.split_at(padded.len() - decimals);
    format!("{sign}{whole}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_have_one_decimal_at_most() {
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.25), "12.3");
        assert_eq!(n(-0.04), "0");
        assert_eq!(n(-0.5), "-0.5");
        assert_eq!(n(f64::NAN), "0");
        assert_eq!(n(f64::INFINITY), "0");
    }

    #[test]
    fn values_have_magnitude_dependent_precision() {
        assert_eq!(value(1031.25), "1031");
        assert_eq!(value(52.345), "52.3");
        assert_eq!(value(5.0), "5.00");
        assert_eq!(value(0.0312), "0.031");
        assert_eq!(value(0.0), "0");
        assert_eq!(value(f64::NAN), "0");
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(duration(500.0), "500 ns");
        assert_eq!(duration(20_000.0), "20 µs");
        assert_eq!(duration(1_250_000.0), "1.25 ms");
        assert_eq!(duration(2_000_000.0), "2 ms");
        assert_eq!(duration(3e9), "3 s");
    }

    #[test]
    fn ticks_are_nice_and_exact() {
        let labels = |t: Vec<Tick>| t.into_iter().map(|t| t.label).collect::<Vec<_>>();
        assert_eq!(
            labels(nice_ticks(0.0, 20.0, 6)),
            ["0", "5", "10", "15", "20"]
        );
        assert_eq!(
            labels(nice_ticks(0.0, 0.3, 4)),
            ["0.0", "0.1", "0.2", "0.3"]
        );
        assert_eq!(
            labels(nice_ticks(0.0, 10_000.0, 6)),
            ["0", "2000", "4000", "6000", "8000", "10000"]
        );
        assert_eq!(
            labels(nice_ticks(1.0, 8.0, 8)),
            ["1", "2", "3", "4", "5", "6", "7", "8"]
        );
        assert!(nice_ticks(5.0, 5.0, 6).len() >= 2);
        assert_eq!(
            labels(ticks(0.0, 1052.0, 7, true, false)),
            ["0", "200", "400", "600", "800", "1000", "1200"]
        );
        assert_eq!(labels(ticks(0.0, 2.0, 6, true, true)), ["0", "1", "2"]);
        assert_eq!(scaled_integer(5, -2), "0.05");
        assert_eq!(scaled_integer(-15, -1), "-1.5");
    }
}
