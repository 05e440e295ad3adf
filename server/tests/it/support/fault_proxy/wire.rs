//! Just enough HTTP/1.1 for the proxy to find where each request and each response ends
//! (`Content-Length`, chunked, or the end of the connection), so that a fault can be applied to
//! one exchange of a keep-alive connection and the next one still goes through. Bodies are kept
//! as they are on the wire (chunk sizes and trailers included) and relayed byte for byte.
//!
//! Not handled, because no client of the tests uses them: `Expect: 100-continue` (the proxy
//! waits for the whole body before forwarding), upgrades, and pipelined requests beyond the
//! one being relayed (they wait in the buffer and are read after it, which is still correct).

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most a head (request or status line and headers) or a chunk-size line may take.
const MAX_HEAD: usize = 64 * 1024;

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: a request without a length, a response to HEAD, 1xx, 204, 304.
    Empty,
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`, up to the last chunk and its trailers.
    Chunked,
    /// A response without a length: its body ends when the server closes.
    UntilClose,
}

/// One side of a proxied connection: the socket and what was read from it but not yet used.
#[derive(Debug)]
pub struct Wire {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Wire {
    pub fn new(stream: TcpStream) -> Wire {
        // Small writes (a head, then its body) must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        Wire {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads what has arrived into the buffer; 0 at the end of the stream. Cancel-safe: the
    /// bytes of a read that completed are in the buffer, so the proxy can wait for the client
    /// and the server at once.
    pub async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(16 * 1024);
        self.stream.read_buf(&mut self.buf).await
    }

    /// Whether bytes of a next message already wait in the buffer.
    pub fn has_buffered(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Takes a complete head out of the buffer, if one is there.
    pub fn take_head(&mut self) -> io::Result<Option<Vec<u8>>> {
        match find(&self.buf, b"\r\n\r\n") {
            Some(end) => Ok(Some(self.buf.drain(..end + 4).collect())),
            None if self.buf.len() > MAX_HEAD => Err(invalid("head too long")),
            None => Ok(None),
        }
    }

    /// Reads a whole head; `None` if the peer closed before sending a byte of it.
    pub async fn read_head(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(head) = self.take_head()? {
                return Ok(Some(head));
            }
            if self.fill().await? == 0 {
                return match self.buf.is_empty() {
                    true => Ok(None),
                    false => Err(io::ErrorKind::UnexpectedEof.into()),
                };
            }
        }
    }

    /// Reads a whole body delimited by `framing`, as its bytes are on the wire.
    pub async fn read_body(&mut self, framing: Framing) -> io::Result<Vec<u8>> {
        let len = match framing {
            Framing::Empty => 0,
            Framing::Length(len) => {
                self.need(len).await?;
                len
            }
            Framing::Chunked => self.chunked_len().await?,
            Framing::UntilClose => {
                while self.fill().await? > 0 {}
                self.buf.len()
            }
        };
        Ok(self.buf.drain(..len).collect())
    }

    /// Writes `bytes` whole.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// The length of the chunked body at the start of the buffer, read in as far as needed.
    async fn chunked_len(&mut self) -> io::Result<usize> {
        let mut at = 0;
        loop {
            let line_end = self.line_end(at).await?;
            let line = self.buf.get(at..line_end - 2).unwrap_or_default();
            let size = chunk_size(line)?;
            at = line_end;
            if size == 0 {
                // Trailer fields, then the empty line that ends the body.
                loop {
                    let end = self.line_end(at).await?;
                    let empty = end - at == 2;
                    at = end;
                    if empty {
                        return Ok(at);
                    }
                }
            }
            let data_end = at
                .checked_add(size)
                .and_then(|end| end.checked_add(2))
                .ok_or_else(|| invalid("chunk size overflows"))?;
            self.need(data_end).await?;
            if self.buf.get(data_end - 2..data_end) != Some(b"\r\n".as_slice()) {
                return Err(invalid("chunk without its CRLF"));
            }
            at = data_end;
        }
    }

    /// The index just past the CRLF of the line that starts at `from`.
    async fn line_end(&mut self, from: usize) -> io::Result<usize> {
        loop {
            let rest = self.buf.get(from..).unwrap_or_default();
            if let Some(at) = find(rest, b"\r\n") {
                return Ok(from + at + 2);
            }
            if rest.len() > MAX_HEAD {
                return Err(invalid("line too long"));
            }
            self.more().await?;
        }
    }

    /// Waits until the buffer holds at least `len` bytes.
    async fn need(&mut self, len: usize) -> io::Result<()> {
        while self.buf.len() < len {
            self.more().await?;
        }
        Ok(())
    }

    /// Reads more; the end of the stream here is a message cut short.
    async fn more(&mut self) -> io::Result<()> {
        match self.fill().await? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            _ => Ok(()),
        }
    }
}

/// A parsed head: the start line and the header fields, the raw bytes kept by the caller.
#[derive(Debug, Clone)]
pub struct Head {
    pub start: String,
    fields: Vec<(String, String)>,
}

impl Head {
    pub fn parse(raw: &[u8]) -> io::Result<Head> {
        // Field values may hold any octet (obs-text); the proxy only needs the ASCII ones.
        let text = String::from_utf8_lossy(raw);
        let mut lines = text.split("\r\n").filter(|line| !line.is_empty());
        let start = lines
            .next()
            .ok_or_else(|| invalid("empty head"))?
            .to_owned();
        let fields = lines
            .map(|line| {
                let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad field"))?;
                Ok((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            })
            .collect::<io::Result<_>>()?;
        Ok(Head { start, fields })
    }

    /// The values of the field `name` (lower case), split at commas.
    fn tokens<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.tokens(name).any(|t| t.eq_ignore_ascii_case(token))
    }

    /// The body's framing when the message carries one: chunked wins over a length (RFC 9112
    /// 6.3), and a length must be one number.
    fn framing(&self) -> io::Result<Option<Framing>> {
        if self.has_token("transfer-encoding", "chunked") {
            return Ok(Some(Framing::Chunked));
        }
        let mut lengths = self.tokens("content-length");
        match (lengths.next(), lengths.next()) {
            (None, _) => Ok(None),
            (Some(len), None) => len
                .parse()
                .map(|len| Some(Framing::Length(len)))
                .map_err(|_| invalid("bad content-length")),
            (Some(_), Some(_)) => Err(invalid("several content-lengths")),
        }
    }

    /// Whether the connection ends after this message.
    pub fn closes(&self) -> bool {
        let http10 = self.start.contains("HTTP/1.0");
        self.has_token("connection", "close")
            || (http10 && !self.has_token("connection", "keep-alive"))
    }
}

/// A request head: its method and target, and how its body ends.
#[derive(Debug, Clone)]
pub struct Request {
    pub head: Head,
    pub method: String,
    pub target: String,
    pub framing: Framing,
}

impl Request {
    pub fn parse(raw: &[u8]) -> io::Result<Request> {
        let head = Head::parse(raw)?;
        let mut parts = head.start.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let framing = head.framing()?.unwrap_or(Framing::Empty);
        Ok(Request {
            head,
            method,
            target,
            framing,
        })
    }

    /// The target's path, without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// A response head: its status, and how its body ends (which depends on the request).
#[derive(Debug, Clone)]
pub struct Response {
    pub head: Head,
    pub status: u16,
    pub framing: Framing,
}

impl Response {
    pub fn parse(raw: &[u8], request_method: &str) -> io::Result<Response> {
        let head = Head::parse(raw)?;
        let status: u16 = head
            .start
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let bodiless = request_method.eq_ignore_ascii_case("HEAD")
            || (100..200).contains(&status)
            || status == 204
            || status == 304;
        let framing = match bodiless {
            true => Framing::Empty,
            false => head.framing()?.unwrap_or(Framing::UntilClose),
        };
        Ok(Response {
            head,
            status,
            framing,
        })
    }

    /// A 1xx answer: the final answer still follows.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

fn chunk_size(line: &[u8]) -> io::Result<usize> {
    let text = std::str::from_utf8(line).map_err(|_| invalid("bad chunk size"))?;
    let digits = text.split(';').next().unwrap_or_default().trim();
    usize::from_str_radix(digits, 16).map_err(|_| invalid("bad chunk size"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{Framing, Request, Response};

    fn request(head: &str) -> Request {
        Request::parse(head.as_bytes()).expect("a request head")
    }

    fn framing(head: &str, method: &str) -> Framing {
        Response::parse(head.as_bytes(), method)
            .expect("a response head")
            .framing
    }

    #[test]
    fn a_request_is_framed_by_its_length_or_its_chunks_and_has_no_body_otherwise() {
        let sized = request("POST /sync/push?x=1 HTTP/1.1\r\nContent-Length: 12\r\n\r\n");
        assert_eq!(
            (sized.method.as_str(), sized.path()),
            ("POST", "/sync/push")
        );
        assert_eq!(sized.framing, Framing::Length(12));
        let chunked =
            "POST / HTTP/1.1\r\ncontent-length: 5\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n";
        assert_eq!(request(chunked).framing, Framing::Chunked);
        assert_eq!(request("GET / HTTP/1.1\r\n\r\n").framing, Framing::Empty);
        let twice = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert!(Request::parse(twice.as_bytes()).is_err());
        assert!(Request::parse(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n").is_err());
    }

    #[test]
    fn a_response_is_framed_by_the_method_its_status_and_its_length() {
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(framing(sized, "GET"), Framing::Length(3));
        assert_eq!(framing(sized, "HEAD"), Framing::Empty);
        for status in ["100 Continue", "204 No Content", "304 Not Modified"] {
            assert_eq!(
                framing(&format!("HTTP/1.1 {status}\r\n\r\n"), "GET"),
                Framing::Empty
            );
        }
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n", "GET"),
            Framing::UntilClose
        );
        assert!(Response::parse(b"HTTP/1.1 2xx OK\r\n\r\n", "GET").is_err());
    }

    #[test]
    fn a_connection_closes_when_a_message_says_so_or_speaks_http_1_0() {
        let closes = |head: &str| request(head).head.closes();
        assert!(!closes("GET / HTTP/1.1\r\n\r\n"));
        assert!(closes("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(closes("GET / HTTP/1.0\r\n\r\n"));
        assert!(!closes("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }
}
