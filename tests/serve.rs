//! `crescu serve` end to end: the binary on an ephemeral port, fetched over raw TCP so
//! request paths reach the server exactly as written.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `crescu serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path, output: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .arg("--output")
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

struct Response {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Response {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

fn request(port: u16, method: &str, path: &str) -> Response {
    let head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    raw_request(port, head.as_bytes()).expect("a response head")
}

/// Send `bytes` as they are; the response, or `None` if the server closed without one.
fn raw_request(port: u16, bytes: &[u8]) -> Option<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).ok()?;
    let mut raw = Vec::new();
    // A reset after a complete answer still counts as that answer.
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers.split_whitespace().nth(1)?.parse().ok()?;
    Some(Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

fn get(port: u16, path: &str) -> Response {
    request(port, "GET", path)
}

/// Server-sent events, read one at a time.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "GET /__crescu/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
        }
        Events { reader }
    }

    /// The next event's name and JSON data (keep-alive comments skipped), within 20 s.
    fn next(&mut self) -> (String, serde_json::Value) {
        let (mut name, mut data) = (String::new(), String::new());
        let mut line = String::new();
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no event within 20 s"
            );
            line.clear();
            assert!(
                self.reader.read_line(&mut line).unwrap() > 0,
                "stream closed"
            );
            let l = line.trim_end();
            if let Some(n) = l.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = l.strip_prefix("data: ") {
                data = d.to_string();
            } else if l.is_empty() && !name.is_empty() {
                return (name, serde_json::from_str(&data).unwrap());
            }
        }
    }
}

/// Replace a file the way many editors save: write beside it, then rename over it, so
/// the watcher never sees a half-written lesson.
fn save(path: &Path, text: &str) {
    // Outside content/ and themes/, so the watcher never sees it.
    let tmp = path
        .ancestors()
        .find(|a| a.join("content").is_dir())
        .unwrap()
        .join(".saving");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn lesson(body: &str) -> String {
    format!("---\ntitle: Live\nsummary: s\n---\n{body}\n")
}

fn course() -> (tempfile::TempDir, PathBuf) {
    let course = course_with(&[("01-live.md", lesson("First version.").as_bytes())]);
    let out = course.path().join("site");
    (course, out)
}

/// Wait until `f` holds, for at most a few seconds.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serves_pages_and_reloads_them_after_an_edit() {
    let (course, out) = course();
    let server = start(course.path(), &out);
    let port = server.port;

    let index = get(port, "/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        index.text().contains("/__crescu/events"),
        "reload script injected"
    );
    let page = get(port, "/module/live/");
    assert!(page.text().contains("First version."));
    // Only served pages carry the script; the files on disk are a clean build.
    let on_disk = std::fs::read_to_string(out.join("module/live/index.html")).unwrap();
    assert!(!on_disk.contains("__crescu"));
    assert_eq!(
        get(port, "/module/live").status,
        301,
        "folders get their trailing slash"
    );
    assert_eq!(
        get(port, "/static/style.css")
            .header("content-type")
            .as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        get(port, "/search-index.js")
            .header("content-type")
            .as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    let head = request(port, "HEAD", "/module/live/index.html");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let missing = get(port, "/no/such/page.html");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Page not found"));

    let mut events = Events::open(port);
    let (name, state) = events.next();
    assert_eq!(name, "state");
    assert!(state["error"].is_null());
    let first = state["version"].as_u64().unwrap();

    let file = course.path().join("content/01-module/01-live.md");
    save(&file, &lesson("Second version."));
    let (name, state) = events.next();
    assert_eq!(name, "reload", "{state}");
    assert!(state["version"].as_u64().unwrap() > first);
    assert!(
        get(port, "/module/live/")
            .text()
            .contains("Second version.")
    );

    // A broken lesson: the error goes to open pages, the last good site stays.
    save(&file, "---\ntitle: Live\nsumary: typo\n---\nBroken.\n");
    let (name, state) = events.next();
    assert_eq!(name, "build-error");
    let report = state["error"].as_str().unwrap();
    assert!(
        report.contains("content/01-module/01-live.md:3:1"),
        "{report}"
    );
    assert!(report.contains("unknown key `sumary`"), "{report}");
    let page = get(port, "/module/live/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Second version."));
    // A page opened now learns of the error at once.
    let (name, state) = Events::open(port).next();
    assert_eq!(name, "state");
    assert!(state["error"].as_str().unwrap().contains("sumary"));

    // Fixed again: reload, and the served output equals a clean build's bytes.
    save(&file, &lesson("Third version. [Other](99-other.md)"));
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    assert!(get(port, "/module/live/").text().contains("Third version."));
    // Another lesson's new title shows in this page's next link and in its own link
    // text: pages that depend on it are rendered again, not reused.
    save(
        &course.path().join("content/01-module/99-other.md"),
        "---\ntitle: Renamed other\nsummary: s\n---\nBody.\n",
    );
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    assert!(get(port, "/module/live/").text().contains("Renamed other"));
    let clean = course.path().join("clean");
    let (code, _, stderr) = crescu(&[
        "build",
        "--root",
        course.path().to_str().unwrap(),
        "--output",
        clean.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(snapshot_tree(&out), snapshot_tree(&clean));
}

#[test]
fn theme_edits_rebuild_with_the_new_templates() {
    let (course, out) = course();
    let theme = course.path().join("themes/default");
    std::fs::create_dir_all(&theme).unwrap();
    copy_dir(&repo().join("themes/default"), &theme);
    let server = start(course.path(), &out);
    let mut events = Events::open(server.port);
    events.next();
    let base = theme.join("templates/base.html");
    let html = std::fs::read_to_string(&base).unwrap();
    save(
        &base,
        &html.replace("<main id=\"main\"", "<main data-edited id=\"main\""),
    );
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    eventually("the edited template", || {
        get(server.port, "/").text().contains("data-edited")
    });
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn nothing_outside_the_output_folder_is_served() {
    let (course, out) = course();
    std::fs::write(course.path().join("secret.txt"), "top secret").unwrap();
    let server = start(course.path(), &out);
    let port = server.port;
    // Symlinks inside the output that lead out of it.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(course.path().join("secret.txt"), out.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(course.path(), out.join("linked-dir")).unwrap();
    }
    for path in [
        "/../secret.txt",
        "/../../secret.txt",
        "/module/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/static/%2e%2e/%2e%2e/secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/link.txt",
        "/linked-dir/secret.txt",
        "/index.html%00.txt",
        "secret.txt",
    ] {
        let r = get(port, path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("top secret"), "{path}");
    }
    // Served to this machine's names only.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert_eq!(request(port, "POST", "/").status, 405);
}

#[test]
fn survives_clients_that_disconnect_mid_response() {
    let (course, out) = course();
    // A large asset, so the response cannot fit in the socket buffers.
    std::fs::write(
        course.path().join("content/01-module/big.bin"),
        vec![7u8; 8 * 1024 * 1024],
    )
    .unwrap();
    let server = start(course.path(), &out);
    let port = server.port;
    for _ in 0..5 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET /module/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut some = [0u8; 1024];
        stream.read_exact(&mut some).unwrap();
        drop(stream);
    }
    // Half a request head, then gone; and an event stream dropped at once.
    for _ in 0..5 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET /index.ht").unwrap();
        drop(stream);
        drop(Events::open(port));
    }
    let r = get(port, "/module/big.bin");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 8 * 1024 * 1024);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(get(port, "/").status, 200);
}

