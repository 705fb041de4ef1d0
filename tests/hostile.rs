//! Builds under hostile paths, links, races and content: nothing of the course is lost,
//! nothing outside it is published, no front-matter text becomes a script.

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A course made by `crescu new`, with a `.git` folder as a real course would have.
fn new_course(parent: &Path) -> PathBuf {
    let root = parent.join("c");
    let (code, _, err) = crescu(&["new", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    root
}

fn build(root: &Path, output: &Path) -> (i32, String) {
    let (code, _, err) = crescu(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    (code, err)
}

#[test]
fn a_linked_output_folder_never_loses_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    let before = snapshot_tree(&root);
    // A link to the course itself: refused, every time.
    let out = dir.path().join("out");
    symlink(&root, &out).unwrap();
    for _ in 0..2 {
        let (code, err) = build(&root, &out);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("refusing to use this output folder"), "{err}");
        assert!(snapshot_tree(&root) == before, "the course changed");
    }
    // A link to a folder elsewhere: the site is built there and the link stays a link.
    let www = dir.path().join("www");
    std::fs::create_dir_all(&www).unwrap();
    let site = dir.path().join("site");
    symlink(&www, &site).unwrap();
    for _ in 0..3 {
        let (code, err) = build(&root, &site);
        assert_eq!(code, 0, "{err}");
        assert!(std::fs::symlink_metadata(&site).unwrap().is_symlink());
        assert!(www.join("index.html").is_file());
    }
    assert!(root.join("content").is_dir() && root.join(".git/HEAD").is_file());
}

#[test]
fn no_spelling_of_the_course_is_accepted_as_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    std::fs::create_dir_all(root.join("x")).unwrap();
    let base = dir.path();
    symlink(&root, base.join("link-to-c")).unwrap();
    symlink(root.join("content"), base.join("link-to-content")).unwrap();
    let before = snapshot_tree(&root);
    let c = root.to_str().unwrap();
    let spellings = [
        c.to_string(),
        format!("{c}/"),
        format!("{c}/."),
        format!("{c}/content"),
        format!("{c}/content/"),
        format!("{c}/./content"),
        format!("{c}/x/../content"),
        format!("{c}/missing/../content"),
        format!("{c}/content/new-folder"),
        format!("{c}/content/../themes"),
        format!("{c}/themes"),
        format!("{c}/.git"),
        format!("{c}/.git/../.git"),
        format!("{c}/.crescu-cache"),
        format!("{c}/.crescu-cache/spare-output"),
        format!("{c}/x/../../c"),
        base.to_str().unwrap().to_string(),
        "/".to_string(),
        format!("{}/link-to-c", base.display()),
        format!("{}/link-to-c/content", base.display()),
        format!("{}/link-to-content", base.display()),
        format!("{}/missing/../link-to-c", base.display()),
    ];
    for output in &spellings {
        let (code, err) = build(&root, Path::new(output));
        assert_eq!(code, 1, "{output} was accepted: {err}");
        assert!(err.contains("refusing to use this output folder"), "{err}");
    }
    // The course given through a link is recognised too.
    let (code, err) = build(&base.join("link-to-c"), &root.join("content"));
    assert_eq!(code, 1, "{err}");
    assert!(snapshot_tree(&root) == before, "the course changed");
    assert!(!root.join(".crescu-cache/spare-output").exists());
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let (code, err) = build(&root, &notes);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("exists and is not a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
}

#[test]
fn links_out_of_the_course_are_errors_and_links_inside_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    let module = std::fs::read_dir(root.join("content"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let out = dir.path().join("site");
    assert_eq!(build(&root, &out).0, 0);
    let before = snapshot_tree(&out);
    symlink("/proc/self/environ", module.join("env.txt")).unwrap();
    let secret_dir = dir.path().join("secrets");
    std::fs::create_dir_all(&secret_dir).unwrap();
    std::fs::write(secret_dir.join("token.txt"), "TOKEN").unwrap();
    symlink(&secret_dir, module.join("folder")).unwrap();
    let (code, err) = build(&root, &out);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("env.txt") && err.contains("leads out of the course, to /proc/"),
        "{err}"
    );
    assert!(err.contains("folder") && err.contains("secrets"), "{err}");
    assert!(snapshot_tree(&out) == before, "the previous site changed");
    // Inside the course, a link is an ordinary file.
    std::fs::remove_file(module.join("env.txt")).unwrap();
    std::fs::remove_file(module.join("folder")).unwrap();
    std::fs::write(root.join("shared.txt"), "shared").unwrap();
    symlink(root.join("shared.txt"), module.join("shared.txt")).unwrap();
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    let published: Vec<_> = snapshot_tree(&out)
        .into_iter()
        .filter(|(p, _)| p.ends_with("shared.txt"))
        .collect();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].1, b"shared");
}

#[test]
fn special_files_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    let fifo = root.join("content/pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = dir.path().join("site");
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("content/pipe") && err.contains("not a regular file"),
        "{err}"
    );
    assert!(!out.join("pipe").exists());
}

