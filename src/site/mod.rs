//! Site: the validated course -> HTML pages and assets -> the output folder.
//!
//! `render` is pure (course in, files out) so `crescu check` runs it without writing;
//! `output::replace_dir` is the only place that touches the output folder.

pub mod fingerprint;
pub mod incremental;
pub mod index_blocks;
pub mod keys;
pub mod lesson;
pub mod links;
pub mod outline;
pub mod output;
pub mod packed_texts;
pub mod reuse;
pub mod review;
pub mod search;
pub mod sitemap;
pub mod strings;
pub mod syllabus;
pub mod target;
pub mod theme;
pub mod video;
pub mod views;

use crate::content::{Course, Lesson, Module};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::markdown::{BodyPart, Renderer};
use crate::simulations::ChartSet;
use lesson::LessonAt;
use outline::SiteOutline;
use output::OutputFile;
use rayon::prelude::*;
use reuse::{Output, Reuse};
use std::path::PathBuf;
use theme::{Theme, error_chain};
use views::*;

/// The built site in memory: every file to write, and what to copy.
#[derive(Debug, Default)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    /// Files an earlier build wrote that stay as they are (rebuilds only).
    pub kept: Vec<PathBuf>,
    /// Files written into a staging folder as they were rendered (`files` is empty).
    pub staged: Vec<PathBuf>,
    /// (source on disk, target in output) for course assets.
    pub copies: Vec<(PathBuf, PathBuf)>,
    pub stats: SiteStats,
    pub warnings: Diagnostics,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteStats {
    pub pages: usize,
    pub lessons: usize,
    pub exercises: usize,
    pub charts: usize,
}

/// Prepared once per build and shared by every page.
pub struct RenderContext<'a> {
    pub course: &'a Course,
    pub theme: &'a Theme,
    pub markdown: &'a Renderer,
    /// Figures of the course's simulations, drawn before rendering.
    pub charts: &'a ChartSet,
    /// What earlier builds made, for the dev server's rebuilds.
    pub reuse: Option<&'a dyn Reuse>,
    /// The output folder as the user named it, for messages about writing it.
    pub output: Option<&'a std::path::Path>,
    /// A SCORM build: pages load the LMS adaptor, and the launch page and manifest are added.
    pub scorm: Option<crate::scorm::ScormOptions>,
}

/// The site as every page's template sees it.
fn site_view(ctx: &RenderContext, root: &str) -> SiteView {
    SiteView {
        scorm: ctx.scorm.is_some(),
        ..SiteView::new(ctx.course, root)
    }
}

/// Where `render_into` hands each file as soon as it is made; called from several
/// threads at once.
pub type FileSink<'a> = &'a (dyn Fn(Output) -> std::io::Result<()> + Sync);

/// Render every page of the course. Returns all problems found if any is an error.
pub fn render(ctx: &RenderContext) -> Result<RenderedSite, Diagnostics> {
    let outputs = std::sync::Mutex::new(Vec::new());
    let mut site = render_into(ctx, &|f| {
        outputs
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .push(f);
        Ok(())
    })?;
    for output in outputs.into_inner().unwrap_or_default() {
        match output {
            Output::Made(file) => site.files.push(file),
            Output::Kept(path) => site.kept.push(path),
        }
    }
    // Pages arrive in whatever order the threads finish them.
    site.files.sort_by(|a, b| a.path.cmp(&b.path));
    site.kept.sort();
    Ok(site)
}

