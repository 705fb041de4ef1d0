//! What the dev server prints after each build. A rebuild prints only the warnings that
//! are new since the previous one and those that are gone, then a count of the rest: a
//! large course may carry thousands of warnings, and an edit changes a few.

use crate::build::BuildOutcome;
use crate::diagnostics::{Diagnostic, Diagnostics, plural};
use std::collections::HashMap;

/// The warnings the terminal has shown, as of the last successful build.
#[derive(Default)]
pub struct WarningLog {
    /// Each warning with how many times it occurs; `None` before the first successful
    /// build. Compared as values: rendering thousands of them on every rebuild would
    /// delay the reload.
    shown: Option<HashMap<Diagnostic, usize>>,
}

/// How the warnings of a build differ from those shown before.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WarningChanges {
    /// Full texts of warnings not shown before.
    pub new: Vec<String>,
    /// `file:line:col: warning[code]: message` of warnings shown before that are gone.
    pub gone: Vec<String>,
    /// Warnings shown before that are still there.
    pub unchanged: usize,
}

impl WarningLog {
    /// Note the warnings of a successful build and say what changed.
    pub fn update(&mut self, warnings: &Diagnostics) -> WarningChanges {
        let mut before = self.shown.take().unwrap_or_default();
        let mut now: HashMap<Diagnostic, usize> = HashMap::new();
        let mut changes = WarningChanges::default();
        for warning in warnings.iter() {
            match before.get_mut(warning) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    changes.unchanged += 1;
                }
                _ => changes.new.push(warning.render_text()),
            }
            *now.entry(warning.clone()).or_default() += 1;
        }
        let mut gone: Vec<(String, usize)> = before
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(d, count)| (format!("{}: {}", d.location(), d.headline()), count))
            .collect();
        gone.sort();
        for (line, count) in gone {
            changes.gone.extend(std::iter::repeat_n(line, count));
        }
        self.shown = Some(now);
        changes
    }
}

/// Print a successful build's warnings (on a rebuild, only what changed) and its
/// summary line.
pub fn success(outcome: &BuildOutcome, verb: &str, log: &mut WarningLog) {
    let first = log.shown.is_none();
    let changes = log.update(&outcome.warnings);
    for text in &changes.new {
        eprintln!("{text}");
    }
    for headline in &changes.gone {
        eprintln!("fixed: {headline}");
    }
    if changes.unchanged > 0 && !first {
        let still = plural(changes.unchanged, "warning");
        eprintln!("{still} as before, not shown again");
    }
    eprintln!(
        "{verb} {} in {} ms",
        plural(outcome.stats.pages, "page"),
        outcome.elapsed.as_millis()
    );
}

/// Print a failed build's report and return it, for the browser overlay. `has_site`:
/// whether an earlier build succeeded (and its site is still served).
pub fn failure(diags: &Diagnostics, has_site: bool) -> String {
    let mut report = String::new();
    for d in diags.iter() {
        report.push_str(&d.render_text());
        report.push('\n');
    }
    let served = if has_site {
        "still serving the last good site"
    } else {
        "no site yet: the pages appear once a build succeeds"
    };
    report.push_str(&format!(
        "build failed: {}; {served}",
        plural(diags.error_count(), "error")
    ));
    eprintln!("{report}");
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Position;
    use std::path::Path;

    fn warning(file: &str, line: usize) -> Diagnostic {
        Diagnostic::warning(
            "no-summary",
            Path::new(file),
            Position::new(line, 1),
            "no summary",
        )
    }

    #[test]
    fn a_rebuild_reports_new_and_gone_warnings_and_counts_the_rest() {
        let mut log = WarningLog::default();
        let first = log.update(&Diagnostics(vec![warning("a.md", 1), warning("b.md", 1)]));
        assert_eq!(first.new.len(), 2);
        let same = log.update(&Diagnostics(vec![warning("a.md", 1), warning("b.md", 1)]));
        assert_eq!(
            same,
            WarningChanges {
                unchanged: 2,
                ..WarningChanges::default()
            }
        );
        let changed = log.update(&Diagnostics(vec![warning("b.md", 1), warning("c.md", 1)]));
        assert_eq!(changed.unchanged, 1);
        assert_eq!(changed.new.len(), 1);
        assert!(changed.new[0].contains("c.md"), "{:?}", changed.new);
        assert_eq!(changed.gone.len(), 1);
        assert!(
            changed.gone[0].starts_with("a.md:1:1: warning[no-summary]"),
            "{:?}",
            changed.gone
        );
    }
}
