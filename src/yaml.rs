//! Every YAML call of the crate lives here, so the YAML library can be swapped in one place.
//!
//! serde_yaml turns text into typed values but cannot say where a value was written;
//! yaml-rust2's event parser can. `parse` deserialises with serde_yaml and gives a
//! `SpanMap` (key path -> line and column) that any later validator can ask for the
//! exact place of a value by its `KeyPath`. Most documents need no position at all, so
//! the map reads the text with yaml-rust2 only when first asked; a document that may
//! hold what only the event pass can see (aliases, anchors, tags, comments, deep
//! brackets) takes the careful path, event pass first, exactly as before.

use crate::diagnostics::Position;
use crate::keypath::KeyPath;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

pub mod traps;
pub use traps::{QuoteReason, Trap};

/// Where a node was written: the key that names it (for mapping values) and the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    pub key: Option<Position>,
    pub value: Position,
}

/// Positions of every node of one YAML document, 1-based within the YAML text.
#[derive(Clone, Debug, Default)]
pub struct SpanMap {
    /// The YAML text, so errors found later (on nodes) can still look at their line.
    text: Arc<str>,
    /// Filled on first use (and shared by clones): reading positions is a second parse.
    located: Arc<OnceLock<Located>>,
}

/// What the event pass records of a document.
#[derive(Debug, Default)]
struct Located {
    nodes: HashMap<KeyPath, NodeSpan>,
    /// Values that parsed, but not as written (see `SpanMap::silent_traps`).
    silent: Vec<(Position, Trap)>,
}

impl SpanMap {
    /// A map of `text` whose positions are read when first asked for.
    fn lazy(text: &str) -> SpanMap {
        SpanMap {
            text: Arc::from(text),
            located: Arc::default(),
        }
    }

    fn located(&self) -> &Located {
        self.located.get_or_init(|| event_pass(&self.text).0)
    }

    /// Text that YAML read without error but not as the author wrote it: cut by a ` #`
    /// comment, or losing a leading `&name` or `!name` as an anchor or a tag.
    pub fn silent_traps(&self) -> &[(Position, Trap)] {
        // Each needs an anchor, a tag or a comment: without their signs, nothing to find.
        if !self.text.contains(['&', '!', '#']) {
            return &[];
        }
        &self.located().silent
    }

    /// Line `n` (1-based) of the YAML text.
    pub fn line(&self, n: usize) -> Option<&str> {
        self.text.lines().nth(n.checked_sub(1)?)
    }

    pub fn get(&self, path: &KeyPath) -> Option<NodeSpan> {
        self.located().nodes.get(path).copied()
    }

    /// Position of the value at `path`, or of its nearest ancestor that was written.
    pub fn value_or_ancestor(&self, path: &KeyPath) -> Position {
        let nodes = &self.located().nodes;
        let mut p = path.clone();
        loop {
            if let Some(span) = nodes.get(&p) {
                return span.value;
            }
            if p.0.is_empty() {
                return Position::new(1, 1);
            }
            p = p.parent();
        }
    }

    /// Position of the key naming `path` (falls back to the value, then to ancestors).
    pub fn key_or_ancestor(&self, path: &KeyPath) -> Position {
        match self.located().nodes.get(path) {
            Some(span) => span.key.unwrap_or(span.value),
            None => self.value_or_ancestor(path),
        }
    }
}

/// A YAML value kept untyped until a later stage deserialises it on its own, so that
/// one bad exercise does not hide the problems of the next.
#[derive(Clone, Debug, PartialEq)]
pub struct Node(serde_yaml::Value);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_yaml::Value::deserialize(d).map(Node)
    }
}

impl Node {
    /// The value as a boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    /// The value as a non-negative integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }

    /// The items of a sequence, if the value is one.
    pub fn as_sequence(&self) -> Option<Vec<Node>> {
        self.0
            .as_sequence()
            .map(|s| s.iter().cloned().map(Node).collect())
    }

    /// Remove `key` from a mapping and return its value, for keys that belong to another
    /// layer than the type the rest of the mapping is deserialised into.
    pub fn remove_key(&mut self, key: &str) -> Option<Node> {
        self.0
            .as_mapping_mut()
            .and_then(|m| m.remove(key))
            .map(Node)
    }