/// `render`, handing every file to `sink` as soon as it is rendered instead of keeping
/// the site in memory (the returned site has no `files`). On error, some files may
/// have reached the sink already.
pub fn render_into(ctx: &RenderContext, sink: FileSink) -> Result<RenderedSite, Diagnostics> {
    // Every generated path is noted, so that no course file can silently replace one.
    let generated = std::sync::Mutex::new(std::collections::HashSet::new());
    let recording_sink = &|output: Output| {
        if let Ok(mut paths) = generated.lock() {
            paths.insert(output.path().to_path_buf());
        }
        sink(output)
    };
    let course = ctx.course;
    ctx.markdown.set_words(ctx.theme.strings().markdown_words());
    let mut outline = SiteOutline::new(
        course,
        ctx.markdown,
        ctx.theme.static_files.iter().map(|(p, _)| p.as_path()),
        ctx.reuse,
        search::DocLabels::new(ctx.theme.strings()),
    );
    // The search index and text scripts go first: at 10,000 lessons they are some 60 MB
    // that a build writing pages as they come need not hold while rendering them.
    for file in outline.take_files(ctx.reuse) {
        if let Err(e) = recording_sink(file) {
            return Err(Diagnostics(vec![write_failed(ctx, e)]));
        }
    }
    let mut diags = outline.problems(course);
    diags.extend(review::reserved_slugs(course));
    let base = ctx.reuse.map(|_| keys::base(ctx)).unwrap_or_default();
    // The course's and modules' pages before the lessons': the course page's context
    // holds every lesson (tens of MB at 10,000 lessons), better made while less is held.
    let pages = render_other_pages(ctx, &outline, base, recording_sink, &mut diags);
    let other_pages = pages.len();
    for page in pages {
        if let Err(e) = recording_sink(page) {
            return Err(Diagnostics(vec![write_failed(ctx, e)]));
        }
    }
    let lessons_written = render_lessons(ctx, &outline, base, recording_sink, &mut diags);
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    let page_count = lessons_written + other_pages;
    for file in shared_files(ctx, base) {
        if let Err(e) = recording_sink(file) {
            return Err(Diagnostics(vec![write_failed(ctx, e)]));
        }
    }
    let generated = generated.into_inner().unwrap_or_default();
    let collisions = asset_collisions(course, &generated);
    if !collisions.is_empty() {
        return Err(Diagnostics(collisions));
    }
    // The manifest lists the generated files, so it comes after them, unrecorded.
    if let Some(scorm) = ctx.scorm
        && let Err(e) = sink(Output::Made(scorm_manifest(course, scorm, &generated)))
    {
        return Err(Diagnostics(vec![write_failed(ctx, e)]));
    }
    Ok(RenderedSite {
        copies: course
            .assets
            .iter()
            .map(|a| (a.source.clone(), a.target.clone()))
            .collect(),
        stats: site_stats(course, page_count),
        warnings: diags,
        ..RenderedSite::default()
    })
}

/// Counts for the build's summary line.
fn site_stats(course: &Course, pages: usize) -> SiteStats {
    SiteStats {
        pages,
        lessons: course.lessons().count(),
        exercises: course.lessons().map(|(_, l)| l.quiz.len()).sum(),
        charts: course.lessons().map(|(_, l)| l.simulations.len()).sum(),
    }
}

/// Render every lesson page into `sink` as it is made (at 10,000 lessons, holding them
/// all would take hundreds of megabytes), leaving unchanged pages of an earlier build
/// (`ctx.reuse`; `base` is `keys::base`). Returns how many there are; problems go to
/// `diags`.
fn render_lessons(
    ctx: &RenderContext,
    outline: &SiteOutline,
    base: u64,
    sink: FileSink,
    diags: &mut Diagnostics,
) -> usize {
    let ordered: Vec<(&Module, &Lesson)> = ctx.course.lessons().collect();
    let sidebars = syllabus::LessonSidebars::new(ctx.course, "../../");
    let results: Vec<Result<(), Vec<Diagnostic>>> = ordered
        .par_iter()
        .enumerate()
        .map(|(index, (module, lesson))| {
            let at = LessonAt {
                index,
                module,
                lesson,
                prev: index.checked_sub(1).map(|j| ordered[j]),
                next: ordered.get(index + 1).copied(),
            };
            let path = PathBuf::from(&module.slug)
                .join(&lesson.slug)
                .join("index.html");
            let key = || match ctx.reuse {
                Some(reuse) => keys::lesson_page(ctx, outline, at, reuse) ^ base,
                None => 0,
            };
            let page = reuse::file(ctx.reuse, path, key, || {
                lesson::render_lesson(ctx, outline, &sidebars, at)
            })?;
            sink(page).map_err(|e| vec![write_failed(ctx, e)])
        })
        .collect();
    let mut written = 0;
    for result in results {
        match result {
            Ok(()) => written += 1,
            Err(d) => diags.extend(d),
        }
    }
    written
}

