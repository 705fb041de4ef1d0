//! End-to-end builds of fixture courses through the library and the binary.

mod common;

use common::*;
use crescu::build::{BuildOptions, build};
use std::path::Path;

fn build_fixture(out: &Path) -> crescu::build::BuildOutcome {
    build(&BuildOptions::new(
        repo().join("tests/fixtures/basic"),
        Some(out.to_path_buf()),
    ))
    .expect("fixture course builds")
}

#[test]
fn builds_every_page_of_the_fixture_course() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let outcome = build_fixture(&out);
    assert_eq!(outcome.stats.lessons, 2);
    assert_eq!(outcome.stats.exercises, 4);
    for page in [
        "index.html",
        "404.html",
        "basics/index.html",
        "basics/first/index.html",
        "basics/second/index.html",
    ] {
        assert!(out.join(page).is_file(), "{page} missing");
    }
    for asset in ["static/style.css", "static/crescu.js"] {
        assert!(out.join(asset).is_file(), "{asset} missing");
    }
}

#[test]
fn lesson_page_is_complete_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_fixture(&out);
    let page = std::fs::read_to_string(out.join("basics/first/index.html")).unwrap();
    // Header: breadcrumb, lesson number, title, minutes, XP.
    for needle in [
        "Fixture Course</a>",
        "Basics</a>",
        "Lesson 1",
        "<h1>First lesson</h1>",
        "min</span>",
        "/ 40 XP",
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
    // Every exercise kind, labelled, with a no-JS answer and explanation.
    for label in ["Multiple choice", "True or false", "Fill in the blank"] {
        assert!(page.contains(label), "missing label {label}");
    }
    assert_eq!(page.matches("<details class=\"answer\">").count(), 4);
    assert!(page.contains("(select all that apply)"));
    assert!(page.contains("type=\"checkbox\""));
    assert_eq!(page.matches("class=\"blank\"").count(), 2);
    assert!(
        page.contains("multiprocessing; CPU-bound or cpu"),
        "fill-blank fallback lists accepted answers"
    );
    // The placed exercise comes before the unplaced ones, which follow the body in order.
    let tf = page.find("id=\"exercise-tf\"").unwrap();
    let pick = page.find("id=\"exercise-pick\"").unwrap();
    let blank = page.find("id=\"exercise-blank\"").unwrap();
    assert!(tf < pick && pick < blank);
    // Timer, takeaways, go deeper (linked), prev/next, footer.
    assert!(page.contains("data-focus-minutes=\"25\"") && page.contains("25:00"));
    assert!(
        page.contains("Key takeaways") && page.contains("Threads share <strong>memory</strong>.")
    );
    assert!(
        page.contains("Go deeper")
            && page.contains("href=\"../../basics/second/index.html\">What comes next?</a>")
    );
    assert!(page.contains("rel=\"next\""));
    assert!(page.contains("First lesson — Fixture Course | Fixture"));
    // Highlighted code and callouts.
    assert!(page.contains("class=\"hl-"));
    assert!(page.contains("callout callout-tip"));
    // All links relative: no absolute URLs and no root-relative paths.
    for href in page
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
    {
        assert!(
            !href.starts_with('/') && !href.contains("://"),
            "non-relative link {href}"
        );
    }
    let second = std::fs::read_to_string(out.join("basics/second/index.html")).unwrap();
    assert!(
        !second.contains("focus-timer"),
        "focus_minutes: 0 hides the timer"
    );
    assert!(second.contains("rel=\"prev\""));
}

#[test]
fn course_index_lists_modules_and_lessons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_fixture(&out);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Welcome to the <strong>fixture</strong> course."));
    assert!(
        index.contains("data-lesson=\"basics/first\"")
            && index.contains("data-lesson=\"basics/second\"")
    );
    assert!(index.contains("href=\"basics/first/index.html\""));
    assert!(index.contains("40 XP"));
}

#[test]
fn two_builds_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build_fixture(&a);
    build_fixture(&b);
    let (ta, tb) = (snapshot_tree(&a), snapshot_tree(&b));
    assert!(!ta.is_empty());
    assert_eq!(ta, tb);
}

#[test]
fn rebuild_replaces_output_and_keeps_gitkeep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(".gitkeep"), "").unwrap();
    std::fs::write(out.join("stale.html"), "old").unwrap();
    build_fixture(&out);
    assert!(out.join(".gitkeep").exists());
    assert!(!out.join("stale.html").exists());
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".output.crescu-lock", "output"],
        "no temp folders left"
    );
}

#[test]
fn usage_errors_exit_2_and_check_reports_json() {
    let (code, _, _) = crescu(&["build", "--no-such-flag"]);
    assert_eq!(code, 2);
    let bad = std::fs::read(bad_input_dir().join("wrong-type.md")).unwrap();
    let course = course_with(&[("01-lesson.md", &bad)]);
    let (code, stdout, _) = crescu(&[
        "check",
        "--root",
        course.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let err = lines
        .iter()
        .find(|l| l["severity"] == "error")
        .expect("an error line");
    assert_eq!(err["course_file"], "content/01-module/01-lesson.md");
    assert_eq!(err["line"], 3);
    assert_eq!(err["code"], "wrong-type");
}

#[test]
fn output_folder_that_holds_the_course_is_refused() {
    let course = course_with(&[]);
    let root = course.path().to_str().unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", root, "--output", root]);
    assert_eq!(code, 1, "{stderr}");
    assert!(course.path().join("content/_index.md").exists());
}