    /// Whether the value is a mapping that holds `key`.
    pub fn has_key(&self, key: &str) -> bool {
        self.0.as_mapping().is_some_and(|m| m.contains_key(key))
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }

    /// Every text of the value, with its key path under `at` (text keys of mappings only).
    pub fn texts(&self, at: &KeyPath) -> Vec<(KeyPath, &str)> {
        fn walk<'v>(v: &'v serde_yaml::Value, at: KeyPath, out: &mut Vec<(KeyPath, &'v str)>) {
            use serde_yaml::Value;
            match v {
                Value::String(s) => out.push((at, s)),
                Value::Sequence(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, at.index(i), out);
                    }
                }
                Value::Mapping(m) => {
                    for (k, item) in m {
                        if let Some(k) = k.as_str() {
                            walk(item, at.key(k), out);
                        }
                    }
                }
                Value::Tagged(t) => walk(&t.value, at, out),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.0, at.clone(), &mut out);
        out
    }

    /// A short description for error messages ("the text \"maybe\"", "a list").
    pub fn describe(&self) -> String {
        describe_value(&self.0)
    }
}

fn describe_value(v: &serde_yaml::Value) -> String {
    use serde_yaml::Value;
    match v {
        Value::Null => "nothing".to_string(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("the text \"{s}\""),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => describe_value(&t.value),
    }
}

/// What went wrong, in terms a content validator can phrase for an author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Syntax(String),
    UnknownKey {
        key: String,
        expected: Vec<String>,
    },
    UnknownVariant {
        value: String,
        expected: Vec<String>,
    },
    MissingKey(String),
    /// `expected` is already phrased for people ("a whole number").
    WrongType {
        expected: String,
        found: String,
    },
    Other(String),
    /// The document is over one of the limits below (nesting, alias expansion).
    OverLimit(String),
}

/// Deepest nesting of lists and mappings accepted; real front matter uses a handful.
pub const MAX_DEPTH: usize = 64;

/// Most values that aliases may add by expansion. Without a cap, a few lines of nested
/// aliases ("billion laughs") expand to billions of values.
pub const MAX_ALIAS_EXPANSION: u64 = 100_000;

/// A located problem: `path` is where in the document, `position` is 1-based in the YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub path: KeyPath,
    pub position: Position,
    pub problem: Problem,
    /// The common mistake behind the problem, when it is recognised.
    pub trap: Option<Trap>,
}

/// Parse `text` as one YAML document and deserialise it into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<(T, SpanMap), YamlError> {
    let spans = SpanMap::lazy(text);
    let value = match quick_value(text) {
        Some(value) => value,
        None => careful_value(text, &spans)?,
    };
    let typed = from_value::<T>(value, &KeyPath::root(), &spans)?;
    Ok((typed, spans))
}

/// The document's value without the event pass, when that pass could have found nothing
/// to say: no alias, anchor, tag or comment (the silent traps need one of `*&!#`), few
/// enough brackets that no scanner slows down on them, and a value within the nesting
/// limit. `None` sends the text down the careful path, which also phrases every error.
fn quick_value(text: &str) -> Option<serde_yaml::Value> {
    let mut brackets = 0;
    for b in text.bytes() {
        match b {
            b'*' | b'&' | b'!' | b'#' => return None,
            b'[' | b'{' => brackets += 1,
            _ => {}
        }
    }
    if brackets > MAX_DEPTH {
        return None;
    }
    let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    (nesting(&value) <= MAX_DEPTH).then_some(value)
}

