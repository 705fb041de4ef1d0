//! `crescu measure` end to end on real CPython (the `python3` on PATH): what it writes,
//! what the build makes of it, and what happens when it cannot run or is interrupted.
//! Timings are asserted only as far as they hold on a busy machine.

mod common;

use common::*;
use crescu::content::measured::{self, MeasuredFile, MeasuredRun};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LESSON: &str = "---
title: Measured
summary: s
simulations:
  - id: overlap
    title: Sleepers and processes
    chart: bars
    runs:
      - label: one sleeper
        threads: [ { name: S1, work: [ { sleep_ms: 100 } ] } ]
      - label: two sleepers
        threads:
          - { name: S1, work: [ { sleep_ms: 100 } ] }
          - { name: S2, work: [ { sleep_ms: 100 } ] }
      - label: one process
        processes:
          - { name: P1, start: fork, threads: [ { name: T, work: [ { cpu_ms: 100 } ] } ] }
      - label: two processes
        processes:
          - { name: P1, start: fork, threads: [ { name: T, work: [ { cpu_ms: 100 } ] } ] }
          - { name: P2, start: fork, threads: [ { name: T, work: [ { cpu_ms: 100 } ] } ] }
      - label: io beside C code
        threads:
          - { name: IO, work: [ { io: { count: 5, wait_ms: 2, cpu_us: 10 } }, { repeat: { times: 2, steps: [ { sleep_ms: 1 } ] } } ] }
          - { name: C, work: [ { c_ext: { ms: 5, releases_gil: true } }, { c_ext: { ms: 2, releases_gil: false } } ] }
      - label: old GIL
        interpreter: { gil: old }
        threads: [ { name: T, work: [ { cpu_ms: 10 } ] } ]
      - label: a big machine
        machine: { cores: 1024 }
        threads: [ { name: T, work: [ { cpu_ms: 1 } ] } ]
---
Body.
";

fn measure(root: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "measure",
        "--root",
        root.to_str().unwrap(),
        "--repeat",
        "1",
        "--max-wait",
        "0",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = crescu(&args);
    (code, err)
}

fn file_of(root: &Path) -> PathBuf {
    root.join("content/01-module/01-measured.measured.yaml")
}

fn read(root: &Path) -> MeasuredFile {
    let path = file_of(root);
    let text = std::fs::read_to_string(&path).expect("the measurement file is written");
    measured::parse(&text, &path, "measured")
        .expect("it reads back")
        .0
}

fn run<'a>(file: &'a MeasuredFile, label: &str) -> &'a MeasuredRun {
    file.simulations[0]
        .runs
        .iter()
        .find(|r| r.label == label)
        .expect(label)
}

fn wall(file: &MeasuredFile, label: &str) -> f64 {
    run(file, label)
        .wall_ms
        .unwrap_or_else(|| panic!("{label} was measured"))
        .median
}

