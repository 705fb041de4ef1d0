//! The dev server's HTTP side: a small HTTP/1.1 server on std's `TcpListener`, one thread
//! per connection and one request per connection. It answers GET and HEAD with files of
//! the output folder only, injects the live-reload script into HTML, and streams build
//! states to browsers as server-sent events.

use super::{BuildState, Shared};
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Path of the server-sent events stream.
pub const EVENTS_PATH: &str = "/__crescu/events";
const RELOAD_SCRIPT: &str = include_str!("reload.js");
/// A request head larger than this is refused.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Time for a whole request head, however it is split into reads: a client sending a
/// byte now and then cannot hold a connection longer than this.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Pages are read whole to inject the reload script; none is near this size.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Connections served at once.
const MAX_CONNECTIONS: usize = 128;
/// Connections past the cap that are still answered 503; past both, they are closed.
const MAX_TURNED_AWAY: usize = 16;
/// How long an answer that ends a connection waits for the client to read it and close:
/// closing with its request unread would reset the connection, losing the answer.
const LINGER: Duration = Duration::from_secs(2);
/// How often an idle event stream checks that its browser is still there (and sends a
/// comment, whose failed write also ends the stream).
const KEEPALIVE: Duration = Duration::from_secs(2);
const TEXT: &str = "text/plain; charset=utf-8";

/// One of a limited number of places, given back when dropped (also when the thread
/// holding it could not be started).
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(count)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accept connections until the process ends. The loop itself never reads or writes, so
/// no client can hold it up.
pub fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let (serving, turning_away) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if let Some(slot) = Slot::take(&serving, MAX_CONNECTIONS) {
            let shared = Arc::clone(&shared);
            spawn(move || {
                let _slot = slot;
                // Errors here are clients that went away: nothing to report.
                let _ = handle(stream, &shared);
            });
        } else if let Some(slot) = Slot::take(&turning_away, MAX_TURNED_AWAY) {
            spawn(move || {
                let _slot = slot;
                let _ = answer_and_close(
                    stream,
                    503,
                    b"the dev server is busy; try again in a moment",
                    &[("Retry-After", "1")],
                );
            });
        }
        // Otherwise the stream is dropped here: closed unanswered.
    }
}

/// Run `f` on a thread of its own. When no thread can be started, `f` is dropped unrun,
/// and with it the connection (closed) and its slot (given back).
fn spawn(f: impl FnOnce() + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("crescu-http".into())
        .spawn(f);
}

struct Request {
    method: String,
    target: String,
    host: Option<String>,
}

/// Why a request head is answered with an error instead of served.
#[derive(Debug, PartialEq, Eq)]
enum BadHead {
    /// Not UTF-8, or not `METHOD TARGET HTTP/1.x` followed by headers.
    Malformed,
    TooLarge,
    TimedOut,
}

impl BadHead {
    fn answer(&self) -> (u16, &'static [u8]) {
        match self {
            BadHead::Malformed => (400, b"bad request"),
            BadHead::TooLarge => (431, b"request head too large"),
            BadHead::TimedOut => (408, b"request head not received in time"),
        }
    }
}

/// Read a request head as bytes, within `HEAD_DEADLINE` and `MAX_HEAD_BYTES`. An error
/// means the client left without a complete head.
fn read_head(stream: &mut TcpStream) -> io::Result<Result<Request, BadHead>> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Ok(Err(BadHead::TimedOut));
        }
        stream.set_read_timeout(Some(remaining))?;
        let room = (MAX_HEAD_BYTES + 1 - head.len()).min(chunk.len());
        let n = match stream.read(&mut chunk[..room]) {
            Ok(0) if head.is_empty() => return Err(io::ErrorKind::UnexpectedEof.into()),
            // Half a head and then the end: the client may still read an answer.
            Ok(0) => return Ok(Err(BadHead::Malformed)),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        // Only the new bytes (and the three before them) can complete the blank line.
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&head[from..]) {
            return Ok(parse_head(&head[..from + end]));
        }
        if head.len() > MAX_HEAD_BYTES {
            return Ok(Err(BadHead::TooLarge));
        }
    }
}

/// Where the blank line ending a head starts, if `bytes` hold one.
fn head_end(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find(|&i| bytes[i..].starts_with(b"\n\n") || bytes[i..].starts_with(b"\n\r\n"))
}

