//! Explorable charts: one figure holding a drawing per variant of up to two parameters,
//! the reader's controls, and a list of every variant's key figures for pages read
//! without JavaScript. The theme's script switches variants; every variant is baked.

use std::fmt::Write as _;

use serde::Serialize;

use super::ChartWords;
use crate::html::escape;

/// Values of one parameter the reader may choose, as the author wrote them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    /// Plain text ("Switch interval").
    pub label: String,
    /// Plain text ("ms"); empty for counts.
    pub unit: String,
    pub values: Vec<f64>,
    /// Index into `values` shown first (and without JavaScript).
    pub default: usize,
}

impl Axis {
    /// A value with its unit ("5 ms", "2").
    pub fn value_text(&self, index: usize, words: &ChartWords) -> String {
        let v = words.plain(self.values.get(index).copied().unwrap_or(0.0));
        if self.unit.is_empty() {
            v
        } else {
            format!("{v} {}", self.unit)
        }
    }
}

/// Number of variants of `axes`: every combination of their values.
pub fn variant_count(axes: &[Axis]) -> usize {
    axes.iter().map(|a| a.values.len()).product()
}

/// Index of the variant with these value indices: row-major, the last axis fastest.
pub fn variant_index(axes: &[Axis], indices: &[usize]) -> usize {
    axes.iter()
        .zip(indices)
        .fold(0, |k, (a, i)| k * a.values.len() + i)
}

/// The value indices of variant `k` (inverse of [`variant_index`]).
pub fn variant_values(axes: &[Axis], mut k: usize) -> Vec<usize> {
    let mut out = vec![0; axes.len()];
    for (slot, a) in out.iter_mut().zip(axes).rev() {
        *slot = k % a.values.len();
        k /= a.values.len();
    }
    out
}

/// The variant shown first.
pub fn default_variant(axes: &[Axis]) -> usize {
    let defaults: Vec<usize> = axes.iter().map(|a| a.default).collect();
    variant_index(axes, &defaults)
}

/// The controls, hidden until the script shows them: a segmented control (radio buttons)
/// for up to three values, a slider with its value and unit for more.
pub fn controls(id: &str, axes: &[Axis], words: &ChartWords) -> String {
    let mut out = String::from("<div class=\"chart-controls\" hidden>\n");
    for (n, axis) in axes.iter().enumerate() {
        let count = axis.values.len();
        let label = escape(&axis.label);
        if count <= 3 {
            let _ = write!(
                out,
                "<fieldset class=\"chart-seg\" data-n=\"{count}\"><legend>{label}</legend>"
            );
            for i in 0..count {
                let _ = write!(
                    out,
                    "<label><input type=\"radio\" name=\"chart-{id}-p{n}\" value=\"{i}\"{}>{}</label>",
                    if i == axis.default { " checked" } else { "" },
                    escape(&axis.value_text(i, words))
                );
            }
            out.push_str("</fieldset>\n");
        } else {
            let texts: Vec<String> = (0..count).map(|i| axis.value_text(i, words)).collect();
            let current = escape(&texts[axis.default]);
            let _ = writeln!(
                out,
                "<label class=\"chart-slider\"><span>{label}</span> <input type=\"range\" min=\"0\" \
                 max=\"{}\" step=\"1\" value=\"{}\" data-n=\"{count}\" data-v=\"{}\" \
                 aria-valuetext=\"{current}\"> <output>{current}</output></label>",
                count - 1,
                axis.default,
                escape(&texts.join("|")),
            );
        }
    }
    out.push_str("</div>\n");
    out
}

/// Each variant's parameter values and key figures, for every reader (and the only way
/// to see the other variants without JavaScript).
pub fn others(axes: &[Axis], key_figures: &[String], default: usize, words: &ChartWords) -> String {
    let mut out = format!(
        "<details class=\"chart-others\"><summary>{}</summary>\n<ul>\n",
        escape(words.get("chart_key_figures"))
    );
    for (k, figures) in key_figures.iter().enumerate() {
        let values: Vec<String> = axes
            .iter()
            .zip(variant_values(axes, k))
            .map(|(a, i)| format!("{} {}", a.label, a.value_text(i, words)))
            .collect();
        let shown = if k == default {
            words.get("chart_shown")
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<li><strong>{}{}</strong>: {}</li>",
            escape(&values.join(", ")),
            escape(shown),
            escape(figures)
        );
    }
    out.push_str("</ul>\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(label: &str, values: &[f64], default: usize) -> Axis {
        Axis {
            label: label.to_string(),
            unit: "ms".to_string(),
            values: values.to_vec(),
            default,
        }
    }

    #[test]
    fn variants_are_row_major_and_invertible() {
        let axes = [axis("a", &[1.0, 2.0, 3.0], 2), axis("b", &[5.0, 6.0], 1)];
        assert_eq!(variant_count(&axes), 6);
        assert_eq!(default_variant(&axes), 5);
        for k in 0..6 {
            assert_eq!(variant_index(&axes, &variant_values(&axes, k)), k);
        }
        assert_eq!(variant_values(&axes, 3), vec![1, 1]);
    }

    #[test]
    fn few_values_get_radios_and_many_a_slider() {
        let html = controls(
            "c",
            &[axis("Few <&>", &[1.0, 2.0], 1)],
            &ChartWords::default(),
        );
        assert!(html.contains("type=\"radio\" name=\"chart-c-p0\" value=\"1\" checked>2 ms"));
        assert!(html.contains("Few &lt;&amp;&gt;"));
        let html = controls(
            "c",
            &[axis("Many", &[0.5, 1.0, 5.0, 20.0], 2)],
            &ChartWords::default(),
        );
        assert!(html.contains("max=\"3\" step=\"1\" value=\"2\""), "{html}");
        assert!(html.contains("data-v=\"0.5 ms|1 ms|5 ms|20 ms\""));
        assert!(html.contains("aria-valuetext=\"5 ms\"> <output>5 ms</output>"));
    }
}