#[test]
fn measures_a_course_and_the_build_reads_it() {
    let dir = course_with(&[("01-measured.md", LESSON.as_bytes())]);
    let root = dir.path();
    let (code, err) = measure(root, &[]);
    assert_eq!(code, 0, "{err}");
    let file = read(root);
    let sim = &file.simulations[0];
    assert_eq!(sim.id, "overlap");
    assert!(sim.python.starts_with('3'), "measured on {}", sim.python);
    assert_eq!(sim.repeat, 1);
    assert!(sim.machine.cores >= 1 && !sim.machine.cpu.is_empty());
    // Sleeping threads overlap: two sleeps of 100 ms take far less than 200 ms.
    let (one, two) = (wall(&file, "one sleeper"), wall(&file, "two sleepers"));
    assert!(
        one >= 99.0 && (99.0..180.0).contains(&two),
        "one {one} ms, two {two} ms"
    );
    // Two processes are not slower than one by more than their start cost (generous: the
    // machine may be busy, so each gets a share of a core, not a whole one).
    let (p1, p2) = (wall(&file, "one process"), wall(&file, "two processes"));
    assert!(p2 < 1.6 * p1 + 150.0, "one process {p1} ms, two {p2} ms");
    // Every step kind ran: blocking calls counted, sleeps and round trips timed.
    let io = &run(&file, "io beside C code").threads[0];
    assert_eq!((io.name.as_str(), io.io_ops), ("IO", 5));
    assert!(io.latency_ms.is_some() && io.ops_per_s.is_some());
    assert!(run(&file, "io beside C code").threads[1].cpu_ms.is_some());
    // What this machine cannot do is said, not guessed.
    let big = run(&file, "a big machine");
    assert!(big.wall_ms.is_none());
    assert!(
        big.not_measurable
            .as_deref()
            .unwrap()
            .contains("1024 cores"),
        "{big:?}"
    );
    assert!(
        err.contains("not measurable: overlap / a big machine"),
        "{err}"
    );
    match &sim.python2 {
        Some(v) => {
            assert!(v.starts_with("2.7"), "{v}");
            assert!(wall(&file, "old GIL") > 5.0);
        }
        None => {
            eprintln!("skipped: no CPython 2.7 here, so the old-GIL run was not measured");
            assert!(
                run(&file, "old GIL")
                    .not_measurable
                    .as_deref()
                    .unwrap()
                    .contains("2.7")
            );
        }
    }

    // The comparison with the simulator runs no Python and lists every figure.
    let (code, table, err) = crescu(&["measure", "--root", root.to_str().unwrap(), "--compare"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("| overlap | two sleepers | wall | "),
        "{table}"
    );
    assert!(
        table.contains("| overlap | io beside C code | IO latency p99 | "),
        "{table}"
    );
    assert!(table.contains("figures agree"), "{table}");
    // A bar chart draws wall times, not latencies: the table marks what a reader sees.
    let line = |start: &str| table.lines().find(|l| l.starts_with(start)).unwrap_or("");
    assert!(
        line("| overlap | two sleepers | wall | ").ends_with("| yes |"),
        "{table}"
    );
    assert!(
        line("| overlap | io beside C code | IO latency p99 | ").ends_with("|  |"),
        "{table}"
    );
    assert!(table.contains("the charts draw"), "{table}");

    // The build reads it: no warning while the simulation is unchanged.
    let out = root.join("output");
    let (code, _, err) = crescu(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    assert!(
        !out.join("01-module/01-measured.measured.yaml").exists(),
        "not copied as an asset"
    );

    // A changed simulation makes its measurement stale: a located warning naming the
    // command that refreshes it.
    let lesson = root.join("content/01-module/01-measured.md");
    std::fs::write(&lesson, LESSON.replace("cpu_ms: 10 }", "cpu_ms: 11 }")).unwrap();
    let (code, _, err) = crescu(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[measured-stale]"), "{err}");
    assert!(err.contains("01-measured.measured.yaml:"), "{err}");
    assert!(
        err.contains("crescu measure --lesson measured --sim overlap"),
        "{err}"
    );
}

#[test]
fn a_malformed_or_orphaned_measurement_file_is_reported_with_its_line() {
    let dir = course_with(&[("01-measured.md", LESSON.as_bytes())]);
    let root = dir.path();
    std::fs::write(
        file_of(root),
        "format: 1\nsimulations:\n  - id: overlap\n    spec: abc\n    python: 3.11.7\n    machine: {cores: 2, cpu: x}\n    date: 2026-12-02\n    load: {before: 0, after: 0, busiest: 0}\n    repeat: 1\n    runs:\n      - label: one sleeper\n        wall_ms: 12 ms\n",
    )
    .unwrap();
    std::fs::write(
        root.join("content/01-module/07-gone.measured.yaml"),
        "format: 1\nsimulations: []\n",
    )
    .unwrap();
    let (code, _, err) = crescu(&["build", "--root", root.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("01-measured.measured.yaml:12:"), "{err}");
    assert!(err.contains("median (min to max)"), "{err}");
    assert!(err.contains("crescu measure --lesson measured"), "{err}");
    assert!(
        err.contains("warning[measured-orphan]") && err.contains("07-gone.measured.yaml"),
        "{err}"
    );
    assert!(!root.join("output").exists(), "nothing written");
}

#[test]
fn without_python_it_says_so_and_exits_2() {
    let dir = course_with(&[("01-measured.md", LESSON.as_bytes())]);
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args([
            "measure",
            "--root",
            dir.path().to_str().unwrap(),
            "--repeat",
            "1",
        ])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no `python3` on PATH") && err.contains("--python"),
        "{err}"
    );
    assert!(!file_of(dir.path()).exists());
    // A name that is not a lesson of the course is a usage error too, with a suggestion.
    let (code, err) = measure(dir.path(), &["--lesson", "measure"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean `measured`?"), "{err}");
}

#[test]
fn an_interrupted_measure_leaves_the_previous_file_as_it_was() {
    let slow = LESSON.replace("sleep_ms: 100", "sleep_ms: 1500");
    let dir = course_with(&[("01-measured.md", slow.as_bytes())]);
    let root = dir.path();
    let previous = "# kept\nformat: 1\nsimulations: []\n";
    for signal in ["-INT", "-KILL"] {
        std::fs::write(file_of(root), previous).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_crescu"))
            .args([
                "measure",
                "--root",
                root.to_str().unwrap(),
                "--repeat",
                "3",
                "--max-wait",
                "0",
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Calibration takes a few seconds; the sleepers at least 1.5 s each round.
        std::thread::sleep(Duration::from_millis(2500));
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(child.try_wait().unwrap().is_some(), "{signal} stops it");
        assert_eq!(
            std::fs::read_to_string(file_of(root)).unwrap(),
            previous,
            "after {signal}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(root.join("content/01-module"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
