//! Crash safety and determinism of `crescu build`, on a synthetic course generated here:
//! a build killed with SIGKILL at random moments never damages the previous site, and
//! the bytes of a site do not depend on the number of worker threads or on the run.

mod common;

use common::snapshot_tree;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Write a course of `lessons` small lessons (front matter with a quiz, sections, a
/// code block) under `root/content`; `edition` changes every page's text.
fn synth_course(root: &Path, lessons: usize, edition: &str, with_simulations: bool) {
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("_index.md"),
        format!("---\ntitle: Synthetic {edition}\n---\nA generated course.\n"),
    )
    .unwrap();
    for i in 0..lessons {
        let module = content.join(format!("{:02}-module-{}", i / 50 + 1, i / 50 + 1));
        if i % 50 == 0 {
            std::fs::create_dir_all(&module).unwrap();
            std::fs::write(
                module.join("_index.md"),
                format!("---\ntitle: Module {}\nsummary: s\n---\n", i / 50 + 1),
            )
            .unwrap();
        }
        // Small simulations that differ per lesson, so several run in parallel.
        let simulation = if with_simulations && i % 10 == 0 {
            format!(
                "simulations:\n  - id: pair\n    title: Two threads\n    chart: bars\n    runs:\n      - label: two\n        threads:\n          - {{ name: T1, work: [ {{ cpu_ms: {} }} ] }}\n          - {{ name: T2, work: [ {{ cpu_ms: 5 }} ] }}\n",
                5 + i / 10
            )
        } else {
            String::new()
        };
        let text = format!(
            "---\ntitle: \"Lesson {i} ({edition})\"\nsummary: Lesson {i}.\nquiz:\n  - id: tf\n    type: true_false\n    prompt: Threads share memory.\n    answer: true\n  - id: mc\n    type: multiple_choice\n    prompt: Which one?\n    options: [a, b, c]\n    answer: {answer}\n{simulation}---\n## Section one\n\nLesson {i} of the {edition} edition talks about threads and locks.\n\n```python\ndef count(n):\n    while n > {i}:\n        n -= 1\n```\n\n## Section two\n\n> **Note:** a callout.\n\nMore text, with `code` and a [link](https://example.org/).\n",
            answer = i % 3,
        );
        std::fs::write(
            module.join(format!("{:03}-lesson-{i}.md", i % 50 + 1)),
            text,
        )
        .unwrap();
    }
}

fn crescu_build(root: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crescu"));
    cmd.arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(output)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn build_ok(root: &Path, output: &Path, extra: &[&str]) {
    let out = crescu_build(root, output, extra).output().unwrap();
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Names in `dir` other than `keep`: temporary or old folders a build left behind.
fn leftovers(dir: &Path, keep: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        // The lock file beside the output stays on purpose (removing it would race).
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != keep && !n.to_string_lossy().ends_with(".crescu-lock"))
        })
        .collect()
}

/// A small xorshift generator: the kill moments vary from run to run, and the seed is
/// printed so a failure can be replayed.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

#[test]
fn killed_builds_leave_the_previous_site_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (old_root, new_root) = (dir.path().join("v1"), dir.path().join("v2"));
    synth_course(&old_root, 200, "first", false);
    synth_course(&new_root, 200, "second", false);
    let sites = dir.path().join("sites");
    std::fs::create_dir_all(&sites).unwrap();
    let output = sites.join("output");

    build_ok(&old_root, &output, &["--no-cache"]);
    let before = snapshot_tree(&output);
    // The complete second site, built elsewhere: a kill after the swap may leave it.
    let reference = dir.path().join("reference");
    let started = Instant::now();
    build_ok(&new_root, &reference, &["--no-cache"]);
    let full = started.elapsed().as_millis() as u64;
    let after = snapshot_tree(&reference);
    assert_ne!(before, after);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut moments = Moments(seed);
    let mut outcomes = Vec::new();
    for attempt in 0..6 {
        // Spread the kills over the whole build, startup and swap included; every other
        // build uses the cache, which writes over the previous site kept there.
        let delay = moments.next_below(full + full / 5);
        let mode: &[&str] = if attempt % 2 == 0 {
            &["--no-cache"]
        } else {
            &[]
        };
        let mut child = crescu_build(&new_root, &output, mode).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        // SIGKILL: no destructor, no cleanup runs.
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = snapshot_tree(&output);
        assert!(
            now == before || now == after,
            "attempt {attempt} (seed {seed}, kill after {delay} ms of ~{full} ms, {status}): \
             output is neither the previous site nor the complete new one"
        );
        if now == after {
            // The swap happened; go back to the first site for the next attempt.
            build_ok(&old_root, &output, mode);
            assert_eq!(snapshot_tree(&output), before);
        }
        outcomes.push((delay, status.success()));
    }
    eprintln!("seed {seed}, full build {full} ms, kills (ms, finished): {outcomes:?}");

    build_ok(&new_root, &output, &[]);
    assert_eq!(snapshot_tree(&output), after);
    assert_eq!(
        leftovers(&sites, "output"),
        Vec::<PathBuf>::new(),
        "a successful build removes what killed builds left behind"
    );
    let torn: Vec<_> = walkdir::WalkDir::new(new_root.join(".crescu-cache"))
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(torn.is_empty(), "half-written cache files left: {torn:?}");
}

#[test]
fn output_does_not_depend_on_jobs_runs_or_caches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    synth_course(&root, 120, "only", true);
    let site = |name: &str| dir.path().join(name);

    build_ok(&root, &site("one-job"), &["--jobs", "1", "--no-cache"]);
    let reference = snapshot_tree(&site("one-job"));
    assert!(reference.len() > 120);

    build_ok(&root, &site("four-jobs"), &["--jobs", "4", "--no-cache"]);
    assert!(
        snapshot_tree(&site("four-jobs")) == reference,
        "--jobs 1 and --jobs 4 differ"
    );
    // Cold cache, then warm cache, with the default number of jobs.
    build_ok(&root, &site("cold"), &[]);
    assert!(
        snapshot_tree(&site("cold")) == reference,
        "cold cache differs"
    );
    build_ok(&root, &site("warm"), &["--jobs", "2"]);
    assert!(
        snapshot_tree(&site("warm")) == reference,
        "warm cache differs"
    );
    // A second run into the same folder replaces it with the same bytes.
    build_ok(&root, &site("warm"), &["--jobs", "3"]);
    assert!(snapshot_tree(&site("warm")) == reference, "rebuild differs");

    // A torn or garbage highlight cache is ignored: same bytes, and a whole cache after.
    let blocks = root.join(".crescu-cache/highlight/blocks.bin");
    let whole = std::fs::read(&blocks).unwrap();
    for damaged in [&whole[..whole.len() / 2], b"not a cache".as_slice()] {
        std::fs::write(&blocks, damaged).unwrap();
        build_ok(&root, &site("damaged"), &[]);
        assert!(
            snapshot_tree(&site("damaged")) == reference,
            "a damaged highlight cache changed the site"
        );
        assert_eq!(std::fs::read(&blocks).unwrap().len(), whole.len());
    }
}
