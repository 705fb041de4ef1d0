//! The dev server's HTTP side, on hyper's HTTP/1.1 server: keep-alive, a deadline for
//! every request head, and idle connections that are tasks of one event loop rather than
//! threads. What is served is decided here and in `files`, never by library defaults:
//! 127.0.0.1 only, this machine's host names only, GET and HEAD only, files of the output
//! folder only, and build states streamed to browsers as server-sent events.

use super::body::{Body, response, text};
use super::files::{self, Conditions};
use super::{BuildState, Shared};
use hyper::body::{Bytes, Incoming};
use hyper::header;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Path of the server-sent events stream.
pub const EVENTS_PATH: &str = "/__crescu/events";
/// Room for a request head; a larger one is refused with 431 (hyper's floor is 8 KiB).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Time for a whole request head, however it is split into reads, and for an idle
/// keep-alive connection to start its next one: a client sending a byte now and then
/// cannot hold a connection longer than this.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Connections open at once. Each costs a task and a file descriptor, not a thread; the
/// cap keeps descriptors for the build.
pub const MAX_CONNECTIONS: usize = 512;
/// Connections past the cap that are still answered 503; past both, they are closed.
const MAX_TURNED_AWAY: usize = 32;
/// How long an answer that ends a connection waits for the client to read it and close:
/// closing with its request unread would reset the connection, losing the answer.
const LINGER: Duration = Duration::from_secs(2);
/// How often an idle event stream sends a comment; its failed write ends the stream of
/// a page that is gone.
const KEEPALIVE: Duration = Duration::from_secs(2);
/// Threads that may block on the disk at once, opening and reading files.
const DISK_THREADS: usize = 8;

/// One of a limited number of places, given back when dropped.
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

/// Serve `listener` on a thread of its own until the process ends.
pub fn start(listener: std::net::TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    // One thread runs every connection; file access goes to a small pool beside it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(DISK_THREADS)
        .thread_name("crescu-http")
        .build()?;
    std::thread::Builder::new()
        .name("crescu-http".into())
        .spawn(move || runtime.block_on(accept_loop(listener, shared)))?;
    Ok(())
}

/// Accept connections for ever. The loop itself never reads or writes, so no client can
/// hold it up.
async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let (open, turning_away) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors, most likely: let connections end before trying again.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if let Some(slot) = Slot::take(&open, MAX_CONNECTIONS) {
            tokio::spawn(serve_connection(stream, Arc::clone(&shared), slot));
        } else if let Some(slot) = Slot::take(&turning_away, MAX_TURNED_AWAY) {
            tokio::spawn(turn_away(stream, slot));
        }
        // Otherwise the stream is dropped here: closed unanswered.
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, _slot: Slot) {
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(route(request, shared).await) }
    });
    // Errors here are clients that went away or timed out: nothing to report.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Answer 503 and close without leaving the request unread; a client that does not close
/// within `LINGER` is dropped.
async fn turn_away(mut stream: TcpStream, _slot: Slot) {
    let answer = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 44\r\nRetry-After: 1\r\nConnection: close\r\n\r\nthe dev server is busy; try again in a moment";
    let _ = tokio::time::timeout(LINGER, async {
        stream.write_all(answer).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

async fn route(request: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    // Header values are read as text below; a client sending other bytes is refused,
    // as is one that wants more than files.
    if request
        .headers()
        .values()
        .any(|v| std::str::from_utf8(v.as_bytes()).is_err())
    {
        return text(StatusCode::BAD_REQUEST, "bad request");
    }
    let head_only = match *request.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            let headers = [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::ALLOW, "GET, HEAD"),
                (header::CONNECTION, "close"),
            ];
            return response(
                StatusCode::METHOD_NOT_ALLOWED,
                &headers,
                Body::bytes("only GET and HEAD"),
            );
        }
    };
    // Pages of the dev server are for this machine's browser only: a page elsewhere that
    // points a host name at 127.0.0.1 (DNS rebinding) gets nothing.
    if let Some(host) = request.headers().get(header::HOST)
        && !host.to_str().is_ok_and(is_local_host)
    {
        return text(StatusCode::FORBIDDEN, "forbidden");
    }
    // Only a path: a target naming a host (`http://x/`, `x:80`) or without its leading
    // slash is nothing of ours.
    let uri = request.uri();
    let path = match uri.path_and_query() {
        Some(p) if uri.authority().is_none() && p.as_str().starts_with('/') => p.path(),
        _ => "",
    };
    if path == EVENTS_PATH && !head_only {
        return event_stream(&shared);
    }
    let (path, conditions) = (path.to_string(), Conditions::of(request.headers()));
    tokio::task::spawn_blocking(move || files::answer(&shared, &path, &conditions))
        .await
        .unwrap_or_else(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
}

fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

/// Server-sent events: the current build state at once, then each new one, fed by a task
/// that ends when the page goes away.
fn event_stream(shared: &Shared) -> Response<Body> {
    let mut states = shared.subscribe();
    let (sender, receiver) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let first = states.borrow_and_update().clone();
        if sender.send(event("state", &first)).await.is_err() {
            return;
        }
        loop {
            let message = tokio::select! {
                changed = states.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let state = states.borrow_and_update().clone();
                    let name = if state.error.is_some() { "build-error" } else { "reload" };
                    event(name, &state)
                }
                () = tokio::time::sleep(KEEPALIVE) => Bytes::from_static(b": keepalive\n\n"),
            };
            if sender.send(message).await.is_err() {
                return;
            }
        }
    });
    let headers = [
        (header::CONTENT_TYPE, "text/event-stream"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    response(StatusCode::OK, &headers, Body::Events(receiver))
}

fn event(name: &str, state: &BuildState) -> Bytes {
    let data = serde_json::json!({
        "version": state.version,
        "error": state.error,
        "problems": state.problems,
    });
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_of_this_machine_only() {
        assert!(
            is_local_host("127.0.0.1:1111")
                && is_local_host("localhost")
                && is_local_host("[::1]:80")
        );
        assert!(!is_local_host("evil.example:1111"));
        assert!(!is_local_host("127.0.0.1.evil.example"));
    }
}
