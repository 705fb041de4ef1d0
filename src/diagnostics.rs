//! One error type for everything an author can get wrong, located in a file.
//!
//! Every stage collects `Diagnostic`s instead of stopping at the first problem; the CLI
//! prints them all (as text with the offending line and a caret, or as JSON lines) and
//! exits 1 if any is an error.

use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// "1 lesson", "2 lessons": a count with its noun (every noun crescu counts takes `s`).
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A 1-based line and column in a file. Column 0 means "the whole line".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn new(line: usize, column: usize) -> Self {
        Position { line, column }
    }
}

/// A secondary location shown with a diagnostic ("first used here").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Related {
    /// Course-root-relative, like `Diagnostic::file`; usually the diagnostic's own file.
    pub file: PathBuf,
    pub position: Position,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short stable code for tools (`unknown-key`, `answer-out-of-range`, ...).
    pub code: &'static str,
    pub file: PathBuf,
    pub position: Position,
    /// Width of the caret underline (at least 1).
    pub span_len: usize,
    pub message: String,
    /// What the author should write instead, shown under the caret.
    pub expected: Option<String>,
    /// The offending source line, filled in by `attach_source`.
    pub source_line: Option<String>,
    pub related: Vec<Related>,
    /// What to do about it, when a one-line reason is not enough ("quote the text").
    pub help: Option<String>,
    /// The offending line rewritten as the author meant it, shown under `help`.
    pub fix: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        file: &Path,
        position: Position,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_path_buf(),
            position,
            span_len: 1,
            message: message.into(),
            expected: None,
            source_line: None,
            related: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn warning(
        code: &'static str,
        file: &Path,
        position: Position,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, position, message)
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn span(mut self, len: usize) -> Self {
        self.span_len = len.max(1);
        self
    }

    /// Advice, with the offending line as it should be written when `fix` is given.
    pub fn help(mut self, help: impl Into<String>, fix: Option<String>) -> Self {
        self.help = Some(help.into());
        self.fix = fix;
        self
    }

    pub fn related(mut self, position: Position, note: impl Into<String>) -> Self {
        self.related.push(Related {
            file: self.file.clone(),
            position,
            note: note.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Copy the offending line out of the file's text so the report can show it.
    pub fn attach_source(&mut self, text: &str) {
        if self.position.line > 0 {
            self.source_line = text.lines().nth(self.position.line - 1).map(clean_line);
        }
    }

    /// `attach_source` with the file already split into lines, for files with many
    /// problems (scanning the text from the top for each would be quadratic).
    pub fn attach_source_lines(&mut self, lines: &[&str]) {
        if self.position.line > 0 {
            self.source_line = lines.get(self.position.line - 1).map(|l| clean_line(l));
        }
    }

    /// Multi-line human report in the style of rustc and just.
    pub fn render_text(&self) -> String {
        let pad = self.gutter();
        format!(
            "{}\n{pad}--> {}\n{}",
            self.headline(),
            self.location(),
            self.render_snippet()
        )
    }

    /// `error[code]: message`, the first line of the text report.
    pub fn headline(&self) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{label}[{}]: {}", self.code, self.message)
    }

    /// `file:line:col` (or less, see `Position`), as editors and terminals open it.
    pub fn location(&self) -> String {
        file_location(&self.file, self.position)
    }

    fn gutter(&self) -> String {
        " ".repeat(self.position.line.max(1).to_string().len())
    }

    /// The text report below its location line: the source line with a caret, what is
    /// expected, and the notes.
    pub fn render_snippet(&self) -> String {
        let mut out = String::new();
        let pad = self.gutter();
        if let Some(line) = &self.source_line {
            let shown = line.replace('\t', "    ");
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", self.position.line, shown);
            let col = self.position.column.max(1);
            let prefix: String = line
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { "    " } else { " " })
                .collect();
            let carets = if self.position.column == 0 {
                "^".repeat(line.chars().count().max(1))
            } else {
                "^".repeat(self.span_len)
            };
            match &self.expected {
                Some(exp) => {
                    let _ = writeln!(out, "{pad} | {prefix}{carets} expected {exp}");
                }
                None => {
                    let _ = writeln!(out, "{pad} | {prefix}{carets}");
                }
            }
        } else if let Some(exp) = &self.expected {
            let _ = writeln!(out, "{pad} = expected {exp}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
            if let Some(fix) = &self.fix {
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(
                    out,
                    "{} | {}",
                    self.position.line,
                    fix.replace('\t', "    ")
                );
            }
        }
        for rel in &self.related {
            let _ = writeln!(
                out,
                "{pad} = note: {} ({})",
                rel.note,
                file_location(&rel.file, rel.position)
            );
        }
        out
    }

    /// One JSON object per diagnostic, for editors and CI (`crescu check --format json`).
    /// `paths` turns a course-root-relative file into the `file` field (relative to the
    /// current folder); `course_file` keeps the root-relative one. The shape is documented
    /// in README.md.
    pub fn render_json(&self, paths: &dyn Fn(&Path) -> PathBuf) -> String {
        #[derive(Serialize)]
        struct Note<'a> {
            file: String,
            course_file: String,
            line: usize,
            column: usize,
            message: &'a str,
        }
        #[derive(Serialize)]
        struct Line<'a> {
            file: String,
            course_file: String,
            line: usize,
            column: usize,
            severity: Severity,
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            expected: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            help: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            fix: Option<&'a str>,
            related: Vec<Note<'a>>,
        }
        let shown = |p: &Path| slashes(&paths(p));
        serde_json::to_string(&Line {
            file: shown(&self.file),
            course_file: slashes(&self.file),
            line: self.position.line,
            column: self.position.column,
            severity: self.severity,
            code: self.code,
            message: &self.message,
            expected: self.expected.as_deref(),
            help: self.help.as_deref(),
            fix: self.fix.as_deref(),
            related: self
                .related
                .iter()
                .map(|r| Note {
                    file: shown(&r.file),
                    course_file: slashes(&r.file),
                    line: r.position.line,
                    column: r.position.column,
                    message: &r.note,
                })
                .collect(),
        })
        .unwrap_or_default()
    }
}

