//! Files of the output folder as HTTP answers: our own path policy (nothing outside the
//! folder, symlinks included), MIME types, the reload script in served HTML, validators
//! (`ETag` -> 304) and byte ranges (206, 416). Everything here may block on the disk, so
//! the server calls it off its event loop.

use super::Shared;
use super::body::{Body, response, text};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

const RELOAD_SCRIPT: &str = include_str!("reload.js");
/// Pages are read whole to inject the reload script; none is near this size.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;
const HTML: &str = "text/html; charset=utf-8";

/// What a request asks of a file beyond its path: validators and a byte range.
#[derive(Clone, Debug, Default)]
pub struct Conditions {
    if_none_match: Option<String>,
    range: Option<String>,
    if_range: Option<String>,
}

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Conditions {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        Conditions {
            if_none_match: text(header::IF_NONE_MATCH),
            range: text(header::RANGE),
            if_range: text(header::IF_RANGE),
        }
    }

    /// Whether the client already holds the version tagged `etag`.
    fn holds(&self, etag: &str) -> bool {
        self.if_none_match.as_deref().is_some_and(|list| {
            list.split(',').map(str::trim).any(|tag| {
                // Weak comparison, as RFC 9110 asks for `If-None-Match`.
                tag == "*" || tag.trim_start_matches("W/") == etag
            })
        })
    }

    /// The range asked for, unless `If-Range` names another version.
    fn range(&self, etag: &str) -> Option<&str> {
        match &self.if_range {
            Some(tag) if tag.trim() != etag => None,
            _ => self.range.as_deref(),
        }
    }
}

/// The answer to a GET or HEAD of `path` (the request path, still percent-encoded).
pub fn answer(shared: &Shared, path: &str, conditions: &Conditions) -> Response<Body> {
    let opened = {
        // Not while a rebuild swaps the output folder.
        let _swap = shared.swap.read().unwrap_or_else(|e| e.into_inner());
        match resolve(&shared.output, path) {
            Resolved::File(file) => std::fs::File::open(&file).ok().map(|f| (file, f)),
            Resolved::Folder => {
                // One leading slash: browsers read `//name/` as another host.
                let location = format!("/{}/", path.trim_start_matches(['/', '\\']));
                return redirect(&location);
            }
            Resolved::Missing => None,
        }
    };
    let version = shared.state().version;
    let Some((file, handle)) = opened else {
        return not_found(&shared.output, version);
    };
    let kind = content_type(&file);
    if kind == HTML {
        return page(StatusCode::OK, handle, version, conditions);
    }
    asset(kind, handle, conditions).unwrap_or_else(|_| not_found(&shared.output, version))
}

/// The site's 404 page, or a bare one while there is no site (the first build failed)
/// that still carries the script, so the error overlay shows.
fn not_found(output: &Path, version: u64) -> Response<Body> {
    match std::fs::File::open(output.join("404.html")) {
        Ok(handle) => page(
            StatusCode::NOT_FOUND,
            handle,
            version,
            &Conditions::default(),
        ),
        Err(_) => {
            let page = b"<!doctype html><title>Not found</title><body><p>Not found.</p></body>";
            let body = inject_reload(page, version);
            base(StatusCode::NOT_FOUND, HTML)
                .body(Body::bytes(body))
                .unwrap_or_default()
        }
    }
}

/// An HTML page with the reload script. Its tag covers the build version the script
/// carries, so a page is fetched anew after every build.
fn page(
    status: StatusCode,
    handle: std::fs::File,
    version: u64,
    conditions: &Conditions,
) -> Response<Body> {
    let etag = handle
        .metadata()
        .ok()
        .map(|meta| format!("{}-v{version}\"", tag(&meta).trim_end_matches('"')));
    if status == StatusCode::OK
        && let Some(etag) = &etag
        && conditions.holds(etag)
    {
        return not_modified(etag);
    }
    let mut html = Vec::new();
    if handle.take(MAX_PAGE_BYTES).read_to_end(&mut html).is_err() {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page could not be read",
        );
    }
    let mut response = base(status, HTML);
    if let Some(etag) = etag.filter(|_| status == StatusCode::OK) {
        response = response.header(header::ETAG, etag);
    }
    response
        .body(Body::bytes(inject_reload(&html, version)))
        .unwrap_or_default()
}

/// Any other file, whole or the one byte range asked for.
fn asset(
    kind: &'static str,
    mut handle: std::fs::File,
    conditions: &Conditions,
) -> std::io::Result<Response<Body>> {
    let meta = handle.metadata()?;
    let (len, etag) = (meta.len(), tag(&meta));
    if conditions.holds(&etag) {
        return Ok(not_modified(&etag));
    }
    let response = base(StatusCode::OK, kind)
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes");
    let (response, start, count) = match conditions.range(&etag).and_then(|r| byte_range(r, len)) {
        None => (response, 0, len),
        Some(Ok((first, last))) => (
            response
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}")),
            first,
            last - first + 1,
        ),
        Some(Err(Unsatisfiable)) => {
            let response = response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"));
            return Ok(response.body(Body::empty()).unwrap_or_default());
        }
    };
    handle.seek(SeekFrom::Start(start))?;
    let body = Body::File {
        file: tokio::fs::File::from_std(handle),
        remaining: count,
    };
    Ok(response
        .header(header::CONTENT_LENGTH, count)
        .body(body)
        .unwrap_or_default())
}

