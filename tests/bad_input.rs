//! Every malformed lesson in `../shared/bad-input` fails `build` and `check` with exit
//! code 1, a message naming file, line and what was expected, and leaves the previous
//! output untouched; the `ok-` files build with their text escaped.

mod common;

use common::*;

/// (file, substrings the report must contain, line the first error must point at)
const CASES: &[(&str, &[&str], Option<usize>)] = &[
    (
        "unclosed-front-matter.md",
        &["the front matter opened on line 1 is never closed"],
        Some(1),
    ),
    ("yaml-syntax.md", &["YAML syntax error"], Some(6)),
    ("missing-title.md", &["`title` is required"], None),
    ("wrong-type.md", &["`xp` must be a whole number"], Some(3)),
    (
        "unknown-key.md",
        &["unknown key `titel`, did you mean `title`?"],
        Some(2),
    ),
    (
        "mc-answer-out-of-range.md",
        &["answer 5 is out of range for 3 options"],
        Some(7),
    ),
    (
        "mc-no-options.md",
        &["a multiple-choice exercise needs at least two options"],
        Some(6),
    ),
    (
        "tf-answer-not-bool.md",
        &["a true/false answer must be true or false"],
        Some(6),
    ),
    (
        "fill-blank-count-mismatch.md",
        &["2 blanks but 1 answer"],
        Some(6),
    ),
    (
        "fill-blank-no-blank.md",
        &["the prompt has no blank (`___`)"],
        Some(5),
    ),
    (
        "unknown-exercise-type.md",
        &[
            "unknown exercise type `essay`",
            "multiple_choice, true_false, fill_blank",
        ],
        Some(4),
    ),
    (
        "duplicate-exercise-id.md",
        &[
            "exercise id `why` is used twice",
            "first used here",
            ":4:9)",
        ],
        Some(8),
    ),
    (
        "shortcode-missing-target.md",
        &[
            "no exercise `nope`",
            "no simulation `missing-simulation`",
            "01-lesson.md:11:1",
            "01-lesson.md:13:1",
        ],
        Some(11),
    ),
    (
        "go-deeper-missing-lesson.md",
        &["no lesson with slug `no-such-lesson`"],
        Some(5),
    ),
    (
        "sim-out-of-range.md",
        &[
            "`cores` must be at least 1",
            "`switch_interval_ms` must be positive",
            "01-lesson.md:10:54",
        ],
        Some(7),
    ),
    (
        "empty.md",
        &["has no front matter (a title is required)"],
        Some(1),
    ),
    (
        "non-utf8.md",
        &["the file is not valid UTF-8, at line 4"],
        Some(4),
    ),
];

#[test]
fn every_bad_input_file_has_a_case() {
    let mut names: Vec<String> = std::fs::read_dir(bad_input_dir())
        .expect("../shared/bad-input is present")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "README.md" && !n.starts_with("ok-"))
        .collect();
    names.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    covered.sort();
    assert_eq!(names, covered);
}

