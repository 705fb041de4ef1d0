//! The search box in headless Chromium (through chromedriver), on the fixture course opened
//! from `file://`: the hardest place for it, since pages there cannot fetch JSON.
//! Without chromedriver or Chromium the test fails when `CI` is set and is skipped with a
//! notice otherwise, like tests/browser.rs.

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver, killed when dropped (also when an assertion fails).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn start_driver() -> Option<(Driver, u16, PathBuf)> {
    let (Some(driver), Some(chrome)) = (
        on_path(&["chromedriver"]),
        on_path(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver or Chromium missing on CI"
        );
        eprintln!(
            "SKIPPED: chromedriver or Chromium not on PATH; the search browser test cannot run"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((driver, port, chrome))
}

async fn session(port: u16, chrome: &Path, profile: &Path) -> Client {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chrome, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session")
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

async fn wait_until(c: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while js(c, script).await != json!(true) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn search_box_answers_a_query_from_file_urls() {
    let Some((_driver, port, chrome)) = start_driver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let mut options = crescu::build::BuildOptions::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic"),
        Some(out.clone()),
    );
    options.use_cache = false;
    crescu::build::build(&options).expect("the fixture builds");
    let page = format!("file://{}", out.join("basics/second/index.html").display());

    let c = session(port, &chrome, &dir.path().join("profile")).await;
    c.goto(&page).await.unwrap();
    wait_until(
        &c,
        "return !document.querySelector('[data-search]').hidden",
        "the search box shows",
    )
    .await;
    assert_eq!(
        js(&c, "return typeof window.CRESCU_SEARCH").await,
        json!("undefined"),
        "the index loads only when the box is used"
    );
    let input = c.find(Locator::Css("#site-search-input")).await.unwrap();
    input.send_keys("star").await.unwrap();
    wait_until(
        &c,
        "return document.querySelectorAll('.site-search-results a').length > 0",
        "results appear",
    )
    .await;
    let first = js(
        &c,
        "const a = document.querySelector('.site-search-results a'); return [a.textContent, a.getAttribute('href')];",
    )
    .await;
    assert!(
        first[0]
            .as_str()
            .unwrap()
            .starts_with("First lesson › Start here"),
        "{first}"
    );
    assert_eq!(first[1], json!("../../basics/first/index.html#start-here"));
    // A query no word starts with says so.
    input.clear().await.unwrap();
    input.send_keys("zzzz").await.unwrap();
    wait_until(
        &c,
        "return /No results/.test(document.querySelector('.site-search-results').textContent)",
        "the no-results note",
    )
    .await;
    // Keyboard: a query, Enter, and the browser is at the heading.
    input.clear().await.unwrap();
    input.send_keys("start").await.unwrap();
    wait_until(
        &c,
        "return document.querySelectorAll('.site-search-results a').length > 0",
        "results for `start`",
    )
    .await;
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_until(
        &c,
        "return location.href.endsWith('basics/first/index.html#start-here')",
        "the first result opens",
    )
    .await;
    c.close().await.unwrap();
}
