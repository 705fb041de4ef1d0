//! The search index: lesson titles, headings (with their ids) and text, cut into one
//! document per section, with a sorted term list so the browser can match prefixes by
//! binary search. Written as `search-index.js` assigning a global, because browsers refuse
//! `fetch()` of a JSON file from `file://` but do run a script.

use super::reuse::{HashWriter, RenderMemo};
use crate::content::{Course, Lesson, Module};
use crate::markdown::RenderedBody;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// Output path of the index.
pub const INDEX_FILE: &str = "search-index.js";
/// Characters of section text kept as a result's excerpt.
const EXCERPT_CHARS: usize = 120;
/// Longer words are cut: nobody types them in full, and prefixes still match.
const MAX_TERM_CHARS: usize = 24;

/// Words too common to help find anything.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "if", "in", "into",
    "is", "it", "its", "of", "on", "or", "so", "that", "the", "their", "then", "there", "these",
    "this", "to", "was", "were", "will", "with",
];

/// One searchable section: a lesson's opening, or one of its headings and the text under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    /// Relative to the site root, with the heading's id as fragment.
    pub url: String,
    pub lesson: String,
    /// Empty for the part of a lesson before its first heading.
    pub heading: String,
    pub excerpt: String,
}

#[derive(Debug, Serialize)]
pub struct SearchIndex {
    pub docs: Vec<SearchDoc>,
    /// Every distinct word, sorted.
    pub terms: Vec<String>,
    /// For each term, the ascending indices of the docs that contain it.
    pub postings: Vec<Vec<u32>>,
}

/// Lowercase words of `text`, as the browser splits a query.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut word = String::with_capacity(w.len());
            for c in w.chars().take(MAX_TERM_CHARS) {
                word.extend(c.to_lowercase());
            }
            word
        })
}

impl SearchIndex {
    /// `outlines` are the lessons' bodies in `course.lessons()` order.
    pub fn build(course: &Course, outlines: &[RenderedBody]) -> Self {
        let lessons: Vec<(&Module, &Lesson)> = course.lessons().collect();
        let mut builder = IndexBuilder::default();
        for (lessons, outlines) in lessons
            .chunks(IndexBuilder::BATCH)
            .zip(outlines.chunks(IndexBuilder::BATCH))
        {
            builder.add(lessons, outlines);
        }
        builder.finish()
    }

    /// Docs holding a word that starts with each word of `query` (all must match), in
    /// index order. The browser script answers the same way; this is for tests and tools.
    pub fn query(&self, query: &str) -> Vec<&SearchDoc> {
        let mut hits: Option<BTreeSet<u32>> = None;
        for word in words(query) {
            let start = self.terms.partition_point(|t| t.as_str() < word.as_str());
            let docs: BTreeSet<u32> = self.terms[start..]
                .iter()
                .zip(&self.postings[start..])
                .take_while(|(t, _)| t.starts_with(&word))
                .flat_map(|(_, d)| d.iter().copied())
                .collect();
            hits = Some(match hits {
                None => docs,
                Some(h) => h.intersection(&docs).copied().collect(),
            });
        }
        hits.unwrap_or_default()
            .into_iter()
            .map(|d| &self.docs[d as usize])
            .collect()
    }

    /// The JavaScript file: `window.CRESCU_SEARCH = {docs, terms, postings}`, with each doc
    /// as a `[url, lesson, heading, excerpt]` array to keep the file small.
    pub fn to_js(&self) -> Vec<u8> {
        // Serialised straight from the index: a `serde_json::Value` of it would take
        // 32 bytes per posting. Keys in the order `json!` wrote them (sorted).
        #[derive(Serialize)]
        struct Js<'a> {
            docs: Vec<[&'a str; 4]>,
            postings: &'a [Vec<u32>],
            terms: &'a [String],
        }
        let js = Js {
            docs: self
                .docs
                .iter()
                .map(|d| [&d.url, &d.lesson, &d.heading, &d.excerpt].map(String::as_str))
                .collect(),
            postings: &self.postings,
            terms: &self.terms,
        };
        let mut out = b"window.CRESCU_SEARCH=".to_vec();
        // Serialising strings and numbers into memory cannot fail.
        let _ = serde_json::to_writer(&mut out, &js);
        out.extend_from_slice(b";\n");
        out
    }
}

/// Builds the index a batch of lessons at a time, so that neither every section's words
/// (hundreds of megabytes at 10,000 lessons) nor every lesson's text need be held at once.
#[derive(Default)]
pub struct IndexBuilder {
    docs: Vec<SearchDoc>,
    postings: HashMap<String, Vec<u32>>,
}

impl IndexBuilder {
    /// Lessons per batch: enough to keep every core busy.
    pub const BATCH: usize = 256;

