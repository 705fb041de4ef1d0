//! The search index: one document per lesson opening, heading section, exercise and list
//! of takeaways, with a sorted term list so the browser can match prefixes by binary
//! search. Each posting says in which field of its document the term stands (title,
//! summary, heading or text), so that title and summary matches rank first. Written as
//! `search-index.js` assigning a global, because browsers refuse `fetch()` of a JSON file
//! from `file://` but do run a script. The documents' texts, which show where a query
//! matched, are in `search-text-N.js` scripts of `SHARD_DOCS` documents each, loaded for
//! the results shown: the index itself holds no text beyond titles and headings.

use super::strings::UiStrings;
use crate::content::{Course, ExerciseKind, Lesson, Module};
use crate::markdown::RenderedBody;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Output path of the index.
pub const INDEX_FILE: &str = "search-index.js";
/// Characters of a document's text kept for showing where a query matched (a match
/// further in shows the start instead). The texts are held until the site is written:
/// 1,000 keeps a 10,000-lesson build within its memory target (BENCHMARKS.md).
const TEXT_CHARS: usize = 1000;
/// Documents per text script: a page of results loads a few small files.
pub const SHARD_DOCS: usize = 64;
/// Longer words are cut: nobody types them in full, and prefixes still match.
const MAX_TERM_CHARS: usize = 24;

/// Words too common to help find anything.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "if", "in", "into",
    "is", "it", "its", "of", "on", "or", "so", "that", "the", "their", "then", "there", "these",
    "this", "to", "was", "were", "will", "with",
];

/// Where in a document a term stands; a posting keeps the strongest. The browser weighs
/// them as `FIELD_WEIGHTS` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Text = 0,
    Heading = 1,
    Summary = 2,
    Title = 3,
}

/// Score of a match in each field, indexed by `Field as usize` (search.js has the same).
pub const FIELD_WEIGHTS: [u32; 4] = [1, 3, 6, 10];

/// One searchable place: a lesson's opening, a heading and the text under it, an
/// exercise, or the key takeaways.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    /// Relative to the site root, with the place's id as fragment.
    pub url: String,
    pub lesson: String,
    /// Empty for the part of a lesson before its first heading.
    pub heading: String,
}

/// A doc as a lesson's share of the index holds it: with its text (whitespace collapsed,
/// cut at a word after `TEXT_CHARS`) and its distinct terms, each with the strongest
/// field it stands in (in any order: the index sorts the terms and lists docs in order).
#[derive(Clone, Debug)]
pub struct IndexedDoc {
    pub doc: SearchDoc,
    pub text: String,
    terms: Vec<(String, Field)>,
}

#[derive(Debug, Serialize)]
pub struct SearchIndex {
    pub docs: Vec<SearchDoc>,
    /// Every distinct word, sorted.
    pub terms: Vec<String>,
    /// For each term, `doc * 4 + field` for each doc that holds it, docs ascending.
    pub postings: Vec<Vec<u32>>,
    /// The text scripts, `(file name, contents)`, made as the docs come so that their
    /// texts are held once.
    text_files: Vec<(String, Vec<u8>)>,
}

/// Lowercase words of `text`, as the browser splits a query.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    raw_words(text).map(lowercase_term)
}

/// The runs of letters and digits (`char::is_alphanumeric`) of `text`.
fn raw_words(text: &str) -> impl Iterator<Item = &str> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let mut start = None;
        while at < text.len() {
            let (in_word, width) = word_char_at(text, at);
            match (in_word, start) {
                (true, None) => start = Some(at),
                (false, Some(first)) => return Some(&text[first..at]),
                _ => {}
            }
            at += width;
        }
        start.map(|first| &text[first..])
    })
}

/// Whether the character at byte `at` of `text` (a character boundary) belongs to a word,
/// and its length. Most are ASCII, judged without decoding.
fn word_char_at(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at];
    if byte.is_ascii() {
        return (byte.is_ascii_alphanumeric(), 1);
    }
    let c = text[at..].chars().next().unwrap_or_default();
    (c.is_alphanumeric(), c.len_utf8())
}

fn lowercase_term(w: &str) -> String {
    let mut word = String::new();
    lowercase_into(w, &mut word);
    word
}

