//! What templates see: plain serialisable views built from the model and rendered Markdown.

use crate::content::quiz::split_blanks;
use crate::content::{Course, Exercise, ExerciseKind, Lesson, Module};
use crate::markdown::Renderer;
use serde::Serialize;

#[derive(Serialize)]
pub struct SiteView {
    pub title: String,
    pub brand: String,
    pub description: Option<String>,
    pub language: String,
    /// Prefix of every relative link on this page ("", "../", "../../").
    pub root: String,
    /// localStorage key prefix, scoped to this course so two courses on a host never mix.
    pub storage_key: String,
    pub base_url: Option<String>,
    /// The icon's path from the site root.
    pub favicon: String,
    /// Pages of a SCORM build load the LMS adaptor.
    pub scorm: bool,
}

impl SiteView {
    pub fn new(course: &Course, root: &str) -> Self {
        let c = &course.config;
        SiteView {
            title: c.title.clone(),
            brand: c.brand.clone(),
            description: c.description.clone(),
            language: c.language.clone(),
            root: root.to_string(),
            storage_key: format!("crescu:v1:{}", crate::content::slugify(&c.title)),
            base_url: c.base_url.clone(),
            favicon: c
                .favicon
                .clone()
                .unwrap_or_else(|| "static/favicon.svg".to_string()),
            scorm: false,
        }
    }
}

#[derive(Clone, Serialize)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

/// A lesson as listed on the course index and module pages.
#[derive(Serialize)]
pub struct LessonCard {
    /// `module/lesson`: the key learners' progress is stored under.
    pub key: String,
    pub number: u32,
    pub title: String,
    pub summary: Option<String>,
    pub minutes: u32,
    pub xp: u32,
    pub exercises: usize,
    pub url: String,
}

#[derive(Serialize)]
pub struct ModuleView {
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    pub intro_html: String,
    pub url: String,
    pub lessons: Vec<LessonCard>,
    pub xp: u32,
}

pub fn lesson_key(module: &Module, lesson: &Lesson) -> String {
    format!("{}/{}", module.slug, lesson.slug)
}

pub fn lesson_card(module: &Module, lesson: &Lesson, root: &str) -> LessonCard {
    LessonCard {
        key: lesson_key(module, lesson),
        number: lesson.number,
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        minutes: lesson.minutes,
        xp: lesson.xp,
        exercises: lesson.quiz.len(),
        url: format!("{root}{}/{}/index.html", module.slug, lesson.slug),
    }
}

pub fn module_view(module: &Module, root: &str, intro_html: String) -> ModuleView {
    ModuleView {
        slug: module.slug.clone(),
        title: module.title.clone(),
        summary: module.summary.clone(),
        intro_html,
        url: format!("{root}{}/index.html", module.slug),
        lessons: module
            .lessons
            .iter()
            .map(|l| lesson_card(module, l, root))
            .collect(),
        xp: module.lessons.iter().map(|l| l.xp).sum(),
    }
}

#[derive(Serialize)]
pub struct OptionView {
    pub index: usize,
    pub html: String,
    pub why_html: Option<String>,
    pub correct: bool,
}

#[derive(Serialize)]
pub struct BlankPiece {
    pub html: String,
    /// Index of the blank after this piece, if one follows.
    pub blank: Option<usize>,
}

#[derive(Serialize)]
pub struct ExerciseView {
    pub id: String,
    /// The element id: `exercise-<id>` on its lesson page.
    pub anchor: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub prompt_html: String,
    pub xp: u32,
    pub explanation_html: Option<String>,
    pub options: Vec<OptionView>,
    pub select_all: bool,
    pub pieces: Vec<BlankPiece>,
    /// The answer in words, for the no-JavaScript `<details>` fallback: the right
    /// options of a multiple choice (empty for the other kinds, which the template words
    /// in the course's language from the two fields below).
    pub answer_html: String,
    /// The answer of a true/false exercise.
    pub answer_true: Option<bool>,
    /// Each blank's accepted answers.
    pub blank_answers: Vec<Vec<String>>,
    /// What the browser script checks against.
    pub answer_json: String,
}

