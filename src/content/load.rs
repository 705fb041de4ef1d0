//! Reading a course from disk (`content/`) into the validated model.

use super::lesson::{self, LessonPlace, ParsedLesson};
use super::measured::{self, MeasuredSimulation};
use super::model::{Body, BrokenLesson, Course, CourseConfig, Lesson, LessonRef, Module};
use super::reuse::ParseMemo;
use super::walk::{SourceTree, slug_of, walk};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::file_stamp::FileStamp;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// By default a lesson bigger than this is refused rather than parsed (a guard against
/// runaway input); the course index key `max_lesson_bytes` changes it.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// The most `max_lesson_bytes` may allow: every lesson is read whole into memory, several
/// at once.
pub const MAX_FILE_BYTES_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Include lessons marked `draft: true`.
    pub drafts: bool,
    /// Overrides `base_url` from the course front matter.
    pub base_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourse {
    title: String,
    brand: Option<String>,
    description: Option<String>,
    language: Option<String>,
    focus_minutes: Option<u32>,
    base_url: Option<String>,
    theme: Option<String>,
    /// An image under `content/` shown as the site's icon.
    favicon: Option<String>,
    /// Size limit of lesson and module files, in bytes.
    max_lesson_bytes: Option<u64>,
    /// Millions of steps all simulations of a build may take together.
    simulation_budget: Option<u64>,
    /// Percent of the XP needed to pass in an LMS (SCORM builds).
    mastery_score: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    title: Option<String>,
    summary: Option<String>,
}

/// Read a file as text, refusing files over `limit` bytes and invalid UTF-8 with a
/// located error.
pub fn read_text(path: &Path, shown: &Path, limit: u64) -> Result<String, Diagnostic> {
    use std::io::Read;
    let io_error = |e: std::io::Error| {
        Diagnostic::error(
            "io",
            shown,
            Position::default(),
            format!("cannot read the file: {e}"),
        )
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    let mut bytes = Vec::with_capacity(size.min(limit) as usize);
    // Reading at most one byte past the limit also holds for a file that grows meanwhile
    // (or a device that never ends).
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(Diagnostic::error(
            "file-too-large",
            shown,
            Position::default(),
            format!(
                "the file is {} bytes, more than the limit of {limit} bytes",
                size.max(bytes.len() as u64)
            ),
        )
        .expected(
            "a lesson split into smaller lessons, or a higher `max_lesson_bytes` in content/_index.md",
        ));
    }
    lesson::decode(shown, &bytes)
}

/// Load the course under `root/content` as far as it can be read: the course holds every
/// lesson that parsed (so later stages can still look for their own problems), and the
/// diagnostics hold every problem found. The course is `None` only when the course index
/// itself is unusable.
pub fn load_partial(root: &Path, options: &LoadOptions) -> (Option<Course>, Diagnostics) {
    load_partial_reusing(root, options, None)
}