/// `file`, `file:line` or `file:line:col`: line 0 is the whole file, column 0 the line.
fn file_location(file: &Path, p: Position) -> String {
    match (p.line, p.column) {
        (0, _) => file.display().to_string(),
        (line, 0) => format!("{}:{line}", file.display()),
        (line, column) => format!("{}:{line}:{column}", file.display()),
    }
}

/// A path with `/` separators on every system, so JSON consumers need not care.
fn slashes(p: &Path) -> String {
    let s = p.display().to_string();
    if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s
    }
}

/// All problems found in one pass, in a stable order (file, line, column).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Sort for stable, readable output: by file, then position, errors first.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.position, a.severity, &a.message)
                .cmp(&(&b.file, b.position, b.severity, &b.message))
        });
        self.0.dedup();
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Nearest candidate by edit distance, for "did you mean" hints.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A source line as shown under a diagnostic: no carriage return, no byte-order mark.
fn clean_line(line: &str) -> String {
    line.trim_end_matches('\r')
        .trim_start_matches('\u{feff}')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_report_shows_line_and_caret() {
        let mut d = Diagnostic::error(
            "unknown-key",
            Path::new("content/a.md"),
            Position::new(2, 1),
            "unknown key `titel`",
        )
        .span(5)
        .expected("`title`");
        d.attach_source("---\ntitel: x\n---\n");
        let text = d.render_text();
        assert!(
            text.contains("error[unknown-key]: unknown key `titel`"),
            "{text}"
        );
        assert!(text.contains("--> content/a.md:2:1"), "{text}");
        assert!(text.contains("2 | titel: x"), "{text}");
        assert!(text.contains("  | ^^^^^ expected `title`"), "{text}");
    }

    #[test]
    fn help_shows_the_fixed_line_under_the_offending_one() {
        let mut d = Diagnostic::error(
            "yaml-syntax",
            Path::new("a.md"),
            Position::new(2, 15),
            "YAML syntax error",
        )
        .expected("text in quotes")
        .help("quote the text", Some("summary: \"a: b\"".into()));
        d.attach_source("---\nsummary: a: b\n---\n");
        let text = d.render_text();
        assert!(
            text.contains("2 | summary: a: b\n  |              ^ expected text in quotes\n  = help: quote the text\n  |\n2 | summary: \"a: b\"\n"),
            "{text}"
        );
        let v: serde_json::Value =
            serde_json::from_str(&d.render_json(&|p| p.to_path_buf())).unwrap();
        assert_eq!(v["fix"], "summary: \"a: b\"");
        assert_eq!(v["help"], "quote the text");
    }

    #[test]
    fn json_line_has_all_fields() {
        let d = Diagnostic::warning(
            "no-summary",
            Path::new("a.md"),
            Position::new(1, 0),
            "no summary",
        );
        let v: serde_json::Value =
            serde_json::from_str(&d.render_json(&|p| Path::new("course").join(p))).unwrap();
        assert_eq!(v["file"], "course/a.md");
        assert_eq!(v["course_file"], "a.md");
        assert_eq!(v["related"], serde_json::json!([]));
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["line"], 1);
        assert_eq!(v["code"], "no-summary");
    }

    #[test]
    fn suggests_nearest_key() {
        assert_eq!(
            suggest("titel", ["title", "lesson", "minutes"]),
            Some("title")
        );
        assert_eq!(suggest("zzzzzz", ["title", "lesson"]), None);
    }
}
