//! Command-line interface: argument parsing, subcommands and exit codes
//! (0 ok, 1 content errors, 2 usage errors).

use crate::build::{BuildOptions, build};
use crate::content::LoadOptions;
use crate::diagnostics::Diagnostics;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
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
    Build {
        /// Course root (holds content/ and optionally themes/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder [default: <root>/output].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Absolute URL the site is served from (for sitemap and canonical links).
        #[arg(long)]
        base_url: Option<String>,
        /// Include lessons marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Worker threads [default: all cores].
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Validate the course without writing anything.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        drafts: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn print_diagnostics(diags: &Diagnostics, format: Format) {
    let mut err = std::io::stderr().lock();
    for d in diags.iter() {
        let _ = match format {
            Format::Text => writeln!(err, "{}", d.render_text()),
            Format::Json => writeln!(std::io::stdout().lock(), "{}", d.render_json()),
        };
    }
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
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            jobs,
        } => {
            set_jobs(jobs);
            let output = output.unwrap_or_else(|| root.join("output"));
            let options = BuildOptions {
                root,
                output: Some(output.clone()),
                load: LoadOptions { drafts, base_url },
            };
            match build(&options) {
                Ok(outcome) => {
                    print_diagnostics(&outcome.warnings, Format::Text);
                    let s = outcome.stats;
                    eprintln!(
                        "built {} pages ({} lessons, {} exercises, {} charts) into {} in {} ms{}",
                        s.pages,
                        s.lessons,
                        s.exercises,
                        s.charts,
                        output.display(),
                        outcome.elapsed.as_millis(),
                        warning_note(&outcome.warnings)
                    );
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    print_diagnostics(&diags, Format::Text);
                    eprintln!(
                        "build failed: {}; {} left unchanged",
                        count_note(&diags),
                        output.display()
                    );
                    ExitCode::from(1)
                }
            }
        }
        Command::Check {
            root,
            format,
            drafts,
        } => {
            let options = BuildOptions {
                root,
                output: None,
                load: LoadOptions {
                    drafts,
                    base_url: None,
                },
            };
            match build(&options) {
                Ok(outcome) => {
                    print_diagnostics(&outcome.warnings, format);
                    if format == Format::Text {
                        eprintln!(
                            "check passed: {} lessons, {} exercises{}",
                            outcome.stats.lessons,
                            outcome.stats.exercises,
                            warning_note(&outcome.warnings)
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    print_diagnostics(&diags, format);
                    if format == Format::Text {
                        eprintln!("check failed: {}", count_note(&diags));
                    }
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn count_note(d: &Diagnostics) -> String {
    let (e, w) = (d.error_count(), d.warning_count());
    let plural = |n: usize, s: &str| {
        if n == 1 {
            format!("{n} {s}")
        } else {
            format!("{n} {s}s")
        }
    };
    if w == 0 {
        plural(e, "error")
    } else {
        format!("{}, {}", plural(e, "error"), plural(w, "warning"))
    }
}

fn warning_note(d: &Diagnostics) -> String {
    match d.warning_count() {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    }
}
