//! A lesson page: its body with exercises and charts placed where their shortcodes stand
//! (the rest after the text), its videos and go-deeper questions, and the course around it.

use super::outline::SiteOutline;
use super::output::OutputFile;
use super::views::*;
use super::{RenderContext, render_template, site_view, syllabus, video};
use crate::content::{Lesson, Module};
use crate::diagnostics::{Diagnostic, Position};
use crate::markdown::BodyPart;
use std::path::PathBuf;

/// A lesson with its place in the course: output order, module and neighbours.
#[derive(Clone, Copy)]
pub struct LessonAt<'a> {
    pub index: usize,
    pub module: &'a Module,
    pub lesson: &'a Lesson,
    pub prev: Option<(&'a Module, &'a Lesson)>,
    pub next: Option<(&'a Module, &'a Lesson)>,
}

/// `sidebars` are those of lesson pages (`syllabus::LessonSidebars` at `../../`).
pub fn render_lesson(
    ctx: &RenderContext,
    outline: &SiteOutline,
    sidebars: &syllabus::LessonSidebars,
    at: LessonAt,
) -> Result<OutputFile, Vec<Diagnostic>> {
    let (module, lesson) = (at.module, at.lesson);
    let body = ctx
        .markdown
        .body_with_links(&lesson.body.text, lesson.body.first_line, &|url| {
            outline.rewrite(module, lesson, url)
        });
    let parts = body_parts(ctx, module, lesson, body.parts)?;
    let view = lesson_view(ctx, outline, module, lesson, parts);
    let nav = |p: Option<(&Module, &Lesson)>| {
        p.map(|(m, l)| NavLink {
            title: l.title.clone(),
            url: format!("../../{}/{}/index.html", m.slug, l.slug),
        })
    };
    let mut c = tera::Context::new();
    c.insert("site", &site_view(ctx, "../../"));
    c.insert("lesson", &view);
    c.insert(
        "module",
        &NavLink {
            title: module.title.clone(),
            url: format!("../../{}/index.html", module.slug),
        },
    );
    c.insert("prev", &nav(at.prev));
    c.insert("next", &nav(at.next));
    c.insert_value("sidebar", sidebars.page(module, lesson));
    c.insert("page_kind", "lesson");
    c.insert(
        "position",
        &syllabus::position(ctx.course, module, lesson, at.index),
    );
    let headings = outline.lessons.get(at.index).map(|b| b.headings.as_slice());
    c.insert(
        "toc",
        &syllabus::table_of_contents(headings.unwrap_or_default()),
    );
    c.insert("page_title", &lesson.title);
    c.insert(
        "description",
        &lesson
            .summary
            .clone()
            .or_else(|| ctx.course.config.description.clone()),
    );
    let path = PathBuf::from(&module.slug)
        .join(&lesson.slug)
        .join("index.html");
    render_template(ctx, "lesson.html", c, path).map_err(|d| vec![d])
}

/// The lesson as the template sees it, around its body `parts`.
fn lesson_view(
    ctx: &RenderContext,
    outline: &SiteOutline,
    module: &Module,
    lesson: &Lesson,
    parts: Vec<PartView>,
) -> LessonView {
    let md = ctx.markdown;
    LessonView {
        key: lesson_key(module, lesson),
        slug: lesson.slug.clone(),
        number: lesson.number,
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        minutes: lesson.minutes,
        xp: lesson.xp,
        focus_minutes: lesson.focus_minutes,
        exercise_count: lesson.quiz.len(),
        parts,
        takeaways: lesson.takeaways.iter().map(|t| md.inline(t)).collect(),
        videos: lesson
            .videos
            .iter()
            .map(|v| VideoView {
                title: v.title.clone(),
                url: outline
                    .rewrite(module, lesson, &v.url)
                    .unwrap_or_else(|| v.url.clone()),
                source: video::source(&v.url, v.embed),
            })
            .collect(),
        go_deeper: go_deeper_views(ctx, lesson),
    }
}

/// Each go-deeper question, with the title and address of the lesson answering it.
fn go_deeper_views(ctx: &RenderContext, lesson: &Lesson) -> Vec<GoDeeperView> {
    lesson
        .go_deeper
        .iter()
        .map(|g| {
            let target = g.target.as_ref().and_then(|t| {
                ctx.course
                    .modules
                    .iter()
                    .find(|m| m.slug == t.module)
                    .and_then(|m| m.lessons.iter().find(|l| l.slug == t.lesson))
                    .map(|l| {
                        (
                            format!("../../{}/{}/index.html", t.module, t.lesson),
                            l.title.clone(),
                        )
                    })
            });
            GoDeeperView {
                question_html: ctx.markdown.inline(&g.question),
                url: target.as_ref().map(|t| t.0.clone()),
                lesson_title: target.map(|t| t.1),
            }
        })
        .collect()
}

