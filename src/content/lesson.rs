//! Parsing one Markdown file with front matter (pure: text in, values out, no file I/O).

use super::front_matter::{self, SplitError};
use super::located::{FrontMatterLocator, Place};
use super::model::{Body, CourseConfig, GoDeeper, Lesson, Video};
use super::quiz;
use super::simulation::{self, Simulation};
use crate::diagnostics::{Diagnostic, Position};
use crate::keypath::KeyPath;
use crate::yaml::{self, Node, SpanMap};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// The text of a file, or a diagnostic pointing at its first invalid byte.
pub fn decode(file: &Path, bytes: &[u8]) -> Result<String, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            let mut d = Diagnostic::error(
                "not-utf8",
                file,
                Position::new(line, column),
                format!("the file is not valid UTF-8, at line {line}"),
            )
            .expected("text saved as UTF-8");
            d.source_line = Some(
                String::from_utf8_lossy(
                    bytes
                        .split(|&b| b == b'\n')
                        .nth(line - 1)
                        .unwrap_or_default(),
                )
                .into_owned(),
            );
            Err(d)
        }
    }
}

/// A front matter parsed into `T`, with what is needed to locate its values later.
pub struct FrontMatter<T> {
    pub data: T,
    pub spans: SpanMap,
    pub yaml_first_line: usize,
    pub body: Body,
}

/// Split `text` and deserialise its front matter. `what` names the file's role in errors.
pub fn parse_front_matter<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    what: &str,
) -> Result<FrontMatter<T>, Diagnostic> {
    let text = front_matter::normalize(text);
    let split = match front_matter::split(&text) {
        Ok(s) => s,
        Err(SplitError::Missing) => {
            let message = if text.trim().is_empty() {
                format!("the {what} is empty: it has no front matter (a title is required)")
            } else {
                format!("the {what} has no front matter (a title is required)")
            };
            return Err(
                Diagnostic::error("no-front-matter", file, Position::new(1, 1), message)
                    .expected("a first line `---`, then `title: ...`, then a closing `---`"),
            );
        }
        Err(SplitError::Unclosed) => {
            return Err(Diagnostic::error(
                "unclosed-front-matter",
                file,
                Position::new(1, 1),
                "the front matter opened on line 1 is never closed",
            )
            .span(3)
            .expected("a line `---` after the last front-matter key"));
        }
    };
    // An empty front matter is YAML null, which no mapping accepts: read it as `{}`.
    let yaml_text = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    match yaml::parse::<T>(yaml_text) {
        Ok((data, spans)) => Ok(FrontMatter {
            data,
            spans,
            yaml_first_line: split.yaml_first_line,
            body: Body {
                text: split.body.to_string(),
                first_line: split.body_first_line,
            },
        }),
        Err(e) => {
            let spans = SpanMap::default();
            let loc = FrontMatterLocator {
                file,
                yaml_first_line: split.yaml_first_line,
                spans: &spans,
            };
            Err(loc.from_yaml_error(&e))
        }
    }
}

