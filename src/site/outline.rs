//! What the site stage learns about every lesson before rendering any page: each body's
//! headings, links and text (a cheap pass without highlighting), where every link leads,
//! and the files made from them (search index, sitemap).

use super::links::{self, Resolved, SiteLinks};
use super::output::OutputFile;
use super::reuse::RenderMemo;
use super::{search, sitemap};
use crate::content::{Course, Lesson, Module};
use crate::diagnostics::Diagnostics;
use crate::markdown::{RenderedBody, Renderer};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub struct SiteOutline {
    /// Lesson bodies in `course.lessons()` order.
    pub lessons: Vec<RenderedBody>,
    pub links: SiteLinks,
    generated: Vec<OutputFile>,
}

impl SiteOutline {
    /// `static_files` are the theme's files, relative to `static/`.
    pub fn new<'a>(
        course: &Course,
        markdown: &Renderer,
        static_files: impl IntoIterator<Item = &'a Path>,
        memo: Option<&RenderMemo>,
    ) -> Self {
        let ordered: Vec<(&Module, &Lesson)> = course.lessons().collect();
        // A batch of lessons at a time: the text of each goes into the search index and
        // is dropped, as is the HTML (only headings and links are kept); at 10,000
        // lessons holding them all would take well over 100 MB.
        let mut lessons: Vec<RenderedBody> = Vec::with_capacity(ordered.len());
        let mut index = search::IndexBuilder::default();
        for batch in ordered.chunks(search::IndexBuilder::BATCH) {
            let mut bodies: Vec<RenderedBody> = batch
                .par_iter()
                .map(|(_, l)| {
                    let mut body = markdown.outline(&l.body.text, l.body.first_line);
                    body.parts = Vec::new();
                    body
                })
                .collect();
            index.add_reusing(batch, &bodies, memo);
            for body in &mut bodies {
                body.text = String::new();
            }
            lessons.extend(bodies);
        }
        let mut generated = sitemap::files(course);
        generated.push(OutputFile {
            path: PathBuf::from(search::INDEX_FILE),
            bytes: index.finish().to_js(),
        });
        let mut files: Vec<String> = static_files
            .into_iter()
            .map(|p| format!("static/{}", p.to_string_lossy().replace('\\', "/")))
            .collect();
        files.extend(
            generated
                .iter()
                .map(|f| f.path.to_string_lossy().into_owned()),
        );
        let links = SiteLinks::new(course, &lessons, files.iter().map(String::as_str));
        SiteOutline {
            lessons,
            links,
            generated,
        }
    }

    /// Broken links (errors) and images without alt text (warnings).
    pub fn problems(&self, course: &Course) -> Diagnostics {
        links::check(course, &self.lessons, &self.links)
    }

    /// The URL to write for `url` in a lesson body, if it must change (a source path or
    /// a folder URL); `None` keeps the author's.
    pub fn rewrite(&self, module: &Module, lesson: &Lesson, url: &str) -> Option<String> {
        match self
            .links
            .resolve(&links::lesson_page(module, lesson), &lesson.source, url)
        {
            Resolved::Internal(rewrite) => rewrite,
            _ => None,
        }
    }

    /// Files made from the outline: the search index, and the sitemap and robots.txt when
    /// the course has a `base_url`.
    pub fn into_files(self) -> Vec<OutputFile> {
        self.generated
    }
}
