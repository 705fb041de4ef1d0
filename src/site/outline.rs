//! What the site stage learns about every lesson before rendering any page: each body's
//! headings, links and text (a cheap pass without highlighting), where every link leads,
//! and the files made from them (search index, sitemap).

use super::fingerprint::HashWriter;
use super::index_blocks;
use super::links::{self, Resolved, SiteLinks};
use super::output::OutputFile;
use super::packed_texts::PackedTexts;
use super::reuse::{self, Output, Reuse};
use super::search::{self, LessonDocs, LessonTerms};
use super::sitemap;
use crate::content::{Body, Course, Lesson, Module};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::markdown::{RenderedBody, Renderer};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hash::Hasher as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An introduction: the course's (`content/_index.md`) or a module's.
struct Intro {
    page: String,
    source: PathBuf,
    outline: RenderedBody,
}

/// The course's introduction, then each module's, in order.
fn intros(course: &Course, markdown: &Renderer) -> Vec<Intro> {
    let course_intro = Intro {
        page: "index.html".into(),
        source: PathBuf::from("content/_index.md"),
        outline: markdown.outline(&course.intro.text, course.intro.first_line),
    };
    let modules = course.modules.iter().map(|m| Intro {
        page: format!("{}/index.html", m.slug),
        source: m.source.join("_index.md"),
        outline: markdown.outline(&m.intro.text, m.intro.first_line),
    });
    std::iter::once(course_intro).chain(modules).collect()
}

/// Errors for the shortcodes of `body` (from the file `source`) that would reach the
/// page as raw braces, and for its math that does not parse.
fn body_problems(source: &Path, body: &Body, outline: &RenderedBody) -> Vec<Diagnostic> {
    if outline.shortcode_problems.is_empty() && outline.math_problems.is_empty() {
        return Vec::new();
    }
    // Split once: a body may hold thousands of them.
    let lines: Vec<&str> = body.text.lines().collect();
    let shortcodes = outline.shortcode_problems.iter().map(|p| {
        let position = Position::new(p.line, p.column);
        Diagnostic::error(p.code(), source, position, p.message())
            .span(p.written.chars().count())
            .expected(p.expected())
    });
    let math = outline.math_problems.iter().map(|p| {
        Diagnostic::error(
            "malformed-math",
            source,
            Position::new(p.line, p.column),
            p.message(),
        )
        .expected(p.expected())
    });
    shortcodes
        .chain(math)
        .map(|mut d| {
            d.source_line = lines
                .get(d.position.line.saturating_sub(body.first_line))
                .map(|l| l.to_string());
            d
        })
        .collect()
}

/// What the site needs of one lesson's body: its outline without text or HTML (headings
/// and links), and its documents for the search index.
struct LessonOutline {
    body: Arc<RenderedBody>,
    /// What links to its page may name after `#`.
    anchors: Arc<links::Anchors>,
    docs: LessonDocs,
    /// The documents' terms grouped (and taken out of them), for rebuilds' index blocks.
    terms: Option<LessonTerms>,
    /// For rebuilds, the documents' texts (taken out of them), for their text scripts.
    texts: Option<PackedTexts>,
}

/// A lesson's outline with the key it is kept under.
type KeyedOutline = (u64, Arc<LessonOutline>);

fn lesson_outline(
    markdown: &Renderer,
    (module, lesson): (&Module, &Lesson),
    grouped: bool,
    labels: &search::DocLabels,
) -> LessonOutline {
    let mut body = markdown.outline(&lesson.body.text, lesson.body.first_line);
    body.parts = Vec::new();
    let mut docs = search::lesson_docs(module, lesson, &body, labels);
    body.text = String::new();
    let terms = grouped.then(|| search::take_lesson_terms(&mut docs));
    let texts = grouped.then(|| {
        let texts = PackedTexts::pack(docs.iter().map(|d| d.text.as_str()));
        docs.iter_mut().for_each(|d| d.text = String::new());
        texts
    });
    LessonOutline {
        anchors: Arc::new(links::lesson_anchors(lesson, &body)),
        body: Arc::new(body),
        docs,
        terms,
        texts,
    }
}

/// Lessons' outlines (headings and links only) and the anchors of their pages, in
/// `course.lessons()` order.
#[derive(Default)]
struct Outlines {
    bodies: Vec<Arc<RenderedBody>>,
    anchors: Vec<Arc<links::Anchors>>,
}