/// A course of `n` lessons, for builds that take a while.
fn course_of(parent: &Path, n: usize) -> PathBuf {
    let root = parent.join("big");
    let module = root.join("content/01-m");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: Big\n---\n").unwrap();
    for i in 0..n {
        std::fs::write(
            module.join(format!("{i:04}-lesson-{i}.md")),
            format!(
                "---\ntitle: Lesson {i}\nsummary: s\n---\n## Part\n\nText of lesson {i}.\n\n```python\nprint({i})\n```\n"
            ),
        )
        .unwrap();
    }
    root
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".crescu-tmp-") || n.contains(".crescu-old-"))
        .collect()
}

#[test]
fn concurrent_builds_into_one_output_publish_only_complete_sites() {
    let dir = tempfile::tempdir().unwrap();
    let root = course_of(dir.path(), 60);
    let clean = dir.path().join("clean");
    assert_eq!(build(&root, &clean).0, 0);
    let expected = snapshot_tree(&clean);
    let out = dir.path().join("site");
    let start = |cache: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crescu"));
        cmd.args(["build", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .stderr(std::process::Stdio::null());
        if !cache {
            cmd.arg("--no-cache");
        }
        cmd.spawn().unwrap()
    };
    for round in 0..50 {
        let (mut a, mut b) = (start(round % 2 == 0), start(true));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        assert!(
            snapshot_tree(&out) == expected,
            "round {round}: the published site differs from a clean build"
        );
        assert!(leftovers(dir.path()).is_empty(), "round {round}");
    }
}

#[test]
fn ctrl_c_removes_the_build_s_own_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = course_of(dir.path(), 1500);
    let out = dir.path().join("site");
    for delay_ms in [150u64, 400, 800] {
        let child = Command::new(env!("CARGO_BIN_EXE_crescu"))
            .args(["build", "--no-cache", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let status = child.wait_with_output().unwrap().status;
        // Either interrupted (130) or already done (0): never a half-written leftover.
        assert!(matches!(status.code(), Some(130) | Some(0)), "{status:?}");
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
    }
}

fn lesson_with(front: &str) -> Vec<u8> {
    format!("---\ntitle: T\nsummary: s\n{front}---\nBody.\n").into_bytes()
}

fn check(root: &Path) -> (i32, String) {
    let (code, _, err) = crescu(&["check", "--root", root.to_str().unwrap()]);
    (code, err)
}

#[test]
fn script_links_from_front_matter_are_located_errors() {
    let cases = [
        ("videos:\n  - title: V\n    url: javascript:alert(1)\n", 6),
        (
            "videos:\n  - title: V\n    url: \" JaVaScRiPt:alert(1)\"\n",
            6,
        ),
        (
            "videos:\n  - title: V\n    url: \"java\\tscript:alert(1)\"\n",
            6,
        ),
        (
            "videos:\n  - title: V\n    url: \"javascript&#58;alert(1)\"\n",
            6,
        ),
        (
            "videos:\n  - title: V\n    url: \"data:text/html,<b>x</b>\"\n",
            6,
        ),
        ("videos:\n  - title: V\n    url: vbscript:msgbox\n", 6),
        ("takeaways:\n  - \"See [this](javascript:alert(1))\"\n", 5),
        ("takeaways:\n  - \"See <javascript:alert(1)>\"\n", 5),
        (
            "go_deeper:\n  - question: \"Why [here](JAVASCRIPT&colon;alert(1))?\"\n",
            5,
        ),
        (
            "quiz:\n  - id: q\n    type: true_false\n    prompt: \"Click [me](javascript:alert(1))\"\n    answer: true\n",
            7,
        ),
        (
            "quiz:\n  - id: q\n    type: true_false\n    prompt: P\n    answer: true\n    explanation: \"[x](data:text/html,hi)\"\n",
            9,
        ),
        (
            "quiz:\n  - id: q\n    type: multiple_choice\n    prompt: P\n    options:\n      - text: A\n        why: \"[y](javascript:void(0))\"\n      - B\n    answer: 1\n",
            10,
        ),
    ];
    for (front, line) in cases {
        let dir = course_with(&[("01-l.md", &lesson_with(front))]);
        let (code, err) = check(dir.path());
        assert_eq!(code, 1, "{front}: {err}");
        assert!(
            err.contains("error[unsafe-url]") && err.contains(&format!("01-l.md:{line}:")),
            "{front}: {err}"
        );
    }
    // Web, mail and relative links stay allowed.
    let fine = "takeaways:\n  - \"See [docs](https://docs.python.org), [me](mailto:a@b.c), [next](../other/)\"\nvideos:\n  - title: V\n    url: https://example.org/v.mp4\n";
    let dir = course_with(&[("01-l.md", &lesson_with(fine))]);
    let (code, err) = check(dir.path());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_site_address_must_be_http() {
    let dir = course_with(&[]);
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: C\nbase_url: \"javascript:alert(document.domain)//\"\n---\n",
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[unsafe-url]") && err.contains("_index.md:3:"),
        "{err}"
    );
    let (code, _, err) = crescu(&[
        "build",
        "--root",
        dir.path().to_str().unwrap(),
        "--base-url",
        "javascript:alert(1)",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an http or https address"), "{err}");
}

#[test]
fn course_files_never_replace_generated_files() {
    for (file, generated) in [
        ("content/index.html", "index.html"),
        ("content/404.html", "404.html"),
        ("content/search-index.js", "search-index.js"),
        (
            "content/01-module/first/index.html",
            "module/first/index.html",
        ),
        ("content/01-module/first", "module/first"),
        ("content/static/crescu.js", "static/crescu.js"),
    ] {
        let dir = course_with(&[("01-first.md", b"---\ntitle: F\nsummary: s\n---\nB.\n")]);
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "attacker").unwrap();
        let out = dir.path().join("output");
        let (code, err) = build(dir.path(), &out);
        assert_eq!(code, 1, "{file}: {err}");
        assert!(
            err.contains("error[output-collision]")
                && err.contains(file)
                && err.contains(&format!("`{generated}`")),
            "{file}: {err}"
        );
        assert!(!out.exists(), "nothing is written");
    }
}

fn threads_yaml(n: usize, cpu_ms: f64) -> String {
    let threads: String = (0..n)
        .map(|i| format!("          - {{ name: T{i}, work: [ {{ cpu_ms: {cpu_ms} }} ] }}\n"))
        .collect();
    format!("      - label: crowd\n        threads:\n{threads}")
}

#[test]
fn simulations_over_the_budget_fail_fast_with_a_location() {
    // 3,200 threads: over the cap on threads per run.
    let front = format!(
        "simulations:\n  - id: crowd\n    title: T\n    chart: {{ kind: bars }}\n    runs:\n{}",
        threads_yaml(3200, 50.0)
    );
    let dir = course_with(&[("01-l.md", &lesson_with(&front))]);
    let started = Instant::now();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("at most 256 threads") && err.contains("01-l.md:"),
        "{err}"
    );
    // 256 threads of long work: within the cap, over the work budget.
    let front = format!(
        "simulations:\n  - id: crowd\n    title: T\n    chart: {{ kind: bars }}\n    runs:\n{}",
        threads_yaml(256, 1000.0)
    );
    let dir = course_with(&[("01-l.md", &lesson_with(&front))]);
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("million steps"), "{err}");
    // Many simulations, each within its own budget, over the budget of one build.
    let sims: String = (0..40)
        .map(|i| {
            format!(
                "  - id: s{i}\n    title: T\n    chart: {{ kind: bars }}\n    runs:\n{}",
                threads_yaml(150, 1000.0 + f64::from(i))
            )
        })
        .collect();
    let dir = course_with(&[("01-l.md", &lesson_with(&format!("simulations:\n{sims}")))]);
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[simulation-budget]") && err.contains("simulation_budget"),
        "{err}"
    );
    // Each of these took minutes to hours before; refusing takes well under a second
    // (bound generously for loaded machines).
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn limits_on_reading_cannot_be_lifted_without_bound() {
    let dir = course_with(&[]);
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: C\nmax_lesson_bytes: 1000000000000\n---\n",
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[limit-too-high]") && err.contains("_index.md:3:"),
        "{err}"
    );
    let (code, _, err) = crescu(&["sim", "/dev/zero"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("limit"), "{err}");
}

#[test]
fn module_folders_with_dots_keep_their_whole_name() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("content/01-python-3.12-features");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(dir.path().join("content/_index.md"), "---\ntitle: C\n---\n").unwrap();
    std::fs::write(
        module.join("01-l.md"),
        "---\ntitle: L\nsummary: s\n---\nB.\n",
    )
    .unwrap();
    std::fs::write(module.join("pic.png"), "png").unwrap();
    let out = dir.path().join("site");
    let (code, err) = build(dir.path(), &out);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("python-3-12-features/l/index.html").is_file());
    assert!(out.join("python-3-12-features/pic.png").is_file());
}

#[test]
fn write_errors_name_the_output_folder_given() {
    let dir = course_with(&[]);
    let out = "/proc/crescu-cannot-write-here";
    let (code, err) = build(dir.path(), Path::new(out));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(out), "{err}");
}

#[test]
fn a_linked_content_folder_may_link_among_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_course(dir.path());
    let elsewhere = dir.path().join("shared-content");
    std::fs::rename(root.join("content"), &elsewhere).unwrap();
    symlink(&elsewhere, root.join("content")).unwrap();
    std::fs::write(elsewhere.join("logo.txt"), "logo").unwrap();
    symlink(elsewhere.join("logo.txt"), elsewhere.join("alias.txt")).unwrap();
    let out = dir.path().join("site");
    let (code, err) = build(&root, &out);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(out.join("alias.txt")).unwrap(), b"logo");
    symlink("/proc/self/environ", elsewhere.join("env.txt")).unwrap();
    let (code, err) = build(&root, &out);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("leads out of the course"), "{err}");
}
