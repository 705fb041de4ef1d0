//! SCORM packages: the site as one SCO (or one per lesson) that an LMS launches, tracks
//! and grades.
//!
//! The build adds two files to a SCORM site: `scorm.html`, the launch page that talks to
//! the LMS and shows the course in a frame (its script is the theme's `static/scorm.js`),
//! and `imsmanifest.xml`. The folder is then zipped beside the output folder. Pages stay
//! those of the plain site; without an LMS the launch page just opens the course.

pub mod manifest;

use crate::content::{Course, ExerciseKind};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScormVersion {
    /// SCORM 1.2.
    V12,
    /// SCORM 2004 4th edition.
    V2004,
}

impl ScormVersion {
    /// As in the package's file name and the launch page's data.
    pub fn label(self) -> &'static str {
        match self {
            ScormVersion::V12 => "1.2",
            ScormVersion::V2004 => "2004",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScormOptions {
    pub version: ScormVersion,
    /// One SCO per lesson instead of one for the whole course.
    pub per_lesson: bool,
}

/// The launch page's file name, at the site's root.
pub const LAUNCH_FILE: &str = "scorm.html";
pub const MANIFEST_FILE: &str = "imsmanifest.xml";
/// The adaptor script, under `static/`, loaded by the launch page and every page.
pub const ADAPTOR_FILE: &str = "scorm.js";
pub const ADAPTOR: &[u8] = include_bytes!("../../themes/default/static/scorm.js");

/// What the launch page's script knows of the course: enough to score, encode progress
/// and name interactions, nothing it would show.
#[derive(Serialize)]
struct LaunchData<'a> {
    version: &'static str,
    mastery: Option<u8>,
    storage_key: &'a str,
    start: &'static str,
    lessons: Vec<LaunchLesson>,
}

#[derive(Serialize)]
struct LaunchLesson {
    key: String,
    url: String,
    /// `[id, xp, interaction type]` in page order.
    exercises: Vec<(String, u32, &'static str)>,
}

/// The SCORM interaction type of an exercise kind.
fn interaction_type(kind: &ExerciseKind) -> &'static str {
    match kind {
        ExerciseKind::MultipleChoice { .. } => "choice",
        ExerciseKind::TrueFalse { .. } => "true-false",
        ExerciseKind::FillBlank { .. } => "fill-in",
    }
}

/// `scorm.html`: the course data as JSON, the adaptor script, and the frame the pages
/// are shown in. `storage_key` is the site's (progress is kept in the same format);
/// `open_label` names the link shown without JavaScript, in the course's language.
pub fn launch_page(
    course: &Course,
    options: ScormOptions,
    storage_key: &str,
    open_label: &str,
) -> String {
    let data = LaunchData {
        version: options.version.label(),
        mastery: course.config.mastery_score,
        storage_key,
        start: "index.html",
        lessons: course
            .lessons()
            .map(|(m, l)| LaunchLesson {
                key: format!("{}/{}", m.slug, l.slug),
                url: format!("{}/{}/index.html", m.slug, l.slug),
                exercises: l
                    .quiz
                    .iter()
                    .map(|e| (e.id.clone(), e.xp, interaction_type(&e.kind)))
                    .collect(),
            })
            .collect(),
    };
    // `</` cannot end the script element early once written as `<\/`.
    let json = serde_json::to_string(&data)
        .expect("plain data serialises")
        .replace("</", "<\\/");
    let title = crate::html::escape(&course.config.title);
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>html, body {{ margin: 0; height: 100%; }} iframe {{ display: block; border: 0; width: 100%; height: 100%; }}</style>
<script type="application/json" id="crescu-scorm">{json}</script>
<script src="static/scorm.js" defer></script>
</head>
<body>
<iframe id="crescu-course" title="{title}"></iframe>
<noscript><p><a href="index.html">{open}</a></p></noscript>
</body>
</html>
"#,
        lang = crate::html::escape(&course.config.language),
        open = crate::html::escape(open_label),
    )
}

/// Where the package of a build into `output` goes: beside it, named after the course.
pub fn package_path(
    output: &std::path::Path,
    course: &Course,
    version: ScormVersion,
) -> std::path::PathBuf {
    let name = format!(
        "{}-scorm-{}.zip",
        crate::export::file_stem(course),
        version.label()
    );
    match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(name),
        _ => std::path::PathBuf::from(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{CourseConfig, Exercise, Lesson, Module};

    pub(crate) fn course() -> Course {
        let exercise = Exercise {
            id: "q1".into(),
            prompt: "p".into(),
            explanation: None,
            xp: 7,
            kind: ExerciseKind::TrueFalse { answer: true },
        };
        let lesson = Lesson {
            slug: "l".into(),
            number: 1,
            title: "L".into(),
            minutes: 1,
            xp: 7,
            summary: None,
            focus_minutes: 0,
            takeaways: vec![],
            videos: vec![],
            go_deeper: vec![],
            quiz: vec![exercise],
            simulations: vec![],
            measured: vec![],
            body: Default::default(),
            source: "content/01-m/01-l.md".into(),
            draft: false,
        };
        Course {
            config: CourseConfig {
                title: "A </script> course".into(),
                mastery_score: Some(80),
                ..CourseConfig::default()
            },
            intro: Default::default(),
            modules: vec![Module {
                slug: "m".into(),
                title: "M & N".into(),
                summary: None,
                intro: Default::default(),
                source: "content/01-m".into(),
                lessons: vec![std::sync::Arc::new(lesson)],
            }],
            assets: vec![],
            broken_lessons: vec![],
        }
    }

    #[test]
    fn launch_page_carries_the_course_data_safely() {
        let options = ScormOptions {
            version: ScormVersion::V12,
            per_lesson: false,
        };
        let page = launch_page(&course(), options, "crescu:v1:x", "Open <it>");
        assert!(page.contains("<title>A &lt;/script&gt; course</title>"));
        assert!(page.contains(">Open &lt;it&gt;</a>"));
        let json = page
            .split_once(r#"id="crescu-scorm">"#)
            .and_then(|(_, rest)| rest.split_once("</script>"))
            .unwrap()
            .0;
        let data: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(data["version"], "1.2");
        assert_eq!(data["mastery"], 80);
        assert_eq!(
            data["lessons"][0]["exercises"][0],
            serde_json::json!(["q1", 7, "true-false"])
        );
    }

    #[test]
    fn package_goes_beside_the_output_folder() {
        let c = course();
        assert_eq!(
            package_path(std::path::Path::new("site/output"), &c, ScormVersion::V2004),
            std::path::PathBuf::from("site/a-script-course-scorm-2004.zip")
        );
        assert_eq!(
            package_path(std::path::Path::new("output"), &c, ScormVersion::V12),
            std::path::PathBuf::from("a-script-course-scorm-1.2.zip")
        );
    }
}
