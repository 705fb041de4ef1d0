//! Headless Chromium for the browser tests, the one place that launches a browser:
//! chromedriver on a free port, sessions with the project's flags and a fresh profile each,
//! a static server for built sites, page helpers and the axe-core check.
//! Without chromedriver or Chromium a test fails when `CI` is set (CI installs both) and
//! is skipped otherwise, with one loud notice per test binary.

use super::{loud, npm_package, on_ci, repo};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A static file server for the built site, on an ephemeral port; stops when dropped.
pub struct Server {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub origin: String,
}

impl Server {
    pub fn start(root: impl AsRef<Path>) -> Server {
        let root = root.as_ref().to_path_buf();
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let s = server.clone();
        let thread = std::thread::spawn(move || {
            for request in s.incoming_requests() {
                let path = request.url().split(['?', '#']).next().unwrap_or("/");
                let mut rel = path.trim_start_matches('/').to_string();
                if rel.is_empty() || rel.ends_with('/') {
                    rel.push_str("index.html");
                }
                let file = root.join(&rel);
                let inside = !rel.split('/').any(|c| c == "..");
                match std::fs::read(&file) {
                    Ok(bytes) if inside => {
                        let kind = match file.extension().and_then(|e| e.to_str()) {
                            Some("html") => "text/html; charset=utf-8",
                            Some("css") => "text/css; charset=utf-8",
                            Some("js") => "text/javascript; charset=utf-8",
                            Some("json") => "application/json",
                            Some("svg") => "image/svg+xml",
                            _ => "application/octet-stream",
                        };
                        let header =
                            tiny_http::Header::from_bytes("Content-Type", kind).expect("header");
                        let _ = request
                            .respond(tiny_http::Response::from_data(bytes).with_header(header));
                    }
                    _ => {
                        let _ = request.respond(tiny_http::Response::empty(404));
                    }
                }
            }
        });
        Server {
            server,
            thread: Some(thread),
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// chromedriver on a free port and the Chromium it drives, held by a test while it uses
/// the browser. Dropping it (also when a test panics) kills chromedriver and every
/// Chromium it started, then removes their profiles.
pub struct Browser {
    chromedriver: Child,
    url: String,
    chromium: PathBuf,
    profiles: tempfile::TempDir,
    sessions: AtomicUsize,
}

/// The flags every session has, as the project requires them; a mode and the window size
/// are the only additions.
const CHROMIUM_FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// How a session's Chromium shows pages: light or dark colour scheme, or without scripts.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Light,
    Dark,
    NoScript,
}

impl Mode {
    fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::Light => &[],
            Mode::Dark => &[
                "--force-dark-mode",
                "--blink-settings=preferredColorScheme=0",
            ],
            Mode::NoScript => &["--blink-settings=scriptEnabled=false"],
        }
    }
}

/// A program on PATH, under the first of `names` found.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver and Chromium, looked up once per test binary. When one is missing, the
/// first caller prints why (locally) and every caller gets `None`, or panics on CI.
fn chromedriver_and_chromium() -> Option<(PathBuf, PathBuf)> {
    static FOUND: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let driver = on_path(&["chromedriver"]);
        let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"]);
        match (driver, chromium) {
            (Some(d), Some(c)) => Ok((d, c)),
            (d, c) => {
                let missing: Vec<&str> = [(d.is_none(), "chromedriver"), (c.is_none(), "Chromium")]
                    .into_iter()
                    .filter_map(|(gone, name)| gone.then_some(name))
                    .collect();
                let msg = format!(
                    "{} not found on PATH: the browser tests cannot run",
                    missing.join(" and ")
                );
                if !on_ci() {
                    loud(&format!(
                        "SKIPPED: {msg}.\n!! Install chromium and chromium-driver to run them."
                    ));
                }
                Err(msg)
            }
        }
    });
    match found {
        Ok(programs) => Some(programs.clone()),
        Err(msg) if on_ci() => {
            panic!(
                "{msg} (CI is set, so this is a failure; CI installs chromium and chromium-driver)"
            )
        }
        Err(_) => None,
    }
}

impl Browser {
    /// chromedriver, started on a free port and listening; `None` when it or Chromium is
    /// missing (then the test returns early: skipped), a panic instead when `CI` is set.
    pub fn start() -> Option<Browser> {
        let (driver, chromium) = chromedriver_and_chromium()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // Its own process group, so that one signal ends it and the Chromiums it starts.
        let chromedriver = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let browser = Browser {
            chromedriver,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
            profiles: tempfile::tempdir().expect("a folder for Chromium profiles"),
            sessions: AtomicUsize::new(0),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(browser)
    }

    /// A new Chromium with a fresh profile, a 1200x900 window and `mode`.
    pub async fn session(&self, mode: Mode) -> Client {
        self.session_with(mode, &[]).await
    }

    /// A session with more Chromium flags, for what a test must change in the browser.
    pub async fn session_with(&self, mode: Mode, more: &[String]) -> Client {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let profile = self.profiles.path().join(format!("profile-{n}"));
        let args: Vec<String> = CHROMIUM_FLAGS
            .iter()
            .chain(mode.flags())
            .map(|f| f.to_string())
            .chain([
                "--window-size=1200,900".to_string(),
                format!("--user-data-dir={}", profile.display()),
            ])
            .chain(more.iter().cloned())
            .collect();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": self.chromium, "args": args }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session through chromedriver")
    }