/// The course's, modules', review and 404 pages (the review scripts go to `sink`);
/// problems go to `diags`.
fn render_other_pages(
    ctx: &RenderContext,
    outline: &SiteOutline,
    base: u64,
    sink: FileSink,
    diags: &mut Diagnostics,
) -> Vec<Output> {
    let cards = ctx.reuse.map(|_| keys::module_cards(ctx.course));
    let card_key = |i: usize| cards.as_ref().map_or(0, |c| c[i]);
    let page = |name: &str, key: u64, render: &dyn Fn() -> Result<OutputFile, Diagnostic>| {
        let path = PathBuf::from(name);
        reuse::file(ctx.reuse, path, || keys::page(base, name, key), render)
    };
    let all_cards = cards.as_ref().map_or(0, |c| keys::all(c));
    let mut pages = vec![page("index.html", all_cards, &|| {
        render_index(ctx, outline)
    })];
    for (i, module) in ctx.course.modules.iter().enumerate() {
        let name = format!("{}/index.html", module.slug);
        pages.push(page(&name, card_key(i), &|| {
            render_module(ctx, outline, module)
        }));
    }
    pages.push(page(review::REVIEW_PAGE, 0, &|| render_review(ctx)));
    if let Err(d) = render_review_scripts(ctx, base, sink) {
        diags.extend(d.0);
    }
    pages.push(page("404.html", 0, &|| render_404(ctx)));
    pages
        .into_iter()
        .filter_map(|page| page.map_err(|d| diags.push(d)).ok())
        .collect()
}

/// The files every site has: the syllabus script, the SCORM launch files if asked for,
/// and the theme's static files.
fn shared_files(ctx: &RenderContext, base: u64) -> Vec<Output> {
    let mut pages = Vec::new();
    let syllabus = PathBuf::from(syllabus::SYLLABUS_FILE);
    let Ok(script) = reuse::file::<std::convert::Infallible>(
        ctx.reuse,
        syllabus.clone(),
        || keys::syllabus_script(ctx.course, base),
        || {
            Ok(OutputFile {
                path: syllabus,
                bytes: syllabus::to_js(ctx.course),
            })
        },
    );
    pages.push(script);
    pages.extend(scorm_files(ctx).into_iter().map(Output::Made));
    for (path, bytes) in &ctx.theme.static_files {
        // The LMS adaptor belongs to SCORM builds only (added above).
        if path.as_os_str() == crate::scorm::ADAPTOR_FILE {
            continue;
        }
        let path = PathBuf::from("static").join(path);
        let Ok(file) = reuse::file::<std::convert::Infallible>(
            ctx.reuse,
            path.clone(),
            || keys::bytes(&path, bytes),
            || {
                Ok(OutputFile {
                    path: path.clone(),
                    bytes: bytes.clone(),
                })
            },
        );
        pages.push(file);
    }
    pages
}

fn write_failed(ctx: &RenderContext, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "io",
        ctx.output.unwrap_or(std::path::Path::new("output")),
        Position::default(),
        format!("cannot write the site: {e}; the previous output is unchanged"),
    )
}

/// The launch page and the LMS adaptor, in SCORM builds.
fn scorm_files(ctx: &RenderContext) -> Vec<OutputFile> {
    let Some(scorm) = ctx.scorm else {
        return Vec::new();
    };
    let storage_key = SiteView::new(ctx.course, "").storage_key;
    let open_label = ctx
        .theme
        .strings()
        .get("open_the_course")
        .unwrap_or_default();
    let launch = crate::scorm::launch_page(ctx.course, scorm, &storage_key, open_label);
    vec![
        OutputFile {
            path: PathBuf::from(crate::scorm::LAUNCH_FILE),
            bytes: launch.into_bytes(),
        },
        OutputFile {
            path: PathBuf::from("static").join(crate::scorm::ADAPTOR_FILE),
            bytes: crate::scorm::ADAPTOR.to_vec(),
        },
    ]
}