#[test]
fn a_course_broken_from_the_start_is_served_once_fixed() {
    let course = course_with(&[("01-live.md", b"---\ntitel: Live\n---\nBody.\n")]);
    let out = course.path().join("site");
    let server = start(course.path(), &out);
    // No site yet: a bare page that still carries the script, so the overlay shows.
    let page = get(server.port, "/");
    assert_eq!(page.status, 404);
    assert!(page.text().contains("/__crescu/events"));
    let mut events = Events::open(server.port);
    let (_, state) = events.next();
    assert!(
        state["error"].as_str().unwrap().contains("titel"),
        "{state}"
    );
    save(
        &course.path().join("content/01-module/01-live.md"),
        &lesson("Fixed."),
    );
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    assert!(get(server.port, "/module/live/").text().contains("Fixed."));
}

/// Run `crescu serve` with `args`, expecting it to stop by itself; fails if it is still
/// running after 30 s (that is, it went on to serve). Returns (exit code, stdout, stderr).
fn serve_expecting_exit(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`crescu serve {args:?}` is still running: it went on to serve");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), out, err)
}

#[test]
fn refuses_to_serve_a_folder_a_build_would_refuse() {
    let (course, _) = course();
    let content = course.path().join("content");
    let before = snapshot_tree(&content);
    for output in [PathBuf::from("/"), content.clone()] {
        let (code, out, err) = serve_expecting_exit(&[
            "--root".as_ref(),
            course.path().as_os_str(),
            "--output".as_ref(),
            output.as_os_str(),
        ]);
        assert_eq!(code, Some(2), "--output {}: {err}", output.display());
        assert!(err.contains("error[bad-output]"), "{err}");
        assert!(!out.contains("serving"), "{out}");
    }
    assert_eq!(snapshot_tree(&content), before, "the course is untouched");
}

/// Connections the server takes at once (`MAX_CONNECTIONS` in src/serve/http.rs).
const CAP: usize = 128;

