//! Turning positions inside a front matter into file positions and diagnostics.

use super::model::{ID_RULE, id_problem};
use crate::diagnostics::{Diagnostic, Position, suggest};
use crate::keypath::{KeyPath, Segment};
use crate::yaml::traps::{self, indicator_meaning};
use crate::yaml::{Problem, QuoteReason, SpanMap, Trap, YamlError};
use std::path::Path;

/// Everything needed to point at a value of one file's front matter.
pub struct FrontMatterLocator<'a> {
    pub file: &'a Path,
    /// File line of the first YAML line (the line after the opening fence).
    pub yaml_first_line: usize,
    pub spans: &'a SpanMap,
}

/// A place in a front matter, turned into a file position only when a diagnostic needs
/// it: positions cost a second reading of the YAML.
#[derive(Clone, Debug)]
pub struct Place {
    spans: SpanMap,
    yaml_first_line: usize,
    path: KeyPath,
}

impl Place {
    /// File position of the value at the place (or its nearest written ancestor).
    pub fn position(&self) -> Position {
        let p = self.spans.value_or_ancestor(&self.path);
        Position::new(p.line + self.yaml_first_line - 1, p.column)
    }
}

impl FrontMatterLocator<'_> {
    /// The value at `path`, to be located later if at all.
    pub fn place(&self, path: &KeyPath) -> Place {
        Place {
            spans: self.spans.clone(),
            yaml_first_line: self.yaml_first_line,
            path: path.clone(),
        }
    }

    pub fn to_file(&self, p: Position) -> Position {
        Position::new(p.line + self.yaml_first_line - 1, p.column)
    }

    /// File position of the value at `path` (or its nearest written ancestor).
    pub fn value(&self, path: &KeyPath) -> Position {
        self.to_file(self.spans.value_or_ancestor(path))
    }

    /// File position of the key naming `path`.
    pub fn key(&self, path: &KeyPath) -> Position {
        self.to_file(self.spans.key_or_ancestor(path))
    }

    pub fn error_at(
        &self,
        code: &'static str,
        path: &KeyPath,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, self.file, self.value(path), message)
    }

    /// An error at the id value at `path` unless `id` follows `ID_RULE`; `what` names the
    /// owner ("exercise", "simulation").
    pub fn invalid_id(&self, what: &str, id: &str, path: &KeyPath) -> Option<Diagnostic> {
        let problem = id_problem(id)?;
        Some(
            self.error_at(
                "invalid-id",
                path,
                format!("{what} id `{}` {problem}", id.escape_debug()),
            )
            .span(id.chars().count())
            .expected(format!("an id of {ID_RULE}")),
        )
    }

    pub fn warning_at(
        &self,
        code: &'static str,
        path: &KeyPath,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::warning(code, self.file, self.value(path), message)
    }

    /// The front-matter line holding the value at `path`.
    pub fn line_of(&self, path: &KeyPath) -> Option<&str> {
        self.spans.line(self.spans.value_or_ancestor(path).line)
    }

    /// A true/false error at `path`, with the YAML 1.1 hint when the author wrote `yes`,
    /// `no`, `on` or `off`.
    pub fn bool_error(&self, d: Diagnostic, path: &KeyPath) -> Diagnostic {
        match self.line_of(path).and_then(traps::yaml11_bool_line) {
            Some(trap) => with_trap(d, &trap),
            None => d,
        }
    }

    /// Warnings for text YAML read without error but not as written (see
    /// `SpanMap::silent_traps`).
    pub fn silent_trap_warnings(&self) -> Vec<Diagnostic> {
        self.spans
            .silent_traps()
            .iter()
            .filter_map(|(at, trap)| silent_trap_warning(self.file, self.to_file(*at), trap))
            .collect()
    }

    /// Phrase a deserialisation problem for an author.
    pub fn from_yaml_error(&self, err: &YamlError) -> Diagnostic {
        let position = self.to_file(err.position);
        yaml_error_diagnostic(self.file, position, err)
    }
}

/// How a path is named in messages: its last key, or "item N of `key`".
pub fn describe_path(path: &KeyPath) -> String {
    match path.0.as_slice() {
        [] => "the front matter".to_string(),
        [.., Segment::Key(k)] => format!("`{k}`"),
        [.., Segment::Key(k), Segment::Index(i)] => format!("item {} of `{k}`", i + 1),
        [.., Segment::Index(i)] => format!("item {}", i + 1),
    }
}

/// `c` as inline code in a message; a backtick needs wider fences.
fn code(c: char) -> String {
    if c == '`' {
        "`` ` ``".to_string()
    } else {
        format!("`{c}`")
    }
}

/// How YAML read text it was given unquoted, for the help of a quoting trap.
fn quote_reason(why: &QuoteReason) -> String {
    match why {
        QuoteReason::Colon => "the `: ` inside the text makes YAML read a key and a value".into(),
        QuoteReason::Comment(cut) => format!("YAML reads ` {cut}` as a comment and drops it"),
        QuoteReason::Indicator(c) => match indicator_meaning(*c) {
            Some("reserved") | None => {
                format!("YAML reserves a leading {} for future use", code(*c))
            }
            Some(meaning) => format!("YAML reads a leading {} as {meaning}", code(*c)),
        },
    }
}