#[test]
fn bad_inputs_fail_cleanly_and_keep_previous_output() {
    for (file, needles, line) in CASES {
        let bytes = std::fs::read(bad_input_dir().join(file)).unwrap();
        let course = course_with(&[("01-lesson.md", &bytes)]);
        let root = course.path().to_str().unwrap();
        let out = course.path().join("output");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("previous.html"), "old site").unwrap();

        let started = std::time::Instant::now();
        let (code, _, stderr) = crescu(&["build", "--root", root]);
        assert!(
            started.elapsed().as_secs() < 5,
            "{file}: took {:?}",
            started.elapsed()
        );
        assert_eq!(code, 1, "{file}: build should exit 1\n{stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let shown = "content/01-module/01-lesson.md";
        assert!(
            stderr.contains(shown),
            "{file}: error must name the file\n{stderr}"
        );
        for needle in *needles {
            assert!(
                stderr.contains(needle),
                "{file}: missing `{needle}` in\n{stderr}"
            );
        }
        if let Some(line) = line {
            assert!(
                stderr.contains(&format!("{shown}:{line}")),
                "{file}: expected line {line}\n{stderr}"
            );
        }
        assert!(
            stderr.contains("expected"),
            "{file}: says what was expected\n{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("previous.html")).unwrap(),
            "old site",
            "{file}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(course.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".crescu-tmp-") || n.contains(".crescu-old-"))
            .collect();
        assert!(leftovers.is_empty(), "{file}: left behind {leftovers:?}");

        let (code, _, check_err) = crescu(&["check", "--root", root]);
        assert_eq!(code, 1, "{file}: check should exit 1");
        assert!(check_err.contains(needles[0]), "{file}: {check_err}");
    }
}

#[test]
fn all_errors_of_a_course_are_reported_together() {
    let read = |f: &str| std::fs::read(bad_input_dir().join(f)).unwrap();
    let (a, b, c) = (
        read("wrong-type.md"),
        read("unknown-key.md"),
        read("mc-answer-out-of-range.md"),
    );
    // Problems found while rendering (shortcodes) are reported beside those found while
    // loading other lessons.
    let d = read("shortcode-missing-target.md");
    let course = course_with(&[
        ("01-a.md", &a),
        ("02-b.md", &b),
        ("03-c.md", &c),
        ("04-d.md", &d),
    ]);
    let (code, _, stderr) = crescu(&["check", "--root", course.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    for needle in [
        "01-a.md:3",
        "02-b.md:2",
        "03-c.md:7",
        "04-d.md:11",
        "04-d.md:13",
        "5 errors",
    ] {
        assert!(stderr.contains(needle), "missing {needle}:\n{stderr}");
    }
}

#[test]
fn ok_files_build_with_text_escaped() {
    let bom = std::fs::read(bad_input_dir().join("ok-bom-crlf.md")).unwrap();
    let hostile = std::fs::read(bad_input_dir().join("ok-hostile-text.md")).unwrap();
    let course = course_with(&[("01-bom.md", &bom), ("02-hostile.md", &hostile)]);
    let (code, _, stderr) = crescu(&["build", "--root", course.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let out = course.path().join("output/module");
    let bom_page = std::fs::read_to_string(out.join("bom/index.html")).unwrap();
    assert!(
        bom_page.contains("<h1>A lesson saved on Windows</h1>"),
        "{bom_page}"
    );
    assert!(!bom_page.contains('\u{feff}') && !bom_page.contains('\r'));

    let page = std::fs::read_to_string(out.join("hostile/index.html")).unwrap();
    for bad in [
        "<script>alert",
        "<img src=x",
        "<iframe",
        "<b>not bold</b>",
        "</div></section><script>",
    ] {
        assert!(!page.contains(bad), "unescaped `{bad}` in hostile page");
    }
    assert!(
        page.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; friends"),
        "title escaped"
    );
    assert!(
        page.contains("&lt;iframe src=javascript:alert(1)&gt;&lt;/iframe&gt;"),
        "takeaway escaped as text"
    );
    // The only script elements are the theme's own files, the generated syllabus and
    // the interface strings' JSON.
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"../../static/").count()
            + page.matches("<script src=\"../../syllabus.js\"").count()
            + page
                .matches("<script type=\"application/json\" id=\"crescu-strings\">")
                .count()
    );
}

/// Exercise and simulation ids outside the documented rule (they key learners' stored
/// progress and element ids) are errors at the id, with the line shown.
#[test]
fn ids_outside_the_rule_are_refused() {
    let lesson = "---\ntitle: Ids\nquiz:\n  - id: __proto__\n    type: true_false\n    prompt: P\n    answer: true\n    explanation: E\nsimulations:\n  - id: two words\n    runs:\n      - label: one\n        threads: [ { name: main, work: [ { cpu_ms: 10 } ] } ]\n---\nBody.\n";
    let course = course_with(&[("01-lesson.md", lesson.as_bytes())]);
    let (code, _, stderr) = crescu(&["check", "--root", course.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    for needle in [
        "error[invalid-id]: exercise id `__proto__` starts with `_`",
        " --> content/01-module/01-lesson.md:4:9\n",
        "4 |   - id: __proto__\n",
        "|         ^^^^^^^^^ expected an id of ASCII letters, digits, `-` and `_`, starting with a letter or digit",
        "error[invalid-id]: simulation id `two words` contains ` `",
        " --> content/01-module/01-lesson.md:10:9\n",
        "10 |   - id: two words\n",
        "check failed: 2 errors",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
    }
}
