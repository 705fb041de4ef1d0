//! Markdown -> HTML with pulldown-cmark: heading anchors, callouts, highlighted code with
//! a language label, TeX math as MathML, and the `{{ exercise ID }}` / `{{ chart ID }}`
//! shortcodes.
//!
//! The renderer knows nothing about exercises or charts beyond their ids: it returns the
//! body as a list of parts, and the site stage fills the placeholders in (and reports the
//! shortcodes that would show as raw braces, which the renderer lists).

pub mod highlight;
pub mod math;

use crate::html::escape;
use highlight::Highlighter;
pub use math::MathProblem;
use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

/// One piece of a rendered body, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyPart {
    Html(String),
    /// `{{ exercise ID }}` at a file line.
    Exercise {
        id: String,
        line: usize,
    },
    /// `{{ chart ID }}` at a file line.
    Chart {
        id: String,
        line: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A link or image destination written in the body, for link checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub line: usize,
    pub column: usize,
    /// For an image, its alt text (empty when the author gave none); `None` for a link.
    pub image_alt: Option<String>,
}

/// Names of the shortcodes, each written `{{ NAME ID }}` as a paragraph of its own.
pub const SHORTCODES: &[&str] = &["exercise", "chart"];

/// Something written as a shortcode that would reach the page as raw braces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortcodeProblem {
    pub mistake: ShortcodeMistake,
    /// What the author wrote, from `{{` to `}}`.
    pub written: String,
    /// File line and column of its `{{`.
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShortcodeMistake {
    /// `{{ exercies branch-cost }}`: no shortcode has this name.
    UnknownName(String),
    /// `{{ exercise }}`, `{{ exercise a b }}`: a shortcode takes exactly one id.
    Arguments(String),
    /// `See {{ exercise x }} here`, or in a list or quote: only a paragraph of its own is
    /// a shortcode.
    NotAlone(String),
}