/// What a shortcode places: an exercise of `quiz:` or a chart of `simulations:`.
struct Placeable {
    /// The shortcode's word: `{{ exercise ID }}`, `{{ chart ID }}`.
    shortcode: &'static str,
    /// The front-matter item it names, with its article.
    item: (&'static str, &'static str),
    /// The front-matter key listing those items.
    list: &'static str,
    /// The code of the error for an id that names none.
    missing: &'static str,
}

const EXERCISE: Placeable = Placeable {
    shortcode: "exercise",
    item: ("an", "exercise"),
    list: "quiz",
    missing: "missing-exercise",
};

const CHART: Placeable = Placeable {
    shortcode: "chart",
    item: ("a", "simulation"),
    list: "simulations",
    missing: "missing-simulation",
};

impl Placeable {
    /// The error for a shortcode at `line` naming `id`: placed twice, or naming none
    /// of `ids`.
    fn problem(
        &self,
        lesson: &Lesson,
        line: usize,
        id: &str,
        ids: &[&str],
        twice: bool,
    ) -> Diagnostic {
        let position = Position::new(line, 1);
        let what = self.shortcode;
        if twice {
            return Diagnostic::error(
                "duplicate-placement",
                &lesson.source,
                position,
                format!("{what} `{id}` is placed twice"),
            )
            .expected(format!("each `{{{{ {what} ID }}}}` once per lesson"));
        }
        let (article, item) = self.item;
        let hint = crate::diagnostics::suggest(id, ids.iter().copied())
            .map(|h| format!(", did you mean `{h}`?"))
            .unwrap_or_default();
        Diagnostic::error(
            self.missing,
            &lesson.source,
            position,
            format!("no {item} `{id}` in this lesson{hint}"),
        )
        .expected(if ids.is_empty() {
            format!("{article} {item} with this id under `{}:`", self.list)
        } else {
            format!("one of: {}", ids.join(", "))
        })
    }
}

/// Index of `id` in `ids` if not placed yet (marking it placed), or whether it was
/// placed before (`Err(true)`) or is unknown (`Err(false)`).
fn place(ids: &[&str], placed: &mut [bool], id: &str) -> Result<usize, bool> {
    match ids.iter().position(|i| *i == id) {
        Some(i) if !placed[i] => {
            placed[i] = true;
            Ok(i)
        }
        Some(_) => Err(true),
        None => Err(false),
    }
}

/// The body's parts with each shortcode replaced by its exercise or chart, then the
/// charts and exercises no shortcode placed; or every misplaced shortcode.
fn body_parts(
    ctx: &RenderContext,
    module: &Module,
    lesson: &Lesson,
    body: Vec<BodyPart>,
) -> Result<Vec<PartView>, Vec<Diagnostic>> {
    let md = ctx.markdown;
    let key = lesson_key(module, lesson);
    let chart = |i: usize| PartView {
        kind: "chart",
        html: ctx
            .charts
            .figure(&key, &lesson.simulations[i].id)
            .unwrap_or_default()
            .to_string(),
        exercise: None,
    };
    let exercise = |i: usize| PartView {
        kind: "exercise",
        html: String::new(),
        exercise: Some(exercise_view(&lesson.quiz[i], md)),
    };
    let exercise_ids: Vec<&str> = lesson.quiz.iter().map(|e| e.id.as_str()).collect();
    let chart_ids: Vec<&str> = lesson.simulations.iter().map(|s| s.id.as_str()).collect();
    let mut placed = vec![false; exercise_ids.len()];
    let mut charted = vec![false; chart_ids.len()];
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for part in body {
        let (what, ids, done, view, id, line): (_, _, _, &dyn Fn(usize) -> PartView, _, _) =
            match part {
                BodyPart::Html(html) => {
                    parts.push(PartView {
                        kind: "html",
                        html,
                        exercise: None,
                    });
                    continue;
                }
                BodyPart::Exercise { id, line } => {
                    (&EXERCISE, &exercise_ids, &mut placed, &exercise, id, line)
                }
                BodyPart::Chart { id, line } => {
                    (&CHART, &chart_ids, &mut charted, &chart, id, line)
                }
            };
        match place(ids, done, &id) {
            Ok(i) => parts.push(view(i)),
            Err(twice) => problems.push(what.problem(lesson, line, &id, ids, twice)),
        }
    }
    if !problems.is_empty() {
        return Err(with_source_lines(lesson, problems));
    }
    parts.extend((0..charted.len()).filter(|&i| !charted[i]).map(chart));
    parts.extend((0..placed.len()).filter(|&i| !placed[i]).map(exercise));
    Ok(parts)
}

/// `problems` with the lesson line each points at.
fn with_source_lines(lesson: &Lesson, mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    // Split once: finding each problem's line from the top is quadratic in a lesson with
    // thousands of broken shortcodes.
    let lines: Vec<&str> = lesson.body.text.lines().collect();
    for d in &mut problems {
        // Body lines are counted from the body's first line of the file.
        let body_line = d.position.line.saturating_sub(lesson.body.first_line);
        d.source_line = lines.get(body_line).map(|l| l.to_string());
    }
    problems
}
