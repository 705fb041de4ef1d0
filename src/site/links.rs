//! Internal link checking: every link and image in a lesson body or an introduction must
//! lead to a page, file or heading of the built site. Links may be written as relative output URLs
//! (`../the-gil/index.html`, `../the-gil/`, `#anchor`) or as source paths
//! (`02-the-gil.md#anchor`, `diagram.png` beside the lesson file); source paths and folder
//! URLs are rewritten to relative file URLs so the page also works from `file://`.
//! External links (with a scheme) are never fetched.

use crate::content::{Body, Course, Lesson, Module};
use crate::diagnostics::{Diagnostic, Diagnostics, Position, suggest};
use crate::markdown::{Link, RenderedBody};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Ids the lesson template gives its own sections, which authors may link to.
const LESSON_TEMPLATE_IDS: &[&str] = &[
    "main",
    "timer-title",
    "takeaways-title",
    "videos-title",
    "go-deeper-title",
];

/// Every page and file the site will hold, with the anchors of each page, and where each
/// source file ends up.
#[derive(Debug, Default)]
pub struct SiteLinks {
    /// Output path of each HTML page -> ids a fragment may name (`None`: not checked).
    pages: HashMap<String, Option<Arc<Anchors>>>,
    /// Output paths of the other files (theme assets, course assets, generated files).
    files: BTreeSet<String>,
    /// Source path as authors see it (`content/01-basics/01-first.md`) -> output path.
    sources: HashMap<String, String>,
}

/// The ids a link to a page may name after `#`.
#[derive(Debug, Default)]
pub struct Anchors {
    ids: BTreeSet<String>,
    /// A lesson whose front matter failed: its exercises (`#exercise-ID`) are unknown, so
    /// links to them are not judged.
    any_exercise: bool,
}

impl Anchors {
    fn known(ids: BTreeSet<String>) -> Self {
        Anchors {
            ids,
            any_exercise: false,
        }
    }

    fn allow(&self, fragment: &str) -> bool {
        self.ids.contains(fragment) || (self.any_exercise && fragment.starts_with("exercise-"))
    }
}

/// What a link written in a page turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Has a scheme (`https:`, `mailto:`) or is protocol-relative: not checked.
    External,
    /// Leads somewhere that exists; `Some` is the URL to write in its place.
    Internal(Option<String>),
    Broken {
        message: String,
        expected: String,
    },
}

/// The ids a link to the page of `lesson`, whose body's outline is `outline`, may name:
/// its headings, its exercises and the template's own sections.
pub fn lesson_anchors(lesson: &Lesson, outline: &RenderedBody) -> Anchors {
    let mut anchors: BTreeSet<String> = outline.headings.iter().map(|h| h.id.clone()).collect();
    anchors.extend(lesson.quiz.iter().map(|e| format!("exercise-{}", e.id)));
    anchors.extend(LESSON_TEMPLATE_IDS.iter().map(|s| s.to_string()));
    Anchors::known(anchors)
}

/// Output path of a lesson page.
pub fn lesson_page(module: &Module, lesson: &Lesson) -> String {
    page_of(&module.slug, &lesson.slug)
}

/// Output path of the page of lesson `lesson` in module `module` (slugs).
fn page_of(module: &str, lesson: &str) -> String {
    format!("{module}/{lesson}/index.html")
}

