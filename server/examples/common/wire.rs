//! A bare HTTP/1.1 client for the load generator's hot loop: requests written as bytes on a
//! kept-alive connection, answers read with just enough parsing (status, `Content-Length` or
//! chunked framing). The generator shares the machine's cores with the servers it measures, and
//! a general client (reqwest, hyper) spent about a third of a core on headers, pools and tasks
//! that a benchmark's fixed requests do not need. Only for servers we started ourselves: anything
//! unexpected is an error, never guessed around.

use std::io::{Error, ErrorKind, Result};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A kept-alive connection to `host:port`.
pub struct Conn {
    stream: TcpStream,
    host: String,
    /// Bytes read but not yet consumed.
    buf: Vec<u8>,
    /// Where the unconsumed bytes start in `buf`.
    at: usize,
}

/// An answer: status and whole body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

fn bad(what: &str) -> Error {
    Error::new(ErrorKind::InvalidData, what.to_string())
}

impl Conn {
    /// Connects to the server at `base` (`http://host:port`).
    pub async fn open(base: &str) -> Result<Conn> {
        let host = base.strip_prefix("http://").ok_or_else(|| bad("only http:// bases"))?.trim_end_matches('/').to_string();
        let stream = TcpStream::connect(&host).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, host, buf: Vec::with_capacity(4096), at: 0 })
    }

    /// Sends a POST with a JSON body and reads the whole answer.
    pub async fn post_json(&mut self, path: &str, bearer: &str, body: &str) -> Result<Answer> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {bearer}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        let mut req = head.into_bytes();
        req.extend_from_slice(body.as_bytes());
        self.stream.write_all(&req).await?;
        let (status, framing) = self.head().await?;
        let body = match framing {
            Framing::Length(n) => self.take(n).await?,
            Framing::Chunked => {
                let mut body = Vec::new();
                while let Some(chunk) = self.chunk().await? {
                    body.extend_from_slice(&chunk);
                }
                body
            }
        };
        Ok(Answer { status, body })
    }

    /// Sends a GET for an event stream; on 200 the connection is left reading its body (see
    /// [`Conn::chunk`]).
    pub async fn get_stream(&mut self, path: &str, bearer: &str) -> Result<()> {
        let req = format!("GET {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {bearer}\r\naccept: text/event-stream\r\n\r\n", self.host);
        self.stream.write_all(req.as_bytes()).await?;
        match self.head().await? {
            (200, Framing::Chunked) => Ok(()),
            (status, _) => Err(bad(&format!("stream answered {status}, or not chunked"))),
        }
    }

    /// The next chunk of a chunked body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let line = self.line().await?;
        let size = std::str::from_utf8(&line).ok().and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok()).ok_or_else(|| bad("chunk size"))?;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            while !self.line().await?.is_empty() {}
            return Ok(None);
        }
        let data = self.take(size).await?;
        if !self.line().await?.is_empty() {
            return Err(bad("chunk not followed by CRLF"));
        }
        Ok(Some(data))
    }

    /// Reads the status line and headers.
    async fn head(&mut self) -> Result<(u16, Framing)> {
        let status_line = self.line().await?;
        let status = status_line.get(9..12).and_then(|s| std::str::from_utf8(s).ok()?.parse().ok()).ok_or_else(|| bad("status line"))?;
        let mut framing = None;
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else { return Err(bad("header")) };
            let (name, value) = (&line[..colon], std::str::from_utf8(&line[colon + 1..]).map_err(|_| bad("header value"))?.trim());
            if name.eq_ignore_ascii_case(b"content-length") {
                framing = Some(Framing::Length(value.parse().map_err(|_| bad("content-length"))?));
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
                framing = Some(Framing::Chunked);
            }
        }
        Ok((status, framing.unwrap_or(Framing::Length(0))))
    }

    /// One line without its CRLF.
    async fn line(&mut self) -> Result<Vec<u8>> {
        loop {
            if let Some(end) = memchr::memmem::find(&self.buf[self.at..], b"\r\n") {
                let line = self.buf[self.at..self.at + end].to_vec();
                self.at += end + 2;
                return Ok(line);
            }
            self.fill().await?;
        }
    }

    /// Exactly `n` bytes.
    async fn take(&mut self, n: usize) -> Result<Vec<u8>> {
        while self.buf.len() - self.at < n {
            self.fill().await?;
        }
        let out = self.buf[self.at..self.at + n].to_vec();
        self.at += n;
        Ok(out)
    }

    /// Reads more bytes, first dropping the consumed ones.
    async fn fill(&mut self) -> Result<()> {
        if self.at > 0 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        // Into spare capacity, not zeroed first.
        self.buf.reserve(8192);
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(Error::new(ErrorKind::UnexpectedEof, "connection closed"));
        }
        Ok(())
    }
}

enum Framing {
    Length(usize),
    Chunked,
}