fn parse_head(head: &[u8]) -> Result<Request, BadHead> {
    let text = std::str::from_utf8(head).map_err(|_| BadHead::Malformed)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    if line.chars().any(char::is_control) {
        return Err(BadHead::Malformed);
    }
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BadHead::Malformed);
    };
    if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
        return Err(BadHead::Malformed);
    }
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        host: None,
    };
    for header in lines {
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("host")
        {
            request.host = Some(value.trim().to_string());
        }
    }
    Ok(request)
}

fn handle(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let request = match read_head(&mut stream)? {
        Ok(request) => request,
        Err(bad) => {
            let (status, body) = bad.answer();
            return answer_and_close(stream, status, body, &[]);
        }
    };
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return respond(&mut stream, 405, TEXT, b"only GET and HEAD", false);
        }
    };
    // Pages of the dev server are for this machine's browser only: a page elsewhere that
    // points a host name at 127.0.0.1 (DNS rebinding) gets nothing.
    if let Some(host) = &request.host
        && !is_local_host(host)
    {
        return respond(&mut stream, 403, TEXT, b"forbidden", head_only);
    }
    let path = request.target.split(['?', '#']).next().unwrap_or_default();
    if path == EVENTS_PATH && !head_only {
        return event_stream(stream, shared);
    }
    serve_file(&mut stream, shared, path, head_only)
}

/// Answer and end the connection without leaving unread bytes behind; a client that
/// does not close within `LINGER` is dropped.
fn answer_and_close(
    mut stream: TcpStream,
    status: u16,
    body: &[u8],
    extra: &[(&str, &str)],
) -> io::Result<()> {
    stream.set_write_timeout(Some(LINGER))?;
    write_head(&mut stream, status, TEXT, body.len() as u64, extra)?;
    stream.write_all(body)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)?;
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Ok(());
        }
        stream.set_read_timeout(Some(remaining))?;
        if stream.read(&mut sink)? == 0 {
            return Ok(());
        }
    }
}

fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

fn serve_file(
    stream: &mut TcpStream,
    shared: &Shared,
    path: &str,
    head_only: bool,
) -> io::Result<()> {
    let found = {
        // Not while a rebuild swaps the output folder.
        let _swap = shared.swap.read().unwrap_or_else(|e| e.into_inner());
        match resolve(&shared.output, path) {
            Resolved::File(file) => std::fs::File::open(&file).ok().map(|f| (file, f)),
            Resolved::Folder => {
                // One leading slash: browsers read `//name/` as another host.
                let location = format!("/{}/", path.trim_start_matches(['/', '\\']));
                return redirect(stream, &location);
            }
            Resolved::Missing => None,
        }
    };
    let (status, file, handle) = match found {
        Some((file, handle)) => (200, file, handle),
        None => {
            let page = shared.output.join("404.html");
            match std::fs::File::open(&page) {
                Ok(handle) => (404, page, handle),
                Err(_) => {
                    // No site yet (the first build failed): a bare page that still carries
                    // the script, so the error overlay shows.
                    let page =
                        b"<!doctype html><title>Not found</title><body><p>Not found.</p></body>";
                    let body = inject_reload(page, shared.state().version);
                    return respond(stream, 404, "text/html; charset=utf-8", &body, head_only);
                }
            }
        }
    };
    let kind = content_type(&file);
    if kind.starts_with("text/html") {
        let mut html = Vec::new();
        handle.take(MAX_PAGE_BYTES).read_to_end(&mut html)?;
        let version = shared.state().version;
        let body = inject_reload(&html, version);
        return respond(stream, status, kind, &body, head_only);
    }
    let len = handle.metadata()?.len();
    write_head(stream, status, kind, len, &[])?;
    if !head_only {
        io::copy(&mut BufReader::new(handle), stream)?;
    }
    stream.flush()
}

/// What a request path names inside the output folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing slash: relative links inside its index
    /// page only work once the browser's address ends with `/`.
    Folder,
    Missing,
}

/// Map a request path to a file of `root` (an absolute, canonical folder). Anything that
/// would leave the folder — `..` in any spelling, absolute paths, symlinks pointing
/// out — is `Missing`.
pub fn resolve(root: &Path, path: &str) -> Resolved {
    let Some(rest) = path.strip_prefix('/') else {
        return Resolved::Missing;
    };
    let Some(decoded) = percent_decode(rest) else {
        return Resolved::Missing;
    };
    let mut candidate = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() || segment == "." {
            continue;
        }
        // Only plain names: no `..`, no drive or root prefixes, no backslash separators.
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) if !segment.contains('\\') => {
                candidate.push(segment)
            }
            _ => return Resolved::Missing,
        }
    }
    // Follow symlinks, then insist the result is still inside the folder.
    let Ok(real) = candidate.canonicalize() else {
        return Resolved::Missing;
    };
    if !real.starts_with(root) {
        return Resolved::Missing;
    }
    if real.is_dir() {
        if !decoded.is_empty() && !decoded.ends_with('/') {
            return Resolved::Folder;
        }
        let index = real.join("index.html");
        return match index.canonicalize() {
            Ok(i) if i.starts_with(root) && i.is_file() => Resolved::File(i),
            _ => Resolved::Missing,
        };
    }
    if real.is_file() {
        Resolved::File(real)
    } else {
        Resolved::Missing
    }
}

