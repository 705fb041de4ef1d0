//! The one response body type of the dev server: bytes in memory, a stretch of a file read
//! as the client takes it, or a stream of server-sent events.

use hyper::body::{Bytes, Frame, SizeHint};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

/// Bytes read from a file per frame: large enough for few wake-ups, small enough that a
/// video sent to a slow client costs little memory.
const CHUNK: usize = 64 * 1024;

pub enum Body {
    Bytes(Option<Bytes>),
    /// `remaining` bytes of `file`, from where it is positioned.
    File {
        file: tokio::fs::File,
        remaining: u64,
    },
    /// Events as the stream's task produces them; ends when the task does.
    Events(mpsc::Receiver<Bytes>),
}

impl Body {
    pub fn bytes(bytes: impl Into<Bytes>) -> Body {
        Body::Bytes(Some(bytes.into()))
    }

    pub fn empty() -> Body {
        Body::Bytes(None)
    }
}

/// Only for a response builder given a header value it refuses, which ours never are.
impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Bytes(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Body::File { file, remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = (*remaining).min(CHUNK as u64) as usize;
                let mut chunk = vec![0u8; want];
                let mut buf = ReadBuf::new(&mut chunk);
                ready!(Pin::new(file).poll_read(cx, &mut buf))?;
                let n = buf.filled().len();
                if n == 0 {
                    // The file shrank after its length was sent: the response cannot be
                    // completed, so the connection is cut rather than padded.
                    return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                }
                *remaining -= n as u64;
                chunk.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
            Body::Events(events) => events.poll_recv(cx).map(|e| e.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Bytes(bytes) => bytes.is_none(),
            Body::File { remaining, .. } => *remaining == 0,
            Body::Events(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Bytes(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Body::File { remaining, .. } => SizeHint::with_exact(*remaining),
            Body::Events(_) => SizeHint::default(),
        }
    }
}

/// A response of `status` with `headers` and `body`. A header value that is not one
/// (never ours) is left out rather than sent broken.
pub fn response(status: StatusCode, headers: &[(HeaderName, &str)], body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name.clone(), value);
        }
    }
    response
}

/// A short plain-text answer that ends the connection: used for requests that are refused,
/// whose clients have nothing more to ask on it.
pub fn text(status: StatusCode, message: &'static str) -> Response<Body> {
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::CONNECTION, "close"),
    ];
    response(status, &headers, Body::bytes(message))
}
