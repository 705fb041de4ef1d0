//! Property tests: the three entry points that take author text never panic, whatever
//! the text. The fuzz targets in `fuzz/` explore the same entry points for longer.

use crescu::content::CourseConfig;
use crescu::content::lesson::{LessonPlace, parse_lesson, parse_simulation_file};
use crescu::markdown::Renderer;
use crescu::sim::{self, Budget};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn course() -> CourseConfig {
    CourseConfig {
        title: "C".into(),
        brand: "C".into(),
        description: None,
        language: "en".into(),
        focus_minutes: 25,
        base_url: None,
        theme: "default".into(),
        favicon: None,
        simulation_budget: crescu::sim::DEFAULT_BUILD_WORK,
        mastery_score: None,
    }
}

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(Renderer::new)
}

/// Text built from the characters that matter to YAML and Markdown, so the generator
/// reaches their syntax far more often than uniformly random text would.
fn structured(max: usize) -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("---\n".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("title: T\n".to_string()),
        Just("quiz:\n".to_string()),
        Just(
            "  - type: multiple_choice\n    prompt: P\n    options: [a, b]\n    answer: "
                .to_string()
        ),
        Just("  - type: fill_blank\n    prompt: a ___ b\n    answers: ".to_string()),
        Just("simulations:\n".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("```python\n".to_string()),
        Just("```\n".to_string()),
        Just("{{ exercise x }}\n".to_string()),
        Just("{{ chart c }}\n".to_string()),
        Just("> **Note:** ".to_string()),
        Just("# ".to_string()),
        Just("[l](".to_string()),
        Just("|a|b|\n|-|-|\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("$".to_string()),
        Just("$$\n".to_string()),
        Just("\\frac{".to_string()),
        Just("^".to_string()),
        "[a-z0-9_ ]{0,8}",
        "\\PC{0,6}",
        any::<u32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
    ];
    proptest::collection::vec(pieces, 0..max).prop_map(|v| v.concat())
}

/// Simulation files: a list of simulations with numbers anywhere a number may go.
fn simulation_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        (0u32..50).prop_map(|n| n.to_string()),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just(".nan".to_string()),
        Just(".inf".to_string()),
    ];
    let step = prop_oneof![
        number.clone().prop_map(|n| format!("{{ cpu_ms: {n} }}")),
        number.clone().prop_map(|n| format!("{{ sleep_ms: {n} }}")),
        (number.clone(), number.clone(), number.clone())
            .prop_map(|(c, w, u)| format!("{{ io: {{ count: {c}, wait_ms: {w}, cpu_us: {u} }} }}")),
        (number.clone(), any::<bool>())
            .prop_map(|(n, r)| format!("{{ c_ext: {{ ms: {n}, releases_gil: {r} }} }}")),
        (number.clone(), number.clone()).prop_map(|(t, n)| format!(
            "{{ repeat: {{ times: {t}, steps: [ {{ cpu_ms: {n} }}, {{ sleep_ms: 1 }} ] }} }}"
        )),
    ];
    let thread = proptest::collection::vec(step, 0..4)
        .prop_map(|steps| format!("{{ name: T, work: [ {} ] }}", steps.join(", ")));
    let gil = prop_oneof![
        Just("new"),
        Just("old"),
        Just("free_threaded"),
        Just("bogus")
    ];
    (
        proptest::collection::vec(thread, 0..4),
        number.clone(),
        number,
        gil,
        structured(6),
    )
        .prop_map(|(threads, cores, interval, gil, noise)| {
            format!(
                "- id: s\n  title: S\n  chart: bars\n  machine: {{ cores: {cores} }}\n  interpreter: {{ gil: {gil}, switch_interval_ms: {interval} }}\n  runs:\n    - label: r\n      threads: [ {} ]\n{noise}",
                threads.join(", ")
            )
        })
}

/// Budget small enough that every accepted input runs in milliseconds.
const SMALL: Budget = Budget {
    max_events: 20_000,
    max_simulated_s: 2.0,
    max_work: 1e6,
};

/// TeX: commands, groups, scripts, environments and text, in any order.
fn tex_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\\frac".to_string()),
        Just("\\sqrt".to_string()),
        Just("\\sum_".to_string()),
        Just("\\left(".to_string()),
        Just("\\right)".to_string()),
        Just("\\begin{matrix}".to_string()),
        Just("\\end{matrix}".to_string()),
        Just("\\text{".to_string()),
        Just("\\\\".to_string()),
        Just("&".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("^".to_string()),
        Just("_".to_string()),
        Just("<script>".to_string()),
        "[a-z0-9 +=-]{0,4}",
        "\\PC{0,3}",
    ];
    proptest::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn math_never_panics_and_never_opens_markup(tex in tex_text()) {
        for block in [false, true] {
            if let Ok(mathml) = crescu::markdown::math::to_mathml(&tex, block) {
                prop_assert!(mathml.starts_with("<math display="), "{}", mathml);
                prop_assert!(!mathml.contains("<script"), "{}", mathml);
            }
        }
    }

    #[test]
    fn lessons_never_panic(yaml in structured(24), body in structured(12)) {
        for text in [format!("---\n{yaml}\n---\n{body}"), yaml.clone()] {
            let place = LessonPlace { file: Path::new("p.md"), slug: "p".into(), position: 1 };
            let (_, problems) = parse_lesson(place, &text, &course());
            for d in &problems {
                let _ = d.render_text();
            }
        }
    }

    #[test]
    fn markdown_never_panics(text in structured(40)) {
        let body = renderer().body(&text, 1);
        let html: String = body
            .parts
            .iter()
            .filter_map(|p| match p {
                crescu::markdown::BodyPart::Html(h) => Some(h.as_str()),
                _ => None,
            })
            .collect();
        // Author text never opens a script of its own through a code block.
        prop_assert!(!html.contains("<pre class=\"code\"><code><script"));
        let _ = renderer().inline(&text);
    }

    #[test]
    fn simulation_files_never_panic(text in simulation_text()) {
        if let Ok(sims) = parse_simulation_file(Path::new("s.yaml"), &text) {
            for s in &sims {
                if let Ok(result) = sim::run(&s.scenario, s.seed, &SMALL) {
                    let _ = crescu::simulations::draw(s, &result);
                }
            }
        }
    }
}
