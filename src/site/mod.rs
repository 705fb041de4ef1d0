//! Site: the validated course -> HTML pages and assets -> the output folder.
//!
//! `render` is pure (course in, files out) so `crescu check` runs it without writing;
//! `output::replace_dir` is the only place that touches the output folder.

pub mod incremental;
pub mod links;
pub mod outline;
pub mod output;
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
use outline::SiteOutline;
use output::OutputFile;
use rayon::prelude::*;
use std::path::PathBuf;
use theme::{Theme, error_chain};
use views::*;

/// The built site in memory: every file to write, and what to copy.
#[derive(Debug, Default)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
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
    /// Pages and search data from the previous build, for the dev server's rebuilds.
    pub memo: Option<&'a reuse::RenderMemo>,
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
pub type FileSink<'a> = &'a (dyn Fn(OutputFile) -> std::io::Result<()> + Sync);

/// Render every page of the course. Returns all problems found if any is an error.
pub fn render(ctx: &RenderContext) -> Result<RenderedSite, Diagnostics> {
    let files = std::sync::Mutex::new(Vec::new());
    let mut site = render_into(ctx, &|f| {
        files
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .push(f);
        Ok(())
    })?;
    let mut files = files.into_inner().unwrap_or_default();
    // Pages arrive in whatever order the threads finish them.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    site.files = files;
    Ok(site)
}