impl SiteLinks {
    /// `anchors` are the lessons' (`lesson_anchors`) in `course.lessons()` order,
    /// `broken` the bodies of `course.broken_lessons` (`None` when unknown);
    /// `extra_files` are output paths of files that are not pages (theme assets,
    /// generated files).
    pub fn new<'a>(
        course: &Course,
        anchors: &[Arc<Anchors>],
        broken: &[Option<RenderedBody>],
        extra_files: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut links = SiteLinks::default();
        links.pages.insert("index.html".into(), None);
        links.pages.insert("404.html".into(), None);
        links
            .sources
            .insert("content/_index.md".into(), "index.html".into());
        for module in &course.modules {
            let page = format!("{}/index.html", module.slug);
            links
                .sources
                .insert(slash_path(&module.source.join("_index.md")), page.clone());
            links.pages.insert(page, None);
        }
        for ((module, lesson), anchors) in course.lessons().zip(anchors) {
            let page = lesson_page(module, lesson);
            links
                .sources
                .insert(slash_path(&lesson.source), page.clone());
            links.pages.insert(page, Some(Arc::clone(anchors)));
        }
        // Lessons that failed to load have no page in this build, but their own errors
        // say so: links to them are judged as if they had loaded.
        for (lesson, outline) in course.broken_lessons.iter().zip(broken) {
            let page = page_of(&lesson.module, &lesson.slug);
            let anchors = outline.as_ref().map(|outline| {
                let mut ids: BTreeSet<String> =
                    outline.headings.iter().map(|h| h.id.clone()).collect();
                ids.extend(LESSON_TEMPLATE_IDS.iter().map(|s| s.to_string()));
                Arc::new(Anchors {
                    ids,
                    any_exercise: true,
                })
            });
            links
                .sources
                .insert(slash_path(&lesson.source), page.clone());
            // A loaded lesson of the same slug (an error of its own) keeps its anchors.
            links.pages.entry(page).or_insert(anchors);
        }
        for asset in &course.assets {
            let target = slash_path(&asset.target);
            // The asset sits at the same place under content/, with the module folder's
            // own name instead of its slug: take that many trailing components.
            let depth = asset.target.components().count();
            let parts: Vec<_> = asset.source.components().collect();
            let source_rel: std::path::PathBuf =
                parts[parts.len().saturating_sub(depth)..].iter().collect();
            links.sources.insert(
                format!("content/{}", slash_path(&source_rel)),
                target.clone(),
            );
            links.files.insert(target);
        }
        links
            .files
            .extend(extra_files.into_iter().map(str::to_string));
        links
    }

    /// Resolve `url`, written in the page at output path `page` whose source file is
    /// `source` (as authors see it).
    pub fn resolve(&self, page: &str, source: &Path, url: &str) -> Resolved {
        if is_external(url) {
            return Resolved::External;
        }
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p, Some(percent_decode(f))),
            None => (url, None),
        };
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return match self.check_fragment(page, fragment.as_deref()) {
                Ok(()) => Resolved::Internal(None),
                Err(broken) => broken,
            };
        }
        if path.starts_with('/') {
            return Resolved::Broken {
                message: format!(
                    "`{url}` is relative to the host's root, so it breaks when the site is served from a sub-path or opened from a file"
                ),
                expected: "a relative link such as `../other-lesson/index.html` or `02-other.md`"
                    .into(),
            };
        }
        let link = LinkAt {
            url,
            page,
            decoded: percent_decode(path),
            fragment: fragment.as_deref(),
            source_path: slash_path(source),
        };
        if link.decoded.ends_with(".md") {
            return self.resolve_lesson_file(&link);
        }
        self.resolve_output_path(&link)
            .unwrap_or_else(|| self.resolve_beside_source(&link))
    }

    /// A link to a lesson's source file (`02-the-gil.md`), relative to the linking file.
    fn resolve_lesson_file(&self, link: &LinkAt) -> Resolved {
        let Some(source_target) = join(link.source_dir(), &link.decoded) else {
            return self.outside(link.url);
        };
        match self.sources.get(&source_target) {
            Some(target) => match self.check_fragment(target, link.fragment) {
                Ok(()) => Resolved::Internal(Some(link.rewritten(target))),
                Err(broken) => broken,
            },
            None => {
                let hint = suggest(
                    &source_target,
                    self.sources
                        .keys()
                        .filter(|k| k.ends_with(".md"))
                        .map(String::as_str),
                )
                .map(|s| format!(", did you mean `{s}`?"))
                .unwrap_or_default();
                Resolved::Broken {
                    message: format!("no lesson file `{source_target}`{hint}"),
                    expected:
                        "the path of a lesson file relative to this one, such as `02-the-gil.md`"
                            .into(),
                }
            }
        }
    }

    /// A link to a page or file of the site, relative to the linking page; `None` when
    /// the site has nothing there.
    fn resolve_output_path(&self, link: &LinkAt) -> Option<Resolved> {
        let folder_form = link.decoded.ends_with('/');
        let target = join(parent(link.page), &link.decoded)?;
        let mut candidates = Vec::new();
        if !folder_form && !target.is_empty() {
            candidates.push(target.clone());
        }
        candidates.push(if target.is_empty() {
            "index.html".to_string()
        } else {
            format!("{target}/index.html")
        });
        for candidate in candidates {
            if self.pages.contains_key(&candidate) {
                if let Err(broken) = self.check_fragment(&candidate, link.fragment) {
                    return Some(broken);
                }
                // A folder URL works on a web server but not from file://.
                let rewrite = (candidate != target).then(|| link.rewritten(&candidate));
                return Some(Resolved::Internal(rewrite));
            }
            if self.files.contains(&candidate) {
                return Some(Resolved::Internal(
                    (candidate != target).then(|| link.rewritten(&candidate)),
                ));
            }
        }
        None
    }

    /// A link to a file beside the linking file's source, such as an image in the module
    /// folder; else broken.
    fn resolve_beside_source(&self, link: &LinkAt) -> Resolved {
        if let Some(source_target) = join(link.source_dir(), &link.decoded)
            && let Some(target) = self.sources.get(&source_target)
        {
            return Resolved::Internal(Some(link.rewritten(target)));
        }
        match join(parent(link.page), &link.decoded) {
            None => self.outside(link.url),
            Some(target) => Resolved::Broken {
                message: format!("`{}` leads to `{target}`, which the site does not have", link.url),
                expected: "a link to a lesson (`02-the-gil.md` or `../the-gil/index.html`) or to a file of the course".into(),
            },
        }
    }

    /// Let fragments naming `page` be checked against `anchors`.
    pub fn set_anchors(&mut self, page: &str, anchors: BTreeSet<String>) {
        self.pages
            .insert(page.to_string(), Some(Arc::new(Anchors::known(anchors))));
    }

    fn outside(&self, url: &str) -> Resolved {
        Resolved::Broken {
            message: format!("`{url}` leads outside the site"),
            expected: "a link to a page or file of this course".into(),
        }
    }

    fn check_fragment(&self, page: &str, fragment: Option<&str>) -> Result<(), Resolved> {
        let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
            return Ok(());
        };
        match self.pages.get(page) {
            Some(Some(anchors)) if !anchors.allow(fragment) => {
                let hint = suggest(fragment, anchors.ids.iter().map(String::as_str))
                    .map(|s| format!(", did you mean `#{s}`?"))
                    .unwrap_or_default();
                Err(Resolved::Broken {
                    message: format!("no heading `#{fragment}` in `{page}`{hint}"),
                    expected: "the id of a heading of that page (its text in lowercase, words joined by `-`)".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// Check every link of every lesson and warn about images without alt text. `outlines`
/// are in `course.lessons()` order.
pub fn check(course: &Course, outlines: &[Arc<RenderedBody>], links: &SiteLinks) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for ((module, lesson), outline) in course.lessons().zip(outlines) {
        let page = lesson_page(module, lesson);
        diags.extend(check_body(
            links,
            &page,
            &lesson.source,
            &lesson.body,
            outline,
        ));
    }
    diags
}

/// Problems with the links of one body (a lesson's, or an introduction's) written in the
/// page at output path `page` from the file `source`.
pub fn check_body(
    links: &SiteLinks,
    page: &str,
    source: &Path,
    body: &Body,
    outline: &RenderedBody,
) -> Vec<Diagnostic> {
    outline
        .links
        .iter()
        .filter_map(|link| link_problem(links, page, source, body, link))
        .collect()
}

fn link_problem(
    links: &SiteLinks,
    page: &str,
    source: &Path,
    body: &Body,
    link: &Link,
) -> Option<Diagnostic> {
    let position = Position::new(link.line, link.column);
    let mut d = match links.resolve(page, source, &link.url) {
        Resolved::Broken { message, expected } => {
            Diagnostic::error("broken-link", source, position, message).expected(expected)
        }
        _ if link.image_alt.as_deref() == Some("") => Diagnostic::warning(
            "image-without-alt",
            source,
            position,
            format!("image `{}` has no alt text", link.url),
        )
        .expected("a description in the brackets: ![what the image shows](file.png)"),
        _ => return None,
    };
    let body_line = link.line.saturating_sub(body.first_line);
    d.source_line = body.text.lines().nth(body_line).map(str::to_string);
    Some(d)
}

fn is_external(url: &str) -> bool {
    if url.starts_with("//") {
        return true;
    }
    let scheme_len = url
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .unwrap_or(0);
    scheme_len > 0
        && url[scheme_len..].starts_with(':')
        && url.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The folder part of a slash path (`a/b/index.html` -> `a/b`).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `rel` applied to folder `dir`, normalised; `None` if it climbs above the site root.
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in rel.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// URL of output path `to` relative to the page at output path `from`.
pub fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = parent(from).split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        // Keep at least the file name of the target.
        .min(to_parts.len().saturating_sub(1));
    let mut url = "../".repeat(from_dir.len() - common);
    url.push_str(
        &to_parts[common..]
            .iter()
            .map(|p| percent_encode(p))
            .collect::<Vec<_>>()
            .join("/"),
    );
    url
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A relative link being resolved: where it is written and where it points.
struct LinkAt<'a> {
    /// As written.
    url: &'a str,
    /// Output path of the page it is written in.
    page: &'a str,
    /// Its path, percent-decoded, without query or fragment.
    decoded: String,
    fragment: Option<&'a str>,
    /// The linking file, as a slash path.
    source_path: String,
}

impl LinkAt<'_> {
    fn source_dir(&self) -> &str {
        parent(&self.source_path)
    }

    /// The URL to write for `target` (an output path) in the linking page.
    fn rewritten(&self, target: &str) -> String {
        let mut url = relative(self.page, target);
        if let Some(f) = self.fragment {
            url.push('#');
            url.push_str(&percent_encode(f));
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_between_pages() {
        assert_eq!(
            relative("a/b/index.html", "a/c/index.html"),
            "../c/index.html"
        );
        assert_eq!(relative("a/b/index.html", "a/b/index.html"), "index.html");
        assert_eq!(relative("a/b/index.html", "index.html"), "../../index.html");
        assert_eq!(relative("index.html", "a/img.png"), "a/img.png");
        assert_eq!(
            relative("a/b/index.html", "a/my pic.png"),
            "../my%20pic.png"
        );
    }

    #[test]
    fn joins_and_refuses_to_climb_out() {
        assert_eq!(join("a/b", "../c/").as_deref(), Some("a/c"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("", "./x/./y"), Some("x/y".into()));
    }

    /// A course of no loaded lessons and the given broken ones (module `m`).
    fn course_with_broken(broken: Vec<crate::content::BrokenLesson>) -> Course {
        Course {
            config: crate::content::CourseConfig::default(),
            intro: Body::default(),
            modules: Vec::new(),
            assets: Vec::new(),
            broken_lessons: broken,
        }
    }

    #[test]
    fn broken_lessons_are_link_targets_with_their_headings() {
        let broken = |slug: &str, body: Option<&str>| crate::content::BrokenLesson {
            module: "m".into(),
            slug: slug.into(),
            source: format!("content/01-m/01-{slug}.md").into(),
            body: body.map(|text| Body {
                text: text.into(),
                first_line: 4,
            }),
        };
        let course = course_with_broken(vec![
            broken("a", Some("## First steps\n")),
            broken("u", None),
        ]);
        let markdown = crate::markdown::Renderer::new();
        let outlines = vec![Some(markdown.outline("## First steps\n", 4)), None];
        let links = SiteLinks::new(&course, &[], &outlines, []);
        let from =
            |url: &str| links.resolve("m/b/index.html", Path::new("content/01-m/02-b.md"), url);
        for url in [
            "01-a.md",
            "01-a.md#first-steps",
            "../a/",
            "../a/index.html#first-steps",
            // Its exercises are unknown.
            "../a/#exercise-q",
            "01-a.md#main",
            // Nothing of its body is known.
            "01-u.md#anything",
        ] {
            assert!(
                matches!(from(url), Resolved::Internal(_)),
                "{url}: {:?}",
                from(url)
            );
        }
        match from("01-a.md#first-step") {
            Resolved::Broken { message, .. } => {
                assert!(
                    message.contains("did you mean `#first-steps`?"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn external_links_are_recognised() {
        for url in ["https://x.org", "mailto:a@b.c", "//cdn.x/y", "tel:123"] {
            assert!(is_external(url), "{url}");
        }
        for url in ["02-a.md", "../a/", "#x", "a:b/c.md"] {
            // `a:b/c.md` has a scheme-like start but is rare enough to treat as external.
            assert_eq!(is_external(url), url == "a:b/c.md", "{url}");
        }
    }
}