/// `load_partial`, taking lessons whose file, place and course settings did not change
/// since an earlier build from `memo` (the dev server's rebuilds) instead of parsing them.
pub fn load_partial_reusing(
    root: &Path,
    options: &LoadOptions,
    memo: Option<&ParseMemo>,
) -> (Option<Course>, Diagnostics) {
    let mut reading = Reading {
        root,
        diags: Diagnostics::default(),
        texts: HashMap::new(),
        max_lesson_bytes: MAX_FILE_BYTES,
    };
    let Some((tree, reported)) = reading.source_tree(memo) else {
        return (None, reading.diags);
    };
    reading.report_misplaced(&tree);
    let config_and_intro = reading.course_index(&tree, options);
    // Lessons are still checked without a course config, so every problem is reported.
    let config = config_and_intro
        .as_ref()
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let memo_reported = memo.map(|m| (m, reported.as_ref()));
    let outcomes = reading.parse_lessons(&tree, &config, memo_reported);
    let mut modules = reading.modules(&tree);
    let broken_lessons = reading.sort_lessons(&tree, outcomes, &mut modules, options);
    check_slugs(&modules, &mut reading.diags);
    // Go-deeper targets are looked up among all lessons, if any lesson names one.
    let lessons = || modules.iter().flat_map(|(_, lessons)| lessons);
    let every_lesson: Vec<LessonRef> = match lessons().any(|p| !p.pending_links.is_empty()) {
        false => Vec::new(),
        true => (tree.modules.iter())
            .flat_map(|m| {
                m.lessons.iter().map(|l| LessonRef {
                    module: m.slug.clone(),
                    lesson: slug_of(l),
                })
            })
            .collect(),
    };
    let mut modules = resolve_links(modules, &every_lesson, &mut reading.diags);
    let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    attach_measurements(&tree.measured, &shown, &mut modules, &mut reading.diags);
    let diags = reading.finish();
    let course = config_and_intro.map(|(config, intro)| Course {
        config,
        intro,
        modules,
        assets: tree.assets.clone(),
        broken_lessons,
    });
    if let (Some(memo), Some(course)) = (memo, &course) {
        memo.settle(course);
    }
    (course, diags)
}

/// `lesson::parse_lesson`, with the lines its problems point at: a lesson taken unread
/// from an earlier build's parse still shows them.
fn parse_located(
    place: LessonPlace,
    text: &str,
    config: &CourseConfig,
) -> (Option<ParsedLesson>, Vec<Diagnostic>) {
    let file = place.file.to_path_buf();
    let (parsed, mut problems) = lesson::parse_lesson(place, text, config);
    if !problems.is_empty() {
        let lines: Vec<&str> = text.lines().collect();
        for d in problems.iter_mut() {
            if d.file == file && d.source_line.is_none() {
                d.attach_source_lines(&lines);
            }
        }
    }
    (parsed, problems)
}

/// Reads each lesson's measurement file into the lesson: its up-to-date entries; a file
/// without a lesson, a malformed file, and stale entries are reported.
fn attach_measurements(
    files: &[PathBuf],
    shown: &dyn Fn(&Path) -> PathBuf,
    modules: &mut [Module],
    diags: &mut Diagnostics,
) {
    let mut found: HashMap<PathBuf, Vec<MeasuredSimulation>> = HashMap::new();
    for path in files {
        let file = shown(path);
        let lesson_source = {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            file.with_file_name(format!("{}.md", name.trim_end_matches(measured::SUFFIX)))
        };
        let lesson = modules
            .iter()
            .flat_map(|m| &m.lessons)
            .find(|l| l.source == lesson_source);
        let Some(lesson) = lesson else {
            // A draft left out, or a lesson that failed: its own errors say enough.
            if !path
                .with_file_name(lesson_source.file_name().unwrap_or_default())
                .exists()
            {
                diags.push(measured_orphan(&file, &lesson_source));
            }
            continue;
        };
        if let Some(current) = measurements(path, &file, lesson, diags) {
            found.insert(lesson_source, current);
        }
    }
    // Every lesson is set, as one kept from an earlier build may hold measurements
    // whose file is gone; a lesson is copied only if they differ.
    for lesson in modules.iter_mut().flat_map(|m| m.lessons.iter_mut()) {
        let measured = found.remove(&lesson.source).unwrap_or_default();
        if lesson.measured != measured {
            Arc::make_mut(lesson).measured = measured;
        }
    }
}

fn measured_orphan(file: &Path, lesson_source: &Path) -> Diagnostic {
    Diagnostic::warning(
        "measured-orphan",
        file,
        Position::default(),
        format!(
            "no lesson {} for these measurements",
            lesson_source.display()
        ),
    )
    .expected("a measurement file beside the lesson it measures, named after it")
}