/// `w` lowercased and cut at `MAX_TERM_CHARS` into `word`, in place of what it held.
fn lowercase_into(w: &str, word: &mut String) {
    word.clear();
    // Most words are ASCII, where a character is a byte and lowercasing one is cheap.
    if w.is_ascii() {
        word.push_str(&w[..w.len().min(MAX_TERM_CHARS)]);
        word.make_ascii_lowercase();
        return;
    }
    for c in w.chars().take(MAX_TERM_CHARS) {
        word.extend(c.to_lowercase());
    }
}

/// Calls `found` with each term a text is found by: its words, the parts of camelCase
/// words (`getSwitchInterval` is also `switch` and `interval`), without stop words and
/// single characters. Each is lowercased into `word`, which the caller keeps from text
/// to text, so that a term costs no allocation of its own.
fn each_index_term(text: &str, word: &mut String, mut found: impl FnMut(&str)) {
    for w in raw_words(text) {
        // Most words have no capital after their first letter: no parts to look for.
        let inner_capital = if w.is_ascii() {
            w.bytes().skip(1).any(|b| b.is_ascii_uppercase())
        } else {
            w.chars().skip(1).any(char::is_uppercase)
        };
        let parts = inner_capital.then(|| camel_parts(w));
        for part in std::iter::once(w).chain(parts.into_iter().flatten()) {
            lowercase_into(part, word);
            if word.chars().nth(1).is_some() && !is_stop_word(word) {
                found(word);
            }
        }
    }
}

/// Whether `word` (lowercase) is one of `STOP_WORDS`, none of which is over five bytes:
/// looked up as a number among `STOP_KEYS`, since every word of the text is asked about.
fn is_stop_word(word: &str) -> bool {
    word.len() <= 5 && STOP_KEYS.binary_search(&short_key(word.as_bytes())).is_ok()
}

/// A word of at most eight bytes as one number, its bytes in order. Words hold no zero
/// byte, so no two of them share one.
const fn short_key(word: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < word.len() {
        key = key << 8 | word[i] as u64;
        i += 1;
    }
    key
}