/// A strong validator from what changes whenever a build writes the file anew.
fn tag(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    format!("\"{:x}-{modified:x}-{inode:x}\"", meta.len())
}

/// A range no byte of the file falls in: answered 416.
#[derive(Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The first and last byte of a `Range: bytes=...` header for a file of `len` bytes.
/// `None` for what is served whole instead: a header we do not read (another unit, a
/// malformed one) or several ranges, which RFC 9110 lets a server answer whole.
pub fn byte_range(header: &str, len: u64) -> Option<Result<(u64, u64), Unsatisfiable>> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `-N`: the last N bytes.
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 || len == 0 {
            return Some(Err(Unsatisfiable));
        }
        return Some(Ok((len.saturating_sub(suffix), len - 1)));
    }
    let first: u64 = first.parse().ok()?;
    let last: u64 = if last.is_empty() {
        u64::MAX
    } else {
        last.parse().ok()?
    };
    if last < first {
        return None;
    }
    if first >= len {
        return Some(Err(Unsatisfiable));
    }
    Some(Ok((first, last.min(len - 1))))
}

/// Headers every file answer has. Pages are stored but checked again on every use, so
/// an edit always shows and an unchanged file costs a 304.
fn base(status: StatusCode, kind: &'static str) -> hyper::http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, kind)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
}

fn not_modified(etag: &str) -> Response<Body> {
    let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, "no-cache")];
    response(StatusCode::NOT_MODIFIED, &headers, Body::empty())
}

fn redirect(location: &str) -> Response<Body> {
    let headers = [
        (header::LOCATION, location),
        (header::CACHE_CONTROL, "no-store"),
    ];
    response(StatusCode::MOVED_PERMANENTLY, &headers, Body::empty())
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
        "csv" => "text/csv; charset=utf-8",
        "map" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "ogv" => "video/ogg",
        "wav" => "audio/wav",
        "vtt" => "text/vtt; charset=utf-8",
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
    fn byte_ranges() {
        let ok = |first, last| Some(Ok((first, last)));
        assert_eq!(byte_range("bytes=0-99", 1000), ok(0, 99));
        assert_eq!(byte_range("bytes=900-", 1000), ok(900, 999));
        assert_eq!(byte_range("bytes=900-5000", 1000), ok(900, 999));
        assert_eq!(byte_range("bytes=-100", 1000), ok(900, 999));
        assert_eq!(byte_range("bytes=-5000", 1000), ok(0, 999));
        assert_eq!(byte_range(" bytes= 5 - 5 ", 1000), ok(5, 5));
        for unsatisfiable in ["bytes=1000-", "bytes=5000-6000", "bytes=-0"] {
            assert_eq!(
                byte_range(unsatisfiable, 1000),
                Some(Err(Unsatisfiable)),
                "{unsatisfiable}"
            );
        }
        assert_eq!(byte_range("bytes=0-", 0), Some(Err(Unsatisfiable)));
        for whole in [
            "items=0-5",
            "bytes=5-1",
            "bytes=0-1,5-6",
            "bytes=a-b",
            "bytes=",
            "0-5",
        ] {
            assert_eq!(byte_range(whole, 1000), None, "{whole}");
        }
    }

    #[test]
    fn validators_compare_weakly_and_if_range_strongly() {
        let with = |name: header::HeaderName, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            Conditions::of(&headers)
        };
        let etag = "\"a-b-c\"";
        assert!(with(header::IF_NONE_MATCH, "\"x\", W/\"a-b-c\"").holds(etag));
        assert!(with(header::IF_NONE_MATCH, "*").holds(etag));
        assert!(!with(header::IF_NONE_MATCH, "\"a-b\"").holds(etag));
        assert!(!Conditions::default().holds(etag));
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=0-1"));
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"old\""));
        assert_eq!(Conditions::of(&headers).range(etag), None);
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"a-b-c\""));
        assert_eq!(Conditions::of(&headers).range(etag), Some("bytes=0-1"));
    }

    #[test]
    fn media_types_of_course_and_theme_files() {
        for (name, kind) in [
            ("a.svg", "image/svg+xml"),
            ("a.woff2", "font/woff2"),
            ("a.webm", "video/webm"),
            ("a.MP4", "video/mp4"),
            ("a.wasm", "application/wasm"),
            ("a.json", "application/json"),
            ("sitemap.xml", "application/xml"),
            ("style.css", "text/css; charset=utf-8"),
            ("crescu.js", "text/javascript; charset=utf-8"),
            ("index.html", HTML),
            ("a.unknown", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), kind, "{name}");
        }
    }
}