/// Decode `%XX` escapes; `None` for malformed escapes, NUL bytes or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return None;
    }
    String::from_utf8(out).ok()
}

pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// The page with the live-reload script before its closing `</body>` (or at the end).
pub fn inject_reload(html: &[u8], version: u64) -> Vec<u8> {
    let script = format!(
        "<script>window.__crescuVersion={version};</script><script>{RELOAD_SCRIPT}</script>\n"
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn write_head(
    stream: &mut TcpStream,
    status: u16,
    kind: &str,
    len: u64,
    extra: &[(&str, &str)],
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {len}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        reason(status)
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    kind: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    write_head(stream, status, kind, body.len() as u64, &[])?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn redirect(stream: &mut TcpStream, location: &str) -> io::Result<()> {
    write_head(stream, 301, TEXT, 0, &[("Location", location)])?;
    stream.flush()
}

/// Server-sent events: the current build state at once, then each new one.
fn event_stream(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
    )?;
    let mut state = shared.state();
    stream.write_all(event("state", &state).as_bytes())?;
    stream.flush()?;
    loop {
        match shared.wait_for_change(state.version, KEEPALIVE) {
            Some(next) => {
                let name = if next.error.is_some() {
                    "build-error"
                } else {
                    "reload"
                };
                stream.write_all(event(name, &next).as_bytes())?;
                state = next;
            }
            None if client_left(&stream) => return Ok(()),
            None => stream.write_all(b": keepalive\n\n")?,
        }
        stream.flush()?;
    }
}

/// Whether the client of an event stream closed its side. A browser sends nothing after
/// its request, so the end of input means the page is gone; a write to it would only
/// fail on the next try.
fn client_left(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let left = match (&*stream).read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    left || stream.set_nonblocking(false).is_err()
}

fn event(name: &str, state: &BuildState) -> String {
    let data = serde_json::json!({
        "version": state.version,
        "error": state.error,
        "problems": state.problems,
    });
    format!("event: {name}\ndata: {data}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_only_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/index.html"), "x").unwrap();
        std::fs::write(root.join("my file.txt"), "x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        let root = root.canonicalize().unwrap();
        assert_eq!(
            resolve(&root, "/a/"),
            Resolved::File(root.join("a/index.html"))
        );
        assert_eq!(resolve(&root, "/a"), Resolved::Folder);
        assert_eq!(
            resolve(&root, "/my%20file.txt"),
            Resolved::File(root.join("my file.txt"))
        );
        for bad in [
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2fsecret.txt",
            "/..%5csecret.txt",
            "//etc/passwd",
            "/%2fetc%2fpasswd",
            "/a/%00",
            "/%zz",
            "secret.txt",
        ] {
            assert_eq!(resolve(&root, bad), Resolved::Missing, "{bad}");
        }
    }

    #[test]
    fn script_goes_before_the_body_end() {
        let out = inject_reload(b"<html><body><p>x</p></body></html>", 7);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("__crescuVersion=7"));
        assert!(text.ends_with("</script>\n</body></html>"));
    }

    #[test]
    fn heads_are_read_as_bytes() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n"), Some(14));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        let request = parse_head(b"GET /a?b HTTP/1.0\r\nhOsT:  localhost:1 \r").unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("GET", "/a?b")
        );
        assert_eq!(request.host.as_deref(), Some("localhost:1"));
        for bad in [
            &b"GET /\xff HTTP/1.1"[..],
            b"GET / HTTP/1.1\r\nX: \xc3\x28",
            b"GET  / HTTP/1.1",
            b"GET / HTTP/1.1 extra",
            b"GET /\t HTTP/1.1",
            b"GET / HTTP/2",
            b"",
        ] {
            assert_eq!(
                parse_head(bad).err(),
                Some(BadHead::Malformed),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn host_names_of_this_machine_only() {
        assert!(
            is_local_host("127.0.0.1:1111")
                && is_local_host("localhost")
                && is_local_host("[::1]:80")
        );
        assert!(!is_local_host("evil.example:1111"));
    }
}