fn plain_get(port: u16) -> Option<Response> {
    raw_request(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

#[test]
fn slow_clients_cannot_starve_the_server() {
    let (course, out) = course();
    let server = start(course.path(), &out);
    let port = server.port;
    let started = Instant::now();
    // Request heads that never end, a byte every 2 s: each read alone is quick.
    let slow: Vec<TcpStream> = (0..CAP)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    // Over the cap: an answer saying so, not a silent close.
    let busy = plain_get(port).expect("an answer at the connection cap");
    assert_eq!(busy.status, 503, "{}", busy.headers);
    assert!(busy.header("retry-after").is_some(), "{}", busy.headers);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickler = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut slow = slow;
            let mut last = Instant::now() - Duration::from_secs(2);
            // Bounded: at most a minute, whatever happens to the test.
            while !stop.load(std::sync::atomic::Ordering::SeqCst)
                && started.elapsed() < Duration::from_secs(60)
            {
                if last.elapsed() >= Duration::from_secs(2) {
                    for s in &mut slow {
                        let _ = s.write_all(b"a");
                    }
                    last = Instant::now();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            slow
        })
    };
    // The whole head has a deadline (10 s), so the slow clients' slots come free.
    let mut served = false;
    while !served && started.elapsed() < Duration::from_secs(25) {
        served = plain_get(port).is_some_and(|r| r.status == 200);
        std::thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let slow = trickler.join().unwrap();
    assert!(
        served,
        "no page within 25 s while {CAP} clients trickle their heads"
    );
    // The slow clients were told why they were dropped.
    let mut first = &slow[0];
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = first.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn event_streams_of_closed_pages_end_within_seconds() {
    let (course, out) = course();
    let server = start(course.path(), &out);
    let port = server.port;
    let streams: Vec<Events> = (0..CAP).map(|_| Events::open(port)).collect();
    let busy = plain_get(port).expect("an answer at the connection cap");
    assert_eq!(busy.status, 503, "every stream holds a connection");
    // The browsers go away; their streams' threads must notice soon, not in 30 s.
    drop(streams);
    eventually("a page once the event streams are closed", || {
        plain_get(port).is_some_and(|r| r.status == 200)
    });
}

#[test]
fn content_and_themes_made_after_start_are_watched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    std::fs::create_dir(&root).unwrap();
    let server = start(&root, &root.join("site"));
    let port = server.port;
    let mut events = Events::open(port);
    let (_, state) = events.next();
    assert!(state["error"].is_string(), "no content yet: {state}");

    // Made elsewhere and moved in at once, as when a course is unpacked.
    let made = course_with(&[("01-live.md", lesson("Arrived later.").as_bytes())]);
    std::fs::rename(made.path().join("content"), root.join("content")).unwrap();
    let (name, state) = events.next();
    assert_eq!(name, "reload", "{state}");
    assert!(get(port, "/module/live/").text().contains("Arrived later."));
    // Watched from then on, not only noticed once.
    save(
        &root.join("content/01-module/01-live.md"),
        &lesson("Edited."),
    );
    assert_eq!(events.next().0, "reload");
    assert!(get(port, "/module/live/").text().contains("Edited."));

    let themes = dir.path().join("themes");
    copy_dir(&repo().join("themes/default"), &themes.join("default"));
    let base = themes.join("default/templates/base.html");
    let html = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        html.replace("<main id=\"main\"", "<main data-edited id=\"main\""),
    )
    .unwrap();
    std::fs::rename(&themes, root.join("themes")).unwrap();
    let (name, state) = events.next();
    assert_eq!(name, "reload", "{state}");
    eventually("the new theme's template", || {
        get(port, "/").text().contains("data-edited")
    });
    // Writing the site (inside the root here) does not itself count as a change.
    let last = state["version"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let (_, now) = Events::open(port).next();
    assert_eq!(now["version"].as_u64(), Some(last), "no rebuild by itself");
}

#[test]
fn redirects_never_name_another_host() {
    let (course, out) = course();
    let server = start(course.path(), &out);
    for (path, to) in [
        ("//static", "/static/"),
        ("///static", "/static/"),
        ("//module/live", "/module/live/"),
        ("/static", "/static/"),
    ] {
        let r = get(server.port, path);
        assert_eq!(r.status, 301, "{path}");
        assert_eq!(r.header("location").as_deref(), Some(to), "{path}");
    }
}

#[test]
fn malformed_request_heads_get_400() {
    let (course, out) = course();
    let server = start(course.path(), &out);
    for bytes in [
        &b"GET /\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Name: \xc3\x28\r\n\r\n",
        b"\xff\xfe\xfd\r\n\r\n",
        b"NONSENSE\r\n\r\n",
        b"GET / SPDY/3\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ] {
        let shown = String::from_utf8_lossy(bytes);
        let r = raw_request(server.port, bytes).unwrap_or_else(|| panic!("no answer: {shown:?}"));
        assert_eq!(r.status, 400, "{shown:?}");
    }
    // A head past the size limit is refused as such.
    let mut huge = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20 * 1024));
    huge.extend(b"\r\n\r\n");
    let r = raw_request(server.port, &huge).expect("an answer to a huge head");
    assert_eq!(r.status, 431);
    // And a well-formed request still works.
    assert_eq!(get(server.port, "/").status, 200);
}
