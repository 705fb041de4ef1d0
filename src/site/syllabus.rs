//! The course around a page: the syllabus sidebar, a lesson's place in its module and
//! course, its table of contents, and `syllabus.js`, the whole course's lesson list that
//! the browser loads once for ticks, counts, "Continue" and review.
//!
//! The sidebar in each page's HTML lists every module but only the current module's
//! lessons, so its size grows with the number of modules and the size of one module, not
//! with the course: a 1,000-lesson course would otherwise add tens of KB to every page.

use super::views::lesson_key;
use crate::content::{Course, Lesson, Module};
use crate::markdown::Heading;
use serde::Serialize;
use std::fmt::Write as _;

/// The generated file holding every lesson of the course (see `to_js`).
pub const SYLLABUS_FILE: &str = "syllabus.js";

/// A table of contents is shown for lessons with at least this many headings.
pub const TOC_MIN_HEADINGS: usize = 3;

#[derive(Serialize)]
pub struct SidebarLesson {
    pub key: String,
    pub title: String,
    pub url: String,
    pub exercises: usize,
    pub current: bool,
}

#[derive(Serialize)]
pub struct SidebarModule {
    pub slug: String,
    pub title: String,
    pub url: String,
    pub lesson_count: usize,
    /// The module of the page (its lessons are listed), or the page is this module's.
    pub current: bool,
    pub lessons: Vec<SidebarLesson>,
}

/// Where a lesson stands: "Lesson 2 of 7" in its module and in the course.
#[derive(Clone, Copy, Serialize, PartialEq, Eq, Debug)]
pub struct Position {
    pub in_module: usize,
    pub module_lessons: usize,
    pub in_course: usize,
    pub course_lessons: usize,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct TocEntry {
    pub id: String,
    pub text: String,
    pub level: u8,
}

/// A course with more modules lists only this many around the page's own in each page's
/// HTML (the script adds the rest from `syllabus.js`): 200 modules would otherwise add
/// some 45 KB to every page.
pub const LISTED_MODULES: usize = 24;

#[derive(Serialize)]
pub struct Sidebar {
    pub modules: Vec<SidebarModule>,
    /// All modules of the course, listed or not.
    pub module_count: usize,
    /// Some modules are left out of `modules`.
    pub partial: bool,
}

/// The sidebar of a page at link prefix `root`, with `module` (and `lesson`) current.
pub fn sidebar(
    course: &Course,
    root: &str,
    module: Option<&Module>,
    lesson: Option<&Lesson>,
) -> Sidebar {
    let here = module
        .and_then(|c| course.modules.iter().position(|m| m.slug == c.slug))
        .unwrap_or(0);
    let first = here
        .saturating_sub(LISTED_MODULES / 2)
        .min(course.modules.len().saturating_sub(LISTED_MODULES));
    let modules = course
        .modules
        .iter()
        .skip(first)
        .take(LISTED_MODULES)
        .map(|m| {
            let current = module.is_some_and(|c| c.slug == m.slug);
            let lessons = if current {
                m.lessons
                    .iter()
                    .map(|l| SidebarLesson {
                        key: lesson_key(m, l),
                        title: l.title.clone(),
                        url: format!("{root}{}/{}/index.html", m.slug, l.slug),
                        exercises: l.quiz.len(),
                        current: lesson.is_some_and(|c| c.slug == l.slug),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            SidebarModule {
                slug: m.slug.clone(),
                title: m.title.clone(),
                url: format!("{root}{}/index.html", m.slug),
                lesson_count: m.lessons.len(),
                current,
                lessons,
            }
        })
        .collect();
    Sidebar {
        modules,
        module_count: course.modules.len(),
        partial: course.modules.len() > LISTED_MODULES,
    }
}

/// The position of the `index`-th lesson of the course (in `course.lessons()` order).
pub fn position(course: &Course, module: &Module, lesson: &Lesson, index: usize) -> Position {
    Position {
        in_module: module
            .lessons
            .iter()
            .position(|l| l.slug == lesson.slug)
            .map_or(0, |i| i + 1),
        module_lessons: module.lessons.len(),
        in_course: index + 1,
        course_lessons: course.modules.iter().map(|m| m.lessons.len()).sum(),
    }
}

/// Section headings (levels 2 and 3) for "On this page", or none below the threshold.
pub fn table_of_contents(headings: &[Heading]) -> Vec<TocEntry> {
    let entries: Vec<TocEntry> = headings
        .iter()
        .filter(|h| (2..=3).contains(&h.level) && !h.id.is_empty())
        .map(|h| TocEntry {
            id: h.id.clone(),
            text: h.text.clone(),
            level: h.level,
        })
        .collect();
    if entries.len() >= TOC_MIN_HEADINGS {
        entries
    } else {
        Vec::new()
    }
}

/// A hash of everything the sidebars are made from (module and lesson slugs, titles,
/// exercise counts), for reusing rendered pages between rebuilds.
pub fn fingerprint(course: &Course) -> u64 {
    let mut h = super::fingerprint::HashWriter::new();
    for m in &course.modules {
        let _ = write!(h, "{}{}", m.slug, m.title);
        for l in &m.lessons {
            let _ = write!(h, "{}{}{}{}", l.slug, l.title, l.quiz.len(), l.xp);
        }
    }
    h.finish()
}

#[derive(Serialize)]
struct ScriptModule<'a> {
    slug: &'a str,
    title: &'a str,
    lessons: Vec<ScriptLesson<'a>>,
}

/// A lesson as the browser sees it: `[slug, title, exercise ids, XP]`.
#[derive(Serialize)]
struct ScriptLesson<'a>(&'a str, &'a str, Vec<&'a str>, u32);

/// `syllabus.js`: a script (not JSON, so pages opened from `file://` can load it) that
/// sets `window.CRESCU_SYLLABUS` to the modules and lessons of the course in order.
pub fn to_js(course: &Course) -> Vec<u8> {
    let modules: Vec<ScriptModule> = course
        .modules
        .iter()
        .map(|m| ScriptModule {
            slug: &m.slug,
            title: &m.title,
            lessons: m
                .lessons
                .iter()
                .map(|l| {
                    ScriptLesson(
                        &l.slug,
                        &l.title,
                        l.quiz.iter().map(|e| e.id.as_str()).collect(),
                        l.xp,
                    )
                })
                .collect(),
        })
        .collect();
    let json = serde_json::to_string(&serde_json::json!({ "modules": modules }))
        .unwrap_or_else(|_| "{\"modules\":[]}".to_string());
    // `<` escaped, so a title holding `</script>` stays inert wherever this text is put.
    format!("window.CRESCU_SYLLABUS={};\n", json.replace('<', "\\u003c")).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(level: u8, id: &str) -> Heading {
        Heading {
            level,
            id: id.into(),
            text: format!("About {id}"),
        }
    }

    #[test]
    fn contents_need_three_section_headings() {
        let two = [
            heading(2, "a"),
            heading(1, "t"),
            heading(4, "d"),
            heading(3, "b"),
        ];
        assert!(table_of_contents(&two).is_empty());
        let three = [heading(2, "a"), heading(3, "b"), heading(2, "c")];
        let toc = table_of_contents(&three);
        assert_eq!(
            toc.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(toc[1].level, 3);
    }
}
