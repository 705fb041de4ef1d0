//! Themes: Tera templates and static files, from `themes/<name>/` under the course root,
//! or the default theme built into the binary.

use crate::diagnostics::{Diagnostic, Position};
use std::path::{Path, PathBuf};

/// The default theme, compiled in so `crescu build --root elsewhere` needs no theme folder.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "module.html",
        include_str!("../../themes/default/templates/module.html"),
    ),
    (
        "lesson.html",
        include_str!("../../themes/default/templates/lesson.html"),
    ),
    (
        "exercise.html",
        include_str!("../../themes/default/templates/exercise.html"),
    ),
    (
        "lesson_list.html",
        include_str!("../../themes/default/templates/lesson_list.html"),
    ),
    (
        "progress_menu.html",
        include_str!("../../themes/default/templates/progress_menu.html"),
    ),
    (
        "review.html",
        include_str!("../../themes/default/templates/review.html"),
    ),
    (
        "review_items.html",
        include_str!("../../themes/default/templates/review_items.html"),
    ),
    (
        "sidebar.html",
        include_str!("../../themes/default/templates/sidebar.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
];

const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "crescu.js",
        include_bytes!("../../themes/default/static/crescu.js"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
];

/// Templates compiled once per build, and the files to copy to `output/static/`.
pub struct Theme {
    pub tera: tera::Tera,
    pub static_files: Vec<(PathBuf, Vec<u8>)>,
}

impl Theme {
    /// Load theme `name`: `root/themes/<name>/` if it exists, else the built-in default.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            return Self::from_dir(root, &dir);
        }
        if name == "default" {
            return Self::from_parts(
                DEFAULT_TEMPLATES
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string()))
                    .collect(),
                DEFAULT_STATIC
                    .iter()
                    .map(|(n, b)| (PathBuf::from(n), b.to_vec()))
                    .collect(),
                Path::new("themes/default"),
            );
        }
        Err(Diagnostic::error(
            "missing-theme",
            Path::new("content/_index.md"),
            Position::default(),
            format!("theme `{name}` not found at {}", dir.display()),
        )
        .expected("a folder themes/<name>/ with templates/ and static/, or `theme: default`"))
    }

    fn from_dir(root: &Path, dir: &Path) -> Result<Theme, Diagnostic> {
        let shown = dir.strip_prefix(root).unwrap_or(dir).to_path_buf();
        let io = |e: std::io::Error| {
            Diagnostic::error(
                "io",
                &shown,
                Position::default(),
                format!("cannot read the theme: {e}"),
            )
        };
        let mut templates = Vec::new();
        for entry in walkdir::WalkDir::new(dir.join("templates")).sort_by_file_name() {
            let entry = entry.map_err(|e| io(std::io::Error::other(e)))?;
            if entry.file_type().is_file() {
                let name = entry
                    .path()
                    .strip_prefix(dir.join("templates"))
                    .unwrap_or(entry.path());
                templates.push((
                    name.to_string_lossy().replace('\\', "/"),
                    std::fs::read_to_string(entry.path()).map_err(io)?,
                ));
            }
        }
        let mut statics = Vec::new();
        let static_dir = dir.join("static");
        if static_dir.is_dir() {
            for entry in walkdir::WalkDir::new(&static_dir).sort_by_file_name() {
                let entry = entry.map_err(|e| io(std::io::Error::other(e)))?;
                if entry.file_type().is_file() {
                    let rel = entry
                        .path()
                        .strip_prefix(&static_dir)
                        .unwrap_or(entry.path())
                        .to_path_buf();
                    statics.push((rel, std::fs::read(entry.path()).map_err(io)?));
                }
            }
        }
        Self::from_parts(templates, statics, &shown)
    }

    fn from_parts(
        templates: Vec<(String, String)>,
        static_files: Vec<(PathBuf, Vec<u8>)>,
        shown: &Path,
    ) -> Result<Theme, Diagnostic> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html", ".xml"]);
        tera.add_raw_templates(templates).map_err(|e| {
            Diagnostic::error(
                "template",
                shown,
                Position::default(),
                format!("the theme's templates do not compile: {}", error_chain(&e)),
            )
        })?;
        Ok(Theme { tera, static_files })
    }
}

/// A Tera error with its causes, on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}