/// The up-to-date measurements of `lesson` in the file at `path` (shown as `file`), or
/// `None` if it cannot be read; its problems go to `diags`.
fn measurements(
    path: &Path,
    file: &Path,
    lesson: &Lesson,
    diags: &mut Diagnostics,
) -> Option<Vec<MeasuredSimulation>> {
    let text = read_text(path, file, MAX_FILE_BYTES)
        .map_err(|d| diags.push(d))
        .ok()?;
    let (parsed, spans) = measured::parse(&text, file, &lesson.slug)
        .map_err(|d| diags.push(d))
        .ok()?;
    let problems = measured::check(
        &parsed,
        &spans,
        &text,
        file,
        &lesson.slug,
        &lesson.simulations,
    );
    diags.extend(problems.0);
    let current = parsed
        .simulations
        .into_iter()
        .filter(|m| measured::is_current(m, &lesson.simulations))
        .collect();
    Some(current)
}

/// A lesson as read: its file, its text when it has problems, and what parsed.
type LessonOutcome = (
    PathBuf,
    Option<String>,
    Option<ParsedLesson>,
    Vec<Diagnostic>,
);

/// One reading of a course folder: the problems found so far, and the texts of files
/// with problems, to show their lines.
struct Reading<'a> {
    root: &'a Path,
    diags: Diagnostics,
    texts: HashMap<PathBuf, String>,
    /// From the course index: larger lessons are refused.
    max_lesson_bytes: u64,
}