pub fn exercise_view(ex: &Exercise, md: &Renderer) -> ExerciseView {
    let mut options = Vec::new();
    let mut pieces = Vec::new();
    let mut select_all = false;
    let mut answer_true = None;
    let mut blank_answers = Vec::new();
    let (answer_html, answer_json) = match &ex.kind {
        ExerciseKind::MultipleChoice {
            options: opts,
            correct,
            select_all: all,
        } => {
            select_all = *all;
            options = option_views(opts, correct, md);
            let right: Vec<String> = correct.iter().map(|&i| md.inline(&opts[i].text)).collect();
            (
                right.join("; "),
                serde_json::json!({ "correct": correct }).to_string(),
            )
        }
        ExerciseKind::TrueFalse { answer } => {
            answer_true = Some(*answer);
            (
                String::new(),
                serde_json::json!({ "answer": answer }).to_string(),
            )
        }
        ExerciseKind::FillBlank {
            blanks,
            case_sensitive,
        } => {
            pieces = blank_pieces(&ex.prompt, md);
            blank_answers = blanks.clone();
            (
                String::new(),
                serde_json::json!({ "blanks": blanks, "case_sensitive": case_sensitive })
                    .to_string(),
            )
        }
    };
    ExerciseView {
        id: ex.id.clone(),
        anchor: format!("exercise-{}", ex.id),
        kind: ex.kind.name(),
        label: ex.kind.label(),
        prompt_html: md.inline(&ex.prompt),
        xp: ex.xp,
        explanation_html: ex.explanation.as_deref().map(|e| md.inline(e)),
        options,
        select_all,
        pieces,
        answer_html,
        answer_true,
        blank_answers,
        answer_json,
    }
}

/// A multiple-choice question's options, each with its feedback.
fn option_views(
    options: &[crate::content::Choice],
    correct: &[usize],
    md: &Renderer,
) -> Vec<OptionView> {
    options
        .iter()
        .enumerate()
        .map(|(i, o)| OptionView {
            index: i,
            html: md.inline(&o.text),
            why_html: o.why.as_deref().map(|w| md.inline(w)),
            correct: correct.contains(&i),
        })
        .collect()
}

/// A fill-in-the-blank prompt as the pieces of text between its inputs.
fn blank_pieces(prompt: &str, md: &Renderer) -> Vec<BlankPiece> {
    let parts = split_blanks(prompt);
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            // Markdown drops the spaces around a piece; keep them, so the prompt reads
            // as words around the inputs (screen readers, no CSS).
            let lead = if p.starts_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            let trail = if p.ends_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            BlankPiece {
                html: format!("{lead}{}{trail}", md.inline(p)),
                blank: (i + 1 < n).then_some(i),
            }
        })
        .collect()
}

/// One piece of the lesson body as the template sees it.
#[derive(Serialize)]
pub struct PartView {
    pub kind: &'static str,
    pub html: String,
    pub exercise: Option<ExerciseView>,
}

#[derive(Serialize)]
pub struct VideoView {
    pub title: String,
    /// The address as written, or rewritten like a body link (a file beside the lesson).
    pub url: String,
    /// `kind` (`embed`, `file` or `link`) and, for an embed, `player` and `host`.
    #[serde(flatten)]
    pub source: super::video::VideoSource,
}

#[derive(Serialize)]
pub struct GoDeeperView {
    pub question_html: String,
    pub url: Option<String>,
    pub lesson_title: Option<String>,
}

#[derive(Serialize)]
pub struct LessonView {
    pub key: String,
    pub slug: String,
    pub number: u32,
    pub title: String,
    pub summary: Option<String>,
    pub minutes: u32,
    pub xp: u32,
    pub focus_minutes: u32,
    pub exercise_count: usize,
    pub parts: Vec<PartView>,
    pub takeaways: Vec<String>,
    pub videos: Vec<VideoView>,
    pub go_deeper: Vec<GoDeeperView>,
}