/// How deep lists and mappings nest in `value`, as the event pass counts them.
fn nesting(value: &serde_yaml::Value) -> usize {
    use serde_yaml::Value;
    match value {
        Value::Sequence(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        Value::Mapping(m) => {
            1 + m
                .iter()
                .map(|(k, v)| nesting(k).max(nesting(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Tagged(t) => nesting(&t.value),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => 0,
    }
}

/// The event pass first: it refuses documents over the limits before serde_yaml builds
/// anything from them, and fills `spans` on the way.
fn careful_value(text: &str, spans: &SpanMap) -> Result<serde_yaml::Value, YamlError> {
    let (located, over_limit) = event_pass(text);
    // Cannot be set yet: `spans` was made empty just before.
    let _ = spans.located.set(located);
    if let Some(err) = over_limit {
        return Err(err);
    }
    serde_yaml::from_str(text).map_err(|e| {
        let position = e
            .location()
            .map(|l| Position::new(l.line(), l.column()))
            .unwrap_or(Position::new(1, 1));
        let problem = Problem::Syntax(strip_location(&e.to_string()));
        YamlError {
            path: KeyPath::root(),
            position,
            trap: trap_for(text, position, &problem),
            problem,
        }
    })
}

/// Deserialise a node kept by an earlier `parse`; `base` is where the node sits in the
/// document, so errors point into the original text.
pub fn from_node<T: DeserializeOwned>(
    node: &Node,
    base: &KeyPath,
    spans: &SpanMap,
) -> Result<T, YamlError> {
    from_value(node.0.clone(), base, spans)
}

fn from_value<T: DeserializeOwned>(
    value: serde_yaml::Value,
    base: &KeyPath,
    spans: &SpanMap,
) -> Result<T, YamlError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut path = base.clone();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => path = path.index(*index),
                serde_path_to_error::Segment::Map { key } => path = path.key(key),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let problem = classify(&e.inner().to_string());
        let position = match &problem {
            Problem::UnknownKey { key, .. } => {
                // serde reports an unknown key at the mapping that holds it.
                let at = if path.last_key() == Some(key.as_str()) {
                    path.clone()
                } else {
                    path.key(key)
                };
                let pos = spans.key_or_ancestor(&at);
                if spans.get(&at).is_some() {
                    path = at;
                }
                pos
            }
            Problem::MissingKey(_) => spans.value_or_ancestor(&path),
            _ => spans.value_or_ancestor(&path),
        };
        YamlError {
            path,
            position,
            trap: trap_for(&spans.text, position, &problem),
            problem,
        }
    })
}

/// The common mistake behind `problem` at `position` of the YAML `text`, if any.
fn trap_for(text: &str, position: Position, problem: &Problem) -> Option<Trap> {
    let index = position.line.checked_sub(1)?;
    let lines: Vec<&str> = text.lines().take(index + 1).collect();
    let line = *lines.get(index)?;
    match problem {
        Problem::Syntax(_) => {
            let previous = lines[..index]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .copied();
            traps::tab_indent(line, previous)
                .or_else(|| traps::leading_indicator(line))
                .or_else(|| traps::colon_in_text(line))
        }
        Problem::WrongType { expected, found } if expected == "text" && found == "a mapping" => {
            traps::colon_in_text(line)
        }
        Problem::WrongType { expected, .. } if expected == "true or false" => {
            traps::yaml11_bool_line(line)
        }
        _ => None,
    }
}

/// serde_yaml appends " at line L column C" to messages; the position is kept apart.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Turn serde's standard messages into structured problems.
fn classify(msg: &str) -> Problem {
    let msg = strip_location(msg);
    let ticked = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = ticked(rest);
        if let Some((key, expected)) = names.split_first() {
            return Problem::UnknownKey {
                key: key.clone(),
                expected: expected.to_vec(),
            };
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        if let Some((value, expected)) = names.split_first() {
            return Problem::UnknownVariant {
                value: value.clone(),
                expected: expected.to_vec(),
            };
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field ")
        && let Some(key) = ticked(rest).first()
    {
        return Problem::MissingKey(key.clone());
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            return Problem::WrongType {
                expected: humanize_expected(expected),
                found: humanize_found(found),
            };
        }
    }
    Problem::Other(msg)
}

fn humanize_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a string" => "text".to_string(),
        "a sequence" => "a list".to_string(),
        e if e.starts_with("struct ") || e == "a map" => "a mapping of keys and values".to_string(),
        e => e.to_string(),
    }
}

fn humanize_found(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the text {s}");
    }
    if let Some(n) = found
        .strip_prefix("integer ")
        .or_else(|| found.strip_prefix("floating point "))
    {
        return format!("the number {}", n.trim_matches('`'));
    }
    match found {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        "unit value" => "nothing".to_string(),
        f => f.to_string(),
    }
}

