//! Limits instead of hangs: hostile input is refused within a second with an error that
//! names the file and the line, and nothing is written.

mod common;

use common::*;
use crescu::build::{BuildOptions, build};
use crescu::diagnostics::Diagnostic;
use std::time::{Duration, Instant};

const QUICK: Duration = Duration::from_secs(1);

/// Build `dir` into a fresh output folder; the errors and how long the build took.
fn failing_build(dir: &tempfile::TempDir) -> (Vec<Diagnostic>, Duration) {
    let output = dir.path().join("output");
    let start = Instant::now();
    let result = build(&BuildOptions {
        use_cache: false,
        ..BuildOptions::new(dir.path(), Some(output.clone()))
    });
    let took = start.elapsed();
    let diags = result.expect_err("the build must fail").0;
    assert!(!output.exists(), "nothing is written on error");
    (
        diags.into_iter().filter(Diagnostic::is_error).collect(),
        took,
    )
}

fn lesson(front_matter_extra: &str, body: &str) -> Vec<u8> {
    format!("---\ntitle: Hostile\nsummary: s\n{front_matter_extra}---\n{body}").into_bytes()
}

#[test]
fn yaml_alias_bomb_is_refused_quickly() {
    // Ten levels of ten aliases: 10^10 values once expanded.
    let mut bomb = String::from("takeaways: &a0 [lol]\nvideos:\n");
    for level in 1..=10 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        bomb.push_str(&format!("  - &a{level} [{refs}]\n"));
    }
    let dir = course_with(&[("01-bomb.md", &lesson(&bomb, "Body.\n"))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < QUICK, "took {took:?}");
    let e = &errors[0];
    assert_eq!(e.code, "yaml-limit", "{errors:?}");
    assert!(e.message.contains("aliases expand to more than"), "{e:?}");
    assert!(e.file.ends_with("01-bomb.md"));
    // Line 1 is the fence, then title, summary, takeaways, videos, and the levels.
    assert_eq!(e.position.line, 10, "{}", e.render_text());
}

#[test]
fn deeply_nested_yaml_is_refused_quickly() {
    let depth = 50_000;
    let nested = format!("takeaways: {}x{}\n", "[".repeat(depth), "]".repeat(depth));
    let dir = course_with(&[("01-deep.md", &lesson(&nested, "Body.\n"))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < QUICK, "took {took:?}");
    let e = &errors[0];
    assert_eq!(e.code, "yaml-limit", "{errors:?}");
    assert!(e.message.contains("nested more than"), "{}", e.message);
    assert_eq!(e.position.line, 4);
}

#[test]
fn lesson_over_the_default_size_is_refused() {
    let body = "word ".repeat(6 * 1024 * 1024 / 5);
    let dir = course_with(&[("01-huge.md", &lesson("", &body))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < QUICK, "took {took:?}");
    let e = &errors[0];
    assert_eq!(e.code, "file-too-large", "{errors:?}");
    assert!(e.file.ends_with("01-huge.md"));
    assert!(
        e.message.contains("more than the limit of 5242880 bytes"),
        "{e:?}"
    );
}

#[test]
fn lesson_size_limit_is_configurable() {
    let body = "word ".repeat(400);
    let dir = course_with(&[("01-long.md", &lesson("", &body))]);
    let index = dir.path().join("content/_index.md");
    // Under the default limit it builds.
    let out = dir.path().join("site");
    build(&BuildOptions::new(dir.path(), Some(out))).expect("builds under the default limit");
    std::fs::write(
        &index,
        "---\ntitle: Test course\nmax_lesson_bytes: 1000\n---\nIntro.\n",
    )
    .unwrap();
    let (errors, _) = failing_build(&dir);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "file-too-large");
    assert!(errors[0].file.ends_with("01-long.md"));
    assert!(errors[0].message.contains("limit of 1000 bytes"));
    assert!(
        errors[0]
            .expected
            .as_deref()
            .unwrap_or_default()
            .contains("max_lesson_bytes")
    );
}

#[test]
fn simulation_over_the_event_budget_is_refused_quickly() {
    // About a billion events: far over the default budget of 50 million.
    let sim = "simulations:\n  - id: huge\n    title: Too many\n    chart: bars\n    runs:\n      - label: many\n        threads:\n          - { name: T1, work: [ { io: { count: 120000000, wait_ms: 0.001, cpu_us: 1 } } ] }\n          - { name: T2, work: [ { cpu_ms: 10 } ] }\n";
    let dir = course_with(&[("01-sim.md", &lesson(sim, "Body.\n"))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < QUICK, "took {took:?}");
    let e = &errors[0];
    assert!(e.file.ends_with("01-sim.md"), "{errors:?}");
    assert!(e.message.contains("budget"), "{}", e.render_text());
    assert!(e.position.line >= 4, "{}", e.render_text());
}

#[test]
fn simulation_over_the_time_budget_is_refused_quickly() {
    // Twenty minutes of simulated sleep: over the budget of 600 simulated seconds.
    let sim = "simulations:\n  - id: long\n    title: Too long\n    chart: bars\n    runs:\n      - label: long\n        threads:\n          - { name: T1, work: [ { sleep_ms: 400000 }, { sleep_ms: 400000 }, { sleep_ms: 400000 } ] }\n";
    let dir = course_with(&[("01-sim.md", &lesson(sim, "Body.\n"))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < QUICK, "took {took:?}");
    let e = &errors[0];
    assert!(e.file.ends_with("01-sim.md"), "{errors:?}");
    assert!(e.message.contains("budget"), "{}", e.render_text());
}

#[test]
fn many_equal_headings_and_links_on_one_line_render_in_linear_time() {
    // Both used to be quadratic: 20,000 `# a` headings took 29 s in a release build
    // (each repeat tried `a-1`, `a-2`, ... from the start), and every link's column was
    // counted from the start of its line.
    let headings = "# a\n\n".repeat(10_000);
    let links = "[a](https://example.org/) ".repeat(20_000);
    let dir = course_with(&[
        ("01-headings.md", &lesson("", &headings)),
        ("02-links.md", &lesson("", &format!("{links}\n"))),
    ]);
    let output = dir.path().join("output");
    let start = Instant::now();
    build(&BuildOptions {
        use_cache: false,
        ..BuildOptions::new(dir.path(), Some(output.clone()))
    })
    .expect("builds");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let page = std::fs::read_to_string(output.join("module/headings/index.html")).unwrap();
    assert!(page.contains("id=\"a-9999\""));
}

#[test]
fn thousands_of_problems_in_one_lesson_are_reported_in_linear_time() {
    // Each problem's source line used to be found by scanning the lesson from the top.
    let body = "{{ exercise nope }}\n\n".repeat(20_000);
    let dir = course_with(&[("01-broken.md", &lesson("", &body))]);
    let (errors, took) = failing_build(&dir);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(errors.len(), 20_000);
    let last = errors.last().unwrap();
    assert_eq!(last.source_line.as_deref(), Some("{{ exercise nope }}"));
}