/// The Markdown body of a file whose front matter may be broken, as far as its fences
/// tell: the text after the closing `---`, or the whole text when there is no front
/// matter; `None` when the front matter is never closed.
pub fn body_of(text: &str) -> Option<Body> {
    let text = front_matter::normalize(text);
    match front_matter::split(&text) {
        Ok(split) => Some(Body {
            text: split.body.to_string(),
            first_line: split.body_first_line,
        }),
        Err(SplitError::Missing) => Some(Body {
            text: text.into_owned(),
            first_line: 1,
        }),
        Err(SplitError::Unclosed) => None,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    title: String,
    lesson: Option<u32>,
    minutes: Option<u32>,
    xp: Option<u32>,
    summary: Option<String>,
    focus_minutes: Option<u32>,
    #[serde(default)]
    takeaways: Vec<String>,
    #[serde(default)]
    videos: Vec<RawVideo>,
    #[serde(default)]
    go_deeper: Vec<RawGoDeeper>,
    #[serde(default)]
    quiz: Vec<Node>,
    #[serde(default)]
    simulations: Vec<Node>,
    #[serde(default)]
    draft: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVideo {
    title: String,
    url: String,
    #[serde(default = "embed_by_default")]
    embed: bool,
}

fn embed_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGoDeeper {
    question: String,
    lesson: Option<String>,
}

/// A go-deeper link not yet resolved: resolution needs the whole course.
#[derive(Clone, Debug)]
pub struct PendingLink {
    pub go_deeper_index: usize,
    pub slug: String,
    /// The `lesson:` value, located only if the link turns out broken.
    pub at: Place,
}

/// A lesson as far as one file can tell.
#[derive(Clone, Debug)]
pub struct ParsedLesson {
    pub lesson: std::sync::Arc<Lesson>,
    pub pending_links: Vec<PendingLink>,
}

/// Where a lesson file sits in the course, known from its path.
pub struct LessonPlace<'a> {
    pub file: &'a Path,
    pub slug: String,
    pub position: u32,
}

/// Parse one lesson. Problems (errors and warnings) are returned beside the lesson, which
/// is `None` when any error made it unusable.
pub fn parse_lesson(
    place: LessonPlace,
    text: &str,
    course: &CourseConfig,
) -> (Option<ParsedLesson>, Vec<Diagnostic>) {
    let file = place.file;
    let fm = match parse_front_matter::<RawLesson>(file, text, "lesson") {
        Ok(fm) => fm,
        Err(d) => return (None, vec![d]),
    };
    let loc = FrontMatterLocator {
        file,
        yaml_first_line: fm.yaml_first_line,
        spans: &fm.spans,
    };
    let raw = fm.data;
    let mut problems = loc.silent_trap_warnings();
    problems.extend(unsafe_links(&raw, &loc));
    let (quiz, quiz_problems) = quiz::parse_quiz(&raw.quiz, &loc);
    problems.extend(quiz_problems);
    let (simulations, sim_problems) =
        simulation::parse_simulations(&raw.simulations, &KeyPath::root().key("simulations"), &loc);
    problems.extend(sim_problems);

    problems.extend(title_and_summary_problems(&raw, &loc));
    let (go_deeper, pending_links) = go_deeper_links(raw.go_deeper, &loc);
    let quiz_xp: u32 = quiz.iter().map(|e| e.xp).sum();
    let lesson = Lesson {
        slug: place.slug,
        number: raw.lesson.unwrap_or(place.position),
        title: raw.title.trim().to_string(),
        minutes: raw
            .minutes
            .unwrap_or_else(|| estimate_minutes(&fm.body.text, quiz.len(), simulations.len())),
        xp: raw.xp.unwrap_or(quiz_xp),
        summary: raw.summary,
        focus_minutes: raw.focus_minutes.unwrap_or(course.focus_minutes),
        takeaways: raw.takeaways,
        videos: raw.videos.into_iter().map(Video::from).collect(),
        go_deeper,
        quiz,
        simulations,
        measured: Vec::new(),
        body: fm.body,
        source: file.to_path_buf(),
        draft: raw.draft,
    };
    let usable = !problems.iter().any(Diagnostic::is_error);
    (
        usable.then_some(ParsedLesson {
            lesson: std::sync::Arc::new(lesson),
            pending_links,
        }),
        problems,
    )
}

/// An empty title is an error; a missing summary a warning.
fn title_and_summary_problems(raw: &RawLesson, loc: &FrontMatterLocator) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if raw.title.trim().is_empty() {
        problems.push(
            loc.error_at(
                "empty-title",
                &KeyPath::root().key("title"),
                "`title` is empty",
            )
            .expected("the lesson's title"),
        );
    }
    if raw.summary.is_none() {
        problems.push(
            Diagnostic::warning(
                "no-summary",
                loc.file,
                Position::new(1, 0),
                "lesson has no `summary`",
            )
            .expected("a one-line `summary:` used on index cards and in the page description"),
        );
    }
    problems
}

/// The go-deeper questions, their targets left for [`PendingLink`]s to resolve once the
/// whole course is known.
fn go_deeper_links(
    raw: Vec<RawGoDeeper>,
    loc: &FrontMatterLocator,
) -> (Vec<GoDeeper>, Vec<PendingLink>) {
    let mut pending_links = Vec::new();
    let go_deeper = raw
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            if let Some(slug) = g.lesson {
                let path = KeyPath::root().key("go_deeper").index(i).key("lesson");
                pending_links.push(PendingLink {
                    go_deeper_index: i,
                    slug,
                    at: loc.place(&path),
                });
            }
            GoDeeper {
                question: g.question,
                target: None,
            }
        })
        .collect();
    (go_deeper, pending_links)
}

impl From<RawVideo> for Video {
    fn from(v: RawVideo) -> Self {
        Video {
            title: v.title,
            url: v.url,
            embed: v.embed,
        }
    }
}