impl Outlines {
    fn push(&mut self, lesson: &LessonOutline) {
        self.bodies.push(Arc::clone(&lesson.body));
        self.anchors.push(Arc::clone(&lesson.anchors));
    }
}

/// Every lesson's outline (headings and links only) in `course.lessons()` order, and the
/// search index files made from their texts.
fn outline_and_index(
    course: &Course,
    markdown: &Renderer,
    reuse: Option<&dyn Reuse>,
    labels: &search::DocLabels,
) -> (Outlines, Vec<Output>, Option<TextScripts>) {
    let ordered: Vec<(&Module, &Lesson)> = course.lessons().collect();
    if let Some(reuse) = reuse {
        return reused_outline_and_index(&ordered, markdown, reuse, labels);
    }
    // A batch of lessons at a time: the text of each goes into the search index and is
    // dropped, as is the HTML (only headings and links are kept); at 10,000 lessons
    // holding them all would take well over 100 MB. A batch goes into the index (one
    // thread) while the next is outlined, so that no core waits for the other.
    let mut lessons = Outlines::default();
    let mut index = search::IndexBuilder::default();
    let mut outlined: Vec<LessonOutline> = Vec::new();
    let batches = ordered.chunks(search::IndexBuilder::BATCH);
    for batch in batches.map(Some).chain([None]) {
        let done = std::mem::take(&mut outlined);
        let index_done = || {
            for part in done {
                lessons.push(&part);
                index.push(part.docs);
            }
        };
        let outline_batch = || match batch {
            Some(batch) => batch
                .par_iter()
                .map(|&(m, l)| lesson_outline(markdown, (m, l), false, labels))
                .collect(),
            None => Vec::new(),
        };
        outlined = rayon::join(outline_batch, index_done).0;
    }
    let files = search_files(index.finish()).into_iter().map(Output::Made);
    (lessons, files.collect(), None)
}

/// `outline_and_index` for a rebuild: each lesson's outline and documents, and the search
/// index files, taken from `reuse` when their inputs did not change.
fn reused_outline_and_index(
    ordered: &[(&Module, &Lesson)],
    markdown: &Renderer,
    reuse: &dyn Reuse,
    labels: &search::DocLabels,
) -> (Outlines, Vec<Output>, Option<TextScripts>) {
    let labels_key = {
        let mut h = HashWriter::new();
        let _ = write!(h, "{labels:?}");
        h.finish()
    };
    let keyed: Vec<KeyedOutline> = ordered
        .par_iter()
        .map(|(m, l)| {
            let mut h = HashWriter::new();
            let _ = write!(h, "outline{}{}{labels_key}", m.slug, reuse.lesson_stamp(l));
            let key = h.finish();
            let make = || lesson_outline(markdown, (m, l), true, labels);
            let part = reuse::value(Some(reuse), || key, make);
            (key, part)
        })
        .collect();
    let mut h = HashWriter::new();
    for (key, _) in &keyed {
        h.0.write_u64(*key);
    }
    let index_key = h.finish();
    let mut lessons = Outlines::default();
    for (_, part) in &keyed {
        lessons.push(part);
    }
    let index = reuse::file::<std::convert::Infallible>(
        Some(reuse),
        PathBuf::from(search::INDEX_FILE),
        || index_key,
        || {
            Ok(OutputFile {
                path: PathBuf::from(search::INDEX_FILE),
                bytes: spliced_index(&keyed, reuse),
            })
        },
    );
    let Ok(index) = index;
    let scripts = TextScripts {
        shards: shard_runs(&keyed),
        keyed,
    };
    (lessons, vec![index], Some(scripts))
}

