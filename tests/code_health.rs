//! Code-health rules checked over the source tree itself.
//!
//! The project keeps every function in `src/` short enough to read as a sequence of named
//! steps: at most [`MAX_FUNCTION_LINES`] lines from `fn` to its closing brace. The scan
//! below is a small Rust lexer (comments, strings, raw strings, chars and lifetimes are
//! skipped so that braces inside them do not count), not a full parser: it only needs to
//! find each `fn` with a body and the brace that closes it.

use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 80;

/// Functions allowed over the limit for now, as (path under `src/`, name, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// One function found in a source file.
#[derive(Debug, PartialEq)]
struct FunctionSpan {
    name: String,
    /// 1-based line of the `fn` keyword.
    first_line: usize,
    /// 1-based line of the closing brace of its body.
    last_line: usize,
}

impl FunctionSpan {
    fn lines(&self) -> usize {
        self.last_line - self.first_line + 1
    }
}

/// A token of Rust source as far as this scan cares: words and single punctuation
/// characters, each with its line. Comments and literals are dropped.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Punct(char),
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: usize,
}

impl Lexer {
    fn new(source: &str) -> Self {
        Lexer {
            chars: source.chars().collect(),
            at: 0,
            line: 1,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn tokens(mut self) -> Vec<(Token, usize)> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let line = self.line;
            if c.is_whitespace() {
                self.bump();
            } else if c == '/' && self.peek(1) == Some('/') {
                self.skip_line_comment();
            } else if c == '/' && self.peek(1) == Some('*') {
                self.skip_block_comment();
            } else if self.at_raw_string() {
                self.skip_raw_string();
            } else if c == '"' || (c == 'b' || c == 'c') && self.peek(1) == Some('"') {
                self.skip_quoted();
            } else if c == '\'' || c == 'b' && self.peek(1) == Some('\'') {
                self.skip_char_or_lifetime();
            } else if c.is_alphanumeric() || c == '_' {
                out.push((Token::Word(self.word()), line));
            } else {
                self.bump();
                out.push((Token::Punct(c), line));
            }
        }
        out
    }

    fn skip_line_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                return;
            }
            self.bump();
        }
    }

    /// Block comments nest in Rust.
    fn skip_block_comment(&mut self) {
        let mut depth = 0;
        while let Some(c) = self.bump() {
            if c == '/' && self.peek(0) == Some('*') {
                self.bump();
                depth += 1;
            } else if c == '*' && self.peek(0) == Some('/') {
                self.bump();
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
        }
    }

    /// `r"`, `r#"`, `br#"`, `cr"` ... start a raw string.
    fn at_raw_string(&self) -> bool {
        let start = match (self.peek(0), self.peek(1)) {
            (Some('r'), _) => 1,
            (Some('b' | 'c'), Some('r')) => 2,
            _ => return false,
        };
        if self.at > 0 {
            let before = self.chars[self.at - 1];
            if before.is_alphanumeric() || before == '_' {
                return false;
            }
        }
        let mut ahead = start;
        while self.peek(ahead) == Some('#') {
            ahead += 1;
        }
        self.peek(ahead) == Some('"')
    }

    fn skip_raw_string(&mut self) {
        while self.peek(0) != Some('#') && self.peek(0) != Some('"') {
            self.bump();
        }
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump(); // the opening quote
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                return;
            }
        }
    }

    fn skip_quoted(&mut self) {
        while self.peek(0) != Some('"') {
            self.bump(); // a `b` or `c` prefix
        }
        self.bump();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '"' => return,
                _ => {}
            }
        }
    }

    /// `'a'`, `'\n'`, `b'x'` are characters; `'a` alone is a lifetime or label.
    fn skip_char_or_lifetime(&mut self) {
        if self.peek(0) == Some('b') {
            self.bump();
        }
        self.bump(); // the quote
        if self.peek(0) == Some('\\') {
            self.bump(); // the backslash
            self.bump(); // the escaped character, which may be a quote
            while let Some(c) = self.bump() {
                if c == '\'' || c == '\n' {
                    return;
                }
            }
        } else if self.peek(1) == Some('\'') {
            self.bump();
            self.bump();
        } else {
            self.word();
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek(0).filter(|c| c.is_alphanumeric() || *c == '_') {
            word.push(c);
            self.bump();
        }
        word
    }
}

