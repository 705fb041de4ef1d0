//! `crescu new DIR`: a course skeleton that builds as it is, with one module and two
//! lessons showing every exercise kind, a go-deeper link, a callout, code, a table and a
//! simulated chart, for authors to copy from.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum ScaffoldError {
    /// The folder exists and holds something: never write over an author's files.
    NotEmpty(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            ScaffoldError::NotEmpty(dir) => write!(
                f,
                "refusing to create a course in {}: the folder is not empty (choose a new or empty folder)",
                dir.display()
            ),
            ScaffoldError::Io(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for ScaffoldError {}

const COURSE_INDEX: &str = r#"---
title: {title}
brand: {title}
description: A course made with crescu.
---
Welcome! This page lists the modules and lessons of the course. Edit
`content/_index.md` to change this introduction.
"#;

const MODULE_INDEX: &str = r#"---
title: Getting started
summary: The first module; each folder under content/ is a module.
---
"#;

const LESSON: &str = r#"---
title: Your first lesson
summary: Every kind of exercise, ready to copy.
takeaways:
  - A lesson is Markdown with YAML **front matter**.
  - Exercises live under `quiz:` and keep their `id` forever.
go_deeper:
  - question: How do I show a chart the simulator measured?
    lesson: charts-and-tables
quiz:
  - id: file-format
    type: multiple_choice
    prompt: What is a lesson written in?
    options:
      - text: HTML
        why: crescu writes the HTML for you.
      - Markdown with YAML front matter
    answer: 1
    explanation: The front matter holds the title and exercises; the body is Markdown.
    xp: 10
  - id: what-files
    type: multiple_choice
    prompt: Which files does a module folder hold?
    options: ["`_index.md`", "lessons such as `01-first-lesson.md`", "the built site"]
    answer: [0, 1]
    explanation: The built site goes to `output/`.
  - id: numbered-files
    type: true_false
    prompt: Numeric prefixes such as `01-` set the order of lessons.
    answer: true
    explanation: They are dropped from the lesson's address.
  - id: build-command
    type: fill_blank
    prompt: Run `crescu ___` to preview the course with live reload.
    answers: [serve]
    explanation: "`crescu build` writes the site once; `crescu serve` rebuilds on every change."
---
## Writing a lesson

Write the body in Markdown. Headings get anchors, code is highlighted:

```python
print("hello")
```

> **Tip:** Run `crescu check` to find every problem at once, with file and line.

An exercise appears where you place it:

{{ exercise file-format }}

Exercises you do not place follow the body, in order.

## Next steps

Link to other lessons by file name, such as [the next lesson](02-charts-and-tables.md):
broken links are reported when the site is built.
"#;

const SECOND_LESSON: &str = r#"---
title: Charts and tables
summary: A chart measured by the built-in GIL simulator, and a table.
takeaways:
  - A chart is declared under `simulations:` and placed with its id.
simulations:
  - id: two-threads
    title: Two CPU-bound threads share one GIL
    caption: The threads take turns holding the GIL, one switch interval at a time.
    chart: { kind: timeline, window_ms: [0, 30] }
    machine: { cores: 2 }
    runs:
      - label: 2 threads
        threads:
          - { name: T1, work: [ { cpu_ms: 30 } ] }
          - { name: T2, work: [ { cpu_ms: 30 } ] }
quiz:
  - id: chart-source
    type: true_false
    prompt: The chart on this page is drawn when the site is built, not in the browser.
    answer: true
    explanation: The simulator runs at build time and the page holds the SVG.
---
## A chart

{{ chart two-threads }}

## A table

| Kind | Front-matter key |
|:-----|:-----------------|
| Exercise | `quiz:` |
| Chart | `simulations:` |

> **Note:** `crescu sim FILE.yaml` runs simulations on their own while you try them out.
"#;

const GITIGNORE: &str = "/output/\n.crescu-cache/\n.*.crescu-lock\n";

/// Create a course skeleton in `dir`, which must not exist or be empty. Returns the files
/// written.
pub fn create(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ScaffoldError::Io(dir.to_path_buf(), e)),
    }
    let title = course_title(dir);
    let files = [
        (
            PathBuf::from("content/_index.md"),
            COURSE_INDEX.replace("{title}", &yaml_string(&title)),
        ),
        (
            PathBuf::from("content/01-getting-started/_index.md"),
            MODULE_INDEX.to_string(),
        ),
        (
            PathBuf::from("content/01-getting-started/01-first-lesson.md"),
            LESSON.to_string(),
        ),
        (
            PathBuf::from("content/01-getting-started/02-charts-and-tables.md"),
            SECOND_LESSON.to_string(),
        ),
        (PathBuf::from(".gitignore"), GITIGNORE.to_string()),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ScaffoldError::Io(parent.into(), e))?;
        }
        std::fs::write(&path, text).map_err(|e| ScaffoldError::Io(path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

/// "my-python-course" -> "My python course".
fn course_title(dir: &Path) -> String {
    let name = std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let words = name.replace(['-', '_'], " ");
    let words = words.trim();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "My course".to_string(),
    }
}

/// A YAML scalar that stays a plain string whatever the folder was called.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"My course\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_folder_names() {
        assert_eq!(
            course_title(Path::new("/x/my-python_course")),
            "My python course"
        );
        assert_eq!(yaml_string("a: b"), "\"a: b\"");
    }
}
