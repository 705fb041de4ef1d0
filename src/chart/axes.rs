//! The axes of the plotted charts (histogram, lines): a value axis from 0 up the left
//! side with its grid, and tick marks with labels and a title under the plot. One place
//! draws them, so the charts agree on offsets, strokes and label placement.

use std::fmt::Write as _;

use super::svg::{self, Anchor, GRID, SMALL, TEXT, Tick, n};

/// A vertical value axis from 0 at `bottom` up `height` units, left of the plot.
pub(super) struct ValueAxis {
    pub ticks: Vec<Tick>,
    /// The value at the top of the plot: at least the largest value and the top tick.
    top_value: f64,
    /// The x of the axis line: room for the widest tick label on its left.
    pub left: f64,
    bottom: f64,
    height: f64,
}

impl ValueAxis {
    /// An axis showing `ticks`, tall enough for values up to `max`.
    pub fn new(ticks: Vec<Tick>, max: f64, bottom: f64, height: f64) -> Self {
        let top_value = ticks
            .last()
            .map(|t| t.value)
            .unwrap_or(1.0)
            .max(max)
            .max(f64::MIN_POSITIVE);
        let left = 8.0
            + ticks
                .iter()
                .map(|t| svg::text_width(&t.label, SMALL))
                .fold(0.0, f64::max)
            + 6.0;
        ValueAxis {
            ticks,
            top_value,
            left,
            bottom,
            height,
        }
    }

    /// The height a value spans from the axis's 0.
    pub fn length_of(&self, v: f64) -> f64 {
        v / self.top_value * self.height
    }

    pub fn y_of(&self, v: f64) -> f64 {
        self.bottom - v / self.top_value * self.height
    }

    /// Horizontal grid lines at the ticks, across to `right`.
    pub fn grid(&self, right: f64) -> String {
        let mut grid = String::new();
        for t in &self.ticks {
            let _ = write!(
                grid,
                "M{} {}H{}",
                n(self.left),
                n(self.y_of(t.value)),
                n(right)
            );
        }
        format!(
            "<path d=\"{grid}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
            GRID.css()
        )
    }

    pub fn tick_labels(&self) -> String {
        svg::y_tick_labels(&self.ticks, self.left, |v| self.y_of(v))
    }

    /// The axis line from `top` down and the base line across to `right`.
    pub fn frame(&self, top: f64, right: f64) -> String {
        format!(
            "<path d=\"M{l} {t}V{b}H{r}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1\"/>\n",
            TEXT.css(),
            l = n(self.left),
            t = n(top),
            b = n(self.bottom),
            r = n(right),
        )
    }
}

/// A tick under the plot: the x of its mark, and its label placed at `label_x`.
pub(super) struct XTick {
    pub x: f64,
    pub label_x: f64,
    pub anchor: Anchor,
    pub label: String,
}

impl XTick {
    /// A tick whose label is centred under its mark.
    pub fn centred(x: f64, label: String) -> Self {
        XTick {
            x,
            label_x: x,
            anchor: Anchor::Middle,
            label,
        }
    }
}

/// The labels of `ticks` under the plot's base line at `bottom`, then their marks.
pub(super) fn x_ticks(ticks: &[XTick], bottom: f64) -> String {
    let mut out = String::new();
    let mut marks = String::new();
    for t in ticks {
        let _ = write!(marks, "M{} {}v5", n(t.x), n(bottom));
        out.push_str(&svg::text(
            t.label_x,
            bottom + 7.0 + SMALL,
            t.anchor,
            SMALL,
            &t.label,
        ));
    }
    let _ = writeln!(
        out,
        "<path d=\"{marks}\" stroke=\"{}\" stroke-width=\"1\"/>",
        TEXT.css()
    );
    out
}

/// The title under the tick labels, centred on `centre`.
pub(super) fn x_title(centre: f64, bottom: f64, title: &str) -> String {
    svg::text(
        centre,
        bottom + 11.0 + 2.0 * SMALL,
        Anchor::Middle,
        SMALL,
        title,
    )
}

/// The height of a plotted chart whose base line is at `bottom`: room for the tick
/// labels and the title under it.
pub(super) fn height_below(bottom: f64) -> f64 {
    bottom + 17.0 + 2.0 * SMALL
}
