//! Every bad `explore:` input (tests/fixtures/explore-bad) fails `check` and `build` with
//! exit code 1 and a located error naming what was expected, and leaves the previous
//! output untouched; every variant counts in the build's simulation budget.

mod common;

use common::*;

/// (fixture, line of the error, words the message must hold)
const CASES: &[(&str, usize, &str)] = &[
    (
        "unknown-key-path.md",
        8,
        "unknown key path `interpreter.switch_intervl`: `interpreter` has no number `switch_intervl`; did you mean `switch_interval_ms`?",
    ),
    (
        "missing-target.md",
        8,
        "unknown key path `runs[5].threads[0].copies`: the simulation has nothing at `runs[5].threads[0]`",
    ),
    (
        "not-a-number.md",
        8,
        "`label` is not a number crescu can vary here",
    ),
    (
        "value-out-of-range.md",
        11,
        "with `machine.cores` = 0: machine.cores: `cores` must be at least 1 (got 0)",
    ),
    (
        "default-not-among-values.md",
        12,
        "the default 3 is not among the values",
    ),
    ("too-many-variants.md", 7, "`explore` makes 72 variants"),
    ("too-many-parameters.md", 7, "`explore` lists 3 parameters"),
    ("count-not-whole.md", 11, "value 2.5 must be a whole number"),
    ("one-value.md", 11, "`values` has 1 value"),
    ("value-twice.md", 11, "value 5 is listed twice"),
    ("key-twice.md", 13, "`machine.cores` is explored twice"),
    (
        "variant-over-budget.md",
        11,
        "with `interpreter.switch_interval_ms` = 0.001:",
    ),
    ("unknown-field.md", 9, "unknown key `lable`"),
    ("not-a-list.md", 7, "`explore` must be a list"),
    (
        "chart-thread-renamed.md",
        7,
        "in some variants, run `beside` has no thread `cpu`",
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/explore-bad").join(name)).unwrap()
}

#[test]
fn every_fixture_has_a_case() {
    let dir = repo().join("tests/fixtures/explore-bad");
    let files = std::fs::read_dir(&dir).unwrap().count();
    for (file, _, _) in CASES {
        assert!(dir.join(file).is_file(), "no fixture {file}");
    }
    assert_eq!(
        files,
        CASES.len(),
        "every fixture in {} has a case",
        dir.display()
    );
}

#[test]
fn bad_explore_inputs_are_located_errors() {
    for (file, line, message) in CASES {
        let course = course_with(&[("01-lesson.md", &fixture(file))]);
        let root = course.path().to_str().unwrap();
        let (code, out, stderr) = crescu(&["check", "--root", root, "--format", "json"]);
        assert_eq!(code, 1, "{file}: {out}{stderr}");
        let errors: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|d: &serde_json::Value| d["severity"] == "error")
            .collect();
        let found = errors
            .iter()
            .find(|d| d["message"].as_str().is_some_and(|m| m.contains(message)));
        let Some(found) = found else {
            panic!("{file}: no error containing {message:?} in {errors:#?}");
        };
        assert_eq!(found["line"], *line as u64, "{file}: {found}");
        assert!(found["column"].as_u64().unwrap() > 0, "{file}: {found}");
        assert!(
            found["course_file"] == "content/01-module/01-lesson.md",
            "{file}: {found}"
        );
        assert!(
            found["expected"].is_string(),
            "{file}: says what was expected: {found}"
        );

        // A build refuses it too and leaves the previous site as it was.
        let previous = course.path().join("output");
        std::fs::create_dir_all(&previous).unwrap();
        std::fs::write(previous.join("index.html"), "old site").unwrap();
        let (code, _, stderr) = crescu(&["build", "--root", root]);
        assert_eq!(code, 1, "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(
            stderr.contains(&format!("01-lesson.md:{line}:")),
            "{file}: {stderr}"
        );
        assert_eq!(
            snapshot_tree(&previous),
            vec![("index.html".into(), b"old site".to_vec())],
            "{file}"
        );
    }
}

const EXPLORABLE: &str = "---
title: Explore
summary: s
simulations:
  - id: cpu
    chart: bars
    EXPLORE
    runs:
      - label: two
        threads:
          - { name: T, work: [ { cpu_ms: 40000 } ] }
          - { name: U, work: [ { cpu_ms: 40000 } ] }
---
{{ chart cpu }}
";

/// The simulation_budget (millions of steps) of a course with `lesson`, and the result
/// of building it.
fn build_with_budget(lesson: &str, budget_millions: f64) -> (i32, String) {
    let course = course_with(&[("01-lesson.md", lesson.as_bytes())]);
    std::fs::write(
        course.path().join("content/_index.md"),
        format!("---\ntitle: C\nsimulation_budget: {budget_millions}\n---\n"),
    )
    .unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", course.path().to_str().unwrap()]);
    (code, stderr)
}

#[test]
fn every_variant_counts_in_the_build_budget() {
    let plain = EXPLORABLE.replace("EXPLORE", "interpreter: { switch_interval_ms: 1 }");
    let explored = EXPLORABLE.replace(
        "EXPLORE",
        "explore: [ { key: interpreter.switch_interval_ms, label: Interval, values: [1, 2, 5, 10, 20, 50, 100, 200], default: 1 } ]",
    );
    // The default variant alone costs this much; eight variants cost more than 1.2 times it.
    let scenario: crescu::sim::Scenario = serde_yaml::from_str(
        "interpreter: { switch_interval_ms: 1 }\nruns:\n  - label: two\n    threads:\n      - { name: T, work: [ { cpu_ms: 40000 } ] }\n      - { name: U, work: [ { cpu_ms: 40000 } ] }\n",
    )
    .unwrap();
    let one: f64 = crescu::sim::estimate(&scenario)
        .iter()
        .map(|e| e.work)
        .sum();
    let budget = (one * 1.2 / 1e6).round();
    assert!(budget > 2.0, "{one}");
    let (code, stderr) = build_with_budget(&plain, budget);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = build_with_budget(&explored, budget);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("over the budget"), "{stderr}");
    let (code, stderr) = build_with_budget(&explored, (one * 8.5 / 1e6).round());
    assert_eq!(code, 0, "{stderr}");
}

/// The same explorable lesson builds to the same bytes twice, and the page holds one
/// drawing per variant with the default shown.
#[test]
fn explorable_builds_are_byte_identical() {
    let lesson = EXPLORABLE.replace(
        "EXPLORE",
        "explore: [ { key: machine.cores, label: \"Cores <b>&\", unit: \"<i>\", values: [1, 2, 4], default: 2 } ]",
    );
    let course = course_with(&[("01-lesson.md", lesson.as_bytes())]);
    let root = course.path().to_str().unwrap();
    let page = course.path().join("output/module/lesson/index.html");
    let (code, _, stderr) = crescu(&["build", "--root", root, "--no-cache"]);
    assert_eq!(code, 0, "{stderr}");
    let first = std::fs::read_to_string(&page).unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", root]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), first);
    assert_eq!(first.matches("class=\"chart-variant\"").count(), 3);
    assert_eq!(first.matches("class=\"chart-variant\" hidden").count(), 2);
    // Front-matter text is escaped wherever it lands: legend, values, list of variants.
    assert!(
        first.contains("<strong>Cores &lt;b&gt;&amp; 2 &lt;i&gt; (shown)</strong>"),
        "{first}"
    );
    assert!(first.contains("<legend>Cores &lt;b&gt;&amp;</legend>"));
    assert!(!first.contains("<b>&") && !first.contains("<i>"));
}
