//! Simulations in lessons: charts placed in pages, run once per distinct spec, cached.

mod common;

use common::*;
use crescu::build::{BuildOptions, build};

/// A copy of the chart fixture, so its cache folder is private to the test.
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("tests/fixtures/charts");
    for (path, bytes) in snapshot_tree(&src) {
        let dest = dir.path().join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
    dir
}

#[test]
fn charts_are_placed_run_once_and_cached() {
    let dir = fixture_copy();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let cold = build(&BuildOptions::new(dir.path(), Some(a.clone()))).unwrap();
    assert_eq!(cold.stats.charts, 3);
    assert_eq!(
        (cold.simulations_ran, cold.simulations_cached),
        (2, 0),
        "identical specs run once"
    );

    let warm = build(&BuildOptions::new(dir.path(), Some(b.clone()))).unwrap();
    assert_eq!(
        (warm.simulations_ran, warm.simulations_cached),
        (0, 3),
        "warm cache runs nothing"
    );
    assert_eq!(
        snapshot_tree(&a),
        snapshot_tree(&b),
        "cold and warm builds are byte-identical"
    );

    let forced = build(&BuildOptions {
        use_cache: false,
        ..BuildOptions::new(dir.path(), Some(b.clone()))
    })
    .unwrap();
    assert_eq!(forced.simulations_ran, 2);
    assert_eq!(snapshot_tree(&a), snapshot_tree(&b));

    let page = std::fs::read_to_string(a.join("sims/first/index.html")).unwrap();
    let (intro, split, outro, handoff) = (
        page.find("Intro.").unwrap(),
        page.find("id=\"chart-split\"").unwrap(),
        page.find("Outro.").unwrap(),
        page.find("id=\"chart-handoff\"").unwrap(),
    );
    assert!(
        intro < split && split < outro && outro < handoff,
        "placed chart in the body, unplaced after it"
    );
}

#[test]
fn sim_command_prints_json_in_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sims.yaml");
    std::fs::write(
        &file,
        "- id: cpu\n  runs:\n    - label: 2 threads\n      threads:\n        - { name: T1, work: [ { cpu_ms: 20 } ] }\n        - { name: T2, work: [ { cpu_ms: 20 } ] }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = crescu(&["sim", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let run = &v["simulations"][0]["runs"][0];
    assert_eq!(v["simulations"][0]["id"], "cpu");
    assert_eq!(run["label"], "2 threads");
    assert!(run["wall_ms"].as_f64().unwrap() >= 40.0);
    for key in ["gil_switches", "events"] {
        assert!(run[key].is_u64(), "{key}");
    }
    let t = &run["threads"][0];
    for key in [
        "name",
        "process",
        "cpu_ms",
        "gil_wait_ms",
        "acquisitions",
        "forced_drops",
        "io_ops",
        "io_latency_ms",
    ] {
        assert!(!t[key].is_null(), "{key}");
    }
    for key in ["p50", "p99", "max"] {
        assert!(t["io_latency_ms"][key].is_f64(), "{key}");
    }
    let (code, stdout, stderr) = crescu(&["sim", file.to_str().unwrap(), "--format", "timeline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("simulation cpu\n  run \"2 threads\" (wall "),
        "{stdout}"
    );
    assert!(stdout.contains("    thread T2 (main)\n"), "{stdout}");
    let (code, _, stderr) = crescu(&["sim", file.to_str().unwrap(), "--format", "svg"]);
    assert_eq!(code, 0, "{stderr}");

    std::fs::write(&file, "- id: bad\n  machine: { cores: 0 }\n  runs: []\n").unwrap();
    let (code, _, stderr) = crescu(&["sim", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("sims.yaml:2:21") && stderr.contains("`cores` must be at least 1"),
        "{stderr}"
    );
}

#[test]
fn example_course_charts_are_accessible_and_pages_light() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let outcome = build(&BuildOptions {
        use_cache: false,
        ..BuildOptions::new(repo(), Some(out.clone()))
    })
    .expect("the example course builds");
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(outcome.stats.lessons, 8);
    assert!(outcome.stats.charts >= 12);
    let mut figures = 0;
    for (path, bytes) in snapshot_tree(&out) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let page = String::from_utf8(bytes).unwrap();
        for figure in page.split("<figure").skip(1) {
            let figure = &figure[..figure.find("</figure>").expect("figure closes")];
            figures += 1;
            for part in [
                "<svg",
                "viewBox=",
                "class=\"chart-title\"",
                "class=\"chart-result\"",
                "aria-describedby=",
                "<table",
                "<figcaption",
            ] {
                assert!(
                    figure.contains(part),
                    "{}: a chart lacks {part}",
                    path.display()
                );
            }
        }
    }
    assert_eq!(figures, outcome.stats.charts);
    let gil = std::fs::metadata(out.join("python-concurrency/the-gil/index.html"))
        .unwrap()
        .len();
    assert!(gil < 150 * 1024, "the GIL lesson is {gil} bytes");
    let gil_page =
        std::fs::read_to_string(out.join("python-concurrency/the-gil/index.html")).unwrap();
    for target in [
        "c-extensions",
        "old-and-new-gil",
        "garbage-collection",
        "asyncio",
        "free-threading",
        "subinterpreters",
    ] {
        assert!(
            gil_page.contains(&format!(
                "href=\"../../python-concurrency/{target}/index.html\""
            )),
            "go deeper -> {target}"
        );
    }
}

/// Mistakes in a run's subinterpreters are located like every other key's: file, line and
/// column of the offending value, all reported at once.
#[test]
fn subinterpreter_mistakes_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("subs.yaml");
    std::fs::write(
        &file,
        "- id: subs
  interpreter: { gil: old }
  runs:
    - label: a
      interpreters:
        - { name: I1, start_ms: -2, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] }
        - { name: I1, threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ] }
",
    )
    .unwrap();
    let (code, _, stderr) = crescu(&["sim", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    for (at, message) in [
        ("subs.yaml:6:9", "need CPython 3.12 or later"),
        ("subs.yaml:6:33", "`start_ms` must not be negative"),
        ("subs.yaml:7:19", "interpreter name `I1` is used twice"),
        (
            "subs.yaml:7:42",
            "thread name `T` is used twice in this process",
        ),
    ] {
        let line = stderr
            .lines()
            .position(|l| l.contains(message))
            .unwrap_or_else(|| panic!("no `{message}` in {stderr}"));
        let next = stderr.lines().nth(line + 1).unwrap_or_default();
        assert!(next.contains(at), "`{message}` at {next}, not {at}");
    }
}
