//! The hand-written HTTP/1.1 layer: reading request heads, streaming request bodies
//! (Content-Length and chunked), writing responses in the normal or a deliberately broken
//! way (truncated, trickled), and real TCP resets.
//!
//! It is written by hand rather than with hyper so that every transport fault the client
//! must survive can be produced exactly: a response whose Content-Length lies, a body sent
//! one byte at a time, a connection that is reset (RST, not FIN) after the server acted.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request head accepted; anything bigger is answered 431 and the connection closed.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Size of one socket read / file chunk while streaming bodies.
pub const CHUNK: usize = 64 * 1024;

/// A parsed request line and headers. The body is read separately through [`Conn`].
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path without the query string, not percent-decoded.
    pub path: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub http11: bool,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// First query parameter with this name.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked to keep the connection open after this exchange.
    pub fn wants_keep_alive(&self) -> bool {
        let conn = self.header("connection").map(|v| v.to_ascii_lowercase());
        match conn.as_deref() {
            Some(v) if v.contains("close") => false,
            Some(v) if v.contains("keep-alive") => true,
            _ => self.http11,
        }
    }

    /// How the body is framed, from Transfer-Encoding / Content-Length.
    pub fn framing(&self) -> Result<Framing, &'static str> {
        if let Some(te) = self.header("transfer-encoding") {
            if te.to_ascii_lowercase().contains("chunked") {
                return Ok(Framing::Chunked(ChunkState::Size));
            }
            return Err("unsupported transfer-encoding");
        }
        match self.header("content-length") {
            None => Ok(Framing::Length(0)),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Framing::Length)
                .map_err(|_| "bad content-length"),
        }
    }
}

/// Remaining body framing state of the current request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// This many body bytes are still unread.
    Length(u64),
    Chunked(ChunkState),
}

/// Where a chunked body reader stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk with this many bytes left (then a CRLF).
    Data(u64),
    /// The terminating chunk and trailers were consumed.
    Done,
}

impl Framing {
    /// True once the whole body has been consumed.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Framing::Length(0) | Framing::Chunked(ChunkState::Done)
        )
    }
}

/// Why reading a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("request head too large")]
    HeadTooLarge,
    #[error("body too large")]
    BodyTooLarge,
}

/// One client connection with its read-ahead buffer.
pub struct Conn {
    stream: TcpStream,
    /// Bytes received but not yet consumed (pipelined data, start of a body).
    buf: Vec<u8>,
    /// A `100 Continue` is owed before the first body read.
    owe_continue: bool,
}

impl Conn {
    pub fn new(stream: TcpStream) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
            owe_continue: false,
        }
    }

    async fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = vec![0u8; CHUNK];
        let n = self.stream.read(&mut tmp).await?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// Reads the next request head. `Ok(None)` means the peer closed cleanly between requests.
    pub async fn read_head(&mut self) -> Result<Option<Request>, ReadError> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                let req = parse_head(&head[..end])?;
                self.owe_continue = req
                    .header("expect")
                    .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
                return Ok(Some(req));
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(ReadError::HeadTooLarge);
            }
            if self.fill().await? == 0 {
                if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                    return Ok(None);
                }
                return Err(ReadError::Malformed("connection closed mid-head"));
            }
        }
    }

    async fn send_continue_if_owed(&mut self) -> io::Result<()> {
        if self.owe_continue {
            self.owe_continue = false;
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        Ok(())
    }

    /// Next piece of the body, or `None` at its end. Never returns an empty chunk.
    pub async fn next_body_chunk(
        &mut self,
        framing: &mut Framing,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        if framing.is_done() {
            return Ok(None);
        }
        self.send_continue_if_owed().await?;
        loop {
            match *framing {
                Framing::Length(0) | Framing::Chunked(ChunkState::Done) => return Ok(None),
                Framing::Length(left) => {
                    if self.buf.is_empty() && self.fill().await? == 0 {
                        return Err(ReadError::Malformed("body ended early"));
                    }
                    let take = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len());
                    let out: Vec<u8> = self.buf.drain(..take).collect();
                    *framing = Framing::Length(left - take as u64);
                    return Ok(Some(out));
                }
                Framing::Chunked(ChunkState::Size) => {
                    let line = self.read_line().await?;
                    let size_str = line.split(';').next().unwrap_or("").trim();
                    let size = u64::from_str_radix(size_str, 16)
                        .map_err(|_| ReadError::Malformed("bad chunk size"))?;
                    if size == 0 {
                        // Trailers until the empty line.
                        loop {
                            if self.read_line().await?.is_empty() {
                                break;
                            }
                        }
                        *framing = Framing::Chunked(ChunkState::Done);
                    } else {
                        *framing = Framing::Chunked(ChunkState::Data(size));
                    }
                }
                Framing::Chunked(ChunkState::Data(left)) => {
                    if self.buf.is_empty() && self.fill().await? == 0 {
                        return Err(ReadError::Malformed("chunk ended early"));
                    }
                    let take = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len());
                    let out: Vec<u8> = self.buf.drain(..take).collect();
                    let rest = left - take as u64;
                    if rest == 0 {
                        let crlf = self.read_line().await?;
                        if !crlf.is_empty() {
                            return Err(ReadError::Malformed("missing CRLF after chunk"));
                        }
                        *framing = Framing::Chunked(ChunkState::Size);
                    } else {
                        *framing = Framing::Chunked(ChunkState::Data(rest));
                    }
                    return Ok(Some(out));
                }
            }
        }
    }

    async fn read_line(&mut self) -> Result<String, ReadError> {
        loop {
            if let Some(pos) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..pos + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..pos]).into_owned());
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(ReadError::Malformed("line too long"));
            }
            if self.fill().await? == 0 {
                return Err(ReadError::Malformed("connection closed mid-line"));
            }
        }
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes.
    pub async fn read_body(
        &mut self,
        framing: &mut Framing,
        limit: usize,
    ) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_body_chunk(framing).await? {
            if out.len() + chunk.len() > limit {
                return Err(ReadError::BodyTooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Writes a response. `head_only` suppresses the body (HEAD requests) but keeps its length.
    pub async fn write_response(
        &mut self,
        resp: &Response,
        keep_alive: bool,
        head_only: bool,
        mode: WriteMode,
    ) -> io::Result<()> {
        let len = resp.body.len();
        let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
        for (k, v) in &resp.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {len}\r\n"));
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        self.stream.write_all(head.as_bytes()).await?;
        if head_only {
            return self.stream.flush().await;
        }
        let send = match mode {
            // Half the promised bytes (at least one short), then the caller closes.
            WriteMode::Truncated => len / 2,
            _ => len,
        };
        match &resp.body {
            Body::Bytes(b) => self.write_slice(&b[..send as usize], mode).await?,
            Body::Static(b) => self.write_slice(&b[..send as usize], mode).await?,
            Body::File { path, start, .. } => {
                let mut f = tokio::fs::File::open(path).await?;
                f.seek(io::SeekFrom::Start(*start)).await?;
                let mut left = send;
                let mut buf = vec![0u8; CHUNK];
                while left > 0 {
                    let want = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
                    let n = f.read(&mut buf[..want]).await?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "file shrank while serving",
                        ));
                    }
                    self.write_slice(&buf[..n], mode).await?;
                    left -= n as u64;
                }
            }
        }
        self.stream.flush().await
    }

    async fn write_slice(&mut self, bytes: &[u8], mode: WriteMode) -> io::Result<()> {
        match mode {
            WriteMode::Trickle(pause) => {
                for b in bytes {
                    self.stream.write_all(std::slice::from_ref(b)).await?;
                    self.stream.flush().await?;
                    tokio::time::sleep(pause).await;
                }
                Ok(())
            }
            _ => self.stream.write_all(bytes).await,
        }
    }

    /// Ends the connection with a real TCP RST: SO_LINGER 0, then close.
    pub fn reset(self) {
        // Ignoring the error is right: if linger cannot be set the socket is closing anyway.
        let _ = socket2::SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
        drop(self.stream);
    }

    /// Closes with a normal FIN. Then, briefly, reads and discards what the peer still
    /// sends (an unread request body), because closing a socket with unread data makes the
    /// kernel send an RST that could destroy the response before the client reads it.
    pub async fn close(mut self) {
        let _ = self.stream.shutdown().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0usize;
        while total < 64 * 1024 * 1024 {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => total += n,
                _ => break,
            }
        }
    }
}

