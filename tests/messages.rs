//! What the command line says: counts in correct English, a hint where no course is, a way
//! out of a busy port, and help text for every flag.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn one_lesson_course(root: &Path) {
    let module = root.join("content/01-m");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: C\n---\n").unwrap();
    std::fs::write(
        module.join("01-only.md"),
        "---\ntitle: Only\nsummary: s\nquiz:\n  - id: q\n    type: true_false\n    prompt: P\n    answer: true\n    explanation: E\n---\nBody.\n",
    )
    .unwrap();
}

#[test]
fn counts_of_one_are_singular() {
    let dir = tempfile::tempdir().unwrap();
    one_lesson_course(dir.path());
    let root = dir.path().to_str().unwrap();
    let (code, _, err) = crescu(&["check", "--root", root]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("check passed: 1 lesson, 1 exercise"), "{err}");
    let (code, _, err) = crescu(&["build", "--root", root]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("(1 lesson, 1 exercise, 0 charts: 0 simulations run"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("content/01-m/01-only.md"),
        "---\ntitel: x\n---\n",
    )
    .unwrap();
    let (code, _, err) = crescu(&["check", "--root", root]);
    assert_eq!(code, 1);
    assert!(err.contains("check failed: 1 error"), "{err}");
    assert!(!err.contains("1 errors"), "{err}");
}

#[test]
fn no_course_here_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["build", "check"] {
        let (code, _, err) = crescu(&[command, "--root", dir.path().to_str().unwrap()]);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("has no `content/` folder")
                && err.contains("crescu new DIR")
                && err.contains("--root"),
            "{command}: {err}"
        );
    }
}

#[test]
fn a_busy_port_suggests_another() {
    let dir = tempfile::tempdir().unwrap();
    one_lesson_course(dir.path());
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", &port, "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("port {port} is in use")) && err.contains("--port 0"),
        "{err}"
    );
}

#[test]
fn a_first_build_that_fails_does_not_claim_a_site_is_served() {
    let dir = tempfile::tempdir().unwrap();
    one_lesson_course(dir.path());
    std::fs::write(
        dir.path().join("content/01-m/01-only.md"),
        "---\ntitel: x\n---\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", "0", "--root"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let summary = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find(|line| line.starts_with("build failed"));
    let _ = child.kill();
    let _ = child.wait();
    let summary = summary.expect("a summary line");
    assert!(
        summary.contains("1 error;") && summary.contains("no site yet"),
        "{summary}"
    );
    assert!(!summary.contains("last good site"), "{summary}");
}

#[test]
fn every_flag_and_argument_has_help() {
    for command in ["build", "check", "serve", "new", "sim", "export"] {
        let (code, help, err) = crescu(&[command, "--help"]);
        assert_eq!(code, 0, "{err}");
        let lines: Vec<&str> = help.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let item = line.trim_start();
            // Flags (`--root`, `-h, --help`) and arguments (`<DIR>`), not value lists (`- text`).
            let is_flag = item.starts_with('-')
                && item[1..].starts_with(|c: char| c == '-' || c.is_ascii_alphanumeric());
            if !(is_flag || item.starts_with('<')) {
                continue;
            }
            // `  --flag <VALUE>  Text` or `  <ARG>  Text`, or the text on the next line
            // when clap finds the line too long.
            let same_line = item
                .split_once("  ")
                .is_some_and(|(_, text)| !text.trim().is_empty());
            let next_line = lines.get(i + 1).is_some_and(|next| {
                let next = next.trim_start();
                !next.is_empty() && !next.starts_with('-') && !next.starts_with('<')
            });
            assert!(
                same_line || next_line,
                "`crescu {command} --help`: no help for {item:?}"
            );
        }
    }
}
