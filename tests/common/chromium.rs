//! Headless Chromium for the browser tests: chromedriver, sessions with the project's
//! flags, a static server for built sites, page helpers and the axe-core check.
//! Without chromedriver or Chromium a test fails when `CI` is set and is skipped with a
//! loud notice otherwise.

use super::repo;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A static file server for the built site, on an ephemeral port; stops when dropped.
pub struct Server {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub origin: String,
}

impl Server {
    pub fn start(root: PathBuf) -> Server {
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

/// The chromedriver process; killed when dropped, also when a test step panics.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A notice on the real stderr, which the test harness does not capture, so it shows even
/// when the test passes.
pub fn loud(msg: &str) {
    use std::io::Write;
    let bar = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{bar}\n!! {msg}\n{bar}\n");
}

/// Starts chromedriver, or explains why it cannot (then the test fails on CI, skips locally).
pub fn start_driver() -> Option<(Driver, PathBuf)> {
    let missing = |what: &str| {
        let msg = format!("{what} not found on PATH: the browser tests cannot run");
        if std::env::var_os("CI").is_some() {
            panic!("{msg} (CI is set, so this is a failure; install chromium and chromium-driver)");
        }
        loud(&format!(
            "SKIPPED: {msg}.\n!! Install chromium and chromium-driver to run them."
        ));
    };
    let Some(driver) = find_program(&["chromedriver"]) else {
        missing("chromedriver");
        return None;
    };
    let Some(chrome) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        missing("Chromium");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((d, chrome))
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Light,
    Dark,
    NoScript,
}

pub async fn session(driver: &Driver, chrome: &Path, profile: &Path, mode: Mode) -> Client {
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--disable-dev-shm-usage".into(),
        "--hide-scrollbars".into(),
        "--disable-breakpad".into(),
        "--disable-crash-reporter".into(),
        "--window-size=1200,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    match mode {
        Mode::Dark => {
            args.push("--force-dark-mode".into());
            args.push("--blink-settings=preferredColorScheme=0".into());
        }
        Mode::NoScript => args.push("--blink-settings=scriptEnabled=false".into()),
        Mode::Light => {}
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chrome, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
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

/// Waits until `script` returns true; panics with `what` after 5 s.
pub async fn wait_until(c: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
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

/// axe-core from npm: `AXE_CORE_JS`, `node_modules/` of the repository, or installed once
/// with npm under Cargo's target temp dir. `None` (with a loud notice) when none is at hand.
pub fn axe_source() -> Option<String> {
    const VERSION: &str = "4.14.1";
    // Parallel tests of one binary: one installs, the others wait for a whole file.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("axe-core");
    let installed = cache.join("node_modules/axe-core/axe.min.js");
    let candidates = [
        std::env::var_os("AXE_CORE_JS").map(PathBuf::from),
        Some(repo().join("node_modules/axe-core/axe.min.js")),
        Some(installed.clone()),
    ];
    for c in candidates.iter().flatten() {
        if let Ok(s) = std::fs::read_to_string(c) {
            return Some(s);
        }
    }
    let npm = find_program(&["npm"]);
    if let Some(npm) = npm {
        std::fs::create_dir_all(&cache).unwrap();
        let status = Command::new(npm)
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&cache)
            .arg(format!("axe-core@{VERSION}"))
            .stdout(Stdio::null())
            .status();
        if let Ok(s) = std::fs::read_to_string(&installed) {
            return Some(s);
        }
        eprintln!("npm install axe-core@{VERSION} failed: {status:?}");
    }
    let msg = "axe-core is not available (no AXE_CORE_JS, no node_modules, npm failed)";
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    loud(&format!("SKIPPED the accessibility check: {msg}."));
    None
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

/// Runs `steps` in a fresh Chromium session, closing the session even when a step fails.
pub async fn in_session<F, Fut>(
    driver: &Driver,
    chrome: &Path,
    profile: PathBuf,
    mode: Mode,
    steps: F,
) where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let c = session(driver, chrome, &profile, mode).await;
    let outcome = tokio::spawn(steps(c.clone())).await;
    let _ = c.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
