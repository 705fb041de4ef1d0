//! Output for tools and CI: `check --format json` paths resolve from the current folder,
//! related notes keep their own location, and `--deny-warnings` fails `check` and `build`.

mod common;

use common::*;

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

const DUPLICATE: &str = "---\ntitle: Twice\nsummary: s\nquiz:\n  - id: same\n    type: true_false\n    prompt: A?\n    answer: true\n    explanation: e\n  - id: same\n    type: true_false\n    prompt: B?\n    answer: false\n    explanation: e\n---\nBody.\n";

/// A repository folder holding the course at `docs/course`, as CI checks it out.
fn repo_with_course(lesson: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let course = course_with(&[("01-twice.md", lesson.as_bytes())]);
    let target = repo.path().join("docs/course");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    for (rel, bytes) in snapshot_tree(course.path()) {
        let to = target.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }
    repo
}

#[test]
fn json_paths_resolve_from_the_current_folder_and_notes_keep_their_location() {
    let repo = repo_with_course(DUPLICATE);
    let (code, stdout, stderr) = crescu_in(
        repo.path(),
        &["check", "--root", "docs/course", "--format", "json"],
    );
    assert_eq!(code, 1, "{stderr}");
    let lines = json_lines(&stdout);
    let dup = lines
        .iter()
        .find(|l| l["code"] == "duplicate-id")
        .unwrap_or_else(|| panic!("no duplicate-id in {stdout}"));
    // `file` opens from where the tool runs; `course_file` from the course root.
    let file = dup["file"].as_str().unwrap();
    assert_eq!(file, "docs/course/content/01-module/01-twice.md");
    assert!(repo.path().join(file).is_file());
    assert_eq!(dup["course_file"], "content/01-module/01-twice.md");
    assert_eq!(
        (dup["line"].as_u64(), dup["column"].as_u64()),
        (Some(10), Some(9))
    );
    // The note is data of its own: the first `same`, on line 5.
    let related = dup["related"].as_array().expect("a related list");
    assert_eq!(related.len(), 1, "{dup}");
    let note = &related[0];
    assert_eq!(note["message"], "first used here");
    assert_eq!(note["file"], "docs/course/content/01-module/01-twice.md");
    assert_eq!(note["course_file"], "content/01-module/01-twice.md");
    assert_eq!(
        (note["line"].as_u64(), note["column"].as_u64()),
        (Some(5), Some(9))
    );
    // Every line has every field, a list of notes included.
    for line in &lines {
        for key in [
            "file",
            "course_file",
            "line",
            "column",
            "severity",
            "code",
            "message",
            "related",
        ] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }

    // From inside the course the two agree; the text report names the note's column.
    let course = repo.path().join("docs/course");
    let (_, stdout, _) = crescu_in(&course, &["check", "--format", "json"]);
    let dup = json_lines(&stdout)
        .into_iter()
        .find(|l| l["code"] == "duplicate-id")
        .unwrap();
    assert_eq!(dup["file"], dup["course_file"]);
    let (_, _, stderr) = crescu_in(&course, &["check"]);
    assert!(
        stderr.contains("= note: first used here (content/01-module/01-twice.md:5:9)"),
        "{stderr}"
    );
}

/// A lesson that builds with one warning (no summary) and no error.
const WARNS: &str = "---\ntitle: Warns\n---\nBody.\n";

#[test]
fn deny_warnings_fails_check_and_build_and_leaves_the_output_alone() {
    let course = course_with(&[("01-warns.md", WARNS.as_bytes())]);
    let root = course.path().to_str().unwrap();
    let (code, _, stderr) = crescu(&["check", "--root", root]);
    assert_eq!(code, 0, "warnings alone pass: {stderr}");
    let (code, _, stderr) = crescu(&["check", "--root", root, "--deny-warnings"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("warning[no-summary]"), "{stderr}");
    assert!(stderr.contains("warnings denied"), "{stderr}");
    let (code, stdout, _) = crescu(&[
        "check",
        "--root",
        root,
        "--deny-warnings",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    assert!(
        json_lines(&stdout)
            .iter()
            .any(|l| l["severity"] == "warning")
    );

    // A first build writes the site; a denied one after an edit leaves it as it was.
    let out = course.path().join("output");
    let (code, _, stderr) = crescu(&["build", "--root", root]);
    assert_eq!(code, 0, "{stderr}");
    let before = snapshot_tree(&out);
    let lesson = course.path().join("content/01-module/01-warns.md");
    std::fs::write(&lesson, WARNS.replace("Body.", "Changed body.")).unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", root, "--deny-warnings"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("warnings denied"), "{stderr}");
    assert!(stderr.contains("left unchanged"), "{stderr}");
    assert_eq!(snapshot_tree(&out), before, "the previous site stays");
    // Without warnings the flag changes nothing.
    std::fs::write(
        &lesson,
        "---\ntitle: Warns\nsummary: s\n---\nChanged body.\n",
    )
    .unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", root, "--deny-warnings"]);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(snapshot_tree(&out), before);
}