/// Record the position of every node, and the first limit the document goes over. A
/// document yaml-rust2 cannot read (it follows YAML 1.2 where serde_yaml is more lenient)
/// yields what was recorded up to that point.
fn event_pass(text: &str) -> (Located, Option<YamlError>) {
    let mut recorder = SpanRecorder {
        has_hash: text.contains('#'),
        ..SpanRecorder::default()
    };
    let mut parser = Parser::new_from_str(text);
    // Pulled event by event so reading stops at the first limit: both YAML scanners
    // spend time proportional to the open flow nesting on every token, which a deep
    // enough document turns into a hang. Every document of the text is read, not only
    // the first: serde_yaml reads them all (to refuse more than one).
    let mut readable = true;
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((ev, mark)) => {
                recorder.on_event(ev, mark);
                if recorder.limits.over.is_some() {
                    break;
                }
            }
            Err(_) => {
                readable = false;
                break;
            }
        }
    }
    let mut over = recorder.limits.over;
    if !readable && over.is_none() {
        // serde_yaml will read what yaml-rust2 could not: bound its nesting too, by a
        // bracket count that ignores quoting (hence the generous margin).
        over = deep_brackets(text, 4 * MAX_DEPTH);
    }
    let silent = silent_traps(text, &recorder.scalars, &recorder.aliased);
    (
        Located {
            nodes: recorder.nodes,
            silent,
        },
        over,
    )
}

/// A scalar that may not read as written: plain text on a line with a `#`, or one with
/// an anchor or a local tag.
struct ScalarSeen {
    position: Position,
    value: String,
    plain: bool,
    anchor: usize,
    local_tag: bool,
}

/// The silent traps among the scalars seen (see `SpanMap::silent_traps`).
fn silent_traps(
    text: &str,
    seen: &[ScalarSeen],
    aliased: &HashSet<usize>,
) -> Vec<(Position, Trap)> {
    if seen.is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for s in seen {
        let Some(line) = s.position.line.checked_sub(1).and_then(|i| lines.get(i)) else {
            continue;
        };
        let trap = if (s.anchor != 0 && !aliased.contains(&s.anchor)) || s.local_tag {
            // An anchor nothing refers to, or a tag crescu has no use for: the author
            // wrote `&` or `!` as text.
            traps::leading_indicator(line)
        } else if s.plain && s.anchor == 0 {
            line.char_indices()
                .nth(s.position.column - 1)
                .and_then(|(start, _)| traps::comment_cut(line, start, &s.value))
        } else {
            None
        };
        if let Some(trap) = trap {
            out.push((s.position, trap));
        }
    }
    out
}

/// Where `[` and `{` first stand open more than `limit` deep, counted on the raw text.
fn deep_brackets(text: &str, limit: usize) -> Option<YamlError> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 1usize);
    for c in text.chars() {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some(YamlError {
                        path: KeyPath::root(),
                        position: Position::new(line, column),
                        problem: Problem::OverLimit(format!(
                            "brackets are nested more than {limit} deep"
                        )),
                        trap: None,
                    });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
        column += 1;
    }
    None
}

/// Tracks nesting depth and how many values aliases stand for, on the parser's events
/// (which never expand aliases themselves, so this costs time linear in the text).
#[derive(Default)]
struct LimitTracker {
    /// Values counted so far in each open list or mapping, with its anchor id (0: none).
    open: Vec<(usize, u64)>,
    /// Expanded size of each anchored node, by anchor id.
    anchored: HashMap<usize, u64>,
    added_by_aliases: u64,
    over: Option<YamlError>,
}

impl LimitTracker {
    fn count(&mut self, size: u64) {
        if let Some((_, n)) = self.open.last_mut() {
            *n = n.saturating_add(size);
        }
    }