/// The SCORM manifest: every generated file and copied asset is a file of the SCO.
fn scorm_manifest(
    course: &Course,
    scorm: crate::scorm::ScormOptions,
    generated: &std::collections::HashSet<PathBuf>,
) -> OutputFile {
    let listed: Vec<String> = generated
        .iter()
        .chain(course.assets.iter().map(|a| &a.target))
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    OutputFile {
        path: PathBuf::from(crate::scorm::MANIFEST_FILE),
        bytes: crate::scorm::manifest::manifest(course, scorm, &listed).into_bytes(),
    }
}

/// Course files that would take the place of a generated file (or of a folder holding
/// generated files): each an error naming both.
fn asset_collisions(
    course: &Course,
    generated: &std::collections::HashSet<PathBuf>,
) -> Vec<Diagnostic> {
    if course.assets.is_empty() {
        return Vec::new();
    }
    let folders: std::collections::HashSet<&std::path::Path> = generated
        .iter()
        .flat_map(|p| p.ancestors().skip(1))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    let mut problems = Vec::new();
    for asset in &course.assets {
        let target = asset.target.as_path();
        let clash = if generated.contains(target) {
            Some(format!("the generated file `{}`", target.display()))
        } else if folders.contains(target) {
            Some(format!("the generated folder `{}`", target.display()))
        } else {
            target
                .ancestors()
                .skip(1)
                .find(|p| generated.contains(*p))
                .map(|p| format!("the generated file `{}`", p.display()))
        };
        if let Some(clash) = clash {
            problems.push(
                Diagnostic::error(
                    "output-collision",
                    &asset.file,
                    Position::default(),
                    format!(
                        "this file would be copied to `{}`, in place of {clash}",
                        target.display()
                    ),
                )
                .expected("another file name for this file"),
            );
        }
    }
    problems
}

fn render_template(
    ctx: &RenderContext,
    name: &str,
    mut context: tera::Context,
    path: PathBuf,
) -> Result<OutputFile, Diagnostic> {
    // Pages other than the 404 (served at any path) name their public address.
    let canonical = ctx
        .course
        .config
        .base_url
        .as_deref()
        .filter(|_| name != "404.html");
    context.insert(
        "canonical_url",
        &canonical.map(|b| sitemap::canonical_url(b, &path.to_string_lossy().replace('\\', "/"))),
    );
    // `t`, the interface text, is in the templates' global context (`Theme`).
    context.insert_value("script_strings", ctx.theme.script_strings(name));
    ctx.theme
        .tera
        .render(name, &context)
        .map(|html| OutputFile {
            path,
            bytes: html.into_bytes(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "template",
                &PathBuf::from(format!(
                    "themes/{}/templates/{name}",
                    ctx.course.config.theme
                )),
                Position::default(),
                format!("rendering failed: {}", error_chain(&e)),
            )
        })
}

fn render_index(ctx: &RenderContext, outline: &SiteOutline) -> Result<OutputFile, Diagnostic> {
    let course = ctx.course;
    let mut c = tera::Context::new();
    c.insert("site", &site_view(ctx, ""));
    let source = PathBuf::from("content/_index.md");
    let intro = body_html(ctx, &course.intro, &|url| {
        outline.rewrite_at("index.html", &source, url)
    });
    c.insert("intro_html", &intro);
    let modules: Vec<ModuleView> = course
        .modules
        .iter()
        .map(|m| module_view(m, "", String::new()))
        .collect();
    c.insert("total_xp", &modules.iter().map(|m| m.xp).sum::<u32>());
    c.insert("modules", &modules);
    c.insert("sidebar", &syllabus::sidebar(course, "", None, None));
    c.insert("page_kind", "index");
    c.insert("page_title", &course.config.title);
    c.insert("description", &course.config.description);
    render_template(ctx, "index.html", c, PathBuf::from("index.html"))
}