impl Reading<'_> {
    /// `p` as shown in messages: relative to the course root.
    fn shown(&self, p: &Path) -> PathBuf {
        p.strip_prefix(self.root).unwrap_or(p).to_path_buf()
    }

    /// The files of `content/` and, when the dev server's watcher vouches for all files
    /// but those, the files changed since the last load (`memo`'s); or `None` (with the
    /// error) when there is no such folder.
    fn source_tree(
        &mut self,
        memo: Option<&ParseMemo>,
    ) -> Option<(Arc<SourceTree>, Option<HashSet<PathBuf>>)> {
        let walks = memo.map(|m| &m.walks);
        if let Some(unchanged) = walks.and_then(|w| w.begin_load(self.root)) {
            return Some((unchanged.tree, Some(unchanged.reported)));
        }
        let Some(tree) = self.walk_content() else {
            walks.inspect(|w| w.failed());
            return None;
        };
        let tree = Arc::new(tree);
        if let Some(walks) = walks {
            let content = self.root.join("content");
            walks.walked(&tree, tree.paths(&content, &|p| self.shown(p)));
        }
        Some((tree, None))
    }

    /// The files of `content/`, walked, or `None` (with the error) when there is no such
    /// folder. Its problems are reported.
    fn walk_content(&mut self) -> Option<SourceTree> {
        let content = self.root.join("content");
        // Links are judged by where they really lead, so the root is resolved too.
        let real_root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.to_path_buf());
        match walk(&content, &real_root, &|p| self.shown(p)) {
            Ok(tree) => {
                self.diags.extend(tree.problems.iter().cloned());
                Some(tree)
            }
            Err(_) if !content.exists() => {
                self.diags.push(
                    Diagnostic::error(
                        "no-content",
                        &content,
                        Position::default(),
                        format!("there is no course here: {} has no `content/` folder", self.root.display()),
                    )
                    .expected("`--root` set to the folder holding `content/`, or a new course made with `crescu new DIR`"),
                );
                None
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "io",
                    &content,
                    Position::default(),
                    format!("cannot read the content folder: {e}"),
                ));
                None
            }
        }
    }

    fn report_misplaced(&mut self, tree: &SourceTree) {
        for path in &tree.misplaced {
            self.diags.push(
                Diagnostic::error(
                    "misplaced-lesson",
                    &self.shown(path),
                    Position::default(),
                    "a lesson must sit directly in a module folder",
                )
                .expected("content/<module>/<lesson>.md"),
            );
        }
    }

    /// The course settings and introduction from `content/_index.md`, if it is there
    /// and valid; also sets the lesson size limit.
    fn course_index(
        &mut self,
        tree: &SourceTree,
        options: &LoadOptions,
    ) -> Option<(CourseConfig, Body)> {
        let Some(path) = &tree.course_index else {
            let index = self.shown(&self.root.join("content").join("_index.md"));
            self.diags.push(
                Diagnostic::error(
                    "no-course-index",
                    &index,
                    Position::default(),
                    "the course has no `content/_index.md`",
                )
                .expected("a file with front matter holding at least `title:`"),
            );
            return None;
        };
        let file = self.shown(path);
        let fm = read_text(path, &file, MAX_FILE_BYTES).and_then(|t| {
            let fm = lesson::parse_front_matter::<RawCourse>(&file, &t, "course index");
            self.texts.insert(file.clone(), t);
            fm
        });
        let fm = match fm {
            Ok(fm) => fm,
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        let loc = super::located::FrontMatterLocator {
            file: &file,
            yaml_first_line: fm.yaml_first_line,
            spans: &fm.spans,
        };
        let config = self.course_config(fm.data, &loc, options, tree);
        Some((config, fm.body))
    }

    /// The course settings, with an error for each one out of bounds.
    fn course_config(
        &mut self,
        raw: RawCourse,
        loc: &super::located::FrontMatterLocator,
        options: &LoadOptions,
        tree: &SourceTree,
    ) -> CourseConfig {
        self.max_lesson_bytes = raw.max_lesson_bytes.unwrap_or(MAX_FILE_BYTES);
        if self.max_lesson_bytes > MAX_FILE_BYTES_LIMIT {
            let max_lesson_bytes = self.max_lesson_bytes;
            self.diags.push(
                loc.error_at(
                    "limit-too-high",
                    &crate::keypath::KeyPath::root().key("max_lesson_bytes"),
                    format!(
                        "`max_lesson_bytes` is {max_lesson_bytes}, more than crescu allows ({MAX_FILE_BYTES_LIMIT})"
                    ),
                )
                .expected(format!("a number of bytes up to {MAX_FILE_BYTES_LIMIT}")),
            );
            self.max_lesson_bytes = MAX_FILE_BYTES_LIMIT;
        }
        if let Some(url) = &raw.base_url
            && let Err(why) = super::url::check_base_url(url)
        {
            self.diags.push(
                loc.error_at(
                    "unsafe-url",
                    &crate::keypath::KeyPath::root().key("base_url"),
                    why,
                )
                .expected("an address starting with https:// or http://"),
            );
        }
        if raw.mastery_score.is_some_and(|m| m > 100) {
            self.diags.push(
                loc.error_at(
                    "out-of-range",
                    &crate::keypath::KeyPath::root().key("mastery_score"),
                    "`mastery_score` is a percentage of the course's XP",
                )
                .expected("a whole number from 0 to 100"),
            );
        }
        let favicon = raw.favicon.filter(|icon| {
            let found = tree.assets.iter().any(|a| a.target == Path::new(icon));
            if !found {
                self.diags.push(
                    loc.error_at(
                        "missing-favicon",
                        &crate::keypath::KeyPath::root().key("favicon"),
                        format!("`favicon` names `{icon}`, which is not a file of the course"),
                    )
                    .expected("the path of an image under content/, such as `icon.svg`"),
                );
            }
            found
        });
        let base_url = options.base_url.clone().or(raw.base_url);
        CourseConfig {
            brand: raw.brand.unwrap_or_else(|| raw.title.clone()),
            title: raw.title,
            description: raw.description,
            language: raw.language.unwrap_or_else(|| "en".to_string()),
            focus_minutes: raw.focus_minutes.unwrap_or(25),
            base_url: base_url.map(|u| u.trim_end_matches('/').to_string()),
            theme: raw.theme.unwrap_or_else(|| "default".to_string()),
            favicon,
            simulation_budget: raw
                .simulation_budget
                .map_or(crate::sim::DEFAULT_BUILD_WORK, |m| m as f64 * 1e6),
            mastery_score: raw
                .mastery_score
                .and_then(|m| u8::try_from(m).ok().filter(|m| *m <= 100)),
        }
    }

    /// Parse every lesson of every module in parallel; results keep their order, each
    /// with the index of its module. With `memo`, lessons are taken from it as
    /// `reuse_lesson` says.
    fn parse_lessons(
        &self,
        tree: &SourceTree,
        config: &CourseConfig,
        memo: Option<(&ParseMemo, Option<&HashSet<PathBuf>>)>,
    ) -> Vec<(usize, LessonOutcome)> {
        // Course settings flow into every lesson (defaults such as focus minutes).
        let config_key = super::reuse::lesson_key(format!("{config:?}"));
        let jobs: Vec<(usize, usize, &PathBuf)> = tree
            .modules
            .iter()
            .enumerate()
            .flat_map(|(mi, m)| m.lessons.iter().enumerate().map(move |(li, p)| (mi, li, p)))
            .collect();
        jobs.par_iter()
            .map(|&(mi, li, path)| {
                let position = li as u32 + 1;
                let outcome = match memo {
                    Some(memo) => self.reuse_lesson((path, position), config, memo, config_key),
                    None => self.read_lesson(path, position, config),
                };
                (mi, outcome)
            })
            .collect()
    }

    /// One lesson file, read and parsed.
    fn read_lesson(&self, path: &Path, position: u32, config: &CourseConfig) -> LessonOutcome {
        let file = self.shown(path);
        match read_text(path, &file, self.max_lesson_bytes) {
            Err(d) => (file, None, None, vec![d]),
            Ok(text) => {
                let place = LessonPlace {
                    file: &file,
                    slug: slug_of(path),
                    position,
                };
                let (parsed, problems) = parse_located(place, &text, config);
                // The text is kept only to show the lines of problems: at 10,000
                // lessons, keeping every file's text would take ~80 MB.
                let text = (!problems.is_empty()).then_some(text);
                (file, text, parsed, problems)
            }
        }
    }

    /// `read_lesson` for a rebuild: a lesson whose file's stamp shows it unchanged since
    /// an earlier build read it, in the same place and with the same course settings
    /// (`config_key`), is taken from `memo` unread; one whose text is unchanged, unparsed.
    /// When a watcher `reported` every file changed since the last load, a file not
    /// among them keeps the stamp it had, without asking the file system.
    fn reuse_lesson(
        &self,
        (path, position): (&Path, u32),
        config: &CourseConfig,
        (memo, reported): (&ParseMemo, Option<&HashSet<PathBuf>>),
        config_key: u64,
    ) -> LessonOutcome {
        let file = self.shown(path);
        let slug = slug_of(path);
        let key = |text_hash: u64| {
            super::reuse::lesson_key((&file, &slug, position, text_hash, config_key))
        };
        // A broken lesson keeps its text for its headings: only parsed ones go unread.
        let unreported = reported.is_some_and(|r| !r.contains(&file));
        if unreported
            && let Some((Some(parsed), problems)) =
                memo.unread_unchanged(&file, self.max_lesson_bytes, key)
        {
            return (file, None, Some(parsed), problems);
        }
        // A file grown over a lowered size limit must be refused: its length is checked.
        let stamp = FileStamp::of(path).filter(|s| s.len <= self.max_lesson_bytes);
        if let Some((Some(parsed), problems)) = stamp.and_then(|s| memo.unread(&file, s, key)) {
            return (file, None, Some(parsed), problems);
        }
        let text = match read_text(path, &file, self.max_lesson_bytes) {
            Ok(text) => text,
            Err(d) => return (file, None, None, vec![d]),
        };
        let text_hash = super::reuse::lesson_key(&text);
        let place = LessonPlace {
            file: &file,
            slug: slug.clone(),
            position,
        };
        let parse = || parse_located(place, &text, config);
        let (parsed, problems) = memo.parsed(&file, (stamp, text_hash), key(text_hash), parse);
        let text = (!problems.is_empty()).then_some(text);
        (file, text, parsed, problems)
    }

    /// Every module from its folder and `_index.md`, with no lessons yet.
    fn modules(&mut self, tree: &SourceTree) -> Vec<(Module, Vec<ParsedLesson>)> {
        let mut modules = Vec::new();
        for m in &tree.modules {
            let (title, summary, intro) = match &m.index {
                None => (default_title(&m.slug), None, Body::default()),
                Some(path) => {
                    let file = self.shown(path);
                    match read_text(path, &file, self.max_lesson_bytes).and_then(|t| {
                        let fm = lesson::parse_front_matter::<RawModule>(&file, &t, "module index");
                        self.texts.insert(file.clone(), t);
                        fm
                    }) {
                        Ok(fm) => (
                            fm.data.title.unwrap_or_else(|| default_title(&m.slug)),
                            fm.data.summary,
                            fm.body,
                        ),
                        Err(d) => {
                            self.diags.push(d);
                            (default_title(&m.slug), None, Body::default())
                        }
                    }
                }
            };
            let module = Module {
                slug: m.slug.clone(),
                title,
                summary,
                intro,
                source: self.shown(&m.dir),
                lessons: Vec::new(),
            };
            modules.push((module, Vec::new()));
        }
        modules
    }

    /// Each parsed lesson into its module (drafts only when asked for); returns the
    /// lessons that did not parse.
    fn sort_lessons(
        &mut self,
        tree: &SourceTree,
        outcomes: Vec<(usize, LessonOutcome)>,
        modules: &mut [(Module, Vec<ParsedLesson>)],
        options: &LoadOptions,
    ) -> Vec<BrokenLesson> {
        let mut broken_lessons = Vec::new();
        for (mi, (file, text, parsed, problems)) in outcomes {
            self.diags.extend(problems);
            match parsed {
                Some(p) => {
                    if options.drafts || !p.lesson.draft {
                        modules[mi].1.push(p);
                    }
                }
                // Still a lesson of the course, only for link checking (its draft flag is
                // unknown, so it counts as published).
                None => broken_lessons.push(BrokenLesson {
                    module: tree.modules[mi].slug.clone(),
                    slug: slug_of(&file),
                    body: text.as_deref().and_then(lesson::body_of),
                    source: file.clone(),
                }),
            }
            if let Some(t) = text {
                self.texts.insert(file, t);
            }
        }
        broken_lessons
    }

    /// Every problem, sorted, each with the lines it points at.
    fn finish(mut self) -> Diagnostics {
        // A lesson that parsed cleanly, with a problem found later (a link): read its text
        // again.
        // Only for problems at a line, and only regular files: never a FIFO or a link's
        // target that the walk refused.
        for d in &self.diags.0 {
            if d.source_line.is_none() && d.position.line > 0 && !self.texts.contains_key(&d.file) {
                let path = self.root.join(&d.file);
                let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
                if regular && let Ok(t) = read_text(&path, &d.file, self.max_lesson_bytes) {
                    self.texts.insert(d.file.clone(), t);
                }
            }
        }
        // Each file split into lines once, however many problems it has.
        let mut lines: HashMap<&Path, Vec<&str>> = HashMap::new();
        for d in &mut self.diags.0 {
            if d.source_line.is_none()
                && let Some((file, text)) = self.texts.get_key_value(&d.file)
            {
                d.attach_source_lines(
                    lines
                        .entry(file.as_path())
                        .or_insert_with(|| text.lines().collect()),
                );
            }
        }
        self.diags.sort();
        self.diags
    }
}

