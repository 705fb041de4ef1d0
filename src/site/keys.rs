//! Hashes of everything each output file of a rebuild is made from (see `reuse`): a
//! file whose key did not change since the build that wrote it is left as it is.
//! Lessons enter as their stamps (`Reuse::lesson_stamp`), so no key hashes lesson text.

use super::RenderContext;
use super::fingerprint::HashWriter;
use super::lesson::LessonAt;
use super::outline::SiteOutline;
use super::reuse::{self, Reuse};
use super::syllabus;
use super::views::lesson_key;
use crate::content::{Course, Module};
use std::fmt::Write as _;
use std::hash::Hasher as _;
use std::path::Path;

/// What every page is made from: the course settings and introduction, the sidebar's
/// inputs (every module's and lesson's slug and title) and the course's files (links
/// may lead to them). Hashed once a build.
pub fn base(ctx: &RenderContext) -> u64 {
    let course = ctx.course;
    let mut h = HashWriter::new();
    let _ = write!(
        h,
        "{:?}{:?}{:?}{}",
        course.config,
        ctx.scorm,
        course.intro,
        syllabus::fingerprint(course)
    );
    for asset in &course.assets {
        let _ = write!(h, "{}", asset.target.display());
    }
    h.finish()
}

/// For each module, a hash of what its page shows: its title, summary and introduction,
/// and each lesson's card (number, title, summary, minutes, XP, exercises).
pub fn module_cards(course: &Course) -> Vec<u64> {
    course
        .modules
        .iter()
        .map(|m| {
            let mut h = HashWriter::new();
            let _ = write!(h, "{}{}{:?}{:?}", m.slug, m.title, m.summary, m.intro);
            for l in &m.lessons {
                let _ = write!(
                    h,
                    "{}{}{}{:?}{}{}{}",
                    l.slug,
                    l.number,
                    l.title,
                    l.summary,
                    l.minutes,
                    l.xp,
                    l.quiz.len()
                );
            }
            h.finish()
        })
        .collect()
}

/// One hash of several.
pub fn all(keys: &[u64]) -> u64 {
    let mut h = HashWriter::new();
    for key in keys {
        h.0.write_u64(*key);
    }
    h.finish()
}

/// A page at output path `name` made from the `base` inputs and those hashing to `key`.
pub fn page(base: u64, name: &str, key: u64) -> u64 {
    let mut h = HashWriter::new();
    let _ = write!(h, "page{name}{base}{key}");
    h.finish()
}

/// A module's review script: its lessons' exercises, titles and slugs (not their
/// text: an edit to a lesson's body leaves the script as it is).
pub fn review_script(ctx: &RenderContext, module: &Module, base: u64) -> u64 {
    let mut h = HashWriter::new();
    let _ = write!(h, "review{}{base}", module.slug);
    if let Some(reuse) = ctx.reuse {
        for lesson in &module.lessons {
            // What the script shows of the lesson, hashed once while the lesson is the same.
            let key = || {
                let mut h = HashWriter::new();
                let _ = write!(h, "review-lesson{}", reuse.lesson_stamp(lesson));
                h.finish()
            };
            let shown = reuse::value(Some(reuse), key, || {
                let mut h = HashWriter::new();
                let _ = write!(h, "{}{}{:?}", lesson.slug, lesson.title, lesson.quiz);
                h.finish()
            });
            h.0.write_u64(*shown);
        }
    }
    h.finish()
}

/// `syllabus.js`: the sidebar's inputs and every lesson's exercise ids.
pub fn syllabus_script(course: &Course, base: u64) -> u64 {
    let mut h = HashWriter::new();
    let _ = write!(h, "syllabus{base}");
    for (_, lesson) in course.lessons() {
        for exercise in &lesson.quiz {
            let _ = write!(h, "{}", exercise.id);
        }
        h.0.write_u8(0);
    }
    h.finish()
}

/// A file copied as it is.
pub fn bytes(path: &Path, bytes: &[u8]) -> u64 {
    let mut h = HashWriter::new();
    let _ = write!(h, "file{}", path.display());
    h.0.write(bytes);
    h.finish()
}

/// A hash of everything a lesson page is rendered from: the lesson, its module, its
/// neighbours, the course settings, the titles its go-deeper questions link to, its charts
/// and where its links lead. The sidebar's and course settings' are hashed once a build
/// (`render_lessons`).
pub fn lesson_page(
    ctx: &RenderContext,
    outline: &SiteOutline,
    at: LessonAt,
    reuse: &dyn Reuse,
) -> u64 {
    let (module, lesson) = (at.module, at.lesson);
    let mut h = HashWriter::new();
    let _ = write!(
        h,
        "lesson-page{}{}{}",
        reuse.lesson_stamp(lesson),
        module.slug,
        module.title
    );
    for (side, near) in [("prev", at.prev), ("next", at.next)] {
        if let Some((m, l)) = near {
            let _ = write!(h, "{side}{}{}{}", m.slug, l.slug, l.title);
        }
    }
    for target in lesson.go_deeper.iter().filter_map(|g| g.target.as_ref()) {
        let title = ctx
            .course
            .modules
            .iter()
            .find(|m| m.slug == target.module)
            .and_then(|m| m.lessons.iter().find(|l| l.slug == target.lesson))
            .map(|l| l.title.as_str());
        let _ = write!(h, "{target:?}{title:?}");
    }
    let key = lesson_key(module, lesson);
    for simulation in &lesson.simulations {
        let figure = ctx.charts.figure(&key, &simulation.id).unwrap_or_default();
        h.0.write(figure.as_bytes());
    }
    if let Some(body) = outline.lessons.get(at.index) {
        for link in &body.links {
            let _ = write!(h, "{:?}", outline.rewrite(module, lesson, &link.url));
        }
    }
    h.finish()
}