    /// Add the next lessons, in `course.lessons()` order, with their outlines.
    pub fn add(&mut self, lessons: &[(&Module, &Lesson)], outlines: &[RenderedBody]) {
        self.add_reusing(lessons, outlines, None);
    }

    /// `add`, taking the words of lessons that did not change since an earlier build
    /// from `memo` (the dev server's rebuilds) instead of reading them again.
    pub fn add_reusing(
        &mut self,
        lessons: &[(&Module, &Lesson)],
        outlines: &[RenderedBody],
        memo: Option<&RenderMemo>,
    ) {
        // Splitting text into words is the costly part: lessons in parallel.
        let per_lesson: Vec<Arc<LessonDocs>> = lessons
            .par_iter()
            .zip(outlines.par_iter())
            .map(|((module, lesson), outline)| {
                let make = || lesson_docs(module, lesson, outline);
                match memo {
                    Some(memo) => memo.search_part(docs_key(module, lesson, outline), make),
                    None => Arc::new(make()),
                }
            })
            .collect();
        for (doc, doc_words) in per_lesson.iter().flat_map(|l| l.iter()) {
            let id = self.docs.len() as u32;
            for word in doc_words {
                // Docs come in order, so each list stays ascending.
                match self.postings.get_mut(word.as_str()) {
                    Some(list) => list.push(id),
                    None => {
                        self.postings.insert(word.clone(), vec![id]);
                    }
                }
            }
            self.docs.push(doc.clone());
        }
    }

    pub fn finish(self) -> SearchIndex {
        let mut sorted: Vec<(String, Vec<u32>)> = self.postings.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (terms, postings) = sorted.into_iter().unzip();
        SearchIndex {
            docs: self.docs,
            terms,
            postings,
        }
    }
}

/// A lesson's sections, each with its distinct searchable words.
pub type LessonDocs = Vec<(SearchDoc, Vec<String>)>;

/// A hash of everything `lesson_docs` reads.
fn docs_key(module: &Module, lesson: &Lesson, outline: &RenderedBody) -> u64 {
    let mut h = HashWriter::new();
    let _ = write!(
        h,
        "{}{}{}{:?}{}{:?}",
        module.slug, lesson.slug, lesson.title, lesson.summary, outline.text, outline.headings
    );
    h.finish()
}

/// A lesson's sections, each with its distinct searchable words.
fn lesson_docs(
    module: &Module,
    lesson: &Lesson,
    outline: &RenderedBody,
) -> Vec<(SearchDoc, Vec<String>)> {
    let page = format!("{}/{}/index.html", module.slug, lesson.slug);
    // Headings end with a newline in the outline's text; nothing else does.
    let mut pieces = outline.text.split('\n');
    let mut sections = Vec::new();
    let mut before = pieces.next().unwrap_or_default();
    for heading in &outline.headings {
        sections.push(before.strip_suffix(heading.text.as_str()).unwrap_or(before));
        before = pieces.next().unwrap_or_default();
    }
    sections.push(before);
    let mut out = Vec::new();
    // sections[0] is the opening; sections[i + 1] follows heading i.
    for (i, body) in sections.iter().enumerate() {
        let heading = i.checked_sub(1).map(|h| &outline.headings[h]);
        let heading_text = heading.map_or("", |h| h.text.as_str());
        if i > 0 && body.trim().is_empty() && heading_text.is_empty() {
            continue;
        }
        let mut distinct: HashSet<String> = HashSet::new();
        let mut add = |text: &str| {
            for word in words(text) {
                if word.chars().nth(1).is_some() && !STOP_WORDS.contains(&word.as_str()) {
                    distinct.insert(word);
                }
            }
        };
        if i == 0 {
            add(&lesson.title);
            add(lesson.summary.as_deref().unwrap_or(""));
        }
        add(heading_text);
        add(body);
        let excerpt_source = if i == 0 && body.trim().is_empty() {
            lesson.summary.as_deref().unwrap_or("")
        } else {
            body
        };
        out.push((
            SearchDoc {
                url: match heading {
                    Some(h) => format!("{page}#{}", h.id),
                    None => page.clone(),
                },
                lesson: lesson.title.clone(),
                heading: heading_text.to_string(),
                excerpt: excerpt(excerpt_source),
            },
            distinct.into_iter().collect(),
        ));
    }
    out
}

/// The first words of a section, cut at a word boundary.
fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("  short   text "), "short text");
        let long = "word ".repeat(60);
        let e = excerpt(&long);
        assert!(e.ends_with("word…") && e.chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn words_split_like_the_browser() {
        let w: Vec<String> = words("The GIL's 5-ms switch_interval!").collect();
        assert_eq!(w, ["the", "gil", "s", "5", "ms", "switch", "interval"]);
    }
}
