//! TeX math (`$...$`, `$$...$$`) to MathML at build time, through pulldown-latex: pages
//! show formulas with no script and no web font, as browsers render MathML Core natively.

use crate::html::escape;
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage, push_mathml};

/// Math that does not parse, at a file line and column (of its opening `$`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MathProblem {
    /// What the parser found wrong, in its words.
    pub reason: String,
    /// The math as written, between its dollars.
    pub written: String,
    pub line: usize,
    pub column: usize,
}

impl MathProblem {
    pub fn message(&self) -> String {
        let written = self
            .written
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        format!("malformed math `{written}`: {}", self.reason)
    }

    pub fn expected(&self) -> &'static str {
        "TeX math that pulldown-latex reads (balanced braces, known commands, an argument for each); `\\$` for a dollar sign in text"
    }
}

/// `<math>` for `tex`, displayed as a block or inline; the TeX source rides along as an
/// annotation (screen readers and copy-paste). `Err` holds why the TeX does not parse.
pub fn to_mathml(tex: &str, block: bool) -> Result<String, String> {
    let storage = Storage::new();
    let mut events = Vec::new();
    for event in Parser::new(tex, &storage) {
        events.push(event.map_err(|e| reason(&e.to_string()))?);
    }
    let annotation = escape(tex.trim());
    let config = RenderConfig {
        display_mode: if block {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(&annotation),
        ..RenderConfig::default()
    };
    let mut html = String::new();
    let parsed = events.into_iter().map(Ok::<_, pulldown_latex::ParserError>);
    push_mathml(&mut html, parsed, config).map_err(|e| e.to_string())?;
    Ok(html)
}

/// The parser's message without its prefix and drawn context (the diagnostic shows the
/// line itself).
fn reason(error: &str) -> String {
    let first = error.lines().next().unwrap_or(error);
    first
        .strip_prefix("parsing error: ")
        .unwrap_or(first)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tex_becomes_mathml_with_its_source() {
        let m = to_mathml(r"\frac{a}{b} < x^2", false).unwrap();
        assert!(m.starts_with("<math display=\"inline\">"), "{m}");
        assert!(m.contains("<mfrac>") && m.contains("<msup>"), "{m}");
        assert!(
            m.contains(
                "<annotation encoding=\"application/x-tex\">\\frac{a}{b} &lt; x^2</annotation>"
            ),
            "the source is escaped: {m}"
        );
        assert!(
            to_mathml("x", true)
                .unwrap()
                .starts_with("<math display=\"block\">")
        );
    }

    #[test]
    fn malformed_tex_says_why() {
        let why = to_mathml(r"\frac{a}{b", false).unwrap_err();
        assert!(why.contains("unbalanced group"), "{why}");
        assert!(!why.contains('\n'), "{why}");
        assert!(to_mathml(r"a^", false).is_err());
    }
}