/// `render`, handing every file to `sink` as soon as it is rendered instead of keeping
/// the site in memory (the returned site has no `files`). On error, some files may
/// have reached the sink already.
pub fn render_into(ctx: &RenderContext, sink: FileSink) -> Result<RenderedSite, Diagnostics> {
    // Every generated path is noted, so that no course file can silently replace one.
    let generated = std::sync::Mutex::new(std::collections::HashSet::new());
    // The manifest of a SCORM build lists the generated files, so it is sunk after them.
    let unrecorded_sink = sink;
    let sink = &|file: OutputFile| {
        if let Ok(mut paths) = generated.lock() {
            paths.insert(file.path.clone());
        }
        sink(file)
    };
    let course = ctx.course;
    let mut diags = Diagnostics::default();
    let mut files = Vec::new();
    let write_failed = |e: std::io::Error| write_failed(ctx, e);

    let ordered: Vec<(&Module, &Lesson)> = course.lessons().collect();
    ctx.markdown.set_words(ctx.theme.strings.markdown_words());
    let outline = SiteOutline::new(
        course,
        ctx.markdown,
        ctx.theme.static_files.iter().map(|(p, _)| p.as_path()),
        ctx.memo,
        search::DocLabels::new(&ctx.theme.strings),
    );
    diags.extend(outline.problems(course));
    diags.extend(review::reserved_slugs(course));
    let syllabus_hash = syllabus::fingerprint(course);
    // Lesson pages go to the sink as they are made: at 10,000 lessons, holding them
    // all would take hundreds of megabytes.
    let lesson_pages: Vec<Result<(), Vec<Diagnostic>>> = ordered
        .par_iter()
        .enumerate()
        .map(|(i, (module, lesson))| {
            let prev = i.checked_sub(1).map(|j| ordered[j]);
            let next = ordered.get(i + 1).copied();
            let render = || render_lesson(ctx, &outline, i, (module, lesson), prev, next);
            let page = match ctx.memo {
                Some(memo) => {
                    let key =
                        reuse::lesson_page_key(ctx, &outline, i, (module, lesson), prev, next)
                            ^ syllabus_hash;
                    memo.page(key, render)?
                }
                None => render()?,
            };
            sink(page).map_err(|e| vec![write_failed(e)])
        })
        .collect();
    let mut lessons_written = 0;
    for page in lesson_pages {
        match page {
            Ok(()) => lessons_written += 1,
            Err(d) => diags.extend(d),
        }
    }

    match render_index(ctx, &outline) {
        Ok(f) => files.push(f),
        Err(d) => diags.push(d),
    }
    for module in &course.modules {
        match render_module(ctx, &outline, module) {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    match render_review(ctx) {
        Ok(f) => files.push(f),
        Err(d) => diags.push(d),
    }
    if let Err(d) = render_review_scripts(ctx, sink) {
        diags.extend(d.0);
    }
    match render_404(ctx) {
        Ok(f) => files.push(f),
        Err(d) => diags.push(d),
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    let pages = lessons_written + files.len();
    files.extend(outline.into_files());
    files.push(OutputFile {
        path: PathBuf::from(syllabus::SYLLABUS_FILE),
        bytes: syllabus::to_js(course),
    });
    files.extend(scorm_files(ctx));
    for (path, bytes) in &ctx.theme.static_files {
        // The LMS adaptor belongs to SCORM builds only (added above).
        if path.as_os_str() == crate::scorm::ADAPTOR_FILE {
            continue;
        }
        files.push(OutputFile {
            path: PathBuf::from("static").join(path),
            bytes: bytes.clone(),
        });
    }
    for file in files {
        if let Err(e) = sink(file) {
            return Err(Diagnostics(vec![write_failed(e)]));
        }
    }
    let generated = generated.into_inner().unwrap_or_default();
    let collisions = asset_collisions(course, &generated);
    if !collisions.is_empty() {
        return Err(Diagnostics(collisions));
    }
    if let Some(scorm) = ctx.scorm
        && let Err(e) = unrecorded_sink(scorm_manifest(course, scorm, &generated))
    {
        return Err(Diagnostics(vec![write_failed(e)]));
    }
    let stats = SiteStats {
        pages,
        lessons: ordered.len(),
        exercises: ordered.iter().map(|(_, l)| l.quiz.len()).sum(),
        charts: ordered.iter().map(|(_, l)| l.simulations.len()).sum(),
    };
    Ok(RenderedSite {
        files: Vec::new(),
        copies: course
            .assets
            .iter()
            .map(|a| (a.source.clone(), a.target.clone()))
            .collect(),
        stats,
        warnings: diags,
    })
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
    let open_label = ctx.theme.strings.get("open_the_course").unwrap_or_default();
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
    context: &tera::Context,
    path: PathBuf,
) -> Result<OutputFile, Diagnostic> {
    // Pages other than the 404 (served at any path) name their public address.
    let mut context = context.clone();
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
    context.insert("t", &ctx.theme.strings);
    context.insert("script_strings", &ctx.theme.strings.script_json(name));
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
    render_template(ctx, "index.html", &c, PathBuf::from("index.html"))
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
        &c,
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
    render_template(ctx, "review.html", &c, PathBuf::from(review::REVIEW_PAGE))
}

/// Each module's review script, handed to `sink` as it is made.
fn render_review_scripts(ctx: &RenderContext, sink: FileSink) -> Result<(), Diagnostics> {
    let problems: Vec<Diagnostic> = ctx
        .course
        .modules
        .par_iter()
        .filter_map(|module| {
            let mut c = tera::Context::new();
            c.insert("items", &review::module_items(module, ctx.markdown));
            let path = PathBuf::from(review::script_path(module));
            let html = match render_template(ctx, "review_items.html", &c, path.clone()) {
                Ok(f) => f.bytes,
                Err(d) => return Some(d),
            };
            let bytes = review::script(module, &String::from_utf8_lossy(&html));
            sink(OutputFile { path, bytes })
                .err()
                .map(|e| write_failed(ctx, e))
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
    render_template(ctx, "404.html", &c, PathBuf::from("404.html"))
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

fn render_lesson(
    ctx: &RenderContext,
    outline: &SiteOutline,
    index: usize,
    (module, lesson): (&Module, &Lesson),
    prev: Option<(&Module, &Lesson)>,
    next: Option<(&Module, &Lesson)>,
) -> Result<OutputFile, Vec<Diagnostic>> {
    let md = ctx.markdown;
    let mut problems = Vec::new();
    let body = md.body_with_links(&lesson.body.text, lesson.body.first_line, &|url| {
        outline.rewrite(module, lesson, url)
    });
    let mut placed = vec![false; lesson.quiz.len()];
    let mut charted = vec![false; lesson.simulations.len()];
    let key = lesson_key(module, lesson);
    let figure = |i: usize| {
        ctx.charts
            .figure(&key, &lesson.simulations[i].id)
            .unwrap_or_default()
            .to_string()
    };
    let mut parts = Vec::new();
    for part in body.parts {
        match part {
            BodyPart::Html(html) => parts.push(PartView {
                kind: "html",
                html,
                exercise: None,
            }),
            BodyPart::Exercise { id, line } => match lesson.quiz.iter().position(|e| e.id == id) {
                Some(i) if !placed[i] => {
                    placed[i] = true;
                    parts.push(PartView {
                        kind: "exercise",
                        html: String::new(),
                        exercise: Some(exercise_view(&lesson.quiz[i], md)),
                    });
                }
                Some(_) => problems.push(
                    Diagnostic::error(
                        "duplicate-placement",
                        &lesson.source,
                        Position::new(line, 1),
                        format!("exercise `{id}` is placed twice"),
                    )
                    .expected("each `{{ exercise ID }}` once per lesson"),
                ),
                None => {
                    let ids: Vec<&str> = lesson.quiz.iter().map(|e| e.id.as_str()).collect();
                    let hint = crate::diagnostics::suggest(&id, ids.iter().copied())
                        .map(|h| format!(", did you mean `{h}`?"))
                        .unwrap_or_default();
                    problems.push(
                        Diagnostic::error(
                            "missing-exercise",
                            &lesson.source,
                            Position::new(line, 1),
                            format!("no exercise `{id}` in this lesson{hint}"),
                        )
                        .expected(if ids.is_empty() {
                            "an exercise with this id under `quiz:`".to_string()
                        } else {
                            format!("one of: {}", ids.join(", "))
                        }),
                    )
                }
            },
            BodyPart::Chart { id, line } => {
                match lesson.simulations.iter().position(|s| s.id == id) {
                    Some(i) if !charted[i] => {
                        charted[i] = true;
                        parts.push(PartView {
                            kind: "chart",
                            html: figure(i),
                            exercise: None,
                        });
                    }
                    Some(_) => problems.push(
                        Diagnostic::error(
                            "duplicate-placement",
                            &lesson.source,
                            Position::new(line, 1),
                            format!("chart `{id}` is placed twice"),
                        )
                        .expected("each `{{ chart ID }}` once per lesson"),
                    ),
                    None => {
                        let ids: Vec<&str> =
                            lesson.simulations.iter().map(|s| s.id.as_str()).collect();
                        let hint = crate::diagnostics::suggest(&id, ids.iter().copied())
                            .map(|h| format!(", did you mean `{h}`?"))
                            .unwrap_or_default();
                        problems.push(
                            Diagnostic::error(
                                "missing-simulation",
                                &lesson.source,
                                Position::new(line, 1),
                                format!("no simulation `{id}` in this lesson{hint}"),
                            )
                            .expected(if ids.is_empty() {
                                "a simulation with this id under `simulations:`".to_string()
                            } else {
                                format!("one of: {}", ids.join(", "))
                            }),
                        )
                    }
                }
            }
        }
    }
    for (i, done) in charted.iter().enumerate() {
        if !done {
            parts.push(PartView {
                kind: "chart",
                html: figure(i),
                exercise: None,
            });
        }
    }
    for (i, ex) in lesson.quiz.iter().enumerate() {
        if !placed[i] {
            parts.push(PartView {
                kind: "exercise",
                html: String::new(),
                exercise: Some(exercise_view(ex, md)),
            });
        }
    }
    if !problems.is_empty() {
        // Split once: finding each problem's line from the top is quadratic in a lesson
        // with thousands of broken shortcodes.
        let lines: Vec<&str> = lesson.body.text.lines().collect();
        for d in &mut problems {
            // Body lines are counted from the body's first line of the file.
            let body_line = d.position.line.saturating_sub(lesson.body.first_line);
            d.source_line = lines.get(body_line).map(|l| l.to_string());
        }
        return Err(problems);
    }
    let go_deeper = lesson
        .go_deeper
        .iter()
        .map(|g| {
            let target = g.target.as_ref().and_then(|t| {
                ctx.course
                    .modules
                    .iter()
                    .find(|m| m.slug == t.module)
                    .and_then(|m| m.lessons.iter().find(|l| l.slug == t.lesson))
                    .map(|l| {
                        (
                            format!("../../{}/{}/index.html", t.module, t.lesson),
                            l.title.clone(),
                        )
                    })
            });
            GoDeeperView {
                question_html: md.inline(&g.question),
                url: target.as_ref().map(|t| t.0.clone()),
                lesson_title: target.map(|t| t.1),
            }
        })
        .collect();
    let view = LessonView {
        key,
        slug: lesson.slug.clone(),
        number: lesson.number,
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        minutes: lesson.minutes,
        xp: lesson.xp,
        focus_minutes: lesson.focus_minutes,
        exercise_count: lesson.quiz.len(),
        parts,
        takeaways: lesson.takeaways.iter().map(|t| md.inline(t)).collect(),
        videos: lesson
            .videos
            .iter()
            .map(|v| VideoView {
                title: v.title.clone(),
                url: outline
                    .rewrite(module, lesson, &v.url)
                    .unwrap_or_else(|| v.url.clone()),
                source: video::source(&v.url, v.embed),
            })
            .collect(),
        go_deeper,
    };
    let nav = |p: Option<(&Module, &Lesson)>| {
        p.map(|(m, l)| NavLink {
            title: l.title.clone(),
            url: format!("../../{}/{}/index.html", m.slug, l.slug),
        })
    };
    let mut c = tera::Context::new();
    c.insert("site", &site_view(ctx, "../../"));
    c.insert("lesson", &view);
    c.insert(
        "module",
        &NavLink {
            title: module.title.clone(),
            url: format!("../../{}/index.html", module.slug),
        },
    );
    c.insert("prev", &nav(prev));
    c.insert("next", &nav(next));
    c.insert(
        "sidebar",
        &syllabus::sidebar(ctx.course, "../../", Some(module), Some(lesson)),
    );
    c.insert("page_kind", "lesson");
    c.insert(
        "position",
        &syllabus::position(ctx.course, module, lesson, index),
    );
    let headings = outline.lessons.get(index).map(|b| b.headings.as_slice());
    c.insert(
        "toc",
        &syllabus::table_of_contents(headings.unwrap_or_default()),
    );
    c.insert("page_title", &lesson.title);
    c.insert(
        "description",
        &lesson
            .summary
            .clone()
            .or_else(|| ctx.course.config.description.clone()),
    );
    render_template(
        ctx,
        "lesson.html",
        &c,
        PathBuf::from(&module.slug)
            .join(&lesson.slug)
            .join("index.html"),
    )
    .map_err(|d| vec![d])
}
