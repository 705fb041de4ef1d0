//! Dev-server rebuild time: a synthetic course of 1,000 lessons is built once, then one
//! lesson is edited and the course rebuilt, as `crescu serve` does on save. Prints the
//! median time of a clean build and of a rebuild, with the rebuild's stages.
//!
//! Run: `cargo bench --bench rebuild` (or `-- 200` for another lesson count).

use crescu::build::{BuildOptions, Stage, Workspace, build, build_in};
use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "thread",
    "process",
    "lock",
    "interpreter",
    "bytecode",
    "switch",
    "interval",
    "waiter",
    "holder",
    "request",
    "signal",
    "core",
    "cache",
    "memory",
    "object",
    "reference",
    "count",
    "release",
    "acquire",
    "convoy",
    "latency",
    "throughput",
    "scheduler",
    "kernel",
    "timer",
];

/// Deterministic filler text: `n` words starting at `seed`.
fn words(seed: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(seed * 7 + i * 13 + i / 5) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn lesson(i: usize, edit: usize) -> String {
    let mut body = String::new();
    for section in 0..6 {
        body.push_str(&format!(
            "## Section {section} of lesson {i}\n\n{}.\n\n",
            words(i + section, 150)
        ));
        if section == 2 {
            body.push_str("```python\nimport threading\n\ndef count(n):\n    while n > 0:\n        n -= 1\n```\n\n");
        }
        if section == 4 {
            body.push_str("```rust\nfn main() {\n    let v: Vec<u64> = (0..10).collect();\n    println!(\"{v:?}\");\n}\n```\n\n");
        }
    }
    body.push_str(&format!("Edited {edit} times.\n"));
    format!(
        "---\ntitle: Lesson {i}\nsummary: {}\nquiz:\n  - id: q1\n    type: multiple_choice\n    prompt: {}?\n    options: [a, b, c]\n    answer: 1\n    explanation: e\n  - id: q2\n    type: true_false\n    prompt: {}?\n    answer: true\n    explanation: e\n  - id: q3\n    type: fill_blank\n    prompt: The ___ matters.\n    answers: [lock]\n    explanation: e\n---\n{body}",
        words(i, 8),
        words(i + 1, 6),
        words(i + 2, 6)
    )
}

fn write_course(root: &Path, lessons: usize) {
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("_index.md"),
        "---\ntitle: Bench\n---\nA synthetic course.\n",
    )
    .unwrap();
    for i in 0..lessons {
        let module = content.join(format!("{:02}-module-{}", i / 50 + 1, i / 50 + 1));
        if i % 50 == 0 {
            std::fs::create_dir_all(&module).unwrap();
            std::fs::write(
                module.join("_index.md"),
                format!("---\ntitle: Module {}\n---\n", i / 50 + 1),
            )
            .unwrap();
        }
        std::fs::write(
            module.join(format!("{:03}-lesson-{i}.md", i % 50 + 1)),
            lesson(i, 0),
        )
        .unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let lessons: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    write_course(dir.path(), lessons);
    let options = BuildOptions::new(dir.path(), Some(dir.path().join("output")));

    let clean: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            build(&options).expect("the synthetic course builds");
            start.elapsed()
        })
        .collect();
    println!("{lessons} lessons, clean build: median {:?}", median(clean));

    search_index_time(dir.path());
    let mut workspace = Workspace::for_rebuilds();
    build_in(&options, &mut workspace, &|_| {}).unwrap();
    let edited = dir.path().join("content/01-module-1/002-lesson-1.md");
    let mut totals = Vec::new();
    let mut stages: Vec<[Duration; 3]> = Vec::new();
    for edit in 1..=9 {
        std::fs::write(&edited, lesson(1, edit)).unwrap();
        let marks = RefCell::new(Vec::new());
        let start = Instant::now();
        build_in(&options, &mut workspace, &|stage| {
            marks.borrow_mut().push((stage, Instant::now()))
        })
        .unwrap();
        let end = Instant::now();
        totals.push(end - start);
        let at = |s: Stage| {
            marks
                .borrow()
                .iter()
                .find(|(m, _)| *m == s)
                .map(|(_, t)| *t)
                .unwrap()
        };
        stages.push([
            at(Stage::Render) - at(Stage::Load),
            at(Stage::Write) - at(Stage::Render),
            end - at(Stage::Write),
        ]);
    }
    let stage = |i: usize| median(stages.iter().map(|s| s[i]).collect());
    println!(
        "{lessons} lessons, rebuild after editing one lesson: median {:?} (load {:?}, render {:?}, write {:?})",
        median(totals),
        stage(0),
        stage(1),
        stage(2)
    );
}

/// The search index alone: it reads every word of the course on every build.
fn search_index_time(root: &Path) {
    let (course, _) = crescu::content::load(root, &Default::default()).unwrap();
    let md = crescu::markdown::Renderer::new();
    let outlines: Vec<_> = course
        .lessons()
        .map(|(_, l)| md.outline(&l.body.text, l.body.first_line))
        .collect();
    let start = Instant::now();
    let index = crescu::site::search::SearchIndex::build(&course, &outlines);
    let built = start.elapsed();
    let js = index.to_js();
    println!(
        "search index: {:?} to build, {:?} with JSON, {} bytes",
        built,
        start.elapsed(),
        js.len()
    );
}
