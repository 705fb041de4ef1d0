//! Authoring mistakes give exactly the errors they should: one front-matter mistake is
//! one error (not one more per lesson linking to it).

mod common;

use common::crescu;
use std::path::Path;

/// A course whose module `01-m` holds the given lessons (file name, text).
fn course(lessons: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("content/01-m");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: Course\n---\nIntro.\n",
    )
    .unwrap();
    std::fs::write(module.join("_index.md"), "---\ntitle: M\n---\n").unwrap();
    for (name, text) in lessons {
        std::fs::write(module.join(name), text).unwrap();
    }
    dir
}

/// The errors of `crescu check` as JSON objects, and its exit code.
fn check_errors(root: &Path) -> (i32, Vec<serde_json::Value>) {
    let (code, stdout, _) = crescu(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let errors = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|d| d["severity"] == "error")
        .collect();
    (code, errors)
}

/// Lesson B links to A by source path and by page address, with and without a heading.
const B_LINKING_TO_A: &str = "---\ntitle: B\nsummary: s\n---\n\
See [A](01-a.md), [its start](01-a.md#first-steps), [the page](../a/), \
[the page's start](../a/index.html#first-steps) and [the folder's](../a/#first-steps).\n";

/// A's body, after its front matter: the heading B links to.
const A_BODY: &str = "---\n\n## First steps\n\nText.\n";

/// Front matters of lesson A, each with one mistake, and the line the error is on.
const BROKEN_FRONT_MATTERS: &[(&str, &str, usize)] = &[
    ("typo'd key", "---\ntitle: A\nsummry: s\n", 3),
    ("bad indentation", "---\ntitle: A\n  summary: s\n", 3),
    (
        "colon in a takeaway",
        "---\ntitle: A\nsummary: s\ntakeaways:\n  - Git has three areas: the working tree\n",
        5,
    ),
    (
        "wrong answer index",
        "---\ntitle: A\nsummary: s\nquiz:\n  - id: q\n    type: multiple_choice\n    prompt: P\n    options: [a, b]\n    answer: 5\n",
        9,
    ),
    ("tab", "---\ntitle: A\n\tsummary: s\n", 3),
];

#[test]
fn a_front_matter_mistake_is_one_error_in_its_own_lesson() {
    for (mistake, front_matter, line) in BROKEN_FRONT_MATTERS {
        let a = format!("{front_matter}{A_BODY}");
        let dir = course(&[("01-a.md", &a), ("02-b.md", B_LINKING_TO_A)]);
        let (code, errors) = check_errors(dir.path());
        assert_eq!(code, 1, "{mistake}");
        assert_eq!(errors.len(), 1, "{mistake}: {errors:#?}");
        assert_eq!(errors[0]["file"], "content/01-m/01-a.md", "{mistake}");
        assert_eq!(errors[0]["line"], *line, "{mistake}: {errors:#?}");
    }
}

#[test]
fn links_into_a_broken_lesson_are_still_checked() {
    // The broken lesson's headings are known: a wrong fragment is still reported, with
    // the heading it probably meant.
    let a = format!("---\ntitle: A\nsummry: s\n{A_BODY}");
    let b = "---\ntitle: B\nsummary: s\n---\n[A](01-a.md#first-step) and [gone](01-gone.md)\n";
    let dir = course(&[("01-a.md", &a), ("02-b.md", b)]);
    let (_, errors) = check_errors(dir.path());
    let messages: Vec<&str> = errors
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no heading `#first-step`") && m.contains("`#first-steps`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no lesson file `content/01-m/01-gone.md`")),
        "{messages:?}"
    );
}
