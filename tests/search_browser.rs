//! The author workflow in headless Chromium (through chromedriver): the search box on the
//! fixture and example courses opened from `file://` (the hardest place for it, since
//! pages there cannot fetch JSON), code blocks' copy button, click-to-load video embeds,
//! and live reload with the error overlay under `crescu serve`.
//! Without chromedriver or Chromium the tests fail when `CI` is set and are skipped with a
//! notice otherwise, like tests/browser.rs.

mod common;

use common::chromium::{Browser, Mode, js, wait_until};
use common::repo;
use fantoccini::{Client, Locator, key::Key};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Build the course at `root` into `out`, without the cache.
fn build_course(root: PathBuf, out: &Path) {
    let mut options = crescu::build::BuildOptions::new(root, Some(out.to_path_buf()));
    options.use_cache = false;
    if let Err(e) = crescu::build::build(&options) {
        panic!("the course builds: {e:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn search_box_answers_a_query_from_file_urls() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_course(repo().join("tests/fixtures/basic"), &out);
    let page = format!("file://{}", out.join("basics/second/index.html").display());

    let c = browser.session(Mode::Light).await;
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

/// The example course (`content/`) built into a temporary folder and its page `page`
/// open from `file://` once the search box shows: the session, and what to keep until
/// the test ends (chromedriver, the folder). `None` where the browser is missing.
async fn open_example(page: &str) -> Option<(Client, Browser, tempfile::TempDir)> {
    let browser = Browser::start()?;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_course(repo(), &out);
    let c = browser.session(Mode::Light).await;
    c.goto(&format!("file://{}", out.join(page).display()))
        .await
        .unwrap();
    wait_until(
        &c,
        "return !document.querySelector('[data-search]').hidden",
        "the search box shows",
    )
    .await;
    Some((c, browser, dir))
}

/// Type `query` into the box (replacing what was there) and wait for results.
async fn search_for(c: &Client, query: &str) {
    let input = c.find(Locator::Css("#site-search-input")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(query).await.unwrap();
    // Until the list says it is for this query, it may be the previous one's; texts
    // arrive with their scripts.
    wait_until(
        c,
        &format!(
            "const q = document.querySelector('.site-search-results ul'); return !!q && q.getAttribute('aria-label').endsWith({:?}) && [...q.querySelectorAll('a')].every(a => a.querySelector('small'))",
            format!("\u{201c}{query}\u{201d}")
        ),
        &format!("results for `{query}`"),
    )
    .await;
}

/// Each result as [title line, href, marked words].
async fn results(c: &Client) -> Vec<Value> {
    let found = js(
        c,
        "return [...document.querySelectorAll('.site-search-results a')].map(a => [
           [...a.childNodes].filter(n => n.nodeName !== 'SMALL').map(n => n.textContent).join(''),
           a.getAttribute('href'),
           [...a.querySelectorAll('mark')].map(m => m.textContent.toLowerCase()),
         ])",
    )
    .await;
    found.as_array().unwrap().clone()
}

#[tokio::test(flavor = "current_thread")]
async fn search_ranks_highlights_and_shows_every_result() {
    let Some((c, _driver, _dir)) =
        open_example("python-concurrency/threads-and-processes/index.html").await
    else {
        return;
    };

    // Every lesson title holds GIL, as a word or as initials: the lesson named by it
    // comes first, and each match is marked.
    search_for(&c, "GIL").await;
    let found = results(&c).await;
    assert_eq!(
        found[0][0],
        json!("The Global Interpreter Lock"),
        "{found:?}"
    );
    assert_eq!(
        found[0][1],
        json!("../../python-concurrency/the-gil/index.html")
    );
    // Named by its initials, the first title has them marked.
    assert_eq!(found[0][2], json!(["g", "i", "l"]), "{found:?}");
    let marks: Vec<&Value> = found[1..]
        .iter()
        .flat_map(|r| r[2].as_array().unwrap())
        .collect();
    assert!(
        !marks.is_empty() && marks.iter().all(|m| *m == "gil"),
        "{marks:?}"
    );

    if let Some(dir) = std::env::var_os("CRESCU_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join("search-gil.png"), png).unwrap();
    }

    // Eight results at first, and a button for the rest.
    assert_eq!(found.len(), 8);
    let all = js(
        &c,
        "const b = document.querySelector('[data-search-all]'); const n = +b.textContent.match(/\\d+/)[0]; b.click(); return [n, document.querySelectorAll('.site-search-results a').length, !!document.querySelector('[data-search-all]'), document.activeElement === document.querySelectorAll('.site-search-results a')[8]];",
    )
    .await;
    assert!(all[0].as_u64().unwrap() > 8, "{all}");
    assert_eq!(all[1], all[0], "every result listed: {all}");
    assert_eq!(all[2], json!(false), "the button is gone");
    assert_eq!(all[3], json!(true), "focus moves to the first new result");

    // A word only found in code, and a word found inside a longer one.
    search_for(&c, "getswitchinterval").await;
    let found = results(&c).await;
    assert!(
        found
            .iter()
            .any(|r| r[1].as_str().unwrap().contains("the-gil/")),
        "{found:?}"
    );
    assert!(
        found[0][2]
            .as_array()
            .unwrap()
            .contains(&json!("getswitchinterval")),
        "{found:?}"
    );
    search_for(&c, "refcount").await;
    let snippets = js(
        &c,
        "return [...document.querySelectorAll('.site-search-results small')].map(s => s.textContent)",
    )
    .await;
    assert!(
        snippets
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("getrefcount")),
        "sys.getrefcount is found by `refcount`: {snippets}"
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn slash_focuses_the_search_box_except_while_typing() {
    let Some((c, _driver, _dir)) = open_example("python-concurrency/the-gil/index.html").await
    else {
        return;
    };
    let focused = "const a = document.activeElement; return [a.id || a.className, a.value]";
    let body = c.find(Locator::Css("body")).await.unwrap();
    body.send_keys("/").await.unwrap();
    assert_eq!(
        js(&c, focused).await,
        json!(["site-search-input", ""]),
        "`/` focuses the box and is not typed into it"
    );
    // In an answer box, `/` is a character like any other.
    let blank = c.find(Locator::Css("input.blank")).await.unwrap();
    blank.send_keys("a/b").await.unwrap();
    assert_eq!(js(&c, focused).await, json!(["blank", "a/b"]));
    c.close().await.unwrap();
}

/// Code block `n`'s button says "Copied", and `window.__copied` holds its code.
async fn assert_copied(c: &Client, n: usize, how: &str) {
    let button = format!("document.querySelectorAll('.code-copy')[{n}]");
    wait_until(
        c,
        &format!("return {button}.textContent === 'Copied'"),
        &format!("the button says the code is copied by {how}"),
    )
    .await;
    let code = format!("document.querySelectorAll('.code-block')[{n}].querySelector('pre code')");
    assert_eq!(
        js(c, &format!("return window.__copied === {code}.textContent")).await,
        json!(true),
        "{how} copies the block's code"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn code_blocks_have_a_label_and_a_working_copy_button() {
    let page = "python-concurrency/the-gil/index.html";
    let Some((c, _driver, dir)) = open_example(page).await else {
        return;
    };
    let html = std::fs::read_to_string(dir.path().join("site").join(page)).unwrap();
    assert!(html.contains("<span class=\"code-lang\">Python</span>"));
    assert!(!html.contains("code-copy"), "no button without scripts");
    let blocks = js(
        &c,
        "return [...document.querySelectorAll('.code-block')].map(b => b.querySelectorAll('button.code-copy').length)",
    )
    .await;
    let blocks = blocks.as_array().unwrap();
    assert!(
        blocks.len() > 1 && blocks.iter().all(|n| *n == 1),
        "{blocks:?}"
    );

    // The Clipboard API receives the block's code.
    js(
        &c,
        "window.__copied = null; navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); };
         document.querySelectorAll('.code-copy')[0].click(); return true",
    )
    .await;
    assert_copied(&c, 0, "the Clipboard API").await;

    // Without it (or refused), a selection and the copy command do the job.
    js(
        &c,
        "window.__copied = null; Object.defineProperty(navigator, 'clipboard', { value: undefined });
         document.addEventListener('copy', () => { window.__copied = getSelection().toString(); });
         document.querySelectorAll('.code-copy')[1].id = 'second-copy'; return true",
    )
    .await;
    // A real click: the copy command needs the user's gesture.
    c.find(Locator::Id("second-copy"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_copied(&c, 1, "the copy command").await;
    c.close().await.unwrap();
}

/// Connections made to a port, counted from a thread.
fn counting_listener() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

#[tokio::test(flavor = "current_thread")]
async fn video_embeds_ask_the_host_for_nothing_until_clicked() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    let module = root.join("content/01-m");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: C\n---\n").unwrap();
    std::fs::write(
        module.join("01-watch.md"),
        "---\ntitle: Watch\nsummary: s\nvideos:\n  - title: A talk\n    url: https://www.youtube.com/watch?v=Obt-vMVdM8s\n  - title: Another\n    url: https://vimeo.com/76979871\n---\nText.\n",
    )
    .unwrap();
    let out = dir.path().join("site");
    build_course(root, &out);

    // Every request to the video hosts reaches this port instead (and fails: no TLS).
    let (host_port, connections) = counting_listener();
    let rules = format!(
        "--host-resolver-rules=MAP www.youtube-nocookie.com 127.0.0.1:{host_port}, MAP *.youtube.com 127.0.0.1:{host_port}, MAP *.ytimg.com 127.0.0.1:{host_port}, MAP *.vimeo.com 127.0.0.1:{host_port}, MAP *.vimeocdn.com 127.0.0.1:{host_port}"
    );
    let c = browser.session_with(Mode::Light, &[rules]).await;
    c.goto(&format!(
        "file://{}",
        out.join("m/watch/index.html").display()
    ))
    .await
    .unwrap();
    wait_until(
        &c,
        "return [...document.querySelectorAll('.video-embed')].every(e => !e.hidden)",
        "the players' buttons show",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = js(
        &c,
        "return [document.querySelectorAll('iframe').length, performance.getEntriesByType('resource').map(e => e.name).filter(n => /youtube|vimeo/.test(n))]",
    )
    .await;
    assert_eq!(seen, json!([0, []]), "nothing from the video hosts");
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no connection to a video host before the click"
    );

    c.find(Locator::Css(".video-embed button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let frame = js(
        &c,
        "const f = document.querySelector('.video-embed iframe'); return [f.src, f.title, document.querySelectorAll('.video-embed button').length]",
    )
    .await;
    assert_eq!(
        frame,
        json!([
            "https://www.youtube-nocookie.com/embed/Obt-vMVdM8s?autoplay=1",
            "A talk",
            1
        ]),
        "one player loads, the other still waits"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while connections.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the click asks the host (the test's rules catch it)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.close().await.unwrap();
}

/// `crescu serve` on an ephemeral port, stopped when dropped.
struct DevServer(Child, u16);

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dev_server(root: &Path) -> DevServer {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    DevServer(child, port)
}

/// Replace a file as editors do (write beside, rename over), outside the watched folders.
fn save(root: &Path, path: &Path, text: &str) {
    let tmp = root.join(".saving");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A course of one lesson in `dir`, saying "First words."; returns its root and the lesson.
fn live_course(dir: &Path) -> (PathBuf, PathBuf) {
    let root = dir.join("course");
    let lesson = root.join("content/01-basics/01-live.md");
    std::fs::create_dir_all(lesson.parent().unwrap()).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: Live\n---\n").unwrap();
    std::fs::write(
        &lesson,
        "---\ntitle: Live lesson\nsummary: s\n---\nFirst words.\n",
    )
    .unwrap();
    (root, lesson)
}

/// The lesson of `live_course` with a misspelt key, and then fixed with new words.
const BROKEN_LESSON: &str = "---\ntitle: Live lesson\nsumary: s\n---\nFirst words.\n";
const FIXED_LESSON: &str = "---\ntitle: Live lesson\nsummary: s\n---\nSecond words.\n";

/// What a live test only keeps to drop at its end: the server, chromedriver, the folder.
type Keep = (DevServer, Browser, tempfile::TempDir);

/// `crescu serve` of a `live_course` and a browser session: the session, the lesson's
/// address, the course root and the lesson file. `None` where chromedriver or Chromium is
/// missing (then the test is skipped).
async fn live_setup() -> Option<(Client, String, PathBuf, PathBuf, Keep)> {
    let browser = Browser::start()?;
    let dir = tempfile::tempdir().unwrap();
    let (root, lesson) = live_course(dir.path());
    let server = dev_server(&root);
    let page = format!("http://127.0.0.1:{}/basics/live/", server.1);
    let c = browser.session(Mode::Light).await;
    Some((c, page, root, lesson, (server, browser, dir)))
}

/// Open the lesson of `live_course` and mark the document: a reload replaces it.
async fn open_live_page(c: &Client, page: &str, what: &str) {
    c.goto(page)
        .await
        .unwrap_or_else(|e| panic!("{what} does not load: {e}"));
    wait_until(
        c,
        "return document.body.textContent.includes('First words.')",
        &format!("{what} shows"),
    )
    .await;
    js(c, "window.__before = true; return true").await;
}

#[tokio::test(flavor = "current_thread")]
async fn live_reload_and_the_error_overlay() {
    let Some((c, page, root, lesson, _keep)) = live_setup().await else {
        return;
    };
    open_live_page(&c, &page, "the page").await;

    save(&root, &lesson, BROKEN_LESSON);
    wait_until(
        &c,
        "const o = document.getElementById('crescu-error-overlay'); return !!o && o.textContent.includes('unknown key `sumary`') && o.textContent.includes('content/01-basics/01-live.md:3:1')",
        "the overlay shows the terminal's report",
    )
    .await;
    assert_eq!(
        js(&c, "return window.__before === true").await,
        json!(true),
        "no reload on error"
    );

    save(&root, &lesson, FIXED_LESSON);
    wait_until(
        &c,
        "return window.__before === undefined && document.body.textContent.includes('Second words.')",
        "the page reloads with the fix",
    )
    .await;
    assert_eq!(
        js(
            &c,
            "return document.getElementById('crescu-error-overlay') === null"
        )
        .await,
        json!(true)
    );
    c.close().await.unwrap();
}

/// Browsers open at most six HTTP/1.1 connections to one server: tabs that each held an
/// event stream left a seventh unable to load. Eight tabs of one browser all load, all
/// show a build's errors, and all reload after the fix, also once the tab holding the
/// shared stream is closed.
#[tokio::test(flavor = "current_thread")]
async fn eight_tabs_load_and_all_follow_rebuilds() {
    let Some((c, page, root, lesson, _keep)) = live_setup().await else {
        return;
    };
    // Run in a task so the browser is closed even when a step fails.
    let steps = tokio::spawn({
        let c = c.clone();
        async move {
            // A tab that cannot load fails the test in 20 s, not chromedriver's five minutes.
            c.update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                None,
                Some(Duration::from_secs(20)),
                None,
            ))
            .await
            .unwrap();
            let mut tabs = vec![c.window().await.unwrap()];
            for _ in 1..8 {
                tabs.push(c.new_window(true).await.unwrap().handle);
            }
            for (i, tab) in tabs.iter().enumerate() {
                c.switch_to_window(tab.clone()).await.unwrap();
                open_live_page(&c, &page, &format!("tab {}", i + 1)).await;
            }

            // A broken lesson: every tab shows the report and none reloads.
            save(&root, &lesson, BROKEN_LESSON);
            for (i, tab) in tabs.iter().enumerate() {
                c.switch_to_window(tab.clone()).await.unwrap();
                wait_until(
                    &c,
                    "const o = document.getElementById('crescu-error-overlay'); return window.__before === true && !!o && o.textContent.includes('sumary')",
                    &format!("tab {} shows the error", i + 1),
                )
                .await;
            }
            // The first tab to load holds the stream for all; when it closes, another
            // takes over.
            c.switch_to_window(tabs[0].clone()).await.unwrap();
            c.close_window().await.unwrap();
            let tabs = &tabs[1..];
            save(&root, &lesson, FIXED_LESSON);
            for (i, tab) in tabs.iter().enumerate() {
                c.switch_to_window(tab.clone()).await.unwrap();
                wait_until(
                    &c,
                    "return window.__before === undefined && document.body.textContent.includes('Second words.') && !document.getElementById('crescu-error-overlay')",
                    &format!("tab {} reloads with the fix", i + 2),
                )
                .await;
            }
        }
    })
    .await;
    let _ = c.close().await;
    if let Err(e) = steps {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The overlay of a failed build: opaque, each problem styled by severity with its
/// location as selectable text, dismissed with a button to use the last good page, and
/// back on the next failure.
#[tokio::test(flavor = "current_thread")]
async fn the_error_overlay_is_opaque_located_and_dismissable() {
    let Some((c, page, root, lesson, _keep)) = live_setup().await else {
        return;
    };
    // A lesson without a summary: a warning, shown with the other lesson's error.
    let warn = lesson.with_file_name("02-warn.md");
    save(&root, &warn, "---\ntitle: Warn\n---\nText.\n");
    open_live_page(&c, &page, "the page").await;
    let overlay = "document.getElementById('crescu-error-overlay')";

    save(&root, &lesson, BROKEN_LESSON);
    wait_until(
        &c,
        &format!("return !!{overlay}"),
        "the overlay shows the failure",
    )
    .await;
    let seen = js(
        &c,
        &format!(
            "const o = {overlay};
             const problem = kind => [...o.querySelectorAll('.crescu-problem.crescu-' + kind)].map(p => ({{
               text: p.textContent,
               location: p.querySelector('.crescu-location').textContent,
               border: getComputedStyle(p).borderLeftColor,
               select: getComputedStyle(p.querySelector('.crescu-location')).userSelect,
             }}));
             return {{ background: getComputedStyle(o).backgroundColor, errors: problem('error'), warnings: problem('warning') }};"
        ),
    )
    .await;
    // rgb() has no alpha: fully opaque (rgba(.., 0.94) before).
    let background = seen["background"].as_str().unwrap();
    assert!(background.starts_with("rgb("), "opaque: {background}");
    let (errors, warnings) = (&seen["errors"], &seen["warnings"]);
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{seen}");
    assert_eq!(warnings.as_array().map(Vec::len), Some(1), "{seen}");
    assert_eq!(errors[0]["location"], "content/01-basics/01-live.md:3:1");
    assert!(
        errors[0]["text"]
            .as_str()
            .unwrap()
            .contains("unknown key `sumary`")
    );
    assert_eq!(warnings[0]["location"], "content/01-basics/02-warn.md:1");
    assert_ne!(
        errors[0]["border"], warnings[0]["border"],
        "errors and warnings look different"
    );
    assert_eq!(errors[0]["select"], "all", "one click selects the location");
    // The location is text that selects and copies like any other.
    let selected = js(
        &c,
        &format!(
            "const at = {overlay}.querySelector('.crescu-location');
             const range = document.createRange(); range.selectNodeContents(at);
             getSelection().removeAllRanges(); getSelection().addRange(range);
             return getSelection().toString();"
        ),
    )
    .await;
    assert_eq!(selected, json!("content/01-basics/01-live.md:3:1"));
    if let Some(dir) = std::env::var_os("CRESCU_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        js(&c, "getSelection().removeAllRanges(); return true").await;
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join("error-overlay.png"), png).unwrap();
    }

    // Dismissed: the last good page is there and takes clicks; no reload happened.
    c.find(Locator::Id("crescu-overlay-dismiss"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let beneath = js(
        &c,
        &format!(
            "const hit = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
             return {overlay} === null && window.__before === true
               && !!hit && !hit.closest('#crescu-error-overlay')
               && document.body.textContent.includes('First words.');"
        ),
    )
    .await;
    assert_eq!(beneath, json!(true), "the page beneath is back");

    // A second failure shows the overlay again.
    save(
        &root,
        &lesson,
        "---\ntitle: Live lesson\nsummary: s\ntakeaway: x\n---\nFirst words.\n",
    );
    wait_until(
        &c,
        &format!("const o = {overlay}; return !!o && o.textContent.includes('takeaway')"),
        "the next failure shows the overlay again",
    )
    .await;
    c.close().await.unwrap();
}