/// Load and validate the course under `root/content`. On success returns the course and
/// its warnings; on failure every problem found, errors and warnings alike.
pub fn load(root: &Path, options: &LoadOptions) -> Result<(Course, Diagnostics), Diagnostics> {
    match load_partial(root, options) {
        (Some(course), diags) if !diags.has_errors() => Ok((course, diags)),
        (_, diags) => Err(diags),
    }
}

fn default_title(slug: &str) -> String {
    let mut t = slug.replace('-', " ");
    if let Some(first) = t.get(0..1) {
        t.replace_range(0..1, &first.to_uppercase());
    }
    t
}

fn check_slugs(modules: &[(Module, Vec<ParsedLesson>)], diags: &mut Diagnostics) {
    let mut module_slugs: HashMap<&str, &Path> = HashMap::new();
    for (m, lessons) in modules {
        if let Some(first) = module_slugs.insert(&m.slug, &m.source) {
            diags.push(Diagnostic::error(
                "duplicate-slug",
                &m.source,
                Position::default(),
                format!(
                    "module slug `{}` is also used by {}",
                    m.slug,
                    first.display()
                ),
            ));
        }
        let mut lesson_slugs: HashMap<&str, &Path> = HashMap::new();
        for p in lessons {
            if let Some(first) = lesson_slugs.insert(&p.lesson.slug, &p.lesson.source) {
                diags.push(Diagnostic::error(
                    "duplicate-slug",
                    &p.lesson.source,
                    Position::default(),
                    format!(
                        "lesson slug `{}` is also used by {}",
                        p.lesson.slug,
                        first.display()
                    ),
                ));
            }
        }
    }
}

