//! Exercises from front matter: raw YAML shape, then validated `Exercise` values.
//!
//! Each exercise is deserialised on its own so that every broken exercise of a lesson is
//! reported, not just the first.

use super::located::FrontMatterLocator;
use super::model::{Choice, Exercise, ExerciseKind, slugify};
use crate::diagnostics::Diagnostic;
use crate::keypath::KeyPath;
use crate::yaml::{self, Node};
use serde::Deserialize;
use std::collections::HashMap;

const KINDS: [&str; 3] = ["multiple_choice", "true_false", "fill_blank"];
const DEFAULT_XP: u32 = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    prompt: String,
    options: Option<Vec<RawChoice>>,
    answer: Option<Node>,
    answers: Option<Vec<RawBlank>>,
    explanation: Option<String>,
    xp: Option<u32>,
    case_sensitive: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawChoice {
    Text(String),
    Detailed(RawDetailedChoice),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetailedChoice {
    text: String,
    why: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawBlank {
    One(String),
    Many(Vec<String>),
}

/// Validate the `quiz` list of one lesson. Returns the exercises that are valid and a
/// diagnostic for every problem found.
pub fn parse_quiz(nodes: &[Node], loc: &FrontMatterLocator) -> (Vec<Exercise>, Vec<Diagnostic>) {
    let mut exercises = Vec::new();
    let mut problems = Vec::new();
    // Where each id was first used, located only for a duplicate: most quizzes have none,
    // and their positions would cost a second reading of the front matter.
    let mut seen: HashMap<String, KeyPath> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let path = KeyPath::root().key("quiz").index(i);
        let raw: RawExercise = match yaml::from_node(node, &path, loc.spans) {
            Ok(r) => r,
            Err(e) => {
                problems.push(loc.from_yaml_error(&e));
                continue;
            }
        };
        // Only this exercise's problems are looked at: counting all of them again for
        // every exercise is quadratic in a quiz of thousands.
        let problems_before = problems.len();
        let exercise = validate(raw, &path, loc, &mut problems);
        if let Some(ex) = exercise {
            match seen.get(&ex.id) {
                Some(first) => problems.push(
                    loc.error_at(
                        "duplicate-id",
                        &id_path(&path, node),
                        format!("exercise id `{}` is used twice", ex.id),
                    )
                    .related(loc.value(first), "first used here")
                    .expected("a unique id per lesson: learners' progress is stored under it"),
                ),
                None => {
                    // Where the id itself is, so the note points at it, not its line.
                    seen.insert(ex.id.clone(), id_path(&path, node));
                }
            }
            if !problems[problems_before..].iter().any(Diagnostic::is_error) {
                exercises.push(ex);
            }
        }
    }
    (exercises, problems)
}

/// Where the id of the exercise at `path` is written: its `id:`, or the prompt it was
/// derived from.
fn id_path(path: &KeyPath, exercise: &Node) -> KeyPath {
    if exercise.has_key("id") {
        path.key("id")
    } else {
        path.key("prompt")
    }
}

fn validate(
    raw: RawExercise,
    path: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<Exercise> {
    let (id, derived) = match &raw.id {
        Some(id) => {
            problems.extend(loc.invalid_id("exercise", id, &path.key("id")));
            (id.clone(), false)
        }
        None => (derive_id(&raw.prompt), true),
    };
    if derived {
        problems.push(
            loc.warning_at(
                "derived-id",
                &path.key("prompt"),
                format!("exercise has no `id`; its progress is stored under `{id}`, derived from the prompt"),
            )
            .expected("an explicit `id:`, which survives edits to the prompt"),
        );
    }
    if raw.explanation.is_none() {
        problems.push(
            loc.warning_at("no-explanation", path, "exercise has no `explanation`")
                .expected("an explanation shown after an attempt"),
        );
    }
    let misplaced = |key: &str, present: bool, problems: &mut Vec<Diagnostic>| {
        if present {
            problems.push(
                loc.error_at(
                    "misplaced-key",
                    &path.key(key),
                    format!("`{key}` does not belong to a `{}` exercise", raw.kind),
                )
                .span(key.len()),
            );
        }
    };
    let kind = match raw.kind.as_str() {
        "multiple_choice" => {
            misplaced("answers", raw.answers.is_some(), problems);
            misplaced("case_sensitive", raw.case_sensitive.is_some(), problems);
            multiple_choice(&raw, path, loc, problems)
        }
        "true_false" => {
            misplaced("options", raw.options.is_some(), problems);
            misplaced("answers", raw.answers.is_some(), problems);
            misplaced("case_sensitive", raw.case_sensitive.is_some(), problems);
            true_false(&raw, path, loc, problems)
        }
        "fill_blank" => {
            misplaced("options", raw.options.is_some(), problems);
            misplaced("answer", raw.answer.is_some(), problems);
            fill_blank(&raw, path, loc, problems)
        }
        other => {
            problems.push(
                loc.error_at(
                    "unknown-type",
                    &path.key("type"),
                    format!("unknown exercise type `{other}`"),
                )
                .span(other.chars().count())
                .expected(format!("one of: {}", KINDS.join(", "))),
            );
            None
        }
    }?;
    Some(Exercise {
        id,
        prompt: raw.prompt,
        explanation: raw.explanation,
        xp: raw.xp.unwrap_or(DEFAULT_XP),
        kind,
    })
}

fn multiple_choice(
    raw: &RawExercise,
    path: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<ExerciseKind> {
    let options: Vec<Choice> = raw.options.iter().flatten().map(Choice::from).collect();
    if options.len() < 2 {
        let at = if raw.options.is_some() {
            path.key("options")
        } else {
            path.clone()
        };
        problems.push(
            loc.error_at(
                "too-few-options",
                &at,
                format!(
                    "a multiple-choice exercise needs at least two options, found {}",
                    options.len()
                ),
            )
            .expected("an `options:` list with two or more entries"),
        );
        return None;
    }
    let Some(answer) = &raw.answer else {
        problems.push(
            loc.error_at(
                "missing-key",
                path,
                "`answer` is required for a multiple-choice exercise",
            )
            .expected("the index of the right option (from 0), or a list of indices"),
        );
        return None;
    };
    let indices = answer_indices(answer, &path.key("answer"), loc, problems)?;
    let correct = correct_options(indices, options.len(), loc, problems)?;
    let select_all = correct.len() > 1;
    Some(ExerciseKind::MultipleChoice {
        options,
        correct,
        select_all,
    })
}

impl From<&RawChoice> for Choice {
    fn from(raw: &RawChoice) -> Self {
        match raw {
            RawChoice::Text(t) => Choice {
                text: t.clone(),
                why: None,
            },
            RawChoice::Detailed(d) => Choice {
                text: d.text.clone(),
                why: d.why.clone(),
            },
        }
    }
}

/// The option indices a multiple-choice `answer` gives (one index or a list), each with
/// its place; `None` when the answer is neither.
fn answer_indices(
    answer: &Node,
    answer_path: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<(u64, KeyPath)>> {
    if let Some(n) = answer.as_u64() {
        return Some(vec![(n, answer_path.clone())]);
    }
    let Some(items) = answer.as_sequence() else {
        problems.push(
            loc.error_at(
                "wrong-type",
                answer_path,
                format!(
                    "`answer` must be an option index or a list of them, found {}",
                    answer.describe()
                ),
            )
            .expected("a whole number from 0, or a list such as [0, 2]"),
        );
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_u64() {
            Some(n) => out.push((n, answer_path.index(i))),
            None => problems.push(
                loc.error_at(
                    "wrong-type",
                    &answer_path.index(i),
                    format!("answer must be an option index, found {}", item.describe()),
                )
                .expected("a whole number from 0"),
            ),
        }
    }
    if items.is_empty() {
        problems.push(
            loc.error_at("wrong-type", answer_path, "`answer` lists no option")
                .expected("at least one option index"),
        );
    }
    Some(out)
}

/// The right options, sorted and each once; `None` when an index is out of range or
/// none is given.
fn correct_options(
    indices: Vec<(u64, KeyPath)>,
    option_count: usize,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<usize>> {
    let mut correct = Vec::new();
    let mut ok = true;
    for (n, at) in indices {
        if n as usize >= option_count {
            problems.push(
                loc.error_at(
                    "answer-out-of-range",
                    &at,
                    format!("answer {n} is out of range for {option_count} options"),
                )
                .expected(format!(
                    "an index from 0 to {} (the first option is 0)",
                    option_count - 1
                )),
            );
            ok = false;
        } else {
            correct.push(n as usize);
        }
    }
    correct.sort_unstable();
    correct.dedup();
    (ok && !correct.is_empty()).then_some(correct)
}

fn true_false(
    raw: &RawExercise,
    path: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<ExerciseKind> {
    match &raw.answer {
        Some(a) => match a.as_bool() {
            Some(answer) => Some(ExerciseKind::TrueFalse { answer }),
            None => {
                let at = path.key("answer");
                let d = loc
                    .error_at(
                        "wrong-type",
                        &at,
                        format!(
                            "a true/false answer must be true or false, found {}",
                            a.describe()
                        ),
                    )
                    .expected("`true` or `false`");
                problems.push(loc.bool_error(d, &at));
                None
            }
        },
        None => {
            problems.push(
                loc.error_at(
                    "missing-key",
                    path,
                    "`answer` is required for a true/false exercise",
                )
                .expected("`answer: true` or `answer: false`"),
            );
            None
        }
    }
}

fn fill_blank(
    raw: &RawExercise,
    path: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> Option<ExerciseKind> {
    let blanks = count_blanks(&raw.prompt);
    if blanks == 0 {
        problems.push(
            loc.error_at(
                "no-blank",
                &path.key("prompt"),
                "the prompt has no blank (`___`)",
            )
            .expected("at least one `___` in the prompt where the learner types the answer"),
        );
        return None;
    }
    let answers: Vec<Vec<String>> = raw
        .answers
        .iter()
        .flatten()
        .map(|a| match a {
            RawBlank::One(s) => vec![s.trim().to_string()],
            RawBlank::Many(v) => v.iter().map(|s| s.trim().to_string()).collect(),
        })
        .collect();
    if answers.len() != blanks {
        let at = if raw.answers.is_some() {
            path.key("answers")
        } else {
            path.clone()
        };
        problems.push(
            loc.error_at(
                "blank-count",
                &at,
                format!(
                    "the prompt has {blanks} {} but {} {}",
                    plural(blanks, "blank"),
                    answers.len(),
                    plural(answers.len(), "answer")
                ),
            )
            .expected("one entry in `answers` per `___`: a string, or a list of accepted strings"),
        );
        return None;
    }
    for (i, accepted) in answers.iter().enumerate() {
        if accepted.is_empty() || accepted.iter().any(String::is_empty) {
            problems.push(
                loc.error_at(
                    "empty-answer",
                    &path.key("answers").index(i),
                    "an accepted answer is empty",
                )
                .expected("non-empty text"),
            );
            return None;
        }
    }
    Some(ExerciseKind::FillBlank {
        blanks: answers,
        case_sensitive: raw.case_sensitive.unwrap_or(false),
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// Blanks are runs of three or more underscores.
pub fn count_blanks(prompt: &str) -> usize {
    split_blanks(prompt).len() - 1
}

/// The prompt's text around its blanks: `n` blanks give `n + 1` pieces.
pub fn split_blanks(prompt: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let bytes = prompt.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'_').count();
            if run >= 3 {
                pieces.push(&prompt[start..i]);
                start = i + run;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    pieces.push(&prompt[start..]);
    pieces
}

/// An id from the first words of a prompt, for exercises written without one.
fn derive_id(prompt: &str) -> String {
    let words: Vec<String> = prompt
        .split_whitespace()
        .map(slugify)
        .filter(|w| !w.is_empty())
        .take(5)
        .collect();
    let id = words.join("-");
    if id.is_empty() {
        "exercise".to_string()
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_are_runs_of_three_underscores() {
        assert_eq!(count_blanks("Use the ___ module"), 1);
        assert_eq!(count_blanks("a ___ b _____ c"), 2);
        assert_eq!(count_blanks("snake_case and __init__"), 0);
        assert_eq!(split_blanks("a ___ b"), vec!["a ", " b"]);
    }

    /// The exercises of a front matter holding only `quiz:`, starting on file line 2.
    fn quiz(yaml: &str) -> (Vec<Exercise>, Vec<Diagnostic>) {
        #[derive(Deserialize)]
        struct Front {
            quiz: Vec<Node>,
        }
        let (front, spans) = yaml::parse::<Front>(yaml).unwrap();
        let loc = FrontMatterLocator {
            file: std::path::Path::new("l.md"),
            yaml_first_line: 2,
            spans: &spans,
        };
        parse_quiz(&front.quiz, &loc)
    }

    #[test]
    fn ids_outside_the_rule_are_errors_at_the_id() {
        let one = |id: &str| {
            format!(
                "  - id: {id}\n    type: true_false\n    prompt: P\n    answer: true\n    explanation: E\n"
            )
        };
        let (exercises, problems) = quiz(&format!(
            "quiz:\n{}{}",
            one("constructor"),
            one("__proto__")
        ));
        // `constructor` follows the rule; the theme script treats it as a plain key.
        assert_eq!(exercises.len(), 1);
        assert_eq!(exercises[0].id, "constructor");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let d = &problems[0];
        assert_eq!(d.code, "invalid-id");
        assert_eq!(d.message, "exercise id `__proto__` starts with `_`");
        assert_eq!(d.position, crate::diagnostics::Position::new(8, 9));
        assert_eq!(d.span_len, "__proto__".len());
        assert_eq!(
            d.expected.as_deref(),
            Some("an id of ASCII letters, digits, `-` and `_`, starting with a letter or digit")
        );
    }

    #[test]
    fn derived_ids_come_from_words() {
        assert_eq!(
            derive_id("Why does CPython have a GIL?"),
            "why-does-cpython-have-a"
        );
    }
}