impl ShortcodeProblem {
    /// A short stable code for tools.
    pub fn code(&self) -> &'static str {
        match self.mistake {
            ShortcodeMistake::UnknownName(_) => "unknown-shortcode",
            ShortcodeMistake::Arguments(_) => "shortcode-arguments",
            ShortcodeMistake::NotAlone(_) => "shortcode-not-alone",
        }
    }

    pub fn message(&self) -> String {
        match &self.mistake {
            ShortcodeMistake::UnknownName(name) => {
                let hint = crate::diagnostics::suggest(name, SHORTCODES.iter().copied())
                    .map(|s| format!(", did you mean `{s}`?"))
                    .unwrap_or_default();
                format!("unknown shortcode `{name}`{hint}")
            }
            ShortcodeMistake::Arguments(name) => {
                format!("`{}` needs exactly one id after `{name}`", self.written)
            }
            ShortcodeMistake::NotAlone(_) => format!(
                "`{}` would show as text: a shortcode must be a paragraph of its own",
                self.written
            ),
        }
    }

    /// What to write instead.
    pub fn expected(&self) -> String {
        match &self.mistake {
            ShortcodeMistake::UnknownName(_) => format!(
                "{}, or braces in backticks to show them as text",
                SHORTCODES
                    .iter()
                    .map(|s| format!("`{{{{ {s} ID }}}}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            ShortcodeMistake::Arguments(name) => format!("`{{{{ {name} ID }}}}`"),
            ShortcodeMistake::NotAlone(_) => "the shortcode alone on its line, with a blank line before and after, outside lists and quotes".into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedBody {
    pub parts: Vec<BodyPart>,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    /// Shortcodes that would show as raw braces: errors for the site stage to report.
    pub shortcode_problems: Vec<ShortcodeProblem>,
    /// Math that does not parse: errors for the site stage to report.
    pub math_problems: Vec<MathProblem>,
    /// Plain text of the body (for search and descriptions).
    pub text: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        // `$` opens math only before a non-space and closes only after one, so "$5 and
        // $10" stays text; `render` also keeps `$` before a digit as text ("$5 to 10$").
        | Options::ENABLE_MATH
}

/// Maps byte offsets of a body to file lines and columns.
struct LineIndex {
    starts: Vec<usize>,
    first_line: usize,
    /// The last position located: (line index, byte offset, column). Offsets come in
    /// increasing order, so columns are counted on from there; counting from the line
    /// start each time is quadratic on a long line full of links.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl LineIndex {
    fn new(text: &str, first_line: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            first_line,
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    fn locate(&self, text: &str, offset: usize) -> (usize, usize) {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let (last_idx, last_offset, last_col) = self.last.get();
        let (from, col) = if last_idx == idx && last_offset <= offset {
            (last_offset, last_col)
        } else {
            (self.starts[idx], 1)
        };
        let Some(col) = text.get(from..offset).map(|s| col + s.chars().count()) else {
            return (self.first_line + idx, 1);
        };
        self.last.set((idx, offset, col));
        (self.first_line + idx, col)
    }
}

/// A paragraph's text read as a shortcode, `{{ name args... }}`: its name and arguments.
/// Braces around anything but a name (`{{ user.name }}`, `{{ }}`) are not a shortcode.
fn shortcode(text: &str) -> Option<(&str, Vec<&str>)> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") {
        return None;
    }
    let mut words = inner.split_whitespace();
    let name = words.next().filter(|w| is_name(w))?;
    Some((name, words.collect()))
}

/// Looks like a shortcode name: a letter, then letters, digits, `-` or `_`.
fn is_name(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Known shortcodes written amid other text (`source`, a run of text in the file):
/// the byte offset of each one's `{{`, its name and the text from `{{` to `}}`.
fn shortcodes_amid_text(source: &str) -> Vec<(usize, &str, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    // The first `}}` after the current `{{`, kept while `{{`s come before it: looking it
    // up again for each would be quadratic in a run of many `{{` and one `}}`.
    let mut close: Option<usize> = None;
    while let Some(start) = source[from..].find("{{").map(|i| from + i) {
        from = start + 2;
        // `\{{`: the author escaped the braces to show them.
        if source[..start].ends_with('\\') {
            continue;
        }
        if close.is_none_or(|c| c < from) {
            close = source[from..].find("}}").map(|i| from + i);
        }
        let Some(end) = close else {
            break;
        };
        let inner = &source[from..end];
        // A name that another `{{` follows before the `}}` is judged with that one.
        if let Some(name) = inner.split_whitespace().next()
            && SHORTCODES.contains(&name)
            && !inner.contains("{{")
        {
            found.push((start, name, &source[start..end + 2]));
            from = end + 2;
        }
    }
    found
}

fn callout_of(label: &str) -> Option<&'static str> {
    match label.trim() {
        "Note:" => Some("note"),
        "Tip:" => Some("tip"),
        "Warning:" => Some("warning"),
        _ => None,
    }
}

fn gfm_callout(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note | BlockQuoteKind::Important => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Warning | BlockQuoteKind::Caution => "warning",
    }
}

fn callout_open(kind: &str, words: &Words) -> String {
    let title = match kind {
        "tip" => &words.tip,
        "warning" => &words.warning,
        _ => &words.note,
    };
    format!(
        "<aside class=\"callout callout-{kind}\" role=\"note\"><p class=\"callout-title\">{}</p>\n",
        escape(title)
    )
}

/// The words the renderer itself writes into pages (callout titles, the heading link's
/// label), in the course's language.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Words {
    pub note: String,
    pub tip: String,
    pub warning: String,
    pub section_link: String,
}

impl Default for Words {
    fn default() -> Self {
        Words {
            note: "Note".into(),
            tip: "Tip".into(),
            warning: "Warning".into(),
            section_link: "Link to this section".into(),
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Rewrites a link destination written by the author (`02-the-gil.md#x`) into the URL the
/// page should carry; `None` keeps it as written.
pub type LinkRewrite<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Renders Markdown. Build one per build and share it across threads.
pub struct Renderer {
    highlighter: Highlighter,
    words: RwLock<Words>,
    /// Bodies rendered in earlier builds, for the dev server's rebuilds.
    memo: Option<Memo>,
}

/// Rendered bodies by a hash of their text, kept between the dev server's rebuilds so an
/// edit to one lesson re-renders (and re-highlights) only that lesson, and a change to
/// what every page shows (a lesson's title in the sidebar) re-renders pages around their
/// bodies. Up to `MEMO_BYTES` of them: at 10,000 lessons all would take 300 MB. The
/// first build keeps none: it renders every body once, and holding them meanwhile only
/// raised the server's peak (at 10,000 lessons, by the whole cap); rebuilds fill it.
#[derive(Default)]
struct Memo {
    entries: Mutex<HashMap<u64, MemoEntry>>,
    generation: AtomicU64,
    /// A build has ended: bodies rendered from now on are kept.
    filling: AtomicBool,
    /// The size of the bodies held (`body_bytes`).
    bytes: AtomicUsize,
}

/// Bodies a renderer with a memo holds at most, in bytes of HTML and text: those of
/// about 1,000 lessons.
const MEMO_BYTES: usize = 48 << 20;

/// Roughly the heap a rendered body takes.
fn body_bytes(body: &RenderedBody) -> usize {
    let parts: usize = body
        .parts
        .iter()
        .map(|p| match p {
            BodyPart::Html(html) => html.len(),
            BodyPart::Exercise { id, .. } | BodyPart::Chart { id, .. } => id.len(),
        })
        .sum();
    parts + body.text.len()
}

struct MemoEntry {
    /// Each link destination of the body and what it was rewritten to: the entry is only
    /// reused while every rewrite still gives the same answer.
    rewrites: Vec<(String, Option<String>)>,
    body: RenderedBody,
    last_used: u64,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    pub fn new() -> Self {
        Renderer {
            highlighter: Highlighter::new(),
            words: RwLock::new(Words::default()),
            memo: None,
        }
    }

    /// Write `words` from now on (English until called).
    pub fn set_words(&self, words: Words) {
        if let Ok(mut w) = self.words.write() {
            *w = words;
        }
    }

    fn words(&self) -> Words {
        self.words.read().map(|w| w.clone()).unwrap_or_default()
    }

    /// A renderer that remembers what it rendered, for repeated builds of one course.
    /// Call `end_build` after each build to forget bodies that are gone.
    pub fn with_memo() -> Self {
        Renderer {
            memo: Some(Memo::default()),
            ..Renderer::new()
        }
    }

    /// Highlight code through the block cache under `cache_dir` (`None`: no cache) until
    /// `end_build`.
    pub fn open_highlight_cache(&self, cache_dir: Option<&std::path::Path>) {
        self.highlighter.open_cache(cache_dir);
    }

    /// Forget remembered bodies not used since the previous call, and save the blocks
    /// highlighted by this build to the highlight cache.
    pub fn end_build(&self) {
        self.highlighter.save_cache();
        if let Some(memo) = &self.memo {
            memo.filling.store(true, Ordering::SeqCst);
            let current = memo.generation.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut entries) = memo.entries.lock() {
                entries.retain(|_, e| e.last_used >= current);
                let held = entries.values().map(|e| body_bytes(&e.body)).sum();
                memo.bytes.store(held, Ordering::SeqCst);
            }
        }
    }

    /// Render a lesson body (or an intro) whose first line is `first_line` of its file.
    pub fn body(&self, text: &str, first_line: usize) -> RenderedBody {
        self.body_with_links(text, first_line, &|_| None)
    }

    /// Like `body`, with each link and image destination passed through `rewrite`.
    pub fn body_with_links(
        &self,
        text: &str,
        first_line: usize,
        rewrite: LinkRewrite,
    ) -> RenderedBody {
        self.remembered(text, first_line, rewrite)
    }

    /// Headings, links and plain text of a body without highlighting its code: the cheap
    /// pass that link checking and the search index need for every lesson up front. Its
    /// `parts` are empty: no HTML is kept. Not remembered: the dev server keeps what it
    /// needs of outlines itself, and a remembered one would hold the body's whole text.
    pub fn outline(&self, text: &str, first_line: usize) -> RenderedBody {
        self.render(text, first_line, false, &|_| None).0
    }

    fn remembered(&self, text: &str, first_line: usize, rewrite: LinkRewrite) -> RenderedBody {
        let Some(memo) = &self.memo else {
            return self.render(text, first_line, true, rewrite).0;
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (text, first_line, self.words()).hash(&mut hasher);
        let key = hasher.finish();
        let generation = memo.generation.load(Ordering::SeqCst);
        if let Ok(mut entries) = memo.entries.lock()
            && let Some(entry) = entries.get_mut(&key)
            && entry
                .rewrites
                .iter()
                .all(|(url, done)| rewrite(url) == *done)
        {
            entry.last_used = generation;
            return entry.body.clone();
        }
        let (body, rewrites) = self.render(text, first_line, true, rewrite);
        if !memo.filling.load(Ordering::SeqCst) {
            return body;
        }
        let size = body_bytes(&body);
        if memo.bytes.fetch_add(size, Ordering::SeqCst) + size > MEMO_BYTES {
            memo.bytes.fetch_sub(size, Ordering::SeqCst);
            return body;
        }
        if let Ok(mut entries) = memo.entries.lock() {
            entries.insert(
                key,
                MemoEntry {
                    rewrites,
                    body: body.clone(),
                    last_used: generation,
                },
            );
        }
        body
    }

    fn render(
        &self,
        text: &str,
        first_line: usize,
        make_html: bool,
        rewrite: LinkRewrite,
    ) -> (RenderedBody, Vec<(String, Option<String>)>) {
        let events: Vec<(Event, Range<usize>)> = Parser::new_ext(text, options())
            .into_offset_iter()
            .collect();
        let mut writer = BodyWriter::new(self, text, first_line, make_html, rewrite);
        let mut i = 0;
        while i < events.len() {
            i = writer.step(&events, i);
        }
        writer.finish()
    }

    /// A highlighted code block in a frame labelled with its language.
    fn code_block(&self, code: &str, lang: Option<&str>) -> String {
        self.highlighter.block(code, lang)
    }

    /// Render a front-matter string (prompt, option, takeaway): inline Markdown only, with
    /// any raw HTML shown as text.
    pub fn inline(&self, text: &str) -> String {
        // Links the content layer refuses never get here; should one slip through, it
        // is shown as its text only.
        // Links do not nest, so one flag tells which link end to drop.
        let mut in_dropped_link = false;
        let events =
            Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH).filter_map(move |e| match e {
                Event::Start(Tag::Link { ref dest_url, .. })
                    if crate::content::url::check_link(dest_url).is_err() =>
                {
                    in_dropped_link = true;
                    None
                }
                Event::End(TagEnd::Link) if in_dropped_link => {
                    in_dropped_link = false;
                    None
                }
                Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
                Event::Start(Tag::Paragraph) => None,
                Event::End(TagEnd::Paragraph) => Some(Event::SoftBreak),
                Event::Start(Tag::Heading { .. }) | Event::End(TagEnd::Heading(_)) => None,
                Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
                e => Some(e),
            });
        let mut s = String::new();
        pulldown_cmark::html::push_html(&mut s, events);
        s.trim_end().to_string()
    }
}

/// Parser events with their byte ranges in the body.
type Events<'t> = [(Event<'t>, Range<usize>)];

/// Heading ids made unique within a body: a repeat gets `-1`, `-2`, ...
#[derive(Default)]
struct HeadingIds {
    used: HashSet<String>,
    /// Next suffix to try per id: trying `-1`, `-2`, ... from the start for every repeat
    /// is quadratic in the number of equal headings.
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    fn unique(&mut self, base: String) -> String {
        let mut unique = base.clone();
        if self.used.contains(&unique) {
            let n = self.next_suffix.entry(base.clone()).or_insert(1);
            loop {
                unique = format!("{base}-{n}");
                *n += 1;
                if !self.used.contains(&unique) {
                    break;
                }
            }
        }
        self.used.insert(unique.clone());
        unique
    }
}

/// One body being rendered: each parser event in turn becomes HTML events, a body part,
/// or a record (heading, link, problem, searchable text).
struct BodyWriter<'a> {
    renderer: &'a Renderer,
    words: Words,
    text: &'a str,
    lines: LineIndex,
    /// HTML with highlighted code, or (an outline) only the records.
    make_html: bool,
    rewrite: LinkRewrite<'a>,
    out: RenderedBody,
    /// Each link destination and what `rewrite` made of it.
    rewrites: Vec<(String, Option<String>)>,
    /// HTML not yet turned into a part.
    html_events: Vec<Event<'a>>,
    heading_ids: HeadingIds,
    /// Events before this index belong to a paragraph already judged as a shortcode.
    judged_until: usize,
    /// For each open blockquote: does it close a callout?
    quotes: Vec<bool>,
    /// Nesting in lists, quotes, tables...: a shortcode counts only at the top.
    depth: usize,
}

impl<'a> BodyWriter<'a> {
    fn new(
        renderer: &'a Renderer,
        text: &'a str,
        first_line: usize,
        make_html: bool,
        rewrite: LinkRewrite<'a>,
    ) -> Self {
        BodyWriter {
            renderer,
            words: renderer.words(),
            text,
            lines: LineIndex::new(text, first_line),
            make_html,
            rewrite,
            out: RenderedBody::default(),
            rewrites: Vec::new(),
            html_events: Vec::new(),
            heading_ids: HeadingIds::default(),
            judged_until: 0,
            quotes: Vec::new(),
            depth: 0,
        }
    }

    /// Handle the event at `i`; returns the index of the next event to handle.
    fn step(&mut self, events: &Events<'a>, i: usize) -> usize {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                return self.heading(events, i, *level, id.as_deref());
            }
            Event::Start(Tag::CodeBlock(kind)) => return self.code_block(events, i, kind),
            Event::Start(Tag::Paragraph) if self.depth == 0 => {
                if let Some(next) = self.shortcode_paragraph(events, i) {
                    return next;
                }
                self.html_events.push(event.clone());
            }
            Event::Start(Tag::BlockQuote(kind)) => return self.block_quote(events, i, *kind),
            Event::End(TagEnd::BlockQuote(_)) => {
                self.depth = self.depth.saturating_sub(1);
                if self.quotes.pop() == Some(true) {
                    self.html_events
                        .push(Event::Html(CowStr::from("</aside>\n")));
                } else {
                    self.html_events.push(event.clone());
                }
            }
            Event::Start(
                Tag::List(_)
                | Tag::Item
                | Tag::FootnoteDefinition(_)
                | Tag::Table(_)
                | Tag::HtmlBlock,
            ) => {
                self.depth += 1;
                self.html_events.push(event.clone());
            }
            Event::End(
                TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::FootnoteDefinition
                | TagEnd::Table
                | TagEnd::HtmlBlock,
            ) => {
                self.depth = self.depth.saturating_sub(1);
                self.html_events.push(event.clone());
            }
            Event::Start(tag @ (Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })) => {
                self.link(events, i, tag, dest_url);
            }
            Event::InlineMath(tex) => self.math(tex, false, range.start),
            Event::DisplayMath(tex) => self.math(tex, true, range.start),
            Event::Text(t) | Event::Code(t) => self.text(events, i, t),
            _ => self.html_events.push(event.clone()),
        }
        i + 1
    }

    /// Math as MathML, written at byte `at`.
    fn math(&mut self, tex: &CowStr<'a>, block: bool, at: usize) {
        // A price: `$` before a digit never opens inline math.
        if !block && tex.starts_with(|c: char| c.is_ascii_digit()) {
            let price = format!("${tex}$");
            self.out.text.push_str(&price);
            self.html_events.push(Event::Text(CowStr::from(price)));
            return;
        }
        let math = math_event(tex, block, at, self.text, &self.lines, &mut self.out);
        self.html_events.push(math);
    }

    /// Text or inline code at `i`: searchable, and checked for shortcodes amid it.
    fn text(&mut self, events: &Events<'a>, i: usize, t: &CowStr<'a>) {
        let event = &events[i].0;
        let starts_run = matches!(event, Event::Text(_))
            && !matches!(i.checked_sub(1).map(|j| &events[j].0), Some(Event::Text(_)));
        if starts_run && i >= self.judged_until {
            let problems = &mut self.out.shortcode_problems;
            shortcodes_in_run(self.text, events, i, &self.lines, problems);
        }
        self.out.text.push_str(t);
        self.out.text.push(' ');
        self.html_events.push(event.clone());
    }

    /// A heading with a unique id and an anchor link to itself.
    fn heading(
        &mut self,
        events: &Events<'a>,
        i: usize,
        level: HeadingLevel,
        id: Option<&str>,
    ) -> usize {
        let end = find_end(events, i);
        let inner: Vec<Event> = events[i + 1..end].iter().map(|(e, _)| e.clone()).collect();
        let text = plain_text(&inner);
        let base = id
            .map(str::to_string)
            .unwrap_or_else(|| crate::content::slugify(&text));
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let unique = self.heading_ids.unique(base);
        let lvl = heading_level(level);
        if self.make_html {
            let mut inner_html = String::new();
            pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
            self.html_events.push(Event::Html(CowStr::from(format!(
                "<h{lvl} id=\"{id}\">{inner_html} <a class=\"anchor\" href=\"#{id}\" aria-label=\"{label}\">#</a></h{lvl}>\n",
                id = escape(&unique),
                label = escape(&self.words.section_link)
            ))));
        }
        self.out.text.push_str(&text);
        self.out.text.push('\n');
        self.out.headings.push(Heading {
            level: lvl,
            id: unique,
            text,
        });
        end + 1
    }

    /// A code block, highlighted unless this is an outline (searchable either way).
    fn code_block(&mut self, events: &Events<'a>, i: usize, kind: &CodeBlockKind) -> usize {
        let end = find_end(events, i);
        let code: String = events[i + 1..end]
            .iter()
            .filter_map(|(e, _)| match e {
                Event::Text(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let lang = match kind {
            CodeBlockKind::Fenced(info) => info.split([' ', ',', '{']).next().map(str::to_string),
            CodeBlockKind::Indented => None,
        };
        if self.make_html {
            let block = self.renderer.code_block(&code, lang.as_deref());
            self.html_events.push(Event::Html(CowStr::from(block)));
        }
        // Searchable too; a newline in the text would end a section.
        self.out.text.push_str(&code.replace('\n', " "));
        self.out.text.push(' ');
        end + 1
    }

    /// A top-level paragraph that is a shortcode becomes its part: returns the index
    /// after it. One that only looks like a shortcode is recorded as a problem and, like
    /// any other paragraph, left to the caller (`None`).
    fn shortcode_paragraph(&mut self, events: &Events<'a>, i: usize) -> Option<usize> {
        let range = &events[i].1;
        let end = find_end(events, i);
        let only_text = events[i + 1..end]
            .iter()
            .all(|(e, _)| matches!(e, Event::Text(_)));
        if !only_text {
            return None;
        }
        // Read as written, so that escaped braces (`\{\{`) stay text.
        let source = self.text.get(range.clone()).unwrap_or_default();
        match shortcode(source)? {
            (kind, args) if SHORTCODES.contains(&kind) && args.len() == 1 => {
                let (line, _) = self.lines.locate(self.text, range.start);
                let id = args[0].to_string();
                self.flush();
                self.out.parts.push(match kind {
                    "exercise" => BodyPart::Exercise { id, line },
                    _ => BodyPart::Chart { id, line },
                });
                Some(end + 1)
            }
            (name, _) => {
                let mistake = if SHORTCODES.contains(&name) {
                    ShortcodeMistake::Arguments(name.to_string())
                } else {
                    ShortcodeMistake::UnknownName(name.to_string())
                };
                let open = source.find("{{").unwrap_or(0);
                let close = source.rfind("}}").map_or(source.len(), |c| c + 2);
                let (line, column) = self.lines.locate(self.text, range.start + open);
                self.out.shortcode_problems.push(ShortcodeProblem {
                    mistake,
                    written: source[open..close].to_string(),
                    line,
                    column,
                });
                self.judged_until = end;
                None
            }
        }
    }

    /// A block quote: a callout when GitHub's `[!NOTE]` or a bold `Note:` label opens it.
    fn block_quote(
        &mut self,
        events: &Events<'a>,
        i: usize,
        kind: Option<BlockQuoteKind>,
    ) -> usize {
        self.depth += 1;
        if let Some(k) = kind {
            self.quotes.push(true);
            self.html_events.push(Event::Html(CowStr::from(callout_open(
                gfm_callout(k),
                &self.words,
            ))));
            return i + 1;
        }
        let Some((kind, skip_to)) = bold_label_callout(events, i) else {
            self.quotes.push(false);
            self.html_events.push(events[i].0.clone());
            return i + 1;
        };
        self.quotes.push(true);
        self.html_events
            .push(Event::Html(CowStr::from(callout_open(kind, &self.words))));
        self.html_events.push(Event::Start(Tag::Paragraph));
        // Drop the label and the space after it.
        let mut next = skip_to;
        if let Some((Event::Text(t), _)) = events.get(next) {
            let rest = t.trim_start().to_string();
            if !rest.is_empty() {
                self.html_events.push(Event::Text(CowStr::from(rest)));
            }
            next += 1;
        }
        next
    }

    /// A link or image: recorded for link checking, its destination rewritten.
    fn link(&mut self, events: &Events<'a>, i: usize, tag: &Tag<'a>, dest_url: &str) {
        let (line, column) = self.lines.locate(self.text, events[i].1.start);
        let image_alt = matches!(tag, Tag::Image { .. }).then(|| {
            let end = find_end(events, i);
            let inner: Vec<Event> = events[i + 1..end].iter().map(|(e, _)| e.clone()).collect();
            plain_text(&inner)
        });
        self.out.links.push(Link {
            url: dest_url.to_string(),
            line,
            column,
            image_alt,
        });
        let new_url = (self.rewrite)(dest_url);
        self.rewrites.push((dest_url.to_string(), new_url.clone()));
        match new_url {
            Some(url) => self.html_events.push(Event::Start(with_dest(tag, url))),
            None => self.html_events.push(events[i].0.clone()),
        }
    }

    /// The HTML gathered so far as one part; an outline (no `make_html`) makes none:
    /// nobody reads its HTML.
    fn flush(&mut self) {
        if !self.make_html {
            self.html_events.clear();
        } else if !self.html_events.is_empty() {
            let mut s = String::new();
            pulldown_cmark::html::push_html(&mut s, self.html_events.drain(..));
            self.out.parts.push(BodyPart::Html(s));
        }
    }

    fn finish(mut self) -> (RenderedBody, Vec<(String, Option<String>)>) {
        self.flush();
        if !self.make_html {
            // An outline: the dev server keeps one per lesson, its shortcodes' parts unread.
            self.out.parts = Vec::new();
        }
        (self.out, self.rewrites)
    }
}

/// The MathML of `tex` (written at byte `at` of `text`) as an event; malformed math is
/// recorded as a problem and shown as code. Its source is searchable.
fn math_event<'e>(
    tex: &CowStr<'e>,
    block: bool,
    at: usize,
    text: &str,
    lines: &LineIndex,
    out: &mut RenderedBody,
) -> Event<'e> {
    out.text.push_str(&tex.replace('\n', " "));
    out.text.push(' ');
    match math::to_mathml(tex, block) {
        Ok(mathml) => Event::InlineHtml(CowStr::from(mathml)),
        Err(reason) => {
            let (line, column) = lines.locate(text, at);
            out.math_problems.push(MathProblem {
                reason,
                written: tex.to_string(),
                line,
                column,
            });
            Event::Code(tex.clone())
        }
    }
}