/// `search-index.js` spliced from blocks of lessons, each block kept while its lessons
/// and the number of its first document are the same.
fn spliced_index(keyed: &[KeyedOutline], reuse: &dyn Reuse) -> Vec<u8> {
    let mut first_doc = 0u32;
    let chunks: Vec<(u32, &[KeyedOutline])> = keyed
        .chunks(index_blocks::BLOCK_LESSONS)
        .map(|chunk| {
            let first = first_doc;
            first_doc += chunk.iter().map(|(_, p)| p.docs.len() as u32).sum::<u32>();
            (first, chunk)
        })
        .collect();
    let blocks: Vec<Arc<index_blocks::IndexBlock>> = chunks
        .par_iter()
        .map(|&(first, chunk)| {
            let mut h = HashWriter::new();
            let _ = write!(h, "index-block{first}");
            for (key, _) in chunk {
                let _ = write!(h, ",{key}");
            }
            let make = || {
                // Made with `grouped`, so every lesson has its terms.
                let lessons: Vec<(&LessonDocs, &LessonTerms)> = chunk
                    .iter()
                    .filter_map(|(_, p)| Some((&p.docs, p.terms.as_ref()?)))
                    .collect();
                index_blocks::index_block(&lessons, first)
            };
            reuse::value(Some(reuse), || h.finish(), make)
        })
        .collect();
    let blocks: Vec<&index_blocks::IndexBlock> = blocks.iter().map(|b| &**b).collect();
    index_blocks::splice_index(&blocks)
}

/// A rebuild's search text scripts, made one at a time as they are written: at 10,000
/// lessons they are some 45 MB.
struct TextScripts {
    keyed: Vec<KeyedOutline>,
    /// Each script's documents (`shard_runs`).
    shards: Vec<Vec<(usize, usize, usize)>>,
}

impl TextScripts {
    fn paths(&self) -> impl Iterator<Item = String> {
        (0..self.shards.len()).map(search::text_file_name)
    }

    /// Each script, kept while the documents in it are the same (the lessons they come
    /// from did not change).
    fn into_files(self, reuse: &dyn Reuse) -> impl Iterator<Item = Output> + '_ {
        let TextScripts { keyed, shards } = self;
        let file = move |(n, runs): (usize, Vec<(usize, usize, usize)>)| {
            let key = || {
                let mut h = HashWriter::new();
                for &(lesson, start, end) in &runs {
                    h.0.write_u64(keyed[lesson].0);
                    h.0.write_usize(start);
                    h.0.write_usize(end);
                }
                h.finish()
            };
            let make = || {
                let unpacked: Vec<Vec<String>> = (runs.iter())
                    .map(|&(lesson, ..)| keyed[lesson].1.texts.as_ref())
                    .map(|texts| texts.map(PackedTexts::unpack).unwrap_or_default())
                    .collect();
                let texts: Vec<&str> = (runs.iter().zip(&unpacked))
                    .flat_map(|(&(_, start, end), texts)| &texts[start..end])
                    .map(String::as_str)
                    .collect();
                let (name, bytes) = search::text_file(n, &texts);
                Ok::<_, std::convert::Infallible>(OutputFile {
                    path: PathBuf::from(name),
                    bytes,
                })
            };
            let path = PathBuf::from(search::text_file_name(n));
            let Ok(file) = reuse::file(Some(reuse), path, key, make);
            file
        };
        shards.into_iter().enumerate().map(file)
    }
}

/// The documents of each text script (`SHARD_DOCS` of them, in course order) as runs of
/// one lesson's: the lesson's index in `keyed`, its first document there and the end.
fn shard_runs(keyed: &[KeyedOutline]) -> Vec<Vec<(usize, usize, usize)>> {
    let mut shards = Vec::new();
    let (mut shard, mut filled) = (Vec::new(), 0);
    for (lesson, (_, part)) in keyed.iter().enumerate() {
        let (mut start, docs) = (0, part.docs.len());
        while start < docs {
            let end = docs.min(start + search::SHARD_DOCS - filled);
            shard.push((lesson, start, end));
            filled += end - start;
            start = end;
            if filled == search::SHARD_DOCS {
                shards.push(std::mem::take(&mut shard));
                filled = 0;
            }
        }
    }
    if !shard.is_empty() {
        shards.push(shard);
    }
    shards
}

/// The search index and its text scripts.
fn search_files(index: search::SearchIndex) -> Vec<OutputFile> {
    let mut files = vec![OutputFile {
        path: PathBuf::from(search::INDEX_FILE),
        bytes: index.to_js(),
    }];
    files.extend(
        index
            .into_text_files()
            .into_iter()
            .map(|(name, bytes)| OutputFile {
                path: PathBuf::from(name),
                bytes,
            }),
    );
    files
}

/// The fragments a link to an introduction's page may name: its headings, `main`, and on
/// the course's page each module's.
fn intro_anchors(course: &Course, intro: &Intro) -> BTreeSet<String> {
    let mut anchors: BTreeSet<String> = intro
        .outline
        .headings
        .iter()
        .map(|h| h.id.clone())
        .collect();
    anchors.insert("main".into());
    if intro.page == "index.html" {
        anchors.extend(course.modules.iter().map(|m| format!("module-{}", m.slug)));
    }
    anchors
}

