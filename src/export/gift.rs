//! GIFT, Moodle's plain-text question format: one `$CATEGORY:` per lesson, one question
//! per exercise, texts as HTML (`[html]`).
//!
//! What GIFT cannot say: several blanks in one question (left out), case-sensitive short
//! answers (Moodle's GIFT import always ignores case), and all-or-nothing grading of
//! "select all that apply" (Moodle gives each right choice its share of the mark).

use super::{Bank, BankFile, Placed, file_stem, inline_html, one_line};
use crate::content::quiz::split_blanks;
use crate::content::{Choice, Course, ExerciseKind};
use crate::markdown::Renderer;
use std::fmt::Write as _;

pub fn bank(course: &Course, md: &Renderer) -> Bank {
    let mut out = String::new();
    let mut bank = Bank::default();
    let mut category = None;
    for placed in super::placed(course) {
        let lesson_category = category_path(course, &placed);
        if category.as_ref() != Some(&lesson_category) {
            let _ = writeln!(out, "$CATEGORY: {lesson_category}\n");
            category = Some(lesson_category);
        }
        match question(&placed, md, &mut bank.warnings) {
            Some(q) => {
                out.push_str(&q);
                out.push_str("\n\n");
                bank.questions += 1;
            }
            None => continue,
        }
    }
    bank.files.push(BankFile {
        path: format!("{}.gift.txt", file_stem(course)),
        bytes: out.into_bytes(),
    });
    bank
}

/// `Course/Module/Lesson`, with Moodle's `//` for a slash inside a name.
fn category_path(course: &Course, placed: &Placed) -> String {
    [
        course.config.title.as_str(),
        &placed.module.title,
        &placed.lesson.title,
    ]
    .iter()
    .map(|name| one_line(name).replace('/', "//"))
    .collect::<Vec<_>>()
    .join("/")
}

/// The GIFT text of one exercise, or `None` (with a warning) if GIFT cannot hold it.
fn question(
    placed: &Placed,
    md: &Renderer,
    warnings: &mut Vec<super::ExerciseWarning>,
) -> Option<String> {
    let ex = placed.exercise;
    let html = |text: &str| escape(&inline_html(md, text));
    let general = ex
        .explanation
        .as_deref()
        .map(|e| format!("####{}", html(e)))
        .unwrap_or_default();
    let head = format!("::{}::[html]", escape(&placed.key()));
    let q = match &ex.kind {
        ExerciseKind::MultipleChoice {
            options,
            correct,
            select_all,
        } => {
            if *select_all {
                warnings.push(placed.warning(
                    "export-partial-credit",
                    "GIFT gives each right choice of a \"select all that apply\" question its share of the mark; crescu counts only a fully right answer",
                ));
            }
            let answers = choices(options, correct, *select_all, &html);
            format!("{head}{}{{\n{answers}{general}\n}}", html(&ex.prompt))
        }
        ExerciseKind::TrueFalse { answer } => {
            let value = if *answer { "TRUE" } else { "FALSE" };
            format!("{head}{}{{{value}{general}}}", html(&ex.prompt))
        }
        ExerciseKind::FillBlank {
            blanks,
            case_sensitive,
        } => {
            if blanks.len() != 1 {
                warnings.push(placed.warning(
                    "export-left-out",
                    format!(
                        "GIFT questions hold one blank and this one has {}: left out of the GIFT bank (the QTI bank keeps it)",
                        blanks.len()
                    ),
                ));
                return None;
            }
            if *case_sensitive {
                warnings.push(placed.warning(
                    "export-case-ignored",
                    "GIFT short answers ignore case, so answers in other cases are accepted too",
                ));
            }
            let parts = split_blanks(&ex.prompt);
            let accepted: String = blanks[0]
                .iter()
                .map(|a| format!(" ={}", escape(a.trim())))
                .collect();
            let before = parts.first().map_or(String::new(), |p| html(p));
            let after = parts.get(1).map_or(String::new(), |p| html(p));
            format!("{head}{before} {{{accepted}{general} }} {after}")
        }
    };
    Some(q)
}

/// The answer lines of a multiple-choice question, each with its feedback.
fn choices(
    options: &[Choice],
    correct: &[usize],
    select_all: bool,
    html: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for (i, option) in options.iter().enumerate() {
        let right = correct.contains(&i);
        let mark = match (select_all, right) {
            (false, true) => "=".to_string(),
            (false, false) => "~".to_string(),
            (true, true) => format!("~%{}%", weight(100.0 / correct.len() as f64)),
            // Any wrong pick cancels the mark, as near as GIFT gets to crescu's grading.
            (true, false) => "~%-100%".to_string(),
        };
        let why = option
            .why
            .as_deref()
            .map(|w| format!("#{}", html(w)))
            .unwrap_or_default();
        let _ = writeln!(out, "\t{mark}{}{why}", html(&option.text));
    }
    out
}

/// A percentage as Moodle lists its grades: at most five decimals, no trailing zeros.
fn weight(percent: f64) -> String {
    let s = format!("{percent:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The characters GIFT gives a meaning, the escape itself included.
const SPECIAL: &str = "~=#{}:\\";

/// GIFT's special characters escaped with a backslash.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if SPECIAL.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("a=b {c} #d ~e: \\"),
            "a\\=b \\{c\\} \\#d \\~e\\: \\\\"
        );
    }

    proptest::proptest! {
        /// Escaped text reads back as the text, and leaves no special character bare.
        #[test]
        fn escaping_round_trips(text in "[a-z ~=#{}:\\\\]{0,24}") {
            let escaped = escape(&text);
            let mut chars = escaped.chars();
            let mut back = String::new();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    let next = chars.next();
                    proptest::prop_assert!(next.is_some_and(|n| SPECIAL.contains(n)), "{escaped}");
                    back.extend(next);
                } else {
                    proptest::prop_assert!(!SPECIAL.contains(c), "{escaped}");
                    back.push(c);
                }
            }
            proptest::prop_assert_eq!(back, text);
        }
    }

    #[test]
    fn weights_have_at_most_five_decimals() {
        assert_eq!(weight(50.0), "50");
        assert_eq!(weight(100.0 / 3.0), "33.33333");
        assert_eq!(weight(-100.0), "-100");
    }
}
