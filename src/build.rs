//! The whole pipeline, one value handed to the next: load the course, render the site,
//! write it. Used by `crescu build`, `crescu check` and the dev server.

use crate::content::{self, LoadOptions, reuse::ParseMemo};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::markdown::Renderer;
use crate::rebuild::RenderMemo;
use crate::simulations;
use crate::site::{self, RenderContext, SiteStats, incremental::IncrementalOutput, theme::Theme};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Course root: holds `content/` and optionally `themes/`.
    pub root: PathBuf,
    /// Output folder; `None` renders without writing (check mode).
    pub output: Option<PathBuf>,
    pub load: LoadOptions,
    /// Reuse simulation figures and highlighted code blocks from `<root>/.crescu-cache`.
    pub use_cache: bool,
    /// Warnings fail the build like errors (`--deny-warnings`): nothing is written.
    pub deny_warnings: bool,
    /// Also package the site for an LMS (`--scorm`): a zip beside the output folder.
    pub scorm: Option<crate::scorm::ScormOptions>,
}

impl BuildOptions {
    /// Options for building `root` into `output` with the defaults of `crescu build`.
    pub fn new(root: impl Into<PathBuf>, output: Option<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output,
            load: LoadOptions::default(),
            use_cache: true,
            deny_warnings: false,
            scorm: None,
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".crescu-cache")
    }
}

#[derive(Debug)]
pub struct BuildOutcome {
    pub stats: SiteStats,
    /// Simulations run in this build, and figures taken from the cache.
    pub simulations_ran: usize,
    pub simulations_cached: usize,
    pub warnings: Diagnostics,
    pub elapsed: Duration,
    /// The SCORM package written beside the output folder, if one was asked for.
    pub package: Option<PathBuf>,
}

/// What one build leaves for the next: the dev server keeps a workspace between rebuilds
/// so the theme's templates and the syntax definitions load once, and lessons that did
/// not change are not rendered again.
pub struct Workspace {
    markdown: Renderer,
    /// The loaded theme, with the root and name it was loaded for.
    theme: Option<(PathBuf, String, Theme)>,
    /// For rebuilds: what was written last, so only changed files are written again.
    written: Option<IncrementalOutput>,
    /// For rebuilds: pages and search data of lessons that did not change.
    memo: Option<RenderMemo>,
    /// For rebuilds: lessons whose files did not change, as parsed.
    parsed: Option<ParseMemo>,
}

impl Workspace {
    /// For a single build.
    pub fn new() -> Self {
        Workspace {
            markdown: Renderer::new(),
            theme: None,
            written: None,
            memo: None,
            parsed: None,
        }
    }

    /// For repeated builds of one course: rendered lesson bodies are remembered.
    pub fn for_rebuilds() -> Self {
        Workspace {
            markdown: Renderer::with_memo(),
            theme: None,
            written: Some(IncrementalOutput::default()),
            memo: Some(RenderMemo::default()),
            parsed: Some(ParseMemo::default()),
        }
    }

    /// Whether `output` holds the site the last build wrote, so a rebuild need write
    /// only what changed.
    fn holds_site(&self, output: &std::path::Path) -> bool {
        self.written.as_ref().is_some_and(|w| w.holds_site(output))
    }

    /// Write the site: the staged one, or the files a rebuild made over the last one.
    fn write(
        &mut self,
        output: &std::path::Path,
        staging: Option<site::output::Staging>,
        rendered: &site::RenderedSite,
    ) -> std::io::Result<()> {
        let (files, kept, copies) = (&rendered.files, &rendered.kept, &rendered.copies);
        let written = match (staging, &mut self.written) {
            (Some(staging), Some(last)) => {
                last.commit_staged(staging, output, &rendered.staged, copies)
            }
            (Some(staging), None) => staging.commit(copies),
            (None, Some(last)) => last.write(output, files, kept, copies),
            (None, None) => Ok(()),
        };
        if let Some(memo) = &self.memo {
            memo.end_write(kept, written.is_ok());
        }
        written
    }

    /// Load the theme of `config` for the course at `root`, unless the last build used
    /// it in the same language.
    fn load_theme(
        &mut self,
        root: &std::path::Path,
        config: &content::CourseConfig,
    ) -> Result<(), Diagnostics> {
        let key = format!("{}/{}", config.theme, config.language);
        let reusable = matches!(&self.theme, Some((r, k, _)) if r == root && *k == key);
        if !reusable {
            let theme = Theme::load(root, &config.theme, &config.language)
                .map_err(|d| Diagnostics(vec![d]))?;
            self.theme = Some((root.to_path_buf(), key, theme));
        }
        Ok(())
    }

