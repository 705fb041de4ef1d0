//! Review: the page `review/index.html` and one script per module, `review/<module>.js`,
//! holding that module's exercises as HTML. Which exercises show, and in what order, is
//! decided in the browser from the learner's dated attempts (see the review part of
//! crescu.js), which then loads only the modules it needs: one page holding every
//! exercise would weigh about 4 MB at 1,000 lessons.

use super::views::{ExerciseView, NavLink, exercise_view, lesson_key};
use crate::content::{Course, Module};
use crate::diagnostics::{Diagnostic, Position};
use crate::markdown::Renderer;
use serde::Serialize;

/// Where the page is written, from the site root.
pub const REVIEW_PAGE: &str = "review/index.html";

#[derive(Serialize)]
pub struct ReviewItem {
    /// `module/lesson`, the key of the learner's progress.
    pub lesson_key: String,
    pub lesson: NavLink,
    /// The exercise on its lesson page.
    pub url: String,
    pub exercise: ExerciseView,
}

/// The exercises of `module` in order, with element ids unique in the course (exercise
/// ids are unique only within their lesson). Links are relative to `review/`.
pub fn module_items(module: &Module, md: &Renderer) -> Vec<ReviewItem> {
    let mut items = Vec::new();
    for lesson in &module.lessons {
        let page = format!("../{}/{}/index.html", module.slug, lesson.slug);
        for ex in &lesson.quiz {
            let mut exercise = exercise_view(ex, md);
            exercise.anchor = format!("review-{}-{}", module.slug, items.len() + 1);
            items.push(ReviewItem {
                lesson_key: lesson_key(module, lesson),
                lesson: NavLink {
                    title: lesson.title.clone(),
                    url: page.clone(),
                },
                url: format!("{page}#exercise-{}", ex.id),
                exercise,
            });
        }
    }
    items
}

/// The output path of a module's review script.
pub fn script_path(module: &Module) -> String {
    format!("review/{}.js", module.slug)
}

/// A module's review script: its items' HTML as a JSON string, under its slug.
pub fn script(module: &Module, items_html: &str) -> Vec<u8> {
    // Made in one buffer: a module's items run to hundreds of kilobytes.
    let mut out = Vec::with_capacity(items_html.len() + items_html.len() / 4 + 128);
    out.extend_from_slice(b"(window.CRESCU_REVIEW = window.CRESCU_REVIEW || {})[");
    // Serialising a string into memory cannot fail.
    let _ = serde_json::to_writer(&mut out, &module.slug);
    out.extend_from_slice(b"] = ");
    // `<` escaped, so the text stays inert wherever the script is put.
    crate::html::script_json_into(&mut out, items_html);
    out.extend_from_slice(b";\n");
    out
}

/// A module whose folder makes the slug `review` would take the review page's place.
pub fn reserved_slugs(course: &Course) -> Vec<Diagnostic> {
    course
        .modules
        .iter()
        .filter(|m| m.slug == "review")
        .map(|m| {
            Diagnostic::error(
                "reserved-slug",
                &m.source,
                Position::default(),
                "this module folder makes the slug `review`, where the site's review page is",
            )
            .expected("another folder name, such as `02-revision`")
        })
        .collect()
}