    /// The process group of chromedriver and its Chromiums, and the folder of their
    /// profiles: what dropping this ends and removes.
    pub fn footprint(&self) -> (u32, PathBuf) {
        (self.chromedriver.id(), self.profiles.path().to_path_buf())
    }

    /// Runs `steps` in a new session, closing it even when a step fails.
    pub async fn in_session<F, Fut>(&self, mode: Mode, steps: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let c = self.session(mode).await;
        let outcome = tokio::spawn(steps(c.clone())).await;
        let _ = c.close().await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: Chromium outlives a killed chromedriver otherwise.
        let group = self.chromedriver.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
        let _ = self.chromedriver.wait();
        // The profiles go when this returns; wait (briefly) until nothing writes to them.
        let deadline = Instant::now() + Duration::from_secs(2);
        while group_runs(group) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Whether a process of the process group `group` still runs. Killed processes count as
/// gone at once, though they stay zombies until reaped.
pub fn group_runs(group: u32) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return false;
    };
    let group = group.to_string();
    processes.flatten().any(|p| {
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        // After the parenthesised command name: state, parent, process group.
        let fields: Vec<&str> = stat.rsplit_once(')').map_or(Vec::new(), |(_, rest)| {
            rest.split_whitespace().take(3).collect()
        });
        fields.len() == 3 && fields[0] != "Z" && fields[2] == group
    })
}

/// A runtime on the test's thread for a browser test's steps.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Opens `url` with the site's localStorage emptied, as on a learner's first visit.
pub async fn open_fresh(c: &Client, url: &str) {
    open(c, url).await;
    js(c, "localStorage.clear(); return true").await;
    open(c, url).await;
}

/// The course progress the page's script stored (its JSON), or null when there is none.
pub async fn stored_progress(c: &Client) -> Value {
    let raw = js(
        c,
        "return localStorage.getItem(document.body.dataset.storageKey + ':progress')",
    )
    .await;
    raw.as_str()
        .map(|s| serde_json::from_str(s).expect("stored progress is JSON"))
        .unwrap_or(Value::Null)
}

/// Runs `script` (a function body) in the page and returns its value.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

pub async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Waits until `script` returns true; panics with `what` after 10 s.
pub async fn wait_until(c: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if js(c, script).await == json!(true) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn open(c: &Client, url: &str) {
    c.goto(url).await.unwrap();
    wait_until(
        c,
        "return document.readyState === 'complete'",
        "the page loaded",
    )
    .await;
}

pub async fn screenshot(c: &Client, name: &str) {
    let Some(dir) = std::env::var_os("CRESCU_SCREENSHOTS") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (label, width) in [("desktop", 1200u32), ("phone", 390)] {
        c.set_window_size(width, 900).await.unwrap();
        let h = js(c, "return document.documentElement.scrollHeight").await;
        let h = h.as_u64().unwrap_or(900).clamp(600, 6000) as u32;
        c.set_window_size(width, h).await.unwrap();
        js(c, "window.scrollTo(0, 0); return true").await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}-{label}.png")), png).unwrap();
    }
    c.set_window_size(1200, 900).await.unwrap();
}

/// axe-core: `AXE_CORE_JS`, `node_modules/` of the repository, or from npm (see
/// `npm_package`). `None` (with a loud notice) when none is at hand, a panic on CI.
pub fn axe_source() -> Option<String> {
    let file = "axe-core/axe.min.js";
    let given = [
        std::env::var_os("AXE_CORE_JS").map(PathBuf::from),
        Some(repo().join("node_modules").join(file)),
    ];
    if let Some(source) = given
        .iter()
        .flatten()
        .find_map(|f| std::fs::read_to_string(f).ok())
    {
        return Some(source);
    }
    let modules = npm_package("axe-core", "4.14.1")?;
    Some(std::fs::read_to_string(modules.join(file)).expect("axe-core's script"))
}

/// Runs axe-core in the current page; panics listing serious and critical violations.
pub async fn axe_check(c: &Client, axe: &str, mode: &str) {
    let url = c.current_url().await.unwrap();
    let loaded = c
        .execute(
            "const s = document.createElement('script'); s.textContent = arguments[0]; document.head.appendChild(s); return typeof axe",
            vec![json!(axe)],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!("object"), "axe-core loaded");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] }).then(r => done(r.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", ")}`)));"#,
            vec![],
        )
        .await
        .unwrap();
    let found = found.as_array().cloned().unwrap_or_default();
    assert!(found.is_empty(), "axe-core on {url} ({mode}):\n{found:#?}");
}

/// Presses and releases one key on the keyboard, wherever the focus is.
pub async fn press(c: &Client, key: &str) {
    let value = key.chars().next().unwrap();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value })
        .then(KeyAction::Up { value });
    c.perform_actions(keys).await.unwrap();
}
