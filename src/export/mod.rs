//! Quiz banks for learning management systems: the validated course -> GIFT (Moodle) or
//! a QTI 2.1 content package (Canvas, ILIAS, OpenOLAT, ...).
//!
//! Works from the model only: exercises arrive checked, and their Markdown is rendered
//! with the same inline renderer as the site. Whatever a format cannot say is a warning
//! naming the exercise, never a quiet change.

pub mod gift;
pub mod qti;

use crate::content::{Course, Exercise, Lesson, Module};
use crate::diagnostics::{Diagnostic, Position};
use crate::markdown::Renderer;

/// The bank formats `crescu export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankFormat {
    Gift,
    Qti21,
}

/// One file of a bank, relative to the export folder.
#[derive(Debug)]
pub struct BankFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A bank and what it could not carry.
#[derive(Debug, Default)]
pub struct Bank {
    pub files: Vec<BankFile>,
    /// Exercises that lost something (or were left out) in this format.
    pub warnings: Vec<ExerciseWarning>,
    pub questions: usize,
}

/// The bank of every exercise of `course`, in course order.
pub fn export(course: &Course, format: BankFormat) -> Bank {
    let md = Renderer::new();
    match format {
        BankFormat::Gift => gift::bank(course, &md),
        BankFormat::Qti21 => qti::bank(course, &md),
    }
}

/// An exercise with where it sits in the course.
pub struct Placed<'a> {
    pub module: &'a Module,
    pub lesson: &'a Lesson,
    pub exercise: &'a Exercise,
    /// Its place in the lesson's `quiz:` list.
    pub index: usize,
}

/// A warning about one exercise: the model keeps no line per exercise (positions are
/// found only when needed), so whoever reports it locates `quiz[exercise]` in the file.
#[derive(Debug)]
pub struct ExerciseWarning {
    pub diagnostic: Diagnostic,
    pub exercise: usize,
}

impl Placed<'_> {
    /// `module/lesson/exercise`: unique in the course and stable while the ids are.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.module.slug, self.lesson.slug, self.exercise.id
        )
    }

    /// A warning about the exercise: "exercise `id`: <what>", in its lesson's file.
    pub fn warning(&self, code: &'static str, what: impl std::fmt::Display) -> ExerciseWarning {
        ExerciseWarning {
            diagnostic: Diagnostic::warning(
                code,
                &self.lesson.source,
                Position::default(),
                format!("exercise `{}`: {what}", self.exercise.id),
            ),
            exercise: self.index,
        }
    }
}

/// Every exercise of the course with its module and lesson, in course order.
pub fn placed(course: &Course) -> impl Iterator<Item = Placed<'_>> {
    course.lessons().flat_map(|(module, lesson)| {
        lesson
            .quiz
            .iter()
            .enumerate()
            .map(move |(index, exercise)| Placed {
                module,
                lesson,
                exercise,
                index,
            })
    })
}

/// Front-matter Markdown as one line of inline HTML (banks are line-oriented).
pub fn inline_html(md: &Renderer, text: &str) -> String {
    one_line(&md.inline(text))
}

/// Line breaks as spaces, ends trimmed.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stem of file names made from the course title.
pub fn file_stem(course: &Course) -> String {
    let slug = crate::content::slugify(&course.config.title);
    if slug.is_empty() {
        "course".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines_with_single_spaces() {
        assert_eq!(one_line("a\n b \r\n\nc\n"), "a b c");
        assert_eq!(one_line(""), "");
    }
}