/// Every `fn` with a body in `source`, with the lines it spans.
fn functions(source: &str) -> Vec<FunctionSpan> {
    let tokens = Lexer::new(source).tokens();
    let mut found = Vec::new();
    for (i, (token, line)) in tokens.iter().enumerate() {
        if *token != Token::Word("fn".into()) {
            continue;
        }
        // `fn(u32) -> u32` is a pointer type, not a definition.
        let Some((Token::Word(name), _)) = tokens.get(i + 1) else {
            continue;
        };
        if let Some(last_line) = body_end(&tokens[i + 2..]) {
            found.push(FunctionSpan {
                name: name.clone(),
                first_line: *line,
                last_line,
            });
        }
    }
    found
}

/// The line of the brace closing the body that follows a signature, or `None` for a
/// declaration without a body (`fn f();` in a trait or `extern` block).
fn body_end(after_name: &[(Token, usize)]) -> Option<usize> {
    let open = after_name
        .iter()
        .position(|(token, _)| matches!(token, Token::Punct('{') | Token::Punct(';')))?;
    if after_name[open].0 == Token::Punct(';') {
        return None;
    }
    let mut depth = 0usize;
    for (token, line) in &after_name[open..] {
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(*line);
                }
            }
            _ => {}
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every function over the limit in `src/`, as (path under `src/`, function).
fn long_functions() -> Vec<(String, FunctionSpan)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let relative = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for function in functions(&source) {
            if function.lines() > MAX_FUNCTION_LINES {
                long.push((relative.clone(), function));
            }
        }
    }
    long
}

#[test]
fn no_function_in_src_is_over_the_limit() {
    let long = long_functions();
    let offenders: Vec<String> = long
        .iter()
        .filter(|(path, f)| !EXCEPTIONS.iter().any(|(p, n, _)| p == path && *n == f.name))
        .map(|(path, f)| {
            format!(
                "src/{path}:{} fn {} is {} lines",
                f.first_line,
                f.name,
                f.lines()
            )
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them into named steps):\n{}",
        offenders.join("\n")
    );
}

/// An exception that no longer applies must be removed, so the list only shrinks.
#[test]
fn every_exception_is_still_needed() {
    let long = long_functions();
    let stale: Vec<String> = EXCEPTIONS
        .iter()
        .filter(|(p, n, _)| !long.iter().any(|(path, f)| path == p && f.name == *n))
        .map(|(p, n, _)| format!("src/{p} fn {n}"))
        .collect();
    assert!(
        stale.is_empty(),
        "these functions are no longer over {MAX_FUNCTION_LINES} lines; remove their exceptions:\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_scan_skips_braces_in_comments_strings_and_chars() {
    let source = r####"
fn outer() {
    let s = "}}}";          // }
    let r = r#"}" }"#;      /* } /* nested } */ } */
    let c = '}';
    let e = '\'';
    let s = '\\';
    let u = '\u{7D}';
    let b = b'{';
    fn inner<'a>(x: &'a str) -> &'a str { x }
}
trait T { fn declared(&self); }
fn pointer(f: fn(u32) -> u32) -> u32 {
    f(1)
}
"####;
    let spans: Vec<(String, usize, usize)> = functions(source)
        .into_iter()
        .map(|f| (f.name, f.first_line, f.last_line))
        .collect();
    assert_eq!(
        spans,
        [
            ("outer".to_string(), 2, 11),
            ("inner".to_string(), 10, 10),
            ("pointer".to_string(), 13, 15),
        ]
    );
}

#[test]
fn a_long_function_is_counted_from_fn_to_its_closing_brace() {
    let body = "    let _x = 1;\n".repeat(MAX_FUNCTION_LINES);
    let source = format!("/// doc\npub fn long() {{\n{body}}}\n");
    let spans = functions(&source);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].lines(), MAX_FUNCTION_LINES + 2);
}
