//! The validated course: what every later stage works from. Nothing here refers back to
//! raw YAML; every value has been checked when it was built.

use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub struct Course {
    pub config: CourseConfig,
    /// Markdown introduction from `content/_index.md`.
    pub intro: Body,
    pub modules: Vec<Module>,
    /// Files under `content/` that are not Markdown (images, downloads), copied as they are.
    pub assets: Vec<Asset>,
    /// Lesson files that exist but failed to load (their errors are reported). They get
    /// no page; links to them are checked against them, so that one mistake in a lesson
    /// is not reported again in every lesson linking to it.
    pub broken_lessons: Vec<BrokenLesson>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CourseConfig {
    pub title: String,
    pub brand: String,
    pub description: Option<String>,
    pub language: String,
    pub focus_minutes: u32,
    pub base_url: Option<String>,
    pub theme: String,
    /// The site icon: a course file's output path, or none for the theme's.
    pub favicon: Option<String>,
    /// Steps all the course's distinct simulations may take together (see `sim::Budget`).
    pub simulation_budget: f64,
    /// Percent of the course's XP a learner needs to pass, as reported to an LMS
    /// (SCORM builds); `None` reports completion only.
    pub mastery_score: Option<u8>,
}

/// The settings of a course whose index says nothing (or cannot be read): its lessons
/// are still checked with these.
impl Default for CourseConfig {
    fn default() -> Self {
        CourseConfig {
            title: String::new(),
            brand: String::new(),
            description: None,
            language: "en".into(),
            focus_minutes: 25,
            base_url: None,
            theme: "default".into(),
            favicon: None,
            simulation_budget: crate::sim::DEFAULT_BUILD_WORK,
            mastery_score: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    pub intro: Body,
    pub source: PathBuf,
    /// Shared, so that the dev server's rebuilds take unchanged lessons without copying.
    pub lessons: Vec<Arc<Lesson>>,
}

/// Markdown text and the file line it starts on, so rendering problems can be located.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    pub text: String,
    pub first_line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub slug: String,
    /// "Lesson N": from front matter, else the position in its module.
    pub number: u32,
    pub title: String,
    pub minutes: u32,
    pub xp: u32,
    pub summary: Option<String>,
    /// 0 hides the focus timer.
    pub focus_minutes: u32,
    /// Markdown, rendered inline.
    pub takeaways: Vec<String>,
    pub videos: Vec<Video>,
    pub go_deeper: Vec<GoDeeper>,
    pub quiz: Vec<Exercise>,
    pub simulations: Vec<super::simulation::Simulation>,
    /// Real-CPython measurements of its simulations that are up to date (from
    /// `<lesson>.measured.yaml`; stale ones are reported and left out).
    pub measured: Vec<super::measured::MeasuredSimulation>,
    pub body: Body,
    /// Path of the source file as shown to authors (relative to the course root).
    pub source: PathBuf,
    pub draft: bool,
}

/// What is known of a lesson file whose front matter (or reading) failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLesson {
    /// Slug of its module.
    pub module: String,
    pub slug: String,
    /// Path of the source file as shown to authors (relative to the course root).
    pub source: PathBuf,
    /// Its Markdown body, for the ids of its headings; `None` when even that is unknown
    /// (the file could not be read, or its front matter is never closed).
    pub body: Option<Body>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Video {
    pub title: String,
    pub url: String,
    /// Show a YouTube or Vimeo address as a click-to-load player (else only the link).
    pub embed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoDeeper {
    pub question: String,
    pub target: Option<LessonRef>,
}

/// A resolved reference to a lesson of the course.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LessonRef {
    pub module: String,
    pub lesson: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Exercise {
    /// Stable id: progress is stored under `<lesson slug>/<id>`.
    pub id: String,
    /// Markdown, rendered inline.
    pub prompt: String,
    pub explanation: Option<String>,
    pub xp: u32,
    pub kind: ExerciseKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExerciseKind {
    MultipleChoice {
        options: Vec<Choice>,
        /// Indices of the right options, ascending; more than one means "select all that apply".
        correct: Vec<usize>,
        select_all: bool,
    },
    TrueFalse {
        answer: bool,
    },
    FillBlank {
        /// Accepted answers per blank, in prompt order.
        blanks: Vec<Vec<String>>,
        case_sensitive: bool,
    },
}

impl ExerciseKind {
    /// The label a learner sees.
    pub fn label(&self) -> &'static str {
        match self {
            ExerciseKind::MultipleChoice { .. } => "Multiple choice",
            ExerciseKind::TrueFalse { .. } => "True or false",
            ExerciseKind::FillBlank { .. } => "Fill in the blank",
        }
    }

    /// The machine name used in front matter and in page markup.
    pub fn name(&self) -> &'static str {
        match self {
            ExerciseKind::MultipleChoice { .. } => "multiple_choice",
            ExerciseKind::TrueFalse { .. } => "true_false",
            ExerciseKind::FillBlank { .. } => "fill_blank",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Markdown, rendered inline.
    pub text: String,
    /// Why this option is wrong (or right), shown when a learner picks it.
    pub why: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Source path on disk.
    pub source: PathBuf,
    /// The source as messages show it (relative to the course root).
    pub file: PathBuf,
    /// Path inside the output folder, with module slugs in place of folder names.
    pub target: PathBuf,
}

impl Course {
    pub fn lessons(&self) -> impl Iterator<Item = (&Module, &Lesson)> {
        self.modules
            .iter()
            .flat_map(|m| m.lessons.iter().map(move |l| (m, &**l)))
    }
}

/// URL-safe slug: lowercase ASCII letters and digits joined by single dashes.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else if c == '_' || c == '-' || c.is_whitespace() || c.is_ascii_punctuation() {
            dash = true;
        } else if c.is_alphanumeric() {
            // Keep non-ASCII letters readable in URLs rather than dropping them.
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.extend(c.to_lowercase());
        }
    }
    slug
}

/// What is wrong with an exercise or simulation id, if anything. Ids are ASCII letters,
/// digits, `-` and `_`, starting with a letter or digit: they key learners' stored
/// progress and end up in element ids and `{{ exercise ID }}` shortcodes.
pub fn id_problem(id: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    match (id.chars().next(), id.chars().find(|&c| !allowed(c))) {
        (None, _) => Some("is empty".into()),
        (_, Some(c)) => Some(format!("contains `{}`", c.escape_debug())),
        (Some(c), None) if !c.is_ascii_alphanumeric() => Some(format!("starts with `{c}`")),
        _ => None,
    }
}

/// The rule `id_problem` checks, as an author reads it.
pub const ID_RULE: &str = "ASCII letters, digits, `-` and `_`, starting with a letter or digit";

/// A file or folder name without its numeric ordering prefix (`02-the-gil` -> `the-gil`),
/// and the prefix as a number for sorting.
pub fn strip_order_prefix(name: &str) -> (Option<u64>, &str) {
    let digits = name.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (None, name);
    }
    let rest = &name[digits..];
    let rest = rest.strip_prefix(['-', '_', '.', ' ']).unwrap_or(rest);
    if rest.is_empty() {
        return (name.parse().ok(), name);
    }
    (name[..digits].parse().ok(), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("The GIL: why?"), "the-gil-why");
        assert_eq!(slugify("  a__b  "), "a-b");
        assert_eq!(slugify("Über Threads"), "über-threads");
    }

    #[test]
    fn ids_are_ascii_words_starting_with_a_letter_or_digit() {
        for ok in ["why-gil", "a", "Q1_b", "3rd", "constructor", "toString"] {
            assert_eq!(id_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("__proto__", "starts with `_`"),
            ("-x", "starts with `-`"),
            ("", "is empty"),
            ("a b", "contains ` `"),
            ("a.b", "contains `.`"),
            ("über", "contains `ü`"),
            ("a\nb", "contains `\\n`"),
        ] {
            assert_eq!(id_problem(bad).as_deref(), Some(why), "{bad:?}");
        }
    }

    #[test]
    fn order_prefixes() {
        assert_eq!(strip_order_prefix("02-the-gil"), (Some(2), "the-gil"));
        assert_eq!(strip_order_prefix("intro"), (None, "intro"));
        assert_eq!(strip_order_prefix("2024"), (Some(2024), "2024"));
    }
}