/// The `short_key` of each of `STOP_WORDS`, sorted.
const STOP_KEYS: [u64; STOP_WORDS.len()] = {
    let mut keys = [0u64; STOP_WORDS.len()];
    let mut i = 0;
    while i < keys.len() {
        // Insertion sort: at compile time, of a few dozen keys.
        let key = short_key(STOP_WORDS[i].as_bytes());
        let mut j = i;
        while j > 0 && keys[j - 1] > key {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = key;
        i += 1;
    }
    keys
};

/// `getSwitchInterval` -> `get`, `Switch`, `Interval`; `HTTPServer` -> `HTTP`, `Server`.
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for k in 1..chars.len() {
        let (at, c) = chars[k];
        let prev = chars[k - 1].1;
        let next_lower = chars.get(k + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// The initials of a title's or heading's words, so that `GIL` finds "The Global
/// Interpreter Lock": stop words and numbers are skipped; `None` under three initials.
fn acronym(text: &str) -> Option<String> {
    let initials: String = words(text)
        .filter(|w| !is_stop_word(w))
        .filter_map(|w| w.chars().next().filter(|c| c.is_alphabetic()))
        .collect();
    (initials.chars().count() >= 3).then_some(initials)
}

/// The headings the index gives what has none of its own (exercises, key takeaways), in
/// the course's language, as the pages show them.
#[derive(Clone, Debug, Hash)]
pub struct DocLabels {
    takeaways: String,
    multiple_choice: String,
    true_false: String,
    fill_blank: String,
}

impl DocLabels {
    pub fn new(strings: &UiStrings) -> Self {
        let get = |key: &str| strings.get(key).unwrap_or_default().to_string();
        DocLabels {
            takeaways: get("key_takeaways"),
            multiple_choice: get("kind_multiple_choice"),
            true_false: get("kind_true_false"),
            fill_blank: get("kind_fill_blank"),
        }
    }

    fn kind(&self, kind: &ExerciseKind) -> &str {
        match kind {
            ExerciseKind::MultipleChoice { .. } => &self.multiple_choice,
            ExerciseKind::TrueFalse { .. } => &self.true_false,
            ExerciseKind::FillBlank { .. } => &self.fill_blank,
        }
    }
}

/// English, the default table.
impl Default for DocLabels {
    fn default() -> Self {
        DocLabels::new(&UiStrings::built_in("en").unwrap_or(UiStrings::empty()))
    }
}

impl SearchIndex {
    /// `outlines` are the lessons' bodies in `course.lessons()` order; headings in English.
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

    /// The docs matching every word of `query`, best first, as search.js ranks them;
    /// this is for tests and tools.
    pub fn query(&self, query: &str) -> Vec<&SearchDoc> {
        let words = query_words(query);
        let mut scores: Option<HashMap<u32, u32>> = None;
        for word in &words {
            let mut found: HashMap<u32, u32> = HashMap::new();
            for (term, postings) in self.terms.iter().zip(&self.postings) {
                let Some(quality) = match_quality(term, word) else {
                    continue;
                };
                for &p in postings {
                    let score = FIELD_WEIGHTS[(p & 3) as usize] * quality;
                    let best = found.entry(p >> 2).or_default();
                    *best = (*best).max(score);
                }
            }
            scores = Some(match scores {
                None => found,
                Some(before) => before
                    .into_iter()
                    .filter_map(|(d, s)| found.get(&d).map(|f| (d, s + f)))
                    .collect(),
            });
        }
        let mut ranked: Vec<(u32, usize, u32)> = scores
            .unwrap_or_default()
            .into_iter()
            .map(|(d, s)| {
                (
                    s,
                    uncovered_title_words(&self.docs[d as usize].lesson, &words),
                    d,
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        ranked
            .into_iter()
            .map(|(_, _, d)| &self.docs[d as usize])
            .collect()
    }

    /// The JavaScript file: `window.CRESCU_SEARCH = {docs, postings, shard, terms}`, with
    /// each doc as a `[url, lesson, heading]` array to keep the file small, and `shard` the
    /// number of docs per text script. Keys in the order `json!` wrote them (sorted).
    pub fn to_js(&self) -> Vec<u8> {
        let docs: Vec<[&str; 3]> = (self.docs.iter())
            .map(|d| [&d.url, &d.lesson, &d.heading].map(String::as_str))
            .collect();
        // Serialised straight from the index (a `serde_json::Value` of it would take 32
        // bytes per posting), in pieces on every core: the file runs to megabytes.
        let (docs, (postings, terms)) = rayon::join(
            || json_pieces(&docs),
            || rayon::join(|| json_pieces(&self.postings), || json_pieces(&self.terms)),
        );
        let pieces = [&docs, &postings, &terms];
        let size = pieces.iter().flat_map(|p| p.iter()).map(|p| p.len() + 1);
        let mut out = Vec::with_capacity(size.sum::<usize>() + 96);
        out.extend_from_slice(b"window.CRESCU_SEARCH={\"docs\":");
        push_json_array(&mut out, &docs);
        out.extend_from_slice(b",\"postings\":");
        push_json_array(&mut out, &postings);
        out.extend_from_slice(format!(",\"shard\":{SHARD_DOCS},\"terms\":").as_bytes());
        push_json_array(&mut out, &terms);
        out.extend_from_slice(b"};\n");
        out
    }

    /// The text scripts, `(file name, contents)`: `search-text-N.js` holds the texts of
    /// docs `N * SHARD_DOCS ..`, as `CRESCU_SEARCH_TEXT[N] = [...]`.
    pub fn into_text_files(self) -> Vec<(String, Vec<u8>)> {
        self.text_files
    }
}

/// Items serialised as serde_json writes those of an array, comma-separated, in
/// consecutive pieces made in parallel.
fn json_pieces<T: Serialize + Sync>(items: &[T]) -> Vec<Vec<u8>> {
    const PIECE_ITEMS: usize = 4096;
    (items.par_chunks(PIECE_ITEMS))
        .map(|chunk| {
            let mut piece = Vec::new();
            for (i, item) in chunk.iter().enumerate() {
                if i > 0 {
                    piece.push(b',');
                }
                // Serialising strings and numbers into memory cannot fail.
                let _ = serde_json::to_writer(&mut piece, item);
            }
            piece
        })
        .collect()
}

/// The JSON array of the items in `pieces` (`json_pieces`), as serde_json writes it.
fn push_json_array(out: &mut Vec<u8>, pieces: &[Vec<u8>]) {
    out.push(b'[');
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(piece);
    }
    out.push(b']');
}

/// The `n`th text script, `(file name, contents)`, holding `texts`: those of docs
/// `n * SHARD_DOCS ..`.
pub fn text_file(n: usize, texts: &[impl Serialize]) -> (String, Vec<u8>) {
    let mut out =
        format!("(window.CRESCU_SEARCH_TEXT=window.CRESCU_SEARCH_TEXT||{{}})[{n}]=").into_bytes();
    // Serialising strings into memory cannot fail.
    let _ = serde_json::to_writer(&mut out, texts);
    out.extend_from_slice(b";\n");
    (text_file_name(n), out)
}

/// The name of the `n`th text script (search.js asks for the same).
pub fn text_file_name(n: usize) -> String {
    format!("search-text-{n}.js")
}

/// A lesson's terms, each with its postings numbered from the lesson's first document:
/// what the blocks of a rebuild's index (`index_blocks`) merge, hashing each term once a
/// lesson rather than once a document. Kept for every lesson between rebuilds, so held
/// flat: three allocations a lesson rather than two a term.
#[derive(Debug, Default)]
pub struct LessonTerms {
    /// The terms one after another.
    text: String,
    /// Where each term ends in `text`, and where its postings end in `postings`.
    ends: Vec<(u32, u32)>,
    postings: Vec<u32>,
}

impl LessonTerms {
    /// Each term with its postings, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u32])> {
        let starts = std::iter::once((0, 0)).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|((t0, p0), &(t1, p1))| {
            let term = &self.text[t0 as usize..t1 as usize];
            (term, &self.postings[p0 as usize..p1 as usize])
        })
    }
}

/// The terms of `docs` grouped, taken out of them: a rebuild needs them only grouped.
pub fn take_lesson_terms(docs: &mut LessonDocs) -> LessonTerms {
    let mut grouped: HashMap<String, Vec<u32>, TermHasher> = HashMap::default();
    for (i, doc) in docs.iter_mut().enumerate() {
        for (term, field) in std::mem::take(&mut doc.terms) {
            let posting = ((i as u32) << 2) | field as u32;
            grouped.entry(term).or_default().push(posting);
        }
    }
    let mut terms = LessonTerms::default();
    for (term, postings) in grouped {
        terms.text.push_str(&term);
        terms.postings.extend(postings);
        let ends = (terms.text.len() as u32, terms.postings.len() as u32);
        terms.ends.push(ends);
    }
    terms.text.shrink_to_fit();
    terms.ends.shrink_to_fit();
    terms.postings.shrink_to_fit();
    terms
}

/// Hashes index terms, short strings hashed by the hundred thousand: FNV-1a, quicker
/// on them than the standard library's SipHash, whose resistance to chosen keys a
/// course's own words do not need.
pub(super) type TermHasher = std::hash::BuildHasherDefault<Fnv>;

#[derive(Default)]
pub(super) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The words of a query that can match: stop words and single characters are not indexed.
fn query_words(query: &str) -> Vec<String> {
    words(query)
        .filter(|w| w.chars().nth(1).is_some() && !is_stop_word(w))
        .collect()
}

/// How well `term` matches a query word: 4 when equal, 3 when it starts with it, 2 when
/// it holds it further in (`refcount` in `getrefcount`, words of three letters or more).
fn match_quality(term: &str, word: &str) -> Option<u32> {
    if term == word {
        Some(4)
    } else if term.starts_with(word) {
        Some(3)
    } else if word.chars().nth(2).is_some() && term.get(1..).is_some_and(|t| t.contains(word)) {
        Some(2)
    } else {
        None
    }
}

/// Words of a lesson title that no query word starts with (none when a query word is the
/// title's acronym): of two titles matching alike, the one the query says more of wins.
fn uncovered_title_words(title: &str, query: &[String]) -> usize {
    if acronym(title).is_some_and(|a| query.contains(&a)) {
        return 0;
    }
    words(title)
        .filter(|w| !is_stop_word(w))
        .filter(|w| !query.iter().any(|q| w.starts_with(q.as_str())))
        .count()
}

/// Builds the index a batch of lessons at a time, so that neither every section's words
/// (hundreds of megabytes at 10,000 lessons) nor every lesson's text need be held at once.
#[derive(Default)]
pub struct IndexBuilder {
    docs: Vec<SearchDoc>,
    postings: HashMap<String, Vec<u32>, TermHasher>,
    /// Texts of the docs since the last full shard.
    texts: Vec<String>,
    text_files: Vec<(String, Vec<u8>)>,
}

impl IndexBuilder {
    /// Lessons per batch: enough to keep every core busy.
    pub const BATCH: usize = 256;

    /// Add the next lessons, in `course.lessons()` order, with their outlines.
    pub fn add(&mut self, lessons: &[(&Module, &Lesson)], outlines: &[RenderedBody]) {
        // Splitting text into words is the costly part: lessons in parallel.
        let per_lesson: Vec<LessonDocs> = lessons
            .par_iter()
            .zip(outlines.par_iter())
            .map(|((module, lesson), outline)| {
                lesson_docs(module, lesson, outline, &DocLabels::default())
            })
            .collect();
        for lesson in per_lesson {
            self.push(lesson);
        }
    }

    /// Add the next lesson's documents (made by `lesson_docs`).
    pub fn push(&mut self, lesson: LessonDocs) {
        for IndexedDoc { doc, text, terms } in lesson {
            let id = self.docs.len() as u32;
            for (term, field) in terms {
                // Docs come in order, so each list stays ascending.
                let posting = (id << 2) | field as u32;
                match self.postings.get_mut(term.as_str()) {
                    Some(list) => list.push(posting),
                    None => {
                        self.postings.insert(term, vec![posting]);
                    }
                }
            }
            self.docs.push(doc);
            self.texts.push(text);
            if self.texts.len() == SHARD_DOCS {
                self.end_shard();
            }
        }
    }

    fn end_shard(&mut self) {
        let file = text_file(self.text_files.len(), &self.texts);
        self.text_files.push(file);
        self.texts.clear();
    }

    pub fn finish(mut self) -> SearchIndex {
        if !self.texts.is_empty() {
            self.end_shard();
        }
        let mut sorted: Vec<(String, Vec<u32>)> = self.postings.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (terms, postings) = sorted.into_iter().unzip();
        SearchIndex {
            docs: self.docs,
            terms,
            postings,
            text_files: self.text_files,
        }
    }
}

/// A lesson's documents.
pub type LessonDocs = Vec<IndexedDoc>;

/// The distinct terms of one document with the strongest field each stands in.
#[derive(Default)]
struct DocTerms {
    terms: HashMap<String, Field, TermHasher>,
    /// The term being looked at: a term already held is not allocated again.
    word: String,
}

impl DocTerms {
    fn add(&mut self, text: &str, field: Field) {
        let terms = &mut self.terms;
        // Room for about one new term in two words at once: grown as they come, the map
        // of a long section was rehashed several times.
        terms.reserve(text.len() / 16);
        each_index_term(text, &mut self.word, |term| add_term(terms, term, field));
    }

    /// A title or heading: its words and its acronym.
    fn add_name(&mut self, text: &str, field: Field) {
        self.add(text, field);
        if let Some(initials) = acronym(text) {
            add_term(&mut self.terms, &initials, field);
        }
    }

    fn into_terms(self) -> Vec<(String, Field)> {
        self.terms.into_iter().collect()
    }
}

/// Note that `term` stands in `field` of a document whose terms are `terms`.
fn add_term(terms: &mut HashMap<String, Field, TermHasher>, term: &str, field: Field) {
    match terms.get_mut(term) {
        Some(at) => *at = (*at).max(field),
        None => {
            terms.insert(term.to_string(), field);
        }
    }
}

/// A lesson's documents: its opening and heading sections, its exercises, its takeaways.
pub fn lesson_docs(
    module: &Module,
    lesson: &Lesson,
    outline: &RenderedBody,
    labels: &DocLabels,
) -> LessonDocs {
    let page = format!("{}/{}/index.html", module.slug, lesson.slug);
    let doc = |fragment: Option<&str>, heading: &str, text: &str, terms: DocTerms| IndexedDoc {
        doc: SearchDoc {
            url: fragment.map_or_else(|| page.clone(), |f| format!("{page}#{f}")),
            lesson: lesson.title.clone(),
            heading: heading.to_string(),
        },
        text: excerpt(text),
        terms: terms.into_terms(),
    };
    let mut out = LessonDocs::new();
    for (i, (heading, body)) in sections(outline).into_iter().enumerate() {
        let mut terms = DocTerms::default();
        if i == 0 {
            terms.add_name(&lesson.title, Field::Title);
            terms.add(lesson.summary.as_deref().unwrap_or(""), Field::Summary);
        } else if body.trim().is_empty() && heading.is_none_or(|h| h.text.is_empty()) {
            continue;
        }
        let heading_text = heading.map_or("", |h| h.text.as_str());
        terms.add_name(heading_text, Field::Heading);
        terms.add(body, Field::Text);
        let shown = match lesson.summary.as_deref() {
            Some(summary) if i == 0 && body.trim().is_empty() => summary,
            _ => body,
        };
        out.push(doc(
            heading.map(|h| h.id.as_str()),
            heading_text,
            shown,
            terms,
        ));
    }
    for exercise in &lesson.quiz {
        let prompt = plain_markdown(&exercise.prompt);
        let mut terms = DocTerms::default();
        terms.add(&prompt, Field::Text);
        let fragment = format!("exercise-{}", exercise.id);
        let heading = labels.kind(&exercise.kind);
        out.push(doc(Some(&fragment), heading, &prompt, terms));
    }
    if !lesson.takeaways.is_empty() {
        let text = plain_markdown(&lesson.takeaways.join(" "));
        let mut terms = DocTerms::default();
        terms.add(&text, Field::Text);
        out.push(doc(
            Some("takeaways-title"),
            &labels.takeaways,
            &text,
            terms,
        ));
    }
    out
}

/// The outline's sections: the opening (no heading), then each heading with its text.
fn sections(outline: &RenderedBody) -> Vec<(Option<&crate::markdown::Heading>, &str)> {
    // Headings end with a newline in the outline's text; nothing else does.
    let mut pieces = outline.text.split('\n');
    let mut bodies = Vec::new();
    let mut before = pieces.next().unwrap_or_default();
    for heading in &outline.headings {
        bodies.push(before.strip_suffix(heading.text.as_str()).unwrap_or(before));
        before = pieces.next().unwrap_or_default();
    }
    bodies.push(before);
    let headings = std::iter::once(None).chain(outline.headings.iter().map(Some));
    headings.zip(bodies).collect()
}

/// Front-matter Markdown as the words a reader sees: emphasis and code marks dropped.
fn plain_markdown(text: &str) -> String {
    text.replace(['`', '*'], "")
}

/// The first words of a text, whitespace collapsed, cut at a word boundary (or inside a
/// single word longer than `TEXT_CHARS`). Reads no further than it keeps.
fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        let gap = usize::from(chars > 0);
        if chars + gap + len > TEXT_CHARS {
            if chars == 0 {
                out.extend(word.chars().take(TEXT_CHARS));
            }
            out.push('…');
            return out;
        }
        if gap > 0 {
            out.push(' ');
        }
        out.push_str(word);
        chars += gap + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("  short   text "), "short text");
        let long = "word ".repeat(TEXT_CHARS / 4);
        let e = excerpt(&long);
        assert!(e.ends_with("word…") && e.chars().count() <= TEXT_CHARS + 1);
        let long_word = "x".repeat(TEXT_CHARS * 2);
        assert_eq!(excerpt(&long_word).chars().count(), TEXT_CHARS + 1);
    }

    #[test]
    fn words_split_like_the_browser() {
        let w: Vec<String> = words("The GIL's 5-ms switch_interval!").collect();
        assert_eq!(w, ["the", "gil", "s", "5", "ms", "switch", "interval"]);
    }

    #[test]
    fn ascii_words_lowercase_as_any_other() {
        let by_chars = |w: &str| -> String {
            let mut word = String::new();
            for c in w.chars().take(MAX_TERM_CHARS) {
                word.extend(c.to_lowercase());
            }
            word
        };
        for w in [
            "GIL",
            "getSwitchInterval",
            "x",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "Straße",
            "ÉTÉ",
        ] {
            assert_eq!(lowercase_term(w), by_chars(w), "{w}");
        }
        assert_eq!(
            lowercase_term("ABCDEFGHIJKLMNOPQRSTUVWXYZ").len(),
            MAX_TERM_CHARS
        );
    }

    #[test]
    fn every_stop_word_is_known_as_one() {
        for w in STOP_WORDS {
            assert!(is_stop_word(w), "{w}");
        }
        assert!(!is_stop_word("thereby") && !is_stop_word("gil"));
        // Every word of one or two letters, those of two with a `t` after them, and a few
        // more.
        let letters: Vec<String> = ('a'..='z').map(String::from).collect();
        let mut words = letters.clone();
        for a in &letters {
            for b in &letters {
                words.push(format!("{a}{b}"));
                words.push(format!("{a}{b}t"));
            }
        }
        words.extend(["thei", "thesee", "fro", "é", "ité"].map(String::from));
        for w in &words {
            assert_eq!(is_stop_word(w), STOP_WORDS.contains(&w.as_str()), "{w}");
        }
    }

    #[test]
    fn words_are_the_runs_of_letters_and_digits() {
        let every_ascii: String = (0u8..128).map(|b| format!("a{}", b as char)).collect();
        for text in [
            every_ascii.as_str(),
            "",
            "  ",
            "word",
            "«Ça» va, ŁÓDŹ² x²y ½ 日本語テキスト—dash\u{200B}zero \u{1F600}emoji",
        ] {
            let split: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(raw_words(text).collect::<Vec<_>>(), split, "{text:?}");
        }
    }

    #[test]
    fn code_words_are_also_found_by_their_parts() {
        let mut terms: Vec<String> = Vec::new();
        let text = "sys.getSwitchInterval() HTTPServer ob_refcnt The a an ab";
        each_index_term(text, &mut String::new(), |t| terms.push(t.to_string()));
        assert_eq!(
            terms,
            [
                "sys",
                "getswitchinterval",
                "get",
                "switch",
                "interval",
                "httpserver",
                "http",
                "server",
                "ob",
                "refcnt",
                "ab"
            ]
        );
    }

    #[test]
    fn acronyms_skip_stop_words_and_short_names() {
        assert_eq!(
            acronym("The Global Interpreter Lock").as_deref(),
            Some("gil")
        );
        assert_eq!(acronym("Read-copy update").as_deref(), Some("rcu"));
        assert_eq!(acronym("Two words"), None);
    }

    /// A lesson as (title, summary, [(heading, text)]).
    type TestLesson<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

    fn index(lessons: &[TestLesson]) -> SearchIndex {
        let mut builder = IndexBuilder::default();
        for docs in test_docs(lessons) {
            builder.push(docs);
        }
        builder.finish()
    }

    fn test_docs(lessons: &[TestLesson]) -> Vec<LessonDocs> {
        let mut all = Vec::new();
        for (n, (title, summary, sections)) in lessons.iter().enumerate() {
            let mut docs = LessonDocs::new();
            let mut opening = DocTerms::default();
            opening.add_name(title, Field::Title);
            opening.add(summary, Field::Summary);
            let doc = |h: &str, text: &str, terms: DocTerms| IndexedDoc {
                doc: SearchDoc {
                    url: format!("m/l{n}/index.html#{h}"),
                    lesson: title.to_string(),
                    heading: h.to_string(),
                },
                text: text.to_string(),
                terms: terms.into_terms(),
            };
            docs.push(doc("", summary, opening));
            for (heading, text) in sections.iter() {
                let mut terms = DocTerms::default();
                terms.add_name(heading, Field::Heading);
                terms.add(text, Field::Text);
                docs.push(doc(heading, text, terms));
            }
            all.push(docs);
        }
        all
    }

    #[test]
    fn the_index_spliced_from_blocks_is_the_one_built() {
        use crate::site::index_blocks::{index_block, splice_index};
        let lessons: &[TestLesson] = &[
            ("Threads", "Many threads.", &[("Costs", "The GIL costs.")]),
            ("Locks", "A getSwitchInterval call.", &[("GIL", "Text.")]),
            ("Empty", "", &[]),
            (
                "Costs",
                "Threads and locks.",
                &[("More", "GIL \"quoted\" costs.")],
            ),
        ];
        let built = String::from_utf8(index(lessons).to_js()).unwrap();
        let mut docs = test_docs(lessons);
        let terms: Vec<LessonTerms> = docs.iter_mut().map(take_lesson_terms).collect();
        let all: Vec<(&LessonDocs, &LessonTerms)> = docs.iter().zip(&terms).collect();
        // Every way of cutting the lessons into consecutive blocks.
        for cuts in 0..(1u32 << (all.len() - 1)) {
            let (mut blocks, mut start, mut first_doc) = (Vec::new(), 0, 0);
            for end in 1..=all.len() {
                if end == all.len() || cuts & (1 << (end - 1)) != 0 {
                    blocks.push(index_block(&all[start..end], first_doc));
                    first_doc += all[start..end]
                        .iter()
                        .map(|l| l.0.len() as u32)
                        .sum::<u32>();
                    start = end;
                }
            }
            let refs: Vec<_> = blocks.iter().collect();
            assert_eq!(
                String::from_utf8(splice_index(&refs)).unwrap(),
                built,
                "cuts {cuts:b}"
            );
        }
        assert_eq!(
            String::from_utf8(splice_index(&[])).unwrap(),
            String::from_utf8(IndexBuilder::default().finish().to_js()).unwrap(),
            "no lessons"
        );
    }

    #[test]
    fn the_index_made_in_pieces_is_what_serde_json_writes() {
        // Enough docs and terms for several pieces of each, with text JSON must escape.
        let n = 9_000;
        let index = SearchIndex {
            docs: (0..n)
                .map(|i| SearchDoc {
                    url: format!("m/l{i}/index.html#h"),
                    lesson: format!("Lesson \"{i}\" <é>\n"),
                    heading: String::new(),
                })
                .collect(),
            terms: (0..n).map(|i| format!("term{i}\\")).collect(),
            postings: (0..n as u32)
                .map(|i| (0..i % 5).map(|k| i * 4 + k).collect())
                .collect(),
            text_files: Vec::new(),
        };
        let docs: Vec<[&str; 3]> = (index.docs.iter())
            .map(|d| [&d.url, &d.lesson, &d.heading].map(String::as_str))
            .collect();
        let whole = serde_json::json!({
            "docs": docs,
            "postings": index.postings,
            "shard": SHARD_DOCS,
            "terms": index.terms,
        });
        let expected = format!("window.CRESCU_SEARCH={whole};\n");
        assert_eq!(String::from_utf8(index.to_js()).unwrap(), expected);
    }

    fn ranked(index: &SearchIndex, query: &str) -> Vec<String> {
        index.query(query).iter().map(|d| d.url.clone()).collect()
    }

    #[test]
    fn titles_and_summaries_rank_before_text() {
        let index = index(&[
            (
                "Threads",
                "Many threads.",
                &[("Costs", "The GIL costs little here.")],
            ),
            ("How C extensions release the GIL", "Macros.", &[]),
            ("The Global Interpreter Lock", "One thread at a time.", &[]),
            (
                "Locks",
                "About the GIL in summaries.",
                &[("GIL usage", "Text.")],
            ),
        ]);
        assert_eq!(
            ranked(&index, "GIL"),
            [
                "m/l2/index.html#",
                "m/l1/index.html#",
                "m/l3/index.html#",
                "m/l3/index.html#GIL usage",
                "m/l0/index.html#Costs",
            ]
        );
        // Every word must match; stop words are ignored.
        assert_eq!(ranked(&index, "the costs"), ["m/l0/index.html#Costs"]);
        assert!(ranked(&index, "costs macros").is_empty());
    }

    #[test]
    fn texts_are_in_scripts_of_shard_docs_each() {
        let sections: Vec<(String, String)> = (0..SHARD_DOCS + 5)
            .map(|i| (format!("h{i}"), format!("text {i}")))
            .collect();
        let sections: Vec<(&str, &str)> = sections
            .iter()
            .map(|(h, t)| (h.as_str(), t.as_str()))
            .collect();
        let index = index(&[("Only", "Sum.", &sections)]);
        let js = index.to_js();
        let files = index.into_text_files();
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].0, "search-text-1.js");
        let second = String::from_utf8(files[1].1.clone()).unwrap();
        // Doc 0 is the opening, so the second script starts at section SHARD_DOCS - 1.
        let first_text = format!("[\"text {}\",", SHARD_DOCS - 1);
        assert!(
            second.starts_with("(window.CRESCU_SEARCH_TEXT=window.CRESCU_SEARCH_TEXT||{})[1]=")
        );
        assert!(second.contains(&first_text), "{second}");
        assert!(
            !js.windows(6).any(|w| w == b"text 1"),
            "no text in the index"
        );
    }

    #[test]
    fn words_inside_code_match_after_prefixes() {
        let index = index(&[
            ("A", "", &[("Counting", "sys.getrefcount(x) tells")]),
            ("B", "", &[("Fields", "refcount_total and refcounts")]),
        ]);
        assert_eq!(
            ranked(&index, "refcount"),
            ["m/l1/index.html#Fields", "m/l0/index.html#Counting"]
        );
        assert_eq!(ranked(&index, "getref"), ["m/l0/index.html#Counting"]);
        // Two letters match only at the start of a word.
        assert!(ranked(&index, "ef").is_empty());
    }
}