    /// Account for one event; a message when it takes the document over a limit.
    fn on_event(&mut self, ev: &Event) -> Option<String> {
        match *ev {
            Event::Scalar(_, _, anchor, _) => {
                if anchor != 0 {
                    self.anchored.insert(anchor, 1);
                }
                self.count(1);
            }
            Event::Alias(anchor) => {
                let size = self.anchored.get(&anchor).copied().unwrap_or(1);
                self.added_by_aliases = self.added_by_aliases.saturating_add(size);
                self.count(size);
                if self.added_by_aliases > MAX_ALIAS_EXPANSION {
                    return Some(format!(
                        "aliases expand to more than {MAX_ALIAS_EXPANSION} values"
                    ));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
                if self.open.len() > MAX_DEPTH {
                    return Some(format!(
                        "lists and mappings are nested more than {MAX_DEPTH} deep"
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, size)) = self.open.pop() {
                    if anchor != 0 {
                        self.anchored.insert(anchor, size);
                    }
                    self.count(size);
                }
            }
            _ => {}
        }
        None
    }
}

enum Frame {
    Mapping {
        path: KeyPath,
        pending_key: Option<(String, Position)>,
    },
    Sequence {
        path: KeyPath,
        next: usize,
    },
}

#[derive(Default)]
struct SpanRecorder {
    stack: Vec<Frame>,
    nodes: HashMap<KeyPath, NodeSpan>,
    limits: LimitTracker,
    /// Whether the text has a `#` at all: without one no comment can cut a value.
    has_hash: bool,
    scalars: Vec<ScalarSeen>,
    aliased: HashSet<usize>,
}

impl SpanRecorder {
    /// Claim the slot for a new value node: its path and the key that named it.
    fn place_value(&mut self, pos: Position) -> KeyPath {
        let (path, key) = match self.stack.last_mut() {
            None => (KeyPath::root(), None),
            Some(Frame::Sequence { path, next }) => {
                let p = path.index(*next);
                *next += 1;
                (p, None)
            }
            Some(Frame::Mapping { path, pending_key }) => match pending_key.take() {
                Some((k, kpos)) => (path.key(&k), Some(kpos)),
                None => (path.key("?"), None),
            },
        };
        self.nodes
            .insert(path.clone(), NodeSpan { key, value: pos });
        path
    }

    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Mapping {
                pending_key: None,
                ..
            })
        )
    }
}