pub struct SiteOutline {
    /// Lesson bodies in `course.lessons()` order.
    pub lessons: Vec<Arc<RenderedBody>>,
    /// The course's and each module's introduction: output page, source file, outline.
    intros: Vec<Intro>,
    pub links: SiteLinks,
    generated: Vec<Output>,
    /// A rebuild's text scripts, made as they are taken.
    text_scripts: Option<TextScripts>,
}

impl SiteOutline {
    /// `static_files` are the theme's files, relative to `static/`.
    pub fn new<'a>(
        course: &Course,
        markdown: &Renderer,
        static_files: impl IntoIterator<Item = &'a Path>,
        reuse: Option<&dyn Reuse>,
        labels: search::DocLabels,
    ) -> Self {
        let (lessons, mut generated, text_scripts) =
            outline_and_index(course, markdown, reuse, &labels);
        generated.extend(sitemap::files(course).into_iter().map(Output::Made));
        let mut files: Vec<String> = static_files
            .into_iter()
            .map(|p| format!("static/{}", p.to_string_lossy().replace('\\', "/")))
            .collect();
        files.extend(
            generated
                .iter()
                .map(|f| f.path().to_string_lossy().into_owned()),
        );
        files.extend(text_scripts.iter().flat_map(TextScripts::paths));
        // Only their headings are needed, and only when a build fails: never indexed.
        let broken: Vec<Option<RenderedBody>> = course
            .broken_lessons
            .par_iter()
            .map(|l| {
                l.body
                    .as_ref()
                    .map(|b| markdown.outline(&b.text, b.first_line))
            })
            .collect();
        let files = files.iter().map(String::as_str);
        let mut links = SiteLinks::new(course, &lessons.anchors, &broken, files);
        let intros = intros(course, markdown);
        for intro in &intros {
            links.set_anchors(&intro.page, intro_anchors(course, intro));
        }
        SiteOutline {
            lessons: lessons.bodies,
            intros,
            links,
            generated,
            text_scripts,
        }
    }

    /// Broken links and shortcodes (errors) and images without alt text (warnings).
    pub fn problems(&self, course: &Course) -> Diagnostics {
        let mut problems = links::check(course, &self.lessons, &self.links);
        for ((_, lesson), outline) in course.lessons().zip(&self.lessons) {
            problems.extend(body_problems(&lesson.source, &lesson.body, outline));
        }
        let bodies = std::iter::once(&course.intro).chain(course.modules.iter().map(|m| &m.intro));
        for (intro, body) in self.intros.iter().zip(bodies) {
            problems.extend(links::check_body(
                &self.links,
                &intro.page,
                &intro.source,
                body,
                &intro.outline,
            ));
            problems.extend(body_problems(&intro.source, body, &intro.outline));
        }
        problems
    }

    /// `rewrite` for a link written in any body: the page at output path `page`, from
    /// the file `source`.
    pub fn rewrite_at(&self, page: &str, source: &Path, url: &str) -> Option<String> {
        match self.links.resolve(page, source, url) {
            Resolved::Internal(rewrite) => rewrite,
            _ => None,
        }
    }

    /// The URL to write for `url` in a lesson body, if it must change (a source path or
    /// a folder URL); `None` keeps the author's.
    pub fn rewrite(&self, module: &Module, lesson: &Lesson, url: &str) -> Option<String> {
        self.rewrite_at(&links::lesson_page(module, lesson), &lesson.source, url)
    }

    /// Files made from the outline: the search index and its text scripts, and the
    /// sitemap and robots.txt when the course has a `base_url`. The outline keeps none of
    /// them; a rebuild's text scripts (`reuse`) are made one by one as they are taken.
    pub fn take_files<'s>(
        &'s mut self,
        reuse: Option<&'s dyn Reuse>,
    ) -> impl Iterator<Item = Output> + 's {
        let scripts = self.text_scripts.take().zip(reuse);
        let scripts = scripts
            .into_iter()
            .flat_map(|(s, reuse)| s.into_files(reuse));
        std::mem::take(&mut self.generated)
            .into_iter()
            .chain(scripts)
    }
}