/// A link or image tag pointing at `url` instead.
fn with_dest<'e>(tag: &Tag<'e>, url: String) -> Tag<'e> {
    match tag.clone() {
        Tag::Link {
            link_type,
            title,
            id,
            ..
        } => Tag::Link {
            link_type,
            dest_url: CowStr::from(url),
            title,
            id,
        },
        Tag::Image {
            link_type,
            title,
            id,
            ..
        } => Tag::Image {
            link_type,
            dest_url: CowStr::from(url),
            title,
            id,
        },
        other => other,
    }
}

/// Index of the event closing the one opened at `start`.
fn find_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
    let mut depth = 0usize;
    for (j, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// Shortcodes amid the run of text events starting at `first` (the parser may split
/// text), read from the file as written: code spans end a run, and escaped braces
/// (`\{{`) are not taken for a shortcode.
fn shortcodes_in_run(
    text: &str,
    events: &[(Event, Range<usize>)],
    first: usize,
    lines: &LineIndex,
    problems: &mut Vec<ShortcodeProblem>,
) {
    let last = events[first..]
        .iter()
        .take_while(|(e, _)| matches!(e, Event::Text(_)))
        .count()
        + first
        - 1;
    let (start, stop) = (events[first].1.start, events[last].1.end);
    let Some(source) = text.get(start..stop) else {
        return;
    };
    for (offset, name, written) in shortcodes_amid_text(source) {
        let (line, column) = lines.locate(text, start + offset);
        problems.push(ShortcodeProblem {
            mistake: ShortcodeMistake::NotAlone(name.to_string()),
            written: written.to_string(),
            line,
            column,
        });
    }
}

/// A blockquote opening with `**Note:**`, `**Tip:**` or `**Warning:**`: its kind and the
/// index of the first event after the label.
fn bold_label_callout(
    events: &[(Event, Range<usize>)],
    quote: usize,
) -> Option<(&'static str, usize)> {
    let is = |k: usize, f: &dyn Fn(&Event) -> bool| events.get(k).is_some_and(|(e, _)| f(e));
    if !is(quote + 1, &|e| matches!(e, Event::Start(Tag::Paragraph)))
        || !is(quote + 2, &|e| matches!(e, Event::Start(Tag::Strong)))
    {
        return None;
    }
    let mut label = String::new();
    let mut k = quote + 3;
    while let Some((Event::Text(t), _)) = events.get(k) {
        label.push_str(t);
        k += 1;
    }
    if !is(k, &|e| matches!(e, Event::End(TagEnd::Strong))) {
        return None;
    }
    callout_of(&label).map(|kind| (kind, k + 1))
}

fn plain_text(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        if let Event::Text(t) | Event::Code(t) = e {
            s.push_str(t);
        }
    }
    s.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(parts: &[BodyPart]) -> String {
        parts
            .iter()
            .map(|p| match p {
                BodyPart::Html(h) => h.clone(),
                BodyPart::Exercise { id, .. } => format!("[exercise {id}]"),
                BodyPart::Chart { id, .. } => format!("[chart {id}]"),
            })
            .collect()
    }

    #[test]
    fn headings_get_unique_ids_and_anchors() {
        let r = Renderer::new().body("# Intro\n\n## Intro\n\n## Other {#custom}\n", 1);
        let h = html(&r.parts);
        assert!(
            h.contains("<h1 id=\"intro\">Intro <a class=\"anchor\" href=\"#intro\""),
            "{h}"
        );
        assert!(h.contains("<h2 id=\"intro-1\">"), "{h}");
        assert!(h.contains("<h2 id=\"custom\">"), "{h}");
        assert_eq!(r.headings.len(), 3);
    }

    #[test]
    fn shortcodes_split_the_body_with_lines() {
        let r = Renderer::new().body(
            "Intro\n\n{{ exercise why-gil }}\n\nMiddle\n\n{{ chart convoy }}\n",
            10,
        );
        assert_eq!(r.parts.len(), 4);
        assert_eq!(
            r.parts[1],
            BodyPart::Exercise {
                id: "why-gil".into(),
                line: 12
            }
        );
        assert_eq!(
            r.parts[3],
            BodyPart::Chart {
                id: "convoy".into(),
                line: 16
            }
        );
    }

    #[test]
    fn shortcodes_in_code_are_left_alone() {
        let r = Renderer::new().body(
            "```\n{{ exercise x }}\n{{ exercies x }}\n```\n\n`{{ chart y }}`\n\n    {{ chart w }}\n\n- {{ exercise z }}\n",
            1,
        );
        assert_eq!(r.parts.len(), 1);
        let h = html(&r.parts);
        assert!(
            h.contains("{{ exercise x }}")
                && h.contains("{{ chart y }}")
                && h.contains("{{ exercise z }}"),
            "{h}"
        );
        // Only the one in the list is taken for a shortcode, and reported.
        let written: Vec<&str> = r
            .shortcode_problems
            .iter()
            .map(|p| p.written.as_str())
            .collect();
        assert_eq!(written, ["{{ exercise z }}"]);
    }

    /// (mistake, line, column) of each shortcode problem of `text`, a body from line 10.
    fn shortcode_problems(text: &str) -> Vec<(ShortcodeMistake, usize, usize)> {
        Renderer::new()
            .outline(text, 10)
            .shortcode_problems
            .into_iter()
            .map(|p| (p.mistake, p.line, p.column))
            .collect()
    }

    #[test]
    fn mistyped_shortcodes_are_problems_with_a_suggestion() {
        use ShortcodeMistake::*;
        let problems = shortcode_problems(
            "Intro.\n\n{{ exercies branch-cost }}\n\n{{ exercise }}\n\n{{ chart a b }}\n",
        );
        assert_eq!(
            problems,
            [
                (UnknownName("exercies".into()), 12, 1),
                (Arguments("exercise".into()), 14, 1),
                (Arguments("chart".into()), 16, 1),
            ]
        );
        let unknown = &Renderer::new()
            .outline("{{ exercies x }}", 1)
            .shortcode_problems[0];
        assert_eq!(
            unknown.message(),
            "unknown shortcode `exercies`, did you mean `exercise`?"
        );
        assert_eq!(unknown.written, "{{ exercies x }}");
        assert!(
            unknown
                .expected()
                .contains("`{{ exercise ID }}` or `{{ chart ID }}`")
        );
    }

    #[test]
    fn known_shortcodes_amid_text_are_problems() {
        let not_alone = |name: &str| ShortcodeMistake::NotAlone(name.into());
        assert_eq!(
            shortcode_problems("See {{ exercise branch-cost }} here, **and** {{chart c}}.\n"),
            [(not_alone("exercise"), 10, 5), (not_alone("chart"), 10, 46)]
        );
        // No blank line between two shortcodes makes them one paragraph.
        assert_eq!(
            shortcode_problems("{{ exercise a }}\n{{ chart b }}\n"),
            [(not_alone("exercise"), 10, 1), (not_alone("chart"), 11, 1)]
        );
        assert_eq!(
            shortcode_problems("> {{ chart b }}\n\n| a |\n|---|\n| x {{ exercise a }} |\n"),
            [(not_alone("chart"), 10, 3), (not_alone("exercise"), 14, 5)]
        );
        let message = Renderer::new()
            .outline("a {{ chart b }}", 1)
            .shortcode_problems[0]
            .message();
        assert!(
            message.contains("must be a paragraph of its own"),
            "{message}"
        );
    }

    #[test]
    fn many_open_braces_are_read_in_linear_time() {
        let source = format!("{}}}}}", "{{ x ".repeat(200_000));
        let start = std::time::Instant::now();
        assert_eq!(shortcodes_amid_text(&source), []);
        let with_one = format!("{source} {{{{ chart c }}}}");
        assert_eq!(shortcodes_amid_text(&with_one).len(), 1);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn braces_that_are_no_shortcode_are_left_alone() {
        for text in [
            "Templates write {{ user.name }} and {{ name }}.\n",
            "{{ user.name }}\n",
            "{{ }}\n",
            "Code: `{{ exercise x }}` and `{{ exercies x }}`.\n",
            "\\{\\{ exercise x }}\n\nEscaped \\{{ chart x }} too.\n",
            "An {{ exercise never closed\n",
        ] {
            assert_eq!(shortcode_problems(text), [], "{text}");
        }
    }

    #[test]
    fn callouts_from_bold_labels_and_gfm_alerts() {
        let r = Renderer::new().body(
            "> **Note:** Mind the gap.\n\n> [!WARNING]\n> Hot.\n\n> plain quote\n",
            1,
        );
        let h = html(&r.parts);
        assert!(h.contains("<aside class=\"callout callout-note\" role=\"note\"><p class=\"callout-title\">Note</p>\n<p>Mind the gap.</p>\n</aside>"), "{h}");
        assert!(h.contains("callout-warning"), "{h}");
        assert!(h.contains("<blockquote>"), "{h}");
    }

    #[test]
    fn code_blocks_are_highlighted_and_extensions_work() {
        let r = Renderer::new().body("```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ [^1]\n\n[^1]: note\n\n- [x] done\n", 1);
        let h = html(&r.parts);
        assert!(
            h.contains("data-lang=\"python\"") && h.contains("hl-"),
            "{h}"
        );
        assert!(
            h.contains("<table>")
                && h.contains("<del>old</del>")
                && h.contains("footnote")
                && h.contains("checkbox"),
            "{h}"
        );
    }

    #[test]
    fn code_blocks_are_labelled_with_their_language_and_carry_no_button() {
        let r = Renderer::new().body("```py\nx = 1\n```\n\n```<b>\ny\n```\n\n    plain\n", 1);
        let h = html(&r.parts);
        assert!(
            h.contains("<div class=\"code-block\"><span class=\"code-lang\">Python</span><pre"),
            "{h}"
        );
        assert!(
            h.contains("<span class=\"code-lang\">&lt;b&gt;</span>"),
            "{h}"
        );
        assert!(
            h.contains("<div class=\"code-block\"><pre"),
            "no label without a language: {h}"
        );
        assert!(
            !h.contains("<button"),
            "the copy button comes with the script: {h}"
        );
        // Code is searchable, on the line of its section.
        assert!(
            r.text.contains("x = 1 ") && !r.text.contains("x = 1\n"),
            "{:?}",
            r.text
        );
    }

    #[test]
    fn math_becomes_mathml_and_prices_stay_text() {
        let r = Renderer::new().body(
            "Costs $5 and $10, or $5 to 10$.\n\n`$x$` in code.\n\nSo $x^2$ and\n\n$$\n\\frac{a}{b}\n$$\n",
            1,
        );
        let h = html(&r.parts);
        assert!(h.contains("<p>Costs $5 and $10, or $5 to 10$.</p>"), "{h}");
        assert!(h.contains("<p><code>$x$</code> in code.</p>"), "{h}");
        assert!(
            h.contains("<math display=\"inline\">") && h.contains("<msup>"),
            "{h}"
        );
        assert!(
            h.contains("<math display=\"block\">") && h.contains("<mfrac>"),
            "{h}"
        );
        assert!(r.math_problems.is_empty());
        assert!(r.text.contains("x^2"), "math is searchable by its source");
    }

    #[test]
    fn malformed_math_is_located_at_its_dollar() {
        let r = Renderer::new().body("Fine $x$.\n\nBut é $a^$ and\n\n$$\n\\foo\n$$\n", 10);
        let found: Vec<(usize, usize, &str)> = r
            .math_problems
            .iter()
            .map(|p| (p.line, p.column, p.written.trim()))
            .collect();
        assert_eq!(found, [(12, 7, "a^"), (14, 1, "\\foo")]);
        assert!(
            r.math_problems[0]
                .message()
                .starts_with("malformed math `a^`: ")
        );
        // Shown as code meanwhile; the build fails on the problem anyway.
        assert!(html(&r.parts).contains("<code>a^</code>"));
    }

    #[test]
    fn inline_escapes_raw_html() {
        let r = Renderer::new();
        assert_eq!(
            r.inline("Use `x` <script>alert(1)</script> **now**"),
            "Use <code>x</code> &lt;script&gt;alert(1)&lt;/script&gt; <strong>now</strong>"
        );
    }

    #[test]
    fn links_are_recorded_with_lines() {
        let r = Renderer::new().body("Intro\n\nSee [the GIL](../the-gil/) now.\n", 5);
        assert_eq!(
            r.links,
            vec![Link {
                url: "../the-gil/".into(),
                line: 7,
                column: 5,
                image_alt: None,
            }]
        );
    }

    #[test]
    fn an_outline_records_what_the_body_does_without_its_html() {
        let text = "Opening with [a link](a.md), $x^2$ and $a^$.\n\n# Heading *one*\n\n\
            ```python\nprint('hi')\n```\n\n> **Note:** a callout\n\n{{ exercise e }}\n\n\
            ## Heading *one*\n\n![alt](i.png) See {{ chart c }} here.\n\n{{ exercies x }}\n\n\
            - item\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
        let renderer = Renderer::new();
        let outline = renderer.outline(text, 3);
        let body = renderer.body(text, 3);
        assert!(outline.parts.is_empty());
        assert!(!body.parts.is_empty());
        assert_eq!(outline.headings, body.headings);
        assert_eq!(outline.links, body.links);
        assert_eq!(outline.text, body.text);
        assert_eq!(outline.shortcode_problems, body.shortcode_problems);
        assert_eq!(outline.math_problems, body.math_problems);
        assert_eq!(
            (outline.headings.len(), outline.links.len()),
            (2, 2),
            "{outline:?}"
        );
        assert_eq!(outline.shortcode_problems.len(), 2, "{outline:?}");
        assert_eq!(outline.math_problems.len(), 1, "{outline:?}");
    }

    #[test]
    fn bodies_are_remembered_from_the_first_rebuild_on() {
        let r = Renderer::with_memo();
        let held = |r: &Renderer| r.memo.as_ref().unwrap().bytes.load(Ordering::SeqCst);
        r.body("Some *text*.\n", 1);
        assert_eq!(held(&r), 0, "the first build keeps nothing");
        r.end_build();
        r.body("Some *text*.\n", 1);
        assert!(held(&r) > 0, "a rebuild keeps what it rendered");
    }

    #[test]
    fn links_are_rewritten_and_image_alt_recorded() {
        let r = Renderer::with_memo();
        let rewrite = |u: &str| (u == "02-b.md").then(|| "../b/index.html".to_string());
        let b = r.body_with_links("[B](02-b.md) ![](x.png) ![a cat](c.png)\n", 1, &rewrite);
        let h = html(&b.parts);
        assert!(h.contains("href=\"../b/index.html\""), "{h}");
        let alts: Vec<_> = b.links.iter().map(|l| l.image_alt.clone()).collect();
        assert_eq!(alts, [None, Some(String::new()), Some("a cat".into())]);
        // A remembered body is reused only while its rewrites still hold.
        let again = r.body_with_links("[B](02-b.md) ![](x.png) ![a cat](c.png)\n", 1, &rewrite);
        assert_eq!(again, b);
        let plain = r.body_with_links("[B](02-b.md) ![](x.png) ![a cat](c.png)\n", 1, &|_| None);
        assert!(html(&plain.parts).contains("href=\"02-b.md\""));
    }
}