impl MarkedEventReceiver for SpanRecorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = Position::new(mark.line(), mark.col() + 1);
        if self.limits.over.is_some() {
            // Past a limit nothing more is needed, and the stack must not grow further.
            return;
        }
        if let Some(message) = self.limits.on_event(&ev) {
            let path = match self.stack.last() {
                Some(Frame::Mapping { path, .. } | Frame::Sequence { path, .. }) => path.clone(),
                None => KeyPath::root(),
            };
            self.limits.over = Some(YamlError {
                path,
                position: pos,
                problem: Problem::OverLimit(message),
                trap: None,
            });
            return;
        }
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let local_tag = tag.is_some_and(|t| t.handle == "!" && !t.suffix.is_empty());
                if anchor != 0 || local_tag || (plain && self.has_hash) {
                    self.scalars.push(ScalarSeen {
                        position: pos,
                        value: value.clone(),
                        plain,
                        anchor,
                        local_tag,
                    });
                }
                if self.expects_key() {
                    if let Some(Frame::Mapping { pending_key, .. }) = self.stack.last_mut() {
                        *pending_key = Some((value, pos));
                    }
                } else {
                    self.place_value(pos);
                }
            }
            Event::Alias(anchor) => {
                self.aliased.insert(anchor);
                if self.expects_key() {
                    if let Some(Frame::Mapping { pending_key, .. }) = self.stack.last_mut() {
                        *pending_key = Some(("*".to_string(), pos));
                    }
                } else {
                    self.place_value(pos);
                }
            }
            Event::MappingStart(..) => {
                let path = if self.expects_key() {
                    KeyPath::root().key("?")
                } else {
                    self.place_value(pos)
                };
                self.stack.push(Frame::Mapping {
                    path,
                    pending_key: None,
                });
            }
            Event::SequenceStart(..) => {
                let path = if self.expects_key() {
                    KeyPath::root().key("?")
                } else {
                    self.place_value(pos)
                };
                self.stack.push(Frame::Sequence { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        title: String,
        #[serde(default)]
        #[allow(dead_code)]
        xp: Option<u32>,
        #[serde(default)]
        items: Vec<Node>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[allow(dead_code)]
        name: String,
        #[serde(default)]
        #[allow(dead_code)]
        size: u32,
    }

    #[test]
    fn records_positions_of_block_and_flow_nodes() {
        let text = "title: A\nitems:\n  - name: x\n  - { name: y, size: 3 }\n";
        let (doc, spans) = parse::<Doc>(text).unwrap();
        assert_eq!(doc.title, "A");
        let title = spans.get(&KeyPath::root().key("title")).unwrap();
        assert_eq!(title.key, Some(Position::new(1, 1)));
        assert_eq!(title.value, Position::new(1, 8));
        let size = spans
            .get(&KeyPath::root().key("items").index(1).key("size"))
            .unwrap();
        assert_eq!(size.value, Position::new(4, 22));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let err = parse::<Doc>("title: A\nxp: lots\n").unwrap_err();
        assert_eq!(err.position, Position::new(2, 5));
        assert_eq!(
            err.problem,
            Problem::WrongType {
                expected: "a whole number".into(),
                found: "the text \"lots\"".into()
            }
        );
    }

    #[test]
    fn unknown_key_points_at_key_and_lists_known() {
        let err = parse::<Doc>("titel: A\n").unwrap_err();
        match err.problem {
            Problem::UnknownKey { key, expected } => {
                assert_eq!(key, "titel");
                assert!(expected.contains(&"title".to_string()));
            }
            p => panic!("{p:?}"),
        }
        assert_eq!(err.position, Position::new(1, 1));
    }

    #[test]
    fn syntax_error_has_location() {
        let err = parse::<Doc>("title: A\nitems:\n  - name: x\n   size: 2\n").unwrap_err();
        assert!(matches!(err.problem, Problem::Syntax(_)));
        assert_eq!(err.position.line, 4);
    }

    #[test]
    fn nested_node_errors_point_into_document() {
        let (doc, spans) =
            parse::<Doc>("title: A\nitems:\n  - name: x\n  - name: y\n    size: big\n").unwrap();
        let err = from_node::<Item>(
            &doc.items[1],
            &KeyPath::root().key("items").index(1),
            &spans,
        )
        .unwrap_err();
        assert_eq!(err.position, Position::new(5, 11));
        assert_eq!(err.path.to_string(), "items[1].size");
    }

    /// Nine levels of ten aliases each: 10^9 values once expanded.
    pub(crate) fn billion_laughs() -> String {
        let mut text = String::from("a0: &a0 [lol]\n");
        for level in 1..=9 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn alias_bombs_are_refused_quickly() {
        let start = std::time::Instant::now();
        let err = parse::<serde_yaml::Value>(&billion_laughs()).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        match &err.problem {
            Problem::OverLimit(m) => assert!(m.contains("aliases expand"), "{m}"),
            p => panic!("{p:?}"),
        }
        // The alias that crosses the limit, on the line of level 5 (10^5 values).
        assert_eq!(err.position.line, 6);
        // A few aliases are fine.
        let (v, _) =
            parse::<serde_yaml::Value>("base: &b { cores: 2 }\nrun: *b\nagain: *b\n").unwrap();
        assert_eq!(v["again"]["cores"].as_u64(), Some(2));
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let depth = 100_000;
        let text = format!("title: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let start = std::time::Instant::now();
        let err = parse::<serde_yaml::Value>(&text).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        // yaml-rust2 itself stops at 255 open brackets, before the depth of 64 is seen:
        // the raw bracket count then refuses the text.
        assert!(
            matches!(&err.problem, Problem::OverLimit(m) if m.contains("nested more than")),
            "{err:?}"
        );
        assert_eq!(err.position.line, 1);
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        let err = parse::<serde_yaml::Value>(&block).unwrap_err();
        assert!(matches!(err.problem, Problem::OverLimit(_)), "{err:?}");
        let fine = format!("a: {}1{}\n", "[".repeat(40), "]".repeat(40));
        assert!(parse::<serde_yaml::Value>(&fine).is_ok());
        // A second document is held to the same limits (serde_yaml reads it too).
        let second = format!("a: 1\n...\n---\nb: {}\n", "[".repeat(depth));
        let start = std::time::Instant::now();
        let err = parse::<serde_yaml::Value>(&second).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert!(matches!(err.problem, Problem::OverLimit(_)), "{err:?}");
        // Text yaml-rust2 cannot read goes to serde_yaml only if not deeply bracketed.
        let unreadable = format!("a: b\n\tc: {}\n", "[".repeat(depth));
        let start = std::time::Instant::now();
        let err = parse::<serde_yaml::Value>(&unreadable).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            matches!(err.problem, Problem::Syntax(_) | Problem::OverLimit(_)),
            "{err:?}"
        );
    }

    #[test]
    fn missing_key_is_reported() {
        let err = parse::<Doc>("xp: 3\n").unwrap_err();
        assert_eq!(err.problem, Problem::MissingKey("title".into()));
    }

    /// `parse` as it was before positions became lazy: the event pass always first.
    fn parse_carefully<T: DeserializeOwned>(text: &str) -> Result<(T, SpanMap), YamlError> {
        let spans = SpanMap::lazy(text);
        let value = careful_value(text, &spans)?;
        let typed = from_value::<T>(value, &KeyPath::root(), &spans)?;
        Ok((typed, spans))
    }

    /// What a validator can learn from one parse: the value or the error, every position
    /// it may ask for, and the silent traps.
    fn observed(text: &str, parsed: Result<(Doc, SpanMap), YamlError>) -> String {
        let (doc, spans) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return format!("{e:?}"),
        };
        let mut out = format!("{doc:?} {:?}", spans.silent_traps());
        for (i, item) in doc.items.iter().enumerate() {
            let at = KeyPath::root().key("items").index(i);
            let item = from_node::<Item>(item, &at, &spans).map(|_| ());
            out.push_str(&format!(" {item:?} {:?}", spans.get(&at)));
            for key in ["name", "size", "nope"] {
                let at = at.key(key);
                out.push_str(&format!(
                    " {:?} {:?}",
                    spans.value_or_ancestor(&at),
                    spans.key_or_ancestor(&at)
                ));
            }
        }
        for line in 0..=text.lines().count() + 1 {
            out.push_str(&format!(" {:?}", spans.line(line)));
        }
        out
    }

    const LINES: [&str; 24] = [
        "title: T",
        "title: A branch is a file: it holds",
        "titel: T",
        "xp: 3",
        "xp: many",
        "xp: yes",
        "items:",
        "  - name: a",
        "  - name: b\n    size: x",
        "  - {name: c, size: 2}",
        "  - [1, [2, {3: 4}]]",
        "  - name: d\n    colour: red",
        "  - name: e # a comment",
        "  - name: &f f",
        "  - name: *f",
        "  - !thing g",
        "\ttitle: tabbed",
        "items: [",
        "items: []",
        "- x",
        "  - `code`",
        "other: {a: [b, {c: d}]}",
        "---",
        "",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Positions read only when asked for are the positions read at once, and every
        /// error and warning is the same: the quick path changes nothing a user sees.
        #[test]
        fn lazy_positions_change_nothing(picks in proptest::collection::vec(0..LINES.len(), 0..12)) {
            let text: String = picks.iter().map(|&i| format!("{}\n", LINES[i])).collect();
            proptest::prop_assert_eq!(
                observed(&text, parse::<Doc>(&text)),
                observed(&text, parse_carefully::<Doc>(&text)),
                "{}", text
            );
        }
    }

    #[test]
    fn plain_documents_take_the_quick_path_and_others_the_careful_one() {
        assert!(quick_value("title: T\nitems:\n  - {name: a}\n").is_some());
        for careful in [
            "a: &x 1\nb: *x\n",
            "a: b # c\n",
            "a: !t b\n",
            "a: [[[[b]]]]\n",
        ] {
            let deep = careful.replace(
                "[[[[b]]]]",
                &format!("{}b{}", "[".repeat(70), "]".repeat(70)),
            );
            assert!(quick_value(&deep).is_none(), "{deep}");
        }
        let nested = format!(
            "a:\n{}",
            (1..70)
                .map(|i| format!("{}- \n", "  ".repeat(i)))
                .collect::<String>()
        );
        assert!(
            quick_value(&nested).is_none() || nesting(&quick_value(&nested).unwrap()) <= MAX_DEPTH
        );
    }
}