    /// Before rendering a rebuild: stamp the lessons, and make every file anew if the
    /// output folder is not the one the last write left.
    fn begin_rebuild(&self, course: &content::Course, output: Option<&std::path::Path>) {
        let Some(memo) = &self.memo else {
            return;
        };
        memo.begin_build(course);
        if !output.is_some_and(|output| self.holds_site(output)) {
            memo.forget_written();
        }
    }

    /// What every build ends with, failed or not: memos drop what this build did not use.
    fn end_build(&self) {
        self.markdown.end_build();
        if let Some(memo) = &self.memo {
            memo.end_build();
        }
    }

    /// How many lesson files the last rebuild read: the others had not changed since
    /// an earlier one read them. `None` for a workspace of single builds.
    pub fn lessons_read(&self) -> Option<usize> {
        self.parsed.as_ref().map(ParseMemo::files_read)
    }

    /// Every change in the course's `content/` is reported (`content_changed`) from now
    /// on: rebuilds then look only at files reported changed, and walk the folder only
    /// when a report cannot vouch for the rest.
    pub fn content_watched(&self) {
        if let Some(parsed) = &self.parsed {
            parsed.walks.watched();
        }
    }

    /// What a watcher saw change in `content/` since its last report.
    pub fn content_changed(&self, changes: content::changes::ContentChanges) {
        if let Some(parsed) = &self.parsed {
            parsed.walks.note(changes);
        }
    }

