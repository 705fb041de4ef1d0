//! Authoring mistakes give exactly the errors they should: one front-matter mistake is
//! one error (not one more per lesson linking to it), and mistyped or misplaced
//! shortcodes are errors instead of raw braces on the page.

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
        assert_eq!(
            errors[0]["course_file"], "content/01-m/01-a.md",
            "{mistake}"
        );
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

/// `check_errors` of a course with one lesson: an exercise `branch-cost` and the given
/// body, starting on line 10. The course is returned too, to be checked again.
fn check_lesson(body: &str) -> (i32, Vec<serde_json::Value>, tempfile::TempDir) {
    let lesson = format!(
        "---\ntitle: L\nsummary: s\nquiz:\n  - id: branch-cost\n    type: true_false\n    prompt: P\n    answer: true\n---\n{body}"
    );
    let dir = course(&[("01-l.md", &lesson)]);
    let (code, errors) = check_errors(dir.path());
    (code, errors, dir)
}

#[test]
fn a_mistyped_shortcode_is_an_error_with_a_suggestion() {
    let (code, errors, dir) = check_lesson("Intro.\n\n{{ exercies branch-cost }}\n");
    assert_eq!(code, 1);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(e["course_file"], "content/01-m/01-l.md");
    assert_eq!(
        (e["line"].clone(), e["column"].clone()),
        (12.into(), 1.into())
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `exercise`?"),
        "{e}"
    );
    assert!(
        e["expected"]
            .as_str()
            .unwrap()
            .contains("{{ exercise ID }}")
    );

    // The text report shows the offending line.
    let (_, _, stderr) = crescu(&["check", "--root", dir.path().to_str().unwrap()]);
    assert!(
        stderr.contains("12 | {{ exercies branch-cost }}"),
        "{stderr}"
    );
}

#[test]
fn a_shortcode_inside_a_sentence_is_an_error() {
    for (body, line, column) in [
        ("See {{ exercise branch-cost }} here.\n", 10, 5),
        ("Intro.\n\nA chart: {{ chart x }}\n", 12, 10),
        ("- one\n- {{ exercise branch-cost }}\n", 11, 3),
        ("> {{ exercise branch-cost }}\n", 10, 3),
    ] {
        let (code, errors, _) = check_lesson(body);
        assert_eq!(code, 1, "{body}");
        assert_eq!(errors.len(), 1, "{body}: {errors:#?}");
        let e = &errors[0];
        assert_eq!(
            (e["line"].clone(), e["column"].clone()),
            (line.into(), column.into()),
            "{body}: {e}"
        );
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("must be a paragraph of its own"),
            "{e}"
        );
    }
}

#[test]
fn a_shortcode_without_its_id_is_an_error() {
    let (_, errors, _) = check_lesson("{{ exercise }}\n\n{{ exercise branch-cost }}\n");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["line"], 10);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("needs exactly one id"),
        "{}",
        errors[0]
    );
}

#[test]
fn braces_in_code_are_not_shortcodes() {
    // Only the mistyped shortcode at the end is an error.
    let body = "Write `{{ exercise branch-cost }}` or `{{ exercies x }}`.\n\n\
```\n{{ exercise branch-cost }}\n{{ exercies x }}\n```\n\n    {{ chart x }}\n\n\
Templates use {{ user.name }} too; \\{{ exercise x }} is escaped.\n\n\
{{ exercise branch-cost }}\n\n{{ exercies branch-cost }}\n";
    let (code, errors, _) = check_lesson(body);
    assert_eq!(code, 1);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["code"], "unknown-shortcode");
    assert_eq!(errors[0]["line"], 23, "{errors:#?}");
}
