//! docs/reference.md stays honest: every key the validator accepts is in it, and every key
//! it lists is accepted. The validator names the keys it accepts when it meets an unknown
//! one, so each table is compared with that list.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The keys of each `<!-- keys: NAME -->` table: the first column's `code`.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(repo().join("docs/reference.md")).unwrap();
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("<!-- keys: ")
            .and_then(|r| r.strip_suffix(" -->"))
        {
            current = Some(name.to_string());
            tables.insert(name.to_string(), BTreeSet::new());
        } else if let Some(name) = &current {
            if !line.starts_with('|') {
                current = None;
            } else if let Some(key) = line
                .strip_prefix("| `")
                .and_then(|r| r.split_once('`'))
                .map(|(k, _)| k)
            {
                tables.get_mut(name).unwrap().insert(key.to_string());
            }
        }
    }
    tables
}

const SIMULATION: &str = "simulations:
  - id: s
    title: t
    {top}
    chart: { kind: bars {chart} }
    machine: { cores: 2 {machine} }
    interpreter: { gil: new {interpreter} }
    runs:
      - label: a
        {run}
        threads: [ { name: T {thread}, work: [ { cpu_ms: 1 } {step} ] } ]
      - label: b
        processes: [ { name: P {process}, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] } ]
      - label: c
        interpreters: [ { name: I {subinterpreter}, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] } ]
";

/// A simulation with `extra` put in at one place.
fn simulation(place: &str, extra: &str) -> String {
    let mut text = SIMULATION.to_string();
    for slot in [
        "top",
        "chart",
        "machine",
        "interpreter",
        "run",
        "thread",
        "step",
        "process",
        "subinterpreter",
    ] {
        let value = if slot == place { extra } else { "" };
        text = text.replace(&format!("{{{slot}}}"), value);
    }
    text
}

/// A course whose course index, module index and one lesson have these front matters.
fn course(dir: &Path, course: &str, module: &str, lesson: &str) {
    let m = dir.join("content/01-m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        dir.join("content/_index.md"),
        format!("---\ntitle: C\n{course}---\n"),
    )
    .unwrap();
    std::fs::write(m.join("_index.md"), format!("---\ntitle: M\n{module}---\n")).unwrap();
    std::fs::write(
        m.join("01-l.md"),
        format!("---\ntitle: L\nsummary: s\n{lesson}---\nBody.\n"),
    )
    .unwrap();
}

/// The JSON diagnostics of `crescu check` on a course.
fn check(course_fm: &str, module_fm: &str, lesson_fm: &str) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    course(dir.path(), course_fm, module_fm, lesson_fm);
    let (_, out, _) = crescu(&[
        "check",
        "--root",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The keys the validator accepts where `zzz` is put, read from its unknown-key error.
fn accepted(course_fm: &str, module_fm: &str, lesson_fm: &str) -> BTreeSet<String> {
    let diags = check(course_fm, module_fm, lesson_fm);
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "unknown-key")
        .unwrap_or_else(|| panic!("no unknown-key error in {diags:?}"));
    unknown["expected"]
        .as_str()
        .and_then(|e| e.strip_prefix("one of: "))
        .unwrap()
        .split(", ")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_key_the_validator_accepts_is_documented_and_no_other() {
    let docs = documented();
    let lesson = |fm: &str| accepted("", "", fm);
    let probes: Vec<(&str, BTreeSet<String>)> = vec![
        ("course", accepted("zzz: 1\n", "", "")),
        ("module", accepted("", "zzz: 1\n", "")),
        ("lesson", lesson("zzz: 1\n")),
        (
            "video",
            lesson("videos:\n  - { title: a, url: \"https://x.org\", zzz: 1 }\n"),
        ),
        (
            "go_deeper",
            lesson("go_deeper:\n  - { question: q, zzz: 1 }\n"),
        ),
        (
            "exercise",
            lesson("quiz:\n  - { id: a, type: true_false, prompt: p, answer: true, zzz: 1 }\n"),
        ),
        ("simulation", lesson(&simulation("top", "zzz: 1"))),
        ("chart", lesson(&simulation("chart", ", zzz: 1"))),
        (
            "explore",
            lesson(&simulation(
                "top",
                "explore: [ { key: machine.cores, label: c, values: [1, 2], zzz: 1 } ]",
            )),
        ),
        ("machine", lesson(&simulation("machine", ", zzz: 1"))),
        (
            "interpreter",
            lesson(&simulation("interpreter", ", zzz: 1")),
        ),
        ("run", lesson(&simulation("run", "zzz: 1"))),
        ("process", lesson(&simulation("process", ", zzz: 1"))),
        (
            "subinterpreter",
            lesson(&simulation("subinterpreter", ", zzz: 1")),
        ),
        ("thread", lesson(&simulation("thread", ", zzz: 1"))),
        ("step", lesson(&simulation("step", ", { zzz: 1 }"))),
        (
            "io",
            lesson(&simulation(
                "step",
                ", { io: { count: 1, wait_ms: 1, zzz: 1 } }",
            )),
        ),
        (
            "c_ext",
            lesson(&simulation("step", ", { c_ext: { ms: 1, zzz: 1 } }")),
        ),
        (
            "repeat",
            lesson(&simulation(
                "step",
                ", { repeat: { times: 1, steps: [], zzz: 1 } }",
            )),
        ),
    ];
    // Read by the content layer before the simulator sees a run (for line charts).
    let run_extras: BTreeSet<String> = ["x", "series"].map(String::from).into();
    for (name, keys) in probes {
        let listed = docs
            .get(name)
            .unwrap_or_else(|| panic!("docs/reference.md has no `{name}` table"));
        let extras = if name == "run" {
            run_extras.clone()
        } else {
            BTreeSet::new()
        };
        let missing: Vec<_> = keys.difference(listed).collect();
        assert!(
            missing.is_empty(),
            "`{name}` keys missing from the reference: {missing:?}"
        );
        let refused: Vec<_> = listed
            .difference(&keys)
            .filter(|k| !extras.contains(*k))
            .collect();
        assert!(
            refused.is_empty(),
            "`{name}` keys in the reference that crescu refuses: {refused:?}"
        );
    }
}

#[test]
fn the_keys_read_outside_the_typed_tables_work_as_documented() {
    let docs = documented();
    assert_eq!(
        docs["option"],
        ["text", "why"].map(String::from).into(),
        "option keys"
    );
    // An option with both keys, and runs with `x` and `series` on a line chart, pass.
    let lines = "simulations:
  - id: s
    chart: { kind: lines }
    runs:
      - { label: a, x: 1, series: one, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] }
      - { label: b, x: 2, series: one, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] }
quiz:
  - id: q
    type: multiple_choice
    prompt: p
    options: [ { text: a, why: w }, b ]
    answer: 1
    explanation: e
";
    let errors: Vec<_> = check("", "", lines)
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
