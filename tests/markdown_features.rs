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

#[test]
fn videos_are_players_files_or_links_and_always_links() {
    let lesson = "---\ntitle: Watch\nsummary: s\nvideos:\n  - title: \"A <b>talk</b>\"\n    url: https://youtu.be/Obt-vMVdM8s\n  - title: Kept a link\n    url: https://vimeo.com/76979871\n    embed: false\n  - title: Clip\n    url: clip.mp4\n  - title: Page\n    url: https://example.org/talk\n---\nText.\n";
    let course = course_with(&[("01-watch.md", lesson.as_bytes()), ("clip.mp4", b"x")]);
    let (code, _, stderr) = crescu(&["build", "--root", course.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let page =
        std::fs::read_to_string(course.path().join("output/module/watch/index.html")).unwrap();
    let videos = &page[page.find("class=\"videos\"").unwrap()..];
    let videos = &videos[..videos.find("</section>").unwrap()];
    assert_eq!(
        videos.matches("<li class=\"video\"><a href=").count(),
        4,
        "{videos}"
    );
    assert!(videos.contains(
        "data-player=\"https://www.youtube-nocookie.com/embed/Obt-vMVdM8s?autoplay=1\" data-video-title=\"A &lt;b&gt;talk&lt;/b&gt;\" hidden data-needs-js>"
    ), "{videos}");
    assert_eq!(
        videos.matches("data-player").count(),
        1,
        "embed: false is a link"
    );
    assert!(
        videos.contains("<video controls preload=\"metadata\" src=\"../clip.mp4\">"),
        "{videos}"
    );
    assert!(
        !videos.contains("<iframe") && !videos.contains("<b>"),
        "{videos}"
    );
    assert!(course.path().join("output/module/clip.mp4").is_file());
}
