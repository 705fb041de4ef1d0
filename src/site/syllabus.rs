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
use std::sync::OnceLock;

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
    let first = first_listed(course, module);
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
                    .map(|l| {
                        let current = lesson.is_some_and(|c| c.slug == l.slug);
                        sidebar_lesson(root, m, l, current)
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

/// `lesson` of `module` as a sidebar lists it on pages whose links start with `root`.
fn sidebar_lesson(root: &str, module: &Module, lesson: &Lesson, current: bool) -> SidebarLesson {
    SidebarLesson {
        key: lesson_key(module, lesson),
        title: lesson.title.clone(),
        url: format!("{root}{}/{}/index.html", module.slug, lesson.slug),
        exercises: lesson.quiz.len(),
        current,
    }
}

/// The index of the first module a page's sidebar lists, when `module` is the page's.
fn first_listed(course: &Course, module: Option<&Module>) -> usize {
    let here = module
        .and_then(|c| course.modules.iter().position(|m| m.slug == c.slug))
        .unwrap_or(0);
    here.saturating_sub(LISTED_MODULES / 2)
        .min(course.modules.len().saturating_sub(LISTED_MODULES))
}

/// The sidebars of lesson pages as template values, `sidebar(course, root, module,
/// lesson)` for each lesson. A module's lesson pages differ only in the lesson marked
/// current, so each page's value is put together from parts made once per module (a
/// lesson page would otherwise serialise some 70 values of its own).
pub struct LessonSidebars<'a> {
    course: &'a Course,
    root: &'a str,
    /// By module of the course, made when one of its pages first needs it.
    modules: Vec<OnceLock<ModuleSidebar>>,
}

/// The parts of one module's lesson sidebars.
struct ModuleSidebar {
    /// The sidebar of the module's pages with no lesson current.
    none_current: tera::Value,
    /// Where the module is in the sidebar's `modules`.
    listed_at: usize,
    /// Each lesson of the module as listed when it is the current one.
    current: Vec<tera::Value>,
}

impl<'a> LessonSidebars<'a> {
    /// For pages whose links start with `root`.
    pub fn new(course: &'a Course, root: &'a str) -> Self {
        let modules = course.modules.iter().map(|_| OnceLock::new()).collect();
        LessonSidebars {
            course,
            root,
            modules,
        }
    }

    /// The sidebar of the page of `lesson`, of `module` of the course.
    pub fn page(&self, module: &Module, lesson: &Lesson) -> tera::Value {
        let (course, root) = (self.course, self.root);
        let at = course.modules.iter().position(|m| std::ptr::eq(m, module));
        let Some(parts) = at.and_then(|i| self.modules.get(i)) else {
            let one = sidebar(course, root, Some(module), Some(lesson));
            return tera::Value::from_serializable(&one);
        };
        let parts = parts.get_or_init(|| ModuleSidebar::new(course, root, module));
        // A list of a map made from our own structs: never missing.
        let list = |map: &tera::Map, key: &'static str| -> Vec<tera::Value> {
            let value = map.get(&tera::value::Key::from(key));
            value
                .and_then(|v| v.as_array())
                .map(<[_]>::to_vec)
                .unwrap_or_default()
        };
        let mut sidebar = parts.none_current.clone().into_map().unwrap_or_default();
        let mut modules = list(&sidebar, "modules");
        let Some(listed) = modules.get_mut(parts.listed_at) else {
            return parts.none_current.clone();
        };
        let mut entry = listed.clone().into_map().unwrap_or_default();
        let mut lessons = list(&entry, "lessons");
        for ((shown, l), current) in lessons.iter_mut().zip(&module.lessons).zip(&parts.current) {
            if l.slug == lesson.slug {
                *shown = current.clone();
            }
        }
        entry.insert("lessons".into(), tera::Value::from(lessons));
        *listed = tera::Value::from(entry);
        sidebar.insert("modules".into(), tera::Value::from(modules));
        tera::Value::from(sidebar)
    }
}

impl ModuleSidebar {
    fn new(course: &Course, root: &str, module: &Module) -> Self {
        let none_current = sidebar(course, root, Some(module), None);
        let listed_at = course
            .modules
            .iter()
            .position(|m| m.slug == module.slug)
            .map_or(0, |here| here - first_listed(course, Some(module)));
        let current = module
            .lessons
            .iter()
            .map(|l| tera::Value::from_serializable(&sidebar_lesson(root, module, l, true)))
            .collect();
        ModuleSidebar {
            none_current: tera::Value::from_serializable(&none_current),
            listed_at,
            current,
        }
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
    let mut out = b"window.CRESCU_SYLLABUS=".to_vec();
    // `<` escaped, so a title holding `</script>` stays inert wherever this text is put.
    crate::html::script_json_into(&mut out, &serde_json::json!({ "modules": modules }));
    out.extend_from_slice(b";\n");
    out
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

    fn course(modules: usize, lessons: usize) -> Course {
        let lesson = |n: usize| crate::content::Lesson {
            slug: format!("l{n}"),
            number: n as u32 + 1,
            title: format!("Lesson <{n}> & more"),
            minutes: 1,
            xp: 1,
            summary: None,
            focus_minutes: 0,
            takeaways: vec![],
            videos: vec![],
            go_deeper: vec![],
            quiz: vec![],
            simulations: vec![],
            measured: vec![],
            body: Default::default(),
            source: "content/m/l.md".into(),
            draft: false,
        };
        Course {
            config: crate::content::CourseConfig::default(),
            intro: Default::default(),
            modules: (0..modules)
                .map(|m| Module {
                    slug: format!("m{m}"),
                    title: format!("Module {m}"),
                    summary: None,
                    intro: Default::default(),
                    source: "content/m".into(),
                    lessons: (0..lessons + m % 3)
                        .map(|n| std::sync::Arc::new(lesson(n)))
                        .collect(),
                })
                .collect(),
            assets: vec![],
            broken_lessons: vec![],
        }
    }

    #[test]
    fn lesson_sidebars_are_each_lessons_sidebar() {
        // Fewer modules than are listed, and more: the listed ones move with the page.
        for modules in [1, 3, LISTED_MODULES + 5] {
            let course = course(modules, 4);
            let sidebars = LessonSidebars::new(&course, "../../");
            for m in &course.modules {
                for l in &m.lessons {
                    let one = sidebar(&course, "../../", Some(m), Some(l));
                    let expected = tera::Value::from_serializable(&one);
                    assert_eq!(sidebars.page(m, l), expected, "{} {}", m.slug, l.slug);
                }
            }
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
