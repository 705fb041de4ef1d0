//! What syntect costs a cold build: every fenced code block of a course's lessons parsed
//! line by line as the build does (ParseState and ScopeStack, no cache), three passes,
//! then each language alone. Prints microseconds per line.
//!
//! Run: `cargo bench --bench highlight -- DIR` (DIR holds the lessons; default
//! `content`), for example the 1,000-lesson course of
//! `python3 scripts/synth_course.py 1000 /tmp/s1000d --distinct-code`:
//! `cargo bench --bench highlight -- /tmp/s1000d/crescu/content`.

use std::collections::BTreeMap;
use std::time::Instant;
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

/// The fenced blocks of every Markdown file under `dir`: (fence token, code).
fn code_blocks(dir: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let mut open: Option<(String, String)> = None;
        for line in text.lines() {
            match (line.strip_prefix("```"), open.as_mut()) {
                (Some(_), Some(_)) => blocks.extend(open.take()),
                (Some(token), None) => open = Some((token.trim().to_string(), String::new())),
                (None, Some((_, code))) => {
                    code.push_str(line);
                    code.push('\n');
                }
                (None, None) => {}
            }
        }
    }
    blocks
}

/// Parses `blocks` as the build does; the lines parsed.
fn parse_all(blocks: &[&(String, String)], syntaxes: &SyntaxSet) -> usize {
    let mut lines = 0;
    for (token, code) in blocks {
        let Some(syntax) = syntaxes.find_syntax_by_token(token) else {
            continue;
        };
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        for line in LinesWithEndings::from(code) {
            let ops = state.parse_line(line, syntaxes).expect("syntect parses");
            for (_, op) in &ops {
                stack.apply(op).expect("scope ops apply");
            }
            lines += 1;
        }
    }
    lines
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "content".to_string());
    let blocks = code_blocks(&dir);
    let started = Instant::now();
    let syntaxes = SyntaxSet::load_defaults_newlines();
    println!(
        "{} code blocks under {dir}; syntaxes loaded in {:?}",
        blocks.len(),
        started.elapsed()
    );
    let all: Vec<_> = blocks.iter().collect();
    for pass in 1..=3 {
        let started = Instant::now();
        let lines = parse_all(&all, &syntaxes);
        let took = started.elapsed().as_secs_f64();
        println!(
            "pass {pass}: {lines} lines in {took:.3} s, {:.1} µs per line",
            took * 1e6 / lines.max(1) as f64
        );
    }
    let mut by_token: BTreeMap<&str, Vec<&(String, String)>> = BTreeMap::new();
    for block in &blocks {
        by_token.entry(block.0.as_str()).or_default().push(block);
    }
    for (token, of_token) in by_token {
        let started = Instant::now();
        let lines = parse_all(&of_token, &syntaxes);
        if lines > 0 {
            let took = started.elapsed().as_secs_f64();
            println!(
                "{token}: {lines} lines, {:.1} µs per line",
                took * 1e6 / lines as f64
            );
        }
    }
}
