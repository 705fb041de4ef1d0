//! Themes: Tera templates and static files, from `themes/<name>/` under the course root,
//! or the default theme built into the binary.

use super::strings::UiStrings;
use crate::diagnostics::{Diagnostic, Position};
use std::collections::HashMap;
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
        "video.html",
        include_str!("../../themes/default/templates/video.html"),
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
        "explore.js",
        include_bytes!("../../themes/default/static/explore.js"),
    ),
    (
        "video.js",
        include_bytes!("../../themes/default/static/video.js"),
    ),
    (
        "review.js",
        include_bytes!("../../themes/default/static/review.js"),
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
    /// The interface text in the course's language, with the theme's overrides; every
    /// template sees it as `t`, from Tera's global context (converted once, not per page).
    strings: UiStrings,
    /// Each template's `script_strings` (`UiStrings::script_json`), the same on every
    /// page made from it.
    script_strings: HashMap<String, tera::Value>,
}

impl Theme {
    /// Load theme `name` with its text in `language`: `root/themes/<name>/` if it
    /// exists, else the built-in default.
    pub fn load(root: &Path, name: &str, language: &str) -> Result<Theme, Diagnostic> {
        let strings = UiStrings::load(root, name, language, Path::new("content/_index.md"))?;
        let mut theme = Self::templates_and_files(root, name)?;
        theme.set_strings(strings);
        Ok(theme)
    }

    pub fn strings(&self) -> &UiStrings {
        &self.strings
    }

    /// Use `strings` as the interface text of every page from now on.
    fn set_strings(&mut self, strings: UiStrings) {
        self.tera.global_context().insert("t", &strings);
        self.script_strings = self
            .tera
            .get_template_names()
            .map(|name| {
                let json = strings.script_json(name);
                (name.to_string(), tera::Value::from_serializable(&json))
            })
            .collect();
        self.strings = strings;
    }

    /// The JSON of the strings the scripts of pages made from `template` need.
    pub fn script_strings(&self, template: &str) -> tera::Value {
        match self.script_strings.get(template) {
            Some(json) => json.clone(),
            None => tera::Value::from_serializable(&self.strings.script_json(template)),
        }
    }

    fn templates_and_files(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join("themes").join(name);
        // `themes/default/` holding only `i18n/` overrides text, not the built-in theme.
        let only_text = name == "default" && !dir.join("templates").exists();
        if dir.is_dir() && !only_text {
            return Self::from_dir(root, &dir, name == "default");
        }
        if name == "default" {
            return Self::from_parts(
                DEFAULT_TEMPLATES
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string()))
                    .collect(),
                DEFAULT_STATIC
                    .iter()
                    .map(|(n, b)| (PathBuf::from(n), compact(n, b)))
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

    /// `compacted`: the default theme's folder, whose scripts and styles are known to
    /// survive `compact`; other themes' files are copied as they are.
    fn from_dir(root: &Path, dir: &Path, compacted: bool) -> Result<Theme, Diagnostic> {
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
                    let bytes = std::fs::read(entry.path()).map_err(io)?;
                    let bytes = if compacted {
                        compact(&rel.to_string_lossy(), &bytes)
                    } else {
                        bytes
                    };
                    statics.push((rel, bytes));
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
        tera.set_escape_fn(crate::html::escape_to_writer);
        tera.add_raw_templates(templates).map_err(|e| {
            Diagnostic::error(
                "template",
                shown,
                Position::default(),
                format!("the theme's templates do not compile: {}", error_chain(&e)),
            )
        })?;
        let mut theme = Theme {
            tera,
            static_files,
            strings: UiStrings::empty(),
            script_strings: HashMap::new(),
        };
        theme.set_strings(UiStrings::built_in("en").unwrap_or(UiStrings::empty()));
        Ok(theme)
    }
}

/// A built-in script or stylesheet without indentation, blank lines and whole-line
/// comments: about a fifth smaller, and the page weight budget counts what learners
/// download. Line breaks stay, so no statement joins another. A script holding a
/// backtick outside its comment lines is left whole, since a template literal's lines
/// are text; so is any other file.
fn compact(name: &str, bytes: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    let code = if name.ends_with(".js") {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//"))
            .map(without_end_comment)
            .collect();
        if lines.iter().any(|l| l.contains('`')) {
            return bytes.to_vec();
        }
        lines
    } else if name.ends_with(".css") {
        let mut plain = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("/*") {
            plain.push_str(&rest[..start]);
            rest = rest[start..]
                .find("*/")
                .map_or("", |end| &rest[start + end + 2..]);
        }
        plain.push_str(rest);
        return squeeze_css(&join_lines(plain.lines().map(str::trim)));
    } else {
        return bytes.to_vec();
    };
    join_lines(code.into_iter())
}

/// A line without its `  // comment` tail, when the line holds no string or template
/// (where ` // ` could be text) and no regular expression (where it could be a pattern).
fn without_end_comment(line: &str) -> &str {
    let plain = !line.contains(['"', '\'', '`']) && line.matches('/').count() == 2;
    match line.find(" // ") {
        Some(at) if plain => line[..at].trim_end(),
        _ => line,
    }
}

/// Spaces around `{ } ; , >` and after a declaration's `:` go; strings are left as they
/// are (`"\2713  Right"` needs both spaces: an escape eats one), and so are the spaces of
/// `calc(a - b)` (`-` and `+` are not touched) and of selectors like `.a :focus`.
fn squeeze_css(css: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(css);
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let tight = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>' | ':');
    for c in text.chars() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let last = out.chars().last();
        let keep = pending_space
            && last.is_some()
            && ((!tight(c) && !last.is_some_and(tight))
                || (c == ':' && last.is_some_and(|l| !tight(l))));
        if keep {
            out.push(' ');
        }
        pending_space = false;
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    out.push('\n');
    out.into_bytes()
}

fn join_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = String::new();
    for line in lines.filter(|l| !l.is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
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

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn compaction_drops_indentation_and_comment_lines_only() {
        let js = "// why\n(() => {\n  var a = 1; // gone: a comment after code\n  var b = \"x // y\"; // kept: a string\n  var d = \"x // y\";\n  var c = a / 2; // kept: a slash\n\n  return a;\n})();\n";
        assert_eq!(
            String::from_utf8(compact("x.js", js.as_bytes())).unwrap(),
            "(() => {\nvar a = 1;\nvar b = \"x // y\"; // kept: a string\nvar d = \"x // y\";\nvar c = a / 2; // kept: a slash\nreturn a;\n})();\n"
        );
        let literal = "var t = `a\n  b`;\n";
        assert_eq!(compact("x.js", literal.as_bytes()), literal.as_bytes());
        let css = "/* colours */\n:root {\n  --a: 1; /* one */\n}\n.a :focus, b > c { width: calc(1px + 2%); }\n.d::after { content: \"\\2713  ; Right\"; }\n";
        assert_eq!(
            String::from_utf8(compact("x.css", css.as_bytes())).unwrap(),
            ":root{--a:1;}.a :focus,b>c{width:calc(1px + 2%);}.d::after{content:\"\\2713  ; Right\";}\n"
        );
        assert_eq!(compact("x.svg", b"  <svg/>"), b"  <svg/>");
    }
}