/// `d` with the advice for `trap`: what to do, and the offending line fixed.
pub fn with_trap(d: Diagnostic, trap: &Trap) -> Diagnostic {
    match trap {
        Trap::NeedsQuotes { why, column, fixed } => {
            let mut d = d.expected("text in quotes").help(
                format!("{}; put the text in quotes:", quote_reason(why)),
                Some(fixed.clone()),
            );
            d.position.column = *column;
            d
        }
        Trap::Tab { column, fixed } => {
            let mut d = d.expected("spaces for indentation").help(
                format!("tabs are not allowed in YAML indentation (a tab at column {column}); indent with spaces:"),
                Some(fixed.clone()),
            );
            d.position.column = *column;
            d
        }
        Trap::Yaml11Bool { word, means, fixed } => d.expected("`true` or `false`").help(
            format!(
                "crescu reads YAML 1.2, where `{word}` is text; only YAML 1.1 readers take it as `{means}`; write `{means}`:"
            ),
            Some(fixed.clone()),
        ),
    }
}

/// A warning for a value YAML read other than written; `None` for traps that are errors.
fn silent_trap_warning(file: &Path, position: Position, trap: &Trap) -> Option<Diagnostic> {
    let Trap::NeedsQuotes { why, .. } = trap else {
        return None;
    };
    let message = match why {
        QuoteReason::Comment(cut) => {
            format!("the text is cut at ` {cut}`: YAML reads it as a comment")
        }
        QuoteReason::Indicator('&') => {
            "a leading `&` is read as an anchor name, not as text".into()
        }
        QuoteReason::Indicator('!') => "a leading `!` is read as a tag, not as text".into(),
        QuoteReason::Indicator(c) => format!("a leading {} is not read as text", code(*c)),
        QuoteReason::Colon => return None,
    };
    let d = Diagnostic::warning("yaml-trap", file, position, message);
    let d = with_trap(d, trap);
    Some(match why {
        // A comment may be meant: say how to keep it too.
        QuoteReason::Comment(_) => {
            d.expected("text in quotes, or the comment on a line of its own")
        }
        _ => d,
    })
}

/// A diagnostic for a YAML problem at a file position already computed.
pub fn yaml_error_diagnostic(file: &Path, position: Position, err: &YamlError) -> Diagnostic {
    let d = problem_diagnostic(file, position, err);
    let Some(trap) = &err.trap else {
        return d;
    };
    // A syntax error names what YAML saw; the trap names what the author meant.
    let message = match (&err.problem, trap) {
        (
            Problem::Syntax(_),
            Trap::NeedsQuotes {
                why: QuoteReason::Colon,
                ..
            },
        ) => Some("YAML syntax error: a `: ` inside unquoted text".to_string()),
        (
            Problem::Syntax(_),
            Trap::NeedsQuotes {
                why: QuoteReason::Indicator(c),
                ..
            },
        ) => Some(format!(
            "YAML syntax error: unquoted text cannot start with {}",
            code(*c)
        )),
        (Problem::Syntax(_), Trap::Tab { .. }) => {
            Some("YAML syntax error: a tab in the indentation".to_string())
        }
        _ => None,
    };
    let mut d = with_trap(d, trap);
    if let Some(m) = message {
        d.message = m;
    }
    d
}

fn problem_diagnostic(file: &Path, position: Position, err: &YamlError) -> Diagnostic {
    match &err.problem {
        Problem::Syntax(msg) => Diagnostic::error(
            "yaml-syntax",
            file,
            position,
            format!("YAML syntax error: {msg}"),
        )
        .expected("valid YAML: check the indentation and the `key: value` form of this line"),
        Problem::UnknownKey { key, expected } => {
            let hint = suggest(key, expected.iter().map(String::as_str));
            let message = match hint {
                Some(h) => format!("unknown key `{key}`, did you mean `{h}`?"),
                None => format!("unknown key `{key}`"),
            };
            Diagnostic::error("unknown-key", file, position, message)
                .span(key.chars().count())
                .expected(format!("one of: {}", expected.join(", ")))
        }
        Problem::UnknownVariant { value, expected } => Diagnostic::error(
            "unknown-value",
            file,
            position,
            format!("unknown value `{value}`"),
        )
        .span(value.chars().count())
        .expected(format!("one of: {}", expected.join(", "))),
        Problem::MissingKey(key) => {
            let owner = if err.path.0.is_empty() {
                String::new()
            } else {
                format!(" in {}", describe_path(&err.path))
            };
            Diagnostic::error(
                "missing-key",
                file,
                position,
                format!("`{key}` is required{owner}"),
            )
            .expected(format!("a `{key}:` line"))
        }
        Problem::WrongType { expected, found } => Diagnostic::error(
            "wrong-type",
            file,
            position,
            format!(
                "{} must be {expected}, found {found}",
                describe_path(&err.path)
            ),
        )
        .expected(expected.clone()),
        Problem::OverLimit(msg) => Diagnostic::error(
            "yaml-limit",
            file,
            position,
            format!("the YAML is refused: {msg}"),
        )
        .expected("plain front matter: no deep nesting, aliases used sparingly"),
        Problem::Other(msg) => Diagnostic::error(
            "invalid-value",
            file,
            position,
            format!("{}: {msg}", describe_path(&err.path)),
        ),
    }
}
