//! What syntax highlighting costs a cold build: every fenced code block of a course's
//! lessons through the build's own `Highlighter` with no cache, three passes (each with
//! a fresh highlighter, so the first pays loading the syntaxes and compiling regexes),
//! then each language alone. Prints microseconds per line.
//!
//! Run: `cargo bench --bench highlight -- DIR` (DIR holds the lessons; default
//! `content`), for example the 1,000-lesson course of
//! `python3 scripts/synth_course.py 1000 /tmp/s1000d --distinct-code`:
//! `cargo bench --bench highlight -- /tmp/s1000d/crescu/content`.

use crescu::markdown::highlight::Highlighter;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::collections::BTreeMap;
use std::time::Instant;

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
        for event in Parser::new(&text) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(token))) => {
                    open = Some((token.trim().to_string(), String::new()));
                }
                Event::Text(text) => {
                    if let Some((_, code)) = open.as_mut() {
                        code.push_str(&text);
                    }
                }
                Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
                _ => {}
            }
        }
    }
    blocks
}

/// Highlights `blocks` as a cold build does; the lines highlighted and the seconds.
fn highlight_all(blocks: &[&(String, String)]) -> (usize, f64) {
    let highlighter = Highlighter::new();
    let started = Instant::now();
    let mut lines = 0;
    for (token, code) in blocks {
        std::hint::black_box(highlighter.block(code, Some(token)));
        lines += code.lines().count();
    }
    (lines, started.elapsed().as_secs_f64())
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "content".to_string());
    let blocks = code_blocks(&dir);
    println!("{} code blocks under {dir}", blocks.len());
    let all: Vec<_> = blocks.iter().collect();
    for pass in 1..=3 {
        let (lines, took) = highlight_all(&all);
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
        let (lines, took) = highlight_all(&of_token);
        println!(
            "{token}: {lines} lines, {:.1} µs per line",
            took * 1e6 / lines.max(1) as f64
        );
    }
}
