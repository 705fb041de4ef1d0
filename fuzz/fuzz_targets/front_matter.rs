//! Front matter split + YAML parse + lesson validation on arbitrary text.
#![no_main]

use crescu::content::CourseConfig;
use crescu::content::lesson::{LessonPlace, parse_lesson};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let course = CourseConfig {
        title: "Fuzz".into(),
        brand: "Fuzz".into(),
        description: None,
        language: "en".into(),
        focus_minutes: 25,
        base_url: None,
        theme: "default".into(),
    };
    let place = LessonPlace {
        file: Path::new("fuzz.md"),
        slug: "fuzz".into(),
        position: 1,
    };
    let (_lesson, problems) = parse_lesson(place, text, &course);
    // Rendering the diagnostics exercises the snippet and column code too.
    for d in &problems {
        let _ = d.render_text();
    }
});
