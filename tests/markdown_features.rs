//! Markdown features built into pages end to end: TeX math as MathML (and malformed
//! math as a located error), and lesson videos as click-to-load embeds, `<video>` or
//! links.

mod common;

use common::*;

const MATH_LESSON: &str = "---\ntitle: Sums\nsummary: s\n---\nA course costs $5 and a book $10.\n\nThe mean is $\\bar{x} = \\frac{1}{n}\\sum x_i$, and\n\n$$\nT(n) = 2T(n/2) + n\n$$\n";

#[test]
fn math_is_mathml_in_the_page_and_prices_stay_text() {
    let course = course_with(&[("01-sums.md", MATH_LESSON.as_bytes())]);
    let (code, _, stderr) = crescu(&["build", "--root", course.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let page =
        std::fs::read_to_string(course.path().join("output/module/sums/index.html")).unwrap();
    assert!(page.contains("<p>A course costs $5 and a book $10.</p>"));
    assert!(page.contains("<math display=\"inline\"><semantics>") && page.contains("<mfrac>"));
    assert!(page.contains("<math display=\"block\">"));
    assert!(
        !page.contains("katex") && !page.contains("mathjax"),
        "no script, no web font"
    );
}

#[test]
fn malformed_math_fails_the_build_with_its_place() {
    let broken = MATH_LESSON.replace("x_i$", "x_i^$");
    let course = course_with(&[("01-sums.md", broken.as_bytes())]);
    let root = course.path().to_str().unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", root]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr
            .contains("error[malformed-math]: malformed math `\\bar{x} = \\frac{1}{n}\\sum x_i^`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/01-module/01-sums.md:7:13"),
        "{stderr}"
    );
    assert!(
        stderr.contains("7 | The mean is $\\bar{x} = \\frac{1}{n}\\sum x_i^$, and"),
        "the offending line: {stderr}"
    );
    assert!(!course.path().join("output").exists(), "nothing written");
    let (code, stdout, _) = crescu(&["check", "--root", root, "--format", "json"]);
    assert_eq!(code, 1);
    let found: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(found["code"], "malformed-math");
    assert_eq!(
        (found["line"].as_u64(), found["column"].as_u64()),
        (Some(7), Some(13))
    );
}
