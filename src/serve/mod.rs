//! `crescu serve`: build, serve the output folder on 127.0.0.1, watch `content/` and
//! `themes/` (also when made after the start), rebuild on change and tell open pages to
//! reload. A failed rebuild leaves the last good site in place and shows its errors over
//! every open page.
//!
//! HTTP is hyper's (1.x, HTTP/1.1 server only, on a one-thread tokio runtime through
//! hyper-util). Why hyper rather than axum with tower-http: what the dev server needs
//! from a library is the protocol (keep-alive, head parsing with a deadline and a size
//! cap, streaming bodies); routing is three cases, and the parts tower-http would add
//! (`ServeDir`) are the ones we must not take, as it follows symlinks out of its folder.
//! Path policy, Host policy, ranges and validators stay ours, in `http` and `files`.

mod body;
mod files;
pub mod http;
mod report;
mod watch;

use crate::build::{BuildOptions, Workspace, build_in};
use crate::content::LoadOptions;
use crate::diagnostics::{Diagnostics, Severity};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// Where the site is written and served from [default: <root>/output].
    pub output: Option<PathBuf>,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser once it is up.
    pub open: bool,
    pub drafts: bool,
}

/// The outcome of the latest build, as browsers are told it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildState {
    /// Counts builds, so a page knows whether it shows the latest.
    pub version: u64,
    /// The report of a failed build, exactly as the terminal shows it.
    pub error: Option<String>,
    /// The same report problem by problem, for the overlay to style and locate each.
    pub problems: Vec<Problem>,
}

/// One problem of a failed build, as the browser overlay shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// `error[code]: message`.
    pub headline: String,
    /// `file:line:col`, to copy into an editor.
    pub location: String,
    /// The source line with its caret, and any notes.
    pub snippet: String,
}

impl Problem {
    fn list(diags: &Diagnostics) -> Vec<Problem> {
        diags
            .iter()
            .map(|d| Problem {
                severity: d.severity,
                headline: d.headline(),
                location: d.location(),
                snippet: d.render_snippet(),
            })
            .collect()
    }
}

/// What the HTTP side and the build loop share.
pub struct Shared {
    /// Canonical path of the output folder.
    output: PathBuf,
    /// The latest build state; every open event stream watches it.
    state: tokio::sync::watch::Sender<BuildState>,
    /// Held for writing while a rebuild swaps the output folder, for reading while a
    /// request opens a file, so no request sees the folder half-replaced.
    swap: RwLock<()>,
}

impl Shared {
    pub fn state(&self) -> BuildState {
        self.state.borrow().clone()
    }

    fn subscribe(&self) -> tokio::sync::watch::Receiver<BuildState> {
        self.state.subscribe()
    }

    fn publish(&self, error: Option<String>, problems: Vec<Problem>) {
        self.state.send_modify(|state| {
            state.version += 1;
            state.error = error;
            state.problems = problems;
        });
    }
}

/// Why the dev server did not start.
#[derive(Debug)]
pub enum ServeError {
    /// The output folder is one a build refuses to write, so it is not served either.
    Output(Diagnostics),
    /// Another program listens on the port.
    PortInUse(u16),
    /// Setting up failed otherwise.
    Io(io::Error),
}

impl From<io::Error> for ServeError {
    fn from(e: io::Error) -> Self {
        ServeError::Io(e)
    }
}

/// Run the dev server until the process is stopped. Returns only on a setup error.
pub fn run(options: &ServeOptions) -> Result<(), ServeError> {
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("output"));
    // Before anything is created or served: only a folder a build may write is served,
    // never `/` or the course's own files.
    crate::build::check_output(&options.root, &output).map_err(ServeError::Output)?;
    let build_options = BuildOptions {
        load: LoadOptions {
            drafts: options.drafts,
            base_url: None,
        },
        ..BuildOptions::new(options.root.clone(), Some(output.clone()))
    };
    let mut workspace = Workspace::for_rebuilds();
    let mut watcher = watch::Watcher::start(&options.root)?;
    // From here on the watcher sees every change, those made during the first build too.
    workspace.content_watched();

    // Watching starts first, so no edit made during this build is missed. A failed first
    // build still starts the server: open pages show its errors until they are fixed.
    let mut warnings = report::WarningLog::default();
    let (first_error, first_problems) = match build_in(&build_options, &mut workspace, &|_| {}) {
        Ok(outcome) => {
            report::success(&outcome, "built", &mut warnings);
            (None, Vec::new())
        }
        Err(diags) => (Some(report::failure(&diags, false)), Problem::list(&diags)),
    };
    let has_site = first_error.is_none();
    if first_error.is_some() {
        eprintln!("fix the errors above: crescu rebuilds when a file changes");
    }
    std::fs::create_dir_all(&output)?;
    let shared = Arc::new(Shared {
        output: output.canonicalize()?,
        state: tokio::sync::watch::Sender::new(BuildState {
            version: 1,
            error: first_error,
            problems: first_problems,
        }),
        swap: RwLock::new(()),
    });

    let listener =
        TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port))).map_err(|e| match e
            .kind()
        {
            io::ErrorKind::AddrInUse => ServeError::PortInUse(options.port),
            _ => ServeError::Io(e),
        })?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}/");
    {
        let mut out = io::stdout().lock();
        writeln!(out, "serving {url} (Ctrl-C to stop)")?;
        out.flush()?;
    }
    http::start(listener, Arc::clone(&shared))?;
    if options.open {
        open_browser(&url);
    }

    rebuild_on_change(
        &mut watcher,
        &build_options,
        &mut workspace,
        &shared,
        &mut warnings,
        has_site,
    )
}

/// Rebuild after every batch of changes, for ever, and tell the pages each outcome.
/// `has_site`: whether a good site was built, so a failure does not claim one is served.
fn rebuild_on_change(
    watcher: &mut watch::Watcher,
    build_options: &BuildOptions,
    workspace: &mut Workspace,
    shared: &Shared,
    warnings: &mut report::WarningLog,
    mut has_site: bool,
) -> ! {
    loop {
        let changes = watcher.next_batch();
        if changes.theme {
            workspace.forget_theme();
        }
        workspace.content_changed(changes.content);
        // Taken only for the write stage, released when the build returns.
        let swap_guard = std::cell::RefCell::new(None);
        let result = build_in(build_options, workspace, &|stage| {
            if stage == crate::build::Stage::Write {
                *swap_guard.borrow_mut() =
                    Some(shared.swap.write().unwrap_or_else(|e| e.into_inner()));
            }
        });
        drop(swap_guard.into_inner());
        match result {
            Ok(outcome) => {
                // Pages reload first; the terminal can wait.
                shared.publish(None, Vec::new());
                has_site = true;
                report::success(&outcome, "rebuilt", warnings);
            }
            Err(diags) => {
                let report = report::failure(&diags, has_site);
                shared.publish(Some(report), Problem::list(&diags));
            }
        }
    }
}

fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}