/// How the response body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Normal,
    /// Content-Length promises the full body; only half is sent, then the connection closes.
    Truncated,
    /// One byte, then this pause, for every body byte.
    Trickle(Duration),
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Extra headers; Content-Length and Connection are added by the writer.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// Response body source.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// `len` bytes of a file starting at `start`.
    File {
        path: PathBuf,
        start: u64,
        len: u64,
    },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Static(b) => b.len() as u64,
            Body::File { len, .. } => *len,
        }
    }
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Body::Bytes(value.to_string().into_bytes()),
        }
    }

    /// The common `{"message": …}` error shape.
    pub fn message(status: u16, msg: &str) -> Self {
        Self::json(status, &serde_json::json!({ "message": msg }))
    }

    /// A response with a raw body and content type.
    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Body::Bytes(body),
        }
    }

    /// The body as bytes when it is held in memory.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(b) => Some(b),
            Body::Static(b) => Some(b),
            Body::File { .. } => None,
        }
    }

    /// Replaces (or adds) a header.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> Result<Request, ReadError> {
    let text = std::str::from_utf8(head).map_err(|_| ReadError::Malformed("non-utf8 head"))?;
    // Tolerate stray CRLFs before the request line (allowed by RFC 9112).
    let text = text.trim_start_matches(['\r', '\n']);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(ReadError::Malformed("empty head"))?;
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().ok_or(ReadError::Malformed("no target"))?;
    let version = parts.next().ok_or(ReadError::Malformed("no version"))?;
    if method.is_empty() || !version.starts_with("HTTP/1.") {
        return Err(ReadError::Malformed("bad request line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (k, v) = line
            .split_once(':')
            .ok_or(ReadError::Malformed("bad header line"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    // Absolute-form targets (proxies) are reduced to their path.
    let target = match target.find("://") {
        Some(i) => {
            let rest = &target[i + 3..];
            rest.find('/').map_or("/", |p| &rest[p..])
        }
        None => target,
    };
    let (path, qs) = target.split_once('?').unwrap_or((target, ""));
    Ok(Request {
        method,
        path: path.to_string(),
        query: parse_query(qs),
        http11: version == "HTTP/1.1",
        headers,
    })
}

/// Parses `a=1&b=x%20y` into decoded pairs.
pub fn parse_query(qs: &str) -> Vec<(String, String)> {
    qs.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` as space; invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard reason phrase for a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query() {
        let q = parse_query("taskId=task_abc&x=a%20b+c&bad=%zz&tail=%4");
        assert_eq!(q[0], ("taskId".into(), "task_abc".into()));
        assert_eq!(q[1].1, "a b c");
        assert_eq!(q[2].1, "%zz");
        assert_eq!(q[3].1, "%4");
    }

    #[test]
    fn parses_head() {
        let r = parse_head(b"GET /api/v1/x?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close")
            .expect("valid head");
        assert_eq!(r.path, "/api/v1/x");
        assert_eq!(r.query("a"), Some("1"));
        assert!(!r.wants_keep_alive());
    }
}
