//! Headless Chromium for browser tests: chromedriver on a free port, one session with the
//! project's Chromium flags and a fresh profile, and a static file server on 127.0.0.1.
//! Missing Chromium or chromedriver fails the test on CI and skips it (loudly) elsewhere.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A program on PATH.
pub fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver and the Chromium it drives; both end when this is dropped.
pub struct Browser {
    chromedriver: Child,
    port: u16,
    chromium: PathBuf,
    profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

impl Browser {
    /// `None` when chromedriver or Chromium is missing (a failure when `CI` is set).
    pub fn start() -> Option<Browser> {
        let (Some(driver), Some(chromium)) = (
            on_path(&["chromedriver"]),
            on_path(&["chromium", "chromium-browser", "google-chrome"]),
        ) else {
            let msg = "chromium and chromedriver are needed on PATH for the browser tests";
            assert!(std::env::var_os("CI").is_none(), "{msg} (CI is set)");
            eprintln!("\n!! SKIPPED: {msg}\n");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let chromedriver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver is not listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Browser {
            chromedriver,
            port,
            chromium,
            profile: tempfile::tempdir().unwrap(),
        })
    }

    pub async fn session(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", self.profile.path().display())])
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": self.chromium, "args": args }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session through chromedriver")
    }
}

/// Runs `script` (a function body) in the page and returns its value.
pub async fn run_js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Waits until `script` returns true; panics naming `what` after 10 s.
pub async fn wait_for(c: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while run_js(c, script).await != json!(true) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Files under a folder over HTTP on 127.0.0.1, until dropped.
pub struct StaticServer {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub origin: String,
}

impl StaticServer {
    pub fn serve(root: &Path) -> StaticServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let origin = format!("http://{}", server.server_addr());
        let (s, root) = (server.clone(), root.to_path_buf());
        let thread = std::thread::spawn(move || {
            for request in s.incoming_requests() {
                let rel = request.url().split(['?', '#']).next().unwrap_or("/");
                let rel = rel.trim_start_matches('/');
                let file = root.join(rel);
                let mime = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript; charset=utf-8",
                    Some("css") => "text/css; charset=utf-8",
                    Some("svg") => "image/svg+xml",
                    _ => "application/octet-stream",
                };
                let response = match std::fs::read(&file) {
                    Ok(bytes) if !rel.split('/').any(|c| c == "..") => {
                        tiny_http::Response::from_data(bytes).with_header(
                            tiny_http::Header::from_bytes("Content-Type", mime).unwrap(),
                        )
                    }
                    _ => tiny_http::Response::from_data(Vec::new()).with_status_code(404),
                };
                let _ = request.respond(response);
            }
        });
        StaticServer {
            server,
            thread: Some(thread),
            origin,
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
