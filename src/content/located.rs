//! Turning positions inside a front matter into file positions and diagnostics.

use super::model::{ID_RULE, id_problem};
use crate::diagnostics::{Diagnostic, Position, suggest};
use crate::keypath::{KeyPath, Segment};
use crate::yaml::{Problem, SpanMap, YamlError};
use std::path::Path;

/// Everything needed to point at a value of one file's front matter.
pub struct FrontMatterLocator<'a> {
    pub file: &'a Path,
    /// File line of the first YAML line (the line after the opening fence).
    pub yaml_first_line: usize,
    pub spans: &'a SpanMap,
}

impl FrontMatterLocator<'_> {
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

/// A diagnostic for a YAML problem at a file position already computed.
pub fn yaml_error_diagnostic(file: &Path, position: Position, err: &YamlError) -> Diagnostic {
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