/// Resolve go-deeper targets: `lesson-slug` (unique in the course) or `module/lesson`.
///
/// Targets are looked up among every lesson file, parsed or not, so a link to a lesson
/// that has errors of its own is not reported a second time as a missing lesson.
fn resolve_links(
    modules: Vec<(Module, Vec<ParsedLesson>)>,
    every_lesson: &[LessonRef],
    diags: &mut Diagnostics,
) -> Vec<Module> {
    let mut by_slug: HashMap<String, Vec<LessonRef>> = HashMap::new();
    for r in every_lesson {
        by_slug.entry(r.lesson.clone()).or_default().push(r.clone());
        by_slug
            .entry(format!("{}/{}", r.module, r.lesson))
            .or_default()
            .push(r.clone());
    }
    modules
        .into_iter()
        .map(|(mut module, lessons)| {
            module.lessons = lessons
                .into_iter()
                .map(|p| resolve_lesson_links(p, &by_slug, diags))
                .collect();
            module
        })
        .collect()
}

/// The lesson of `p` with each go-deeper link's target found in `by_slug`; the lesson is
/// copied only if a target differs from the one it holds (a lesson kept from an earlier
/// build holds those found then).
fn resolve_lesson_links(
    p: ParsedLesson,
    by_slug: &HashMap<String, Vec<LessonRef>>,
    diags: &mut Diagnostics,
) -> Arc<Lesson> {
    let mut lesson = p.lesson;
    for link in p.pending_links {
        let target = match by_slug.get(link.slug.trim_matches('/')).map(Vec::as_slice) {
            Some([one]) => Some(one.clone()),
            Some(many) => {
                diags.push(
                    Diagnostic::error(
                        "ambiguous-lesson",
                        &lesson.source,
                        link.at.position(),
                        format!("several lessons have the slug `{}`", link.slug),
                    )
                    .expected(format!(
                        "one of: {}",
                        many.iter()
                            .map(|r| format!("{}/{}", r.module, r.lesson))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                None
            }
            None => {
                let known: Vec<&str> = by_slug.keys().map(String::as_str).collect();
                let hint = crate::diagnostics::suggest(&link.slug, known.iter().copied());
                let message = match hint {
                    Some(h) => format!("no lesson with slug `{}`, did you mean `{h}`?", link.slug),
                    None => format!("no lesson with slug `{}`", link.slug),
                };
                diags.push(
                    Diagnostic::error("missing-lesson", &lesson.source, link.at.position(), message)
                        .span(link.slug.chars().count())
                        .expected("the slug of a lesson of this course (its file name without the number prefix)"),
                );
                None
            }
        };
        if lesson.go_deeper[link.go_deeper_index].target != target {
            Arc::make_mut(&mut lesson).go_deeper[link.go_deeper_index].target = target;
        }
    }
    lesson
}