    /// Load the theme again on the next build (its files changed).
    pub fn forget_theme(&mut self) {
        self.theme = None;
        if let Some(memo) = &self.memo {
            memo.clear();
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// A stage of a build, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Load,
    Render,
    Write,
}

/// Run the pipeline. On any error nothing is written and every problem is returned.
pub fn build(options: &BuildOptions) -> Result<BuildOutcome, Diagnostics> {
    build_in(options, &mut Workspace::new(), &|_| {})
}

/// `build`, reusing what `workspace` kept from earlier builds and telling `progress` as
/// each stage starts.
pub fn build_in(
    options: &BuildOptions,
    workspace: &mut Workspace,
    progress: &dyn Fn(Stage),
) -> Result<BuildOutcome, Diagnostics> {
    let start = Instant::now();
    // Before anything is read or cached: a refused output folder stops the build at once.
    // Written at the output's real place: a link to a folder elsewhere stays a link.
    let real_output = match &options.output {
        Some(output) => Some(check_output(&options.root, output)?),
        None => None,
    };
    progress(Stage::Load);
    let (course, mut warnings) = load_course(options, workspace)?;
    workspace.load_theme(&options.root, &course.config)?;
    let Some((_, _, theme)) = &workspace.theme else {
        unreachable!("the theme was loaded above");
    };
    let cache = options.use_cache.then(|| options.cache_dir());
    let chart_words = theme.strings().chart_words();
    let charts = simulations::run_all(&course, cache.as_deref(), &chart_words)?;
    progress(Stage::Render);
    workspace.markdown.open_highlight_cache(cache.as_deref());
    // A first build streams its pages to disk, rebuilds write only what changed.
    let staging = match &real_output {
        Some(output) if !workspace.holds_site(output) => Some(stage(output, cache.as_deref())?),
        _ => None,
    };
    workspace.begin_rebuild(&course, real_output.as_deref());
    let ctx = RenderContext {
        course: &course,
        theme,
        markdown: &workspace.markdown,
        charts: &charts,
        reuse: workspace
            .memo
            .as_ref()
            .map(|m| m as &dyn site::reuse::Reuse),
        output: options.output.as_deref(),
        scorm: options.scorm,
    };
    let rendered = render(&ctx, staging.as_ref());
    workspace.end_build();
    let mut rendered = rendered.map_err(|mut d| {
        d.extend(warnings.0.clone());
        d.sort();
        d
    })?;
    warnings.extend(std::mem::take(&mut rendered.warnings).0);
    warnings.sort();
    if options.deny_warnings && !warnings.is_empty() {
        // Before the write stage: the staged pages are dropped, the old site stays.
        return Err(warnings);
    }
    if let Some(output) = &real_output {
        progress(Stage::Write);
        let written = workspace.write(output, staging, &rendered);
        written.map_err(|e| write_error(output, e))?;
    }
    let package = match (&options.scorm, &options.output) {
        (Some(scorm), Some(output)) => Some(write_package(output, &course, scorm.version)?),
        _ => None,
    };
    Ok(BuildOutcome {
        stats: rendered.stats,
        simulations_ran: charts.ran,
        simulations_cached: charts.cached,
        warnings,
        elapsed: start.elapsed(),
        package,
    })
}

/// Zip the site just written into `output` as a SCORM package beside it.
fn write_package(
    output: &std::path::Path,
    course: &content::Course,
    version: crate::scorm::ScormVersion,
) -> Result<PathBuf, Diagnostics> {
    let path = crate::scorm::package_path(output, course, version);
    crate::archive::zip_folder(output)
        .and_then(|bytes| crate::archive::write_atomically(&path, &bytes))
        .map_err(|e| {
            Diagnostics(vec![Diagnostic::error(
                "io",
                &path,
                Position::default(),
                format!(
                    "cannot write the SCORM package: {e}; the site in the output folder is complete"
                ),
            )])
        })?;
    Ok(path)
}

/// The course and its warnings, or every problem: with errors in some lessons, the
/// others are still rendered to report their problems too.
fn load_course(
    options: &BuildOptions,
    workspace: &Workspace,
) -> Result<(content::Course, Diagnostics), Diagnostics> {
    let loaded = content::load::load_partial_reusing(
        &options.root,
        &options.load,
        workspace.parsed.as_ref(),
    );
    if let Some(parsed) = &workspace.parsed {
        parsed.end_build();
    }
    match loaded {
        (Some(course), diags) if !diags.has_errors() => Ok((course, diags)),
        (Some(course), mut diags) => {
            diags.extend(rendering_errors(options, &course));
            diags.sort();
            Err(diags)
        }
        (None, diags) => Err(diags),
    }
}

/// The errors rendering finds (shortcodes, links) in the lessons that did parse, so an
/// author sees every error in one run.
fn rendering_errors(options: &BuildOptions, course: &content::Course) -> Vec<Diagnostic> {
    let Ok(theme) = Theme::load(&options.root, &course.config.theme, &course.config.language)
    else {
        return Vec::new();
    };
    let markdown = Renderer::new();
    let charts = simulations::ChartSet::default();
    let ctx = RenderContext {
        course,
        theme: &theme,
        markdown: &markdown,
        charts: &charts,
        reuse: None,
        output: None,
        scorm: options.scorm,
    };
    match site::render(&ctx) {
        Ok(_) => Vec::new(),
        Err(more) => more.0.into_iter().filter(Diagnostic::is_error).collect(),
    }
}

/// A temporary folder beside `output` that pages are written into as they are rendered
/// (deleted again if the build fails), so the site never sits in memory whole. With the
/// cache on, the replaced site is kept in it for the next build to write over (much
/// faster than creating every file and folder anew).
fn stage(
    output: &std::path::Path,
    cache: Option<&std::path::Path>,
) -> Result<site::output::Staging, Diagnostics> {
    let spare = cache.map(|dir| dir.join("spare-output"));
    site::output::Staging::create_reusing(output, spare.as_deref())
        .map_err(|e| write_error(output, e))
}

/// Render the site: into `staging` as pages come, or, for the dev server's rebuilds
/// (which write only the files that differ from its previous build), into memory.
fn render(
    ctx: &RenderContext,
    staging: Option<&site::output::Staging>,
) -> Result<site::RenderedSite, Diagnostics> {
    let Some(staging) = staging else {
        return match ctx.reuse {
            Some(_) if ctx.output.is_some() => site::render(ctx),
            _ => site::render_into(ctx, &|_| Ok(())),
        };
    };
    let staged = std::sync::Mutex::new(Vec::new());
    let mut site = site::render_into(ctx, &|output| match output {
        site::reuse::Output::Made(file) => {
            if let Ok(mut staged) = staged.lock() {
                staged.push(file.path.clone());
            }
            staging.write(&file)
        }
        // Nothing is kept for a build into a staging folder (see `begin_rebuild`).
        site::reuse::Output::Kept(path) => Err(std::io::Error::other(format!(
            "{} was not made",
            path.display()
        ))),
    })?;
    site.staged = staged.into_inner().unwrap_or_default();
    Ok(site)
}

fn write_error(output: &std::path::Path, e: std::io::Error) -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(
        "io",
        output,
        Position::default(),
        format!("cannot write the site: {e}; the previous output is unchanged"),
    )])
}

/// The output folder is replaced wholesale, so it must not hold the course itself: the
/// real folder a build of `root` may write for `output` (links resolved), or why not.
/// The dev server asks this too before it serves a folder.
pub fn check_output(
    root: &std::path::Path,
    output: &std::path::Path,
) -> Result<PathBuf, Diagnostics> {
    site::target::resolve_output(root, output).map_err(|refusal| {
        let expected = match refusal {
            site::target::Refusal::NotAFolder { .. } => "the path of a folder (or of none yet)",
            _ => "a folder of its own, such as `output/`",
        };
        Diagnostics(vec![
            Diagnostic::error(
                "bad-output",
                output,
                Position::default(),
                refusal.to_string(),
            )
            .expected(expected),
        ])
    })
}
