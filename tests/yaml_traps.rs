//! Each common YAML trap in `tests/fixtures/yaml-traps` gets a hint that says what to do,
//! at the line and column of the trouble, with the offending line shown fixed. Traps that
//! YAML refuses are errors that leave the previous output untouched; text YAML reads
//! other than written (cut by a comment, eaten as an anchor or a tag) gives a warning.

mod common;

use common::*;

struct Case {
    file: &'static str,
    error: bool,
    /// `line:column` in the lesson file.
    at: &'static str,
    /// The line as it should be written (shown under the help).
    fixed: &'static str,
    /// Substrings of the message and help.
    says: &'static [&'static str],
}

const QUOTE: &str = "put the text in quotes:";

const CASES: &[Case] = &[
    Case {
        file: "list-item-colon.md",
        error: true,
        at: "5:28",
        fixed: "5 |   - \"Git has **three areas**: the working tree, the index and the history.\"",
        says: &[
            "item 1 of `takeaways` must be text, found a mapping",
            "the `: ` inside the text makes YAML read a key and a value",
            QUOTE,
        ],
    },
    Case {
        file: "summary-colon.md",
        error: true,
        at: "3:28",
        fixed: "3 | summary: \"A branch is a file: it holds the id of one commit.\"",
        says: &["a `: ` inside unquoted text", QUOTE],
    },
    Case {
        file: "tab-indent.md",
        error: true,
        at: "6:1",
        fixed: "6 |   - Tabs do not.",
        says: &[
            "a tab in the indentation",
            "tabs are not allowed in YAML indentation (a tab at column 1); indent with spaces:",
            "expected spaces for indentation",
        ],
    },
    Case {
        file: "answer-yes.md",
        error: true,
        at: "8:13",
        fixed: "8 |     answer: true",
        says: &[
            "a true/false answer must be true or false, found the text \"yes\"",
            "crescu reads YAML 1.2, where `yes` is text; only YAML 1.1 readers take it as `true`; write `true`:",
        ],
    },
    Case {
        file: "draft-no.md",
        error: true,
        at: "4:8",
        fixed: "4 | draft: false",
        says: &[
            "`draft` must be true or false",
            "where `no` is text",
            "write `false`:",
        ],
    },
    Case {
        file: "comment-cut.md",
        error: false,
        at: "3:30",
        fixed: "3 | summary: \"Cheap branches, the #1 reason to use Git.\"",
        says: &[
            "the text is cut at ` #1 reason to use Git.`: YAML reads it as a comment",
            "or the comment on a line of its own",
            QUOTE,
        ],
    },
    Case {
        file: "leading-star.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"*Never* rewrite published history.\"",
        says: &["unquoted text cannot start with `*`", "as an alias", QUOTE],
    },
    Case {
        file: "leading-ampersand.md",
        error: false,
        at: "3:10",
        fixed: "3 | summary: \"&more ways to undo a commit.\"",
        says: &[
            "a leading `&` is read as an anchor name, not as text",
            QUOTE,
        ],
    },
    Case {
        file: "leading-bang.md",
        error: false,
        at: "3:10",
        fixed: "3 | summary: \"!important read this first.\"",
        says: &["a leading `!` is read as a tag, not as text", QUOTE],
    },
    Case {
        file: "leading-at.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"@maintainers review every merge.\"",
        says: &["unquoted text cannot start with `@`", "reserves", QUOTE],
    },
    Case {
        file: "leading-backtick.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"`git log` shows the history.\"",
        says: &["unquoted text cannot start with `` ` ``", "reserves", QUOTE],
    },
    Case {
        file: "leading-percent.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"%50 of merges are fast-forwards.\"",
        says: &[
            "unquoted text cannot start with `%`",
            "as a directive",
            QUOTE,
        ],
    },
    Case {
        file: "leading-greater.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"> 4 cores rarely help a small repository.\"",
        says: &["unquoted text cannot start with `>`", "folded block", QUOTE],
    },
    Case {
        file: "leading-pipe.md",
        error: true,
        at: "3:10",
        fixed: "3 | summary: \"| is how shells chain git commands.\"",
        says: &[
            "unquoted text cannot start with `|`",
            "literal block",
            QUOTE,
        ],
    },
];

fn fixtures() -> std::path::PathBuf {
    repo().join("tests/fixtures/yaml-traps")
}

#[test]
fn every_trap_fixture_has_a_case() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.file.to_string()).collect();
    covered.sort();
    assert_eq!(names, covered);
}

#[test]
fn every_trap_gets_a_hint_with_the_fixed_line() {
    for case in CASES {
        let bytes = std::fs::read(fixtures().join(case.file)).unwrap();
        let course = course_with(&[("01-lesson.md", &bytes)]);
        let root = course.path().to_str().unwrap();
        let out = course.path().join("output");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("previous.html"), "old site").unwrap();
        let file = case.file;

        let (code, _, stderr) = crescu(&["check", "--root", root]);
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let (label, want_code) = if case.error {
            ("error[", 1)
        } else {
            ("warning[yaml-trap]", 0)
        };
        assert_eq!(code, want_code, "{file}: check exit code\n{stderr}");
        let at = format!("--> content/01-module/01-lesson.md:{}\n", case.at);
        let help_then_fix = "= help: ";
        for needle in [label, at.as_str(), "expected", help_then_fix, case.fixed]
            .into_iter()
            .chain(case.says.iter().copied())
        {
            assert!(
                stderr.contains(needle),
                "{file}: missing {needle:?} in\n{stderr}"
            );
        }
        // The fixed line comes after the help, not in place of the offending line.
        let help = stderr.find("= help: ").unwrap();
        assert!(stderr[help..].contains(case.fixed), "{file}: {stderr}");

        if case.error {
            let (code, _, stderr) = crescu(&["build", "--root", root]);
            assert_eq!(code, 1, "{file}: build should exit 1\n{stderr}");
            assert!(stderr.contains(case.fixed), "{file}: {stderr}");
            assert_eq!(
                std::fs::read_to_string(out.join("previous.html")).unwrap(),
                "old site",
                "{file}"
            );
        }
    }
}

/// The hint and the fixed line are data for tools too.
#[test]
fn json_diagnostics_carry_the_help_and_the_fix() {
    let bytes = std::fs::read(fixtures().join("summary-colon.md")).unwrap();
    let course = course_with(&[("01-lesson.md", &bytes)]);
    let root = course.path().to_str().unwrap();
    let (code, stdout, stderr) = crescu(&["check", "--root", root, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let line = stdout
        .lines()
        .chain(stderr.lines())
        .find(|l| l.contains("\"yaml-syntax\""))
        .unwrap_or_else(|| panic!("no JSON line in\n{stdout}\n{stderr}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["line"], 3);
    assert_eq!(v["column"], 28);
    assert_eq!(
        v["fix"],
        "summary: \"A branch is a file: it holds the id of one commit.\""
    );
    assert!(
        v["help"]
            .as_str()
            .unwrap()
            .contains("put the text in quotes")
    );
}
