//! Command-line interface: argument parsing, subcommands and exit codes
//! (0 ok, 1 content errors, 2 usage errors).

use crate::build::{BuildOptions, build};
use crate::content::LoadOptions;
use crate::diagnostics::{Diagnostics, plural};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "crescu",
    version,
    about = "Build interactive course sites from Markdown lessons"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the course in <root>/content into a static site.
    Build(BuildArgs),
    /// Run the simulations of a YAML file (the schema of a lesson's `simulations:`).
    Sim {
        /// A YAML list of simulations.
        file: PathBuf,
        /// Report as text, JSON, every thread's timeline, or the charts as HTML with inline SVG.
        #[arg(long, value_enum, default_value_t = SimFormat::Text)]
        format: SimFormat,
        /// Seed for every simulation of the file (overrides their own).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run the course's simulations on real CPython and record what it did beside each
    /// lesson (`<lesson>.measured.yaml`), for the charts to show next to the simulation.
    Measure(MeasureArgs),
    /// Build, serve on 127.0.0.1, rebuild on change and reload open pages.
    Serve {
        /// Course root (holds content/ and optionally themes/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder [default: <root>/output].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Port on 127.0.0.1; 0 picks a free one (printed on start).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include lessons marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a course skeleton in DIR (which must be empty or not exist).
    New {
        /// Folder to create the course in.
        dir: PathBuf,
    },
    /// Write the course's exercises as a question bank an LMS imports.
    Export {
        /// Course root (holds content/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The bank: GIFT text for Moodle, or a QTI 2.1 content package (Canvas, ILIAS, ...).
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Folder to write the bank into [default: <root>/export].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Include lessons marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Validate the course without writing anything.
    Check {
        /// Course root (holds content/ and optionally themes/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Problems as text with the offending lines, or as JSON lines for tools.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Include lessons marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Treat warnings as errors: exit 1 if there is any.
        #[arg(long)]
        deny_warnings: bool,
    },
}

// The arguments of `crescu build` (a plain comment: a doc comment would replace the
// subcommand's help line).
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Course root (holds content/ and optionally themes/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output folder [default: <root>/output].
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Absolute URL the site is served from (for sitemap and canonical links).
    #[arg(long, value_parser = parse_base_url)]
    pub base_url: Option<String>,
    /// Include lessons marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rerun every simulation instead of reusing cached charts.
    #[arg(long)]
    pub no_cache: bool,
    /// Treat warnings as errors: exit 1 and leave the output folder unchanged.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also write a SCORM package (1.2 or 2004 4th edition) beside the output folder.
    #[arg(long, value_name = "VERSION")]
    pub scorm: Option<ScormArg>,
    /// In the SCORM package, one SCO per lesson instead of one for the course.
    #[arg(long, requires = "scorm")]
    pub scorm_per_lesson: bool,
}

// The arguments of `crescu measure`.
#[derive(Args, Debug)]
pub struct MeasureArgs {
    /// Course root (holds content/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Only this lesson (its slug, or `module/lesson`).
    #[arg(long)]
    pub lesson: Option<String>,
    /// Only the simulation with this id.
    #[arg(long)]
    pub sim: Option<String>,
    /// Repetitions of every run (median and range are recorded).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// The Python for new-GIL and free-threaded runs [default: `python3` on PATH].
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// The Python 2.7 for old-GIL runs [default: `python2.7` or `python2` on PATH, else
    /// pyenv's newest 2.7].
    #[arg(long)]
    pub python2: Option<PathBuf>,
    /// Longest wait, in seconds, for a quiet machine before each round of runs.
    #[arg(long, default_value_t = 60)]
    pub max_wait: u64,
    /// Run nothing on Python: print the recorded measurements beside the simulation
    /// as a Markdown table.
    #[arg(long)]
    pub compare: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Text,
    Json,
    /// Every thread's timeline: one line per span, with its start, end and state.
    Timeline,
    /// The charts as HTML figures with inline SVG.
    Svg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScormArg {
    #[value(name = "1.2")]
    V12,
    #[value(name = "2004")]
    V2004,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Gift,
    Qti21,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `root` is the course root the diagnostics' files are relative to.
fn print_diagnostics(diags: &Diagnostics, format: Format, root: &Path) {
    let mut err = std::io::stderr().lock();
    let cwd = std::env::current_dir().unwrap_or_default();
    let from_cwd = |file: &Path| relative_to_cwd(&cwd, root, file);
    for d in diags.iter() {
        let _ = match format {
            Format::Text => writeln!(err, "{}", d.render_text()),
            Format::Json => writeln!(std::io::stdout().lock(), "{}", d.render_json(&from_cwd)),
        };
    }
}

/// A course-root-relative `file` as a path from the current folder, so tools started
/// there (CI annotations, editors) find it when the course is a subfolder; absolute when
/// the course is outside the current folder.
fn relative_to_cwd(cwd: &Path, root: &Path, file: &Path) -> PathBuf {
    let full = normalize(&cwd.join(root).join(file));
    if let Ok(rel) = full.strip_prefix(normalize(cwd)) {
        return rel.to_path_buf();
    }
    // The current folder may be reached through a symbolic link (macOS's /tmp).
    match (cwd.canonicalize(), cwd.join(root).canonicalize()) {
        (Ok(c), Ok(r)) => match normalize(&r.join(file)).strip_prefix(&c) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => full,
        },
        _ => full,
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system (the file may be gone).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn set_jobs(jobs: Option<usize>) {
    if let Some(n) = jobs {
        // Fails only if a pool was already built, in which case the first setting stands.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Sim { file, format, seed } => run_sim_file(&file, format, seed),
        Command::Measure(args) => run_measure(args),
        Command::Export {
            root,
            format,
            output,
            drafts,
        } => run_export(&root, format, output, drafts),
        Command::Serve {
            root,
            output,
            port,
            open,
            drafts,
        } => run_serve(&crate::serve::ServeOptions {
            root,
            output,
            port,
            open,
            drafts,
        }),
        Command::New { dir } => run_new(&dir),
        Command::Check {
            root,
            format,
            drafts,
            deny_warnings,
        } => {
            let load = LoadOptions {
                drafts,
                base_url: None,
            };
            let options = BuildOptions {
                load,
                deny_warnings,
                ..BuildOptions::new(root, None)
            };
            run_check(&options, format)
        }
    }
}

fn scorm_options(version: ScormArg, per_lesson: bool) -> crate::scorm::ScormOptions {
    crate::scorm::ScormOptions {
        version: match version {
            ScormArg::V12 => crate::scorm::ScormVersion::V12,
            ScormArg::V2004 => crate::scorm::ScormVersion::V2004,
        },
        per_lesson,
    }
}

/// `crescu build`: build with a progress display, then report the counts or the problems.
fn run_build(args: BuildArgs) -> ExitCode {
    set_jobs(args.jobs);
    let output = args.output.unwrap_or_else(|| args.root.join("output"));
    let options = BuildOptions {
        load: LoadOptions {
            drafts: args.drafts,
            base_url: args.base_url,
        },
        use_cache: !args.no_cache,
        deny_warnings: args.deny_warnings,
        scorm: (args.scorm).map(|version| scorm_options(version, args.scorm_per_lesson)),
        ..BuildOptions::new(args.root, Some(output.clone()))
    };
    let root = &options.root;
    let progress = crate::progress::BuildProgress::start();
    let result = crate::build::build_in(&options, &mut crate::build::Workspace::new(), &|stage| {
        progress.stage(stage)
    });
    progress.finish();
    match result {
        Ok(outcome) => {
            print_diagnostics(&outcome.warnings, Format::Text, root);
            let s = outcome.stats;
            eprintln!(
                "built {} ({}, {}, {}: {} run, {} from cache) into {} in {} ms{}",
                plural(s.pages, "page"),
                plural(s.lessons, "lesson"),
                plural(s.exercises, "exercise"),
                plural(s.charts, "chart"),
                plural(outcome.simulations_ran, "simulation"),
                outcome.simulations_cached,
                output.display(),
                outcome.elapsed.as_millis(),
                warning_note(&outcome.warnings)
            );
            if let Some(package) = &outcome.package {
                eprintln!("SCORM package: {}", package.display());
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_diagnostics(&diags, Format::Text, root);
            eprintln!(
                "build failed: {}{}; {} left unchanged",
                count_note(&diags),
                denied_note(&diags, options.deny_warnings),
                output.display()
            );
            ExitCode::from(1)
        }
    }
}

/// `crescu serve`: its failures are usage errors, as the command line names what cannot
/// be served.
fn run_serve(options: &crate::serve::ServeOptions) -> ExitCode {
    match crate::serve::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(crate::serve::ServeError::Output(diags)) => {
            print_diagnostics(&diags, Format::Text, &options.root);
            eprintln!(
                "error: cannot serve that output folder ({})",
                count_note(&diags)
            );
            ExitCode::from(2)
        }
        Err(crate::serve::ServeError::PortInUse(port)) => {
            eprintln!(
                "error: port {port} is in use by another program; try another with `--port {}`, or `--port 0` to pick a free one",
                port.wrapping_add(1).max(1024)
            );
            ExitCode::from(2)
        }
        Err(crate::serve::ServeError::Io(e)) => {
            eprintln!("error: cannot serve: {e}");
            ExitCode::from(2)
        }
    }
}

/// `crescu new`: write the skeleton course and say what to run next.
fn run_new(dir: &Path) -> ExitCode {
    match crate::scaffold::create(dir) {
        Ok(files) => {
            for f in &files {
                eprintln!("created {}", f.display());
            }
            eprintln!(
                "next: crescu serve --root {} (or crescu build --root {})",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `crescu check`: build without writing; the summary line only for text output, so
/// JSON output stays one problem a line.
fn run_check(options: &BuildOptions, format: Format) -> ExitCode {
    let root = &options.root;
    match build(options) {
        Ok(outcome) => {
            print_diagnostics(&outcome.warnings, format, root);
            if format == Format::Text {
                eprintln!(
                    "check passed: {}, {}{}",
                    plural(outcome.stats.lessons, "lesson"),
                    plural(outcome.stats.exercises, "exercise"),
                    warning_note(&outcome.warnings)
                );
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_diagnostics(&diags, format, root);
            if format == Format::Text {
                eprintln!(
                    "check failed: {}{}",
                    count_note(&diags),
                    denied_note(&diags, options.deny_warnings)
                );
            }
            ExitCode::from(1)
        }
    }
}

/// `crescu export`: load the course, write its bank, report what the format lost.
fn run_export(
    root: &Path,
    format: ExportFormat,
    output: Option<PathBuf>,
    drafts: bool,
) -> ExitCode {
    let options = LoadOptions {
        drafts,
        base_url: None,
    };
    let (course, mut diags) = match crate::content::load(root, &options) {
        Ok(loaded) => loaded,
        Err(diags) => {
            print_diagnostics(&diags, Format::Text, root);
            eprintln!("export failed: {}; nothing written", count_note(&diags));
            return ExitCode::from(1);
        }
    };
    let format = match format {
        ExportFormat::Gift => crate::export::BankFormat::Gift,
        ExportFormat::Qti21 => crate::export::BankFormat::Qti21,
    };
    let bank = crate::export::export(&course, format);
    for w in bank.warnings {
        let mut d = w.diagnostic;
        if let Ok(text) = std::fs::read_to_string(root.join(&d.file)) {
            if let Some(at) = crate::content::lesson::exercise_position(&d.file, &text, w.exercise)
            {
                d.position = at;
            }
            d.attach_source(&text);
        }
        diags.push(d);
    }
    diags.sort();
    print_diagnostics(&diags, Format::Text, root);
    let folder = output.unwrap_or_else(|| root.join("export"));
    for file in &bank.files {
        let path = folder.join(&file.path);
        if let Err(e) = crate::archive::write_atomically(&path, &file.bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
        eprintln!(
            "exported {} to {}{}",
            plural(bank.questions, "question"),
            path.display(),
            warning_note(&diags)
        );
    }
    ExitCode::SUCCESS
}

fn parse_base_url(url: &str) -> Result<String, String> {
    crate::content::url::check_base_url(url).map(|()| url.to_string())
}

/// The options of `crescu measure`.
fn measure_options(args: MeasureArgs) -> crate::measure::MeasureOptions {
    crate::measure::MeasureOptions {
        root: args.root,
        lesson: args.lesson,
        sim: args.sim,
        repeat: args.repeat,
        python: args.python,
        python2: args.python2,
        patience: std::time::Duration::from_secs(args.max_wait),
        quiet_share: 0.15,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    }
}

/// `crescu measure`: exit 1 when the course does not load, 2 for usage problems.
fn run_measure(args: MeasureArgs) -> ExitCode {
    use crate::measure::MeasureError;
    let compare = args.compare;
    let options = measure_options(args);
    let result = if compare {
        crate::measure::compare(&options).map(|rows| {
            print!("{}", crate::measure::comparison_table(&rows));
            None
        })
    } else {
        crate::measure::measure(&options).map(Some)
    };
    match result {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(summary)) => {
            for (id, label, why) in &summary.not_measurable {
                eprintln!("not measurable: {id} / {label}: {why}");
            }
            if summary.busy {
                eprintln!(
                    "warning: the machine never became quiet; the files record the load seen"
                );
            }
            let cwd = std::env::current_dir().unwrap_or_default();
            for f in &summary.files {
                eprintln!("wrote {}", f.strip_prefix(&cwd).unwrap_or(f).display());
            }
            eprintln!(
                "measured {} on {}",
                plural(summary.runs_measured, "run"),
                summary.pythons.join(" and ")
            );
            ExitCode::SUCCESS
        }
        Err(MeasureError::Course(diags)) => {
            print_diagnostics(&diags, Format::Text, &options.root);
            eprintln!("measure failed: {}", count_note(&diags));
            ExitCode::from(1)
        }
        Err(MeasureError::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(MeasureError::Io(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// `crescu sim`: run a simulation file and print a report.
fn run_sim_file(file: &std::path::Path, format: SimFormat, seed: Option<u64>) -> ExitCode {
    // Read as lessons are: at most the default lesson size (a device such as /dev/zero
    // never ends), valid UTF-8.
    let limit = crate::content::load::MAX_FILE_BYTES;
    let text = match crate::content::load::read_text(file, file, limit) {
        Ok(t) => t,
        Err(mut d) => {
            if d.code == "file-too-large" {
                d.expected = Some(format!("a simulation file of at most {limit} bytes"));
            }
            print_diagnostics(&Diagnostics(vec![d]), Format::Text, Path::new("."));
            return ExitCode::from(1);
        }
    };
    let sims = match crate::content::lesson::parse_simulation_file(file, &text) {
        Ok(s) => s,
        Err(problems) => {
            let diags = Diagnostics(problems);
            print_diagnostics(&diags, Format::Text, Path::new("."));
            eprintln!("sim failed: {}", count_note(&diags));
            return ExitCode::from(1);
        }
    };
    let budget = crate::sim::Budget::default();
    let mut results = Vec::new();
    for s in &sims {
        match crate::sim::run(&s.scenario, seed.unwrap_or(s.seed), &budget) {
            Ok(r) => results.push(r),
            Err(e) => {
                eprintln!("error: simulation `{}`: {e}", s.id);
                return ExitCode::from(1);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match format {
        SimFormat::Json => {
            let pairs: Vec<(&str, &crate::sim::SimResult)> =
                sims.iter().map(|s| s.id.as_str()).zip(&results).collect();
            let _ = writeln!(out, "{}", crate::sim::json_report(&pairs));
        }
        SimFormat::Text => {
            for (s, r) in sims.iter().zip(&results) {
                let _ = writeln!(out, "{}", crate::sim::text_report(&s.id, r));
            }
        }
        SimFormat::Timeline => {
            for (s, r) in sims.iter().zip(&results) {
                let _ = writeln!(out, "{}", crate::sim::timeline_report(&s.id, r));
            }
        }
        SimFormat::Svg => {
            for (s, r) in sims.iter().zip(&results) {
                match crate::simulations::draw(s, r) {
                    Ok(html) => {
                        let _ = writeln!(out, "{html}");
                    }
                    Err(e) => {
                        eprintln!("error: chart of `{}`: {e}", s.id);
                        return ExitCode::from(1);
                    }
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn count_note(d: &Diagnostics) -> String {
    let (e, w) = (d.error_count(), d.warning_count());
    if w == 0 {
        plural(e, "error")
    } else {
        format!("{}, {}", plural(e, "error"), plural(w, "warning"))
    }
}

/// Why a run with no errors failed: its warnings were denied.
fn denied_note(d: &Diagnostics, deny_warnings: bool) -> &'static str {
    if deny_warnings && d.warning_count() > 0 {
        " (warnings denied by --deny-warnings)"
    } else {
        ""
    }
}

fn warning_note(d: &Diagnostics) -> String {
    match d.warning_count() {
        0 => String::new(),
        n => format!(", {}", plural(n, "warning")),
    }
}
