//! The review page, `review/index.html`: every exercise of the course with a link back to
//! its lesson. Which ones show, and in what order, is decided in the browser from the
//! learner's stored attempts (see `CrescuReview` in crescu.js); the page holds them all.

use super::views::{ExerciseView, NavLink, exercise_view, lesson_key};
use crate::content::Course;
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

/// Every exercise in course order, with element ids unique on the page (exercise ids are
/// unique only within their lesson).
pub fn items(course: &Course, md: &Renderer) -> Vec<ReviewItem> {
    let mut items = Vec::new();
    for (module, lesson) in course.lessons() {
        let page = format!("../{}/{}/index.html", module.slug, lesson.slug);
        for ex in &lesson.quiz {
            let mut exercise = exercise_view(ex, md);
            exercise.anchor = format!("review-{}", items.len() + 1);
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