/// Minutes a learner needs for a lesson, from what it holds: prose at 200 words a
/// minute, code at 12 lines a minute (code is read slowly, often twice), one minute per
/// exercise and one per chart (reading its axes and comparing runs). Rounded up; at
/// least 1. A lesson's `minutes:` overrides it.
pub fn estimate_minutes(body: &str, exercises: usize, charts: usize) -> u32 {
    let (mut words, mut code_lines, mut in_code) = (0usize, 0usize, false);
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_code = !in_code;
        } else if in_code {
            code_lines += usize::from(!trimmed.is_empty());
        } else if !trimmed.starts_with("{{") {
            words += count_words(line);
        }
    }
    let minutes =
        words as f64 / 200.0 + code_lines as f64 / 12.0 + exercises as f64 + charts as f64;
    (minutes.ceil() as u32).max(1)
}

/// The words of `line` as `split_whitespace` counts them; an ASCII line (most are) is
/// split bytewise, without decoding characters.
fn count_words(line: &str) -> usize {
    if !line.is_ascii() {
        return line.split_whitespace().count();
    }
    // The ASCII characters `char::is_whitespace` takes (`u8::is_ascii_whitespace` lacks
    // the vertical tab).
    let (mut words, mut in_word) = (0, false);
    for &b in line.as_bytes() {
        let space = matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

/// Links in the lesson's front matter that could run a script when clicked: video
/// addresses, and Markdown links in every text shown as Markdown (takeaways, go-deeper
/// questions, and everything of the exercises).
fn unsafe_links(raw: &RawLesson, loc: &FrontMatterLocator) -> Vec<Diagnostic> {
    let root = KeyPath::root();
    let mut texts: Vec<(KeyPath, &str)> = Vec::new();
    for (i, t) in raw.takeaways.iter().enumerate() {
        texts.push((root.key("takeaways").index(i), t));
    }
    for (i, g) in raw.go_deeper.iter().enumerate() {
        texts.push((root.key("go_deeper").index(i).key("question"), &g.question));
    }
    for (i, v) in raw.videos.iter().enumerate() {
        texts.push((root.key("videos").index(i).key("title"), &v.title));
    }
    if let Some(summary) = &raw.summary {
        texts.push((root.key("summary"), summary));
    }
    for (i, exercise) in raw.quiz.iter().enumerate() {
        texts.extend(exercise.texts(&root.key("quiz").index(i)));
    }
    let mut problems = Vec::new();
    for (path, text) in texts {
        if let Some((url, why)) = super::url::first_unsafe_link(text) {
            problems.push(
                loc.error_at("unsafe-url", &path, format!("{why}: `{url}`"))
                    .expected("an http, https, mailto or relative link"),
            );
        }
    }
    for (i, v) in raw.videos.iter().enumerate() {
        if let Err(why) = super::url::check_link(&v.url) {
            problems.push(
                loc.error_at("unsafe-url", &root.key("videos").index(i).key("url"), why)
                    .expected("the video's http or https address"),
            );
        }
    }
    problems
}

/// Parse a `crescu sim` file: a YAML list of simulations, the schema of the lesson key
/// `simulations:`.
pub fn parse_simulation_file(file: &Path, text: &str) -> Result<Vec<Simulation>, Vec<Diagnostic>> {
    let text = front_matter::normalize(text);
    let (nodes, spans) = match yaml::parse::<Vec<Node>>(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let spans = SpanMap::default();
            let loc = FrontMatterLocator {
                file,
                yaml_first_line: 1,
                spans: &spans,
            };
            let mut d = loc.from_yaml_error(&e);
            d.attach_source(&text);
            return Err(vec![d]);
        }
    };
    let loc = FrontMatterLocator {
        file,
        yaml_first_line: 1,
        spans: &spans,
    };
    let (sims, mut problems) = simulation::parse_simulations(&nodes, &KeyPath::root(), &loc);
    if problems.iter().any(Diagnostic::is_error) {
        for d in &mut problems {
            d.attach_source(&text);
        }
        return Err(problems);
    }
    Ok(sims)
}

/// File position of exercise `index` of the lesson `text` (its `quiz:` entry), found on
/// demand: the model keeps none, so that lessons without problems skip the position pass.
pub fn exercise_position(file: &Path, text: &str, index: usize) -> Option<Position> {
    let fm = parse_front_matter::<serde_yaml::Value>(file, text, "lesson").ok()?;
    let loc = super::located::FrontMatterLocator {
        file,
        yaml_first_line: fm.yaml_first_line,
        spans: &fm.spans,
    };
    Some(loc.value(&crate::keypath::KeyPath::root().key("quiz").index(index)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_count_prose_code_exercises_and_charts() {
        let prose = "word ".repeat(1000);
        assert_eq!(estimate_minutes(&prose, 0, 0), 5);
        let code = format!("{prose}\n```python\n{}```\n", "x = 1\n\n".repeat(24));
        assert_eq!(estimate_minutes(&code, 0, 0), 7, "24 code lines: 2 minutes");
        assert_eq!(estimate_minutes(&code, 3, 5), 15);
        assert_eq!(
            estimate_minutes("{{ chart a }}", 0, 0),
            1,
            "at least a minute"
        );
        assert_eq!(estimate_minutes(&"w ".repeat(201), 0, 0), 2, "rounded up");
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        // Every ASCII character between letters, and a few that are not ASCII.
        let mut lines: Vec<String> = (0u8..128)
            .map(|b| format!("a{}b {}c", b as char, b as char))
            .collect();
        lines.extend(
            ["a\u{85}b", "a\u{a0}b\u{3000}c", "é è", "", " \t\x0B\x0C\r "].map(String::from),
        );
        for line in &lines {
            assert_eq!(
                count_words(line),
                line.split_whitespace().count(),
                "{line:?}"
            );
        }
        assert_eq!(count_words("a\x0Bb"), 2, "a vertical tab separates words");
    }

    fn config() -> CourseConfig {
        CourseConfig {
            title: "C".into(),
            brand: "C".into(),
            ..CourseConfig::default()
        }
    }

    fn parse(text: &str) -> (Option<ParsedLesson>, Vec<Diagnostic>) {
        let place = LessonPlace {
            file: Path::new("l.md"),
            slug: "l".into(),
            position: 1,
        };
        parse_lesson(place, text, &config())
    }

    fn errors(text: &str) -> Vec<Diagnostic> {
        parse(text)
            .1
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect()
    }

    #[test]
    fn parses_a_full_lesson() {
        let text = "---\ntitle: The GIL\nsummary: s\nquiz:\n  - id: a\n    type: true_false\n    prompt: P\n    answer: true\n    explanation: E\n---\nHello world\n";
        let (lesson, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let lesson = lesson.unwrap().lesson;
        assert_eq!(lesson.title, "The GIL");
        assert_eq!(lesson.quiz[0].id, "a");
        assert_eq!(lesson.xp, 10);
        assert_eq!(lesson.body.first_line, 11);
    }

    #[test]
    fn reports_every_broken_exercise() {
        let text = "---\ntitle: T\nquiz:\n  - type: true_false\n    prompt: P\n    answer: maybe\n  - type: multiple_choice\n    prompt: Q\n    options: [a, b]\n    answer: 7\n---\n";
        let errs = errors(text);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].position.line, 6);
        assert!(
            errs[1]
                .message
                .contains("answer 7 is out of range for 2 options")
        );
        assert_eq!(errs[1].position.line, 10);
    }

    #[test]
    fn error_lines_are_file_lines() {
        let errs = errors("---\ntitle: T\nxp: lots\n---\n");
        assert_eq!(errs[0].position, Position::new(3, 5));
        assert_eq!(
            errs[0].message,
            "`xp` must be a whole number, found the text \"lots\""
        );
    }

    #[test]
    fn the_body_of_a_broken_lesson_is_found_by_its_fences() {
        let body = body_of("---\ntitle: [unclosed\n---\n## Start\n").unwrap();
        assert_eq!((body.text.as_str(), body.first_line), ("## Start\n", 4));
        let body = body_of("\u{feff}# No front matter\r\n").unwrap();
        assert_eq!(
            (body.text.as_str(), body.first_line),
            ("# No front matter\n", 1)
        );
        assert_eq!(body_of("---\ntitle: T\n"), None);
    }

    #[test]
    fn select_all_that_apply() {
        let text = "---\ntitle: T\nquiz:\n  - id: x\n    type: multiple_choice\n    prompt: P\n    options: [a, b, c]\n    answer: [2, 0]\n---\n";
        let lesson = parse(text).0.unwrap().lesson;
        match &lesson.quiz[0].kind {
            super::super::model::ExerciseKind::MultipleChoice {
                correct,
                select_all,
                ..
            } => {
                assert_eq!(correct, &vec![0, 2]);
                assert!(select_all);
            }
            k => panic!("{k:?}"),
        }
    }
}