fn render_module(
    ctx: &RenderContext,
    outline: &SiteOutline,
    module: &Module,
) -> Result<OutputFile, Diagnostic> {
    let mut c = tera::Context::new();
    c.insert("site", &site_view(ctx, "../"));
    let (page, source) = (
        format!("{}/index.html", module.slug),
        module.source.join("_index.md"),
    );
    let intro = body_html(ctx, &module.intro, &|url| {
        outline.rewrite_at(&page, &source, url)
    });
    let view = module_view(module, "../", intro);
    c.insert("module", &view);
    c.insert(
        "sidebar",
        &syllabus::sidebar(ctx.course, "../", Some(module), None),
    );
    c.insert("page_kind", "module");
    c.insert("page_title", &module.title);
    c.insert(
        "description",
        &module
            .summary
            .clone()
            .or_else(|| ctx.course.config.description.clone()),
    );
    render_template(
        ctx,
        "module.html",
        c,
        PathBuf::from(&module.slug).join("index.html"),
    )
}

fn render_review(ctx: &RenderContext) -> Result<OutputFile, Diagnostic> {
    let mut c = tera::Context::new();
    c.insert("site", &SiteView::new(ctx.course, "../"));
    c.insert("sidebar", &syllabus::sidebar(ctx.course, "../", None, None));
    c.insert("page_kind", "review");
    c.insert("page_title", "Review");
    c.insert("description", &ctx.course.config.description);
    render_template(ctx, "review.html", c, PathBuf::from(review::REVIEW_PAGE))
}

/// Each module's review script, handed to `sink` as it is made.
fn render_review_scripts(
    ctx: &RenderContext,
    base: u64,
    sink: FileSink,
) -> Result<(), Diagnostics> {
    let problems: Vec<Diagnostic> = ctx
        .course
        .modules
        .par_iter()
        .filter_map(|module| {
            let path = PathBuf::from(review::script_path(module));
            let key = || keys::review_script(ctx, module, base);
            let script = reuse::file(ctx.reuse, path.clone(), key, || {
                let mut c = tera::Context::new();
                c.insert("items", &review::module_items(module, ctx.markdown));
                let html = render_template(ctx, "review_items.html", c, path.clone())?.bytes;
                let bytes = review::script(module, &String::from_utf8_lossy(&html));
                Ok(OutputFile { path, bytes })
            });
            match script {
                Ok(script) => sink(script).err().map(|e| write_failed(ctx, e)),
                Err(d) => Some(d),
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(problems))
    }
}

fn render_404(ctx: &RenderContext) -> Result<OutputFile, Diagnostic> {
    // Hosts serve this page at any depth, so its links are absolute.
    let root = ctx
        .course
        .config
        .base_url
        .as_ref()
        .map(|b| format!("{b}/"))
        .unwrap_or_else(|| "/".to_string());
    let mut c = tera::Context::new();
    c.insert("site", &site_view(ctx, &root));
    c.insert("page_title", "Page not found");
    c.insert("description", &ctx.course.config.description);
    render_template(ctx, "404.html", c, PathBuf::from("404.html"))
}

/// An intro or other author Markdown with no shortcodes.
fn body_html(
    ctx: &RenderContext,
    body: &crate::content::Body,
    rewrite: crate::markdown::LinkRewrite,
) -> String {
    ctx.markdown
        .body_with_links(&body.text, body.first_line, rewrite)
        .parts
        .into_iter()
        .map(|p| match p {
            BodyPart::Html(h) => h,
            BodyPart::Exercise { id, .. } | BodyPart::Chart { id, .. } => {
                crate::html::escape(&format!("{{{{ {id} }}}}"))
            }
        })
        .collect()
}
