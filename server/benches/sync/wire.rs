//! A minimal HTTP/1.1 client over one keep-alive TCP connection that counts every byte it
//! writes and reads, so that the bytes per order on the wire are measured, not estimated:
//! request line and headers, request body, status line and headers, response body (HTTP
//! level; TCP/IP framing is not counted). Every mode of the benchmark goes through it, so
//! the client's own cost is the same for all of them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Bytes of one exchange, or a sum of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes {
    pub request_head: u64,
    pub request_body: u64,
    pub response_head: u64,
    pub response_body: u64,
}

impl Bytes {
    pub fn add(&mut self, other: Bytes) {
        self.request_head += other.request_head;
        self.request_body += other.request_body;
        self.response_head += other.response_head;
        self.response_body += other.response_body;
    }
}

/// One request and its answer.
#[derive(Debug)]
pub struct Exchange {
    pub status: u16,
    pub body: Vec<u8>,
    pub bytes: Bytes,
    /// From the first byte written to the last byte read.
    pub elapsed: Duration,
}

#[derive(Debug)]
pub struct Connection {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Connection {
    pub fn new(addr: &str) -> Connection {
        Connection {
            addr: addr.to_owned(),
            stream: None,
        }
    }

    /// Opens the connection unless it is open (so that a measurement need not include it).
    pub fn connect(&mut self) -> Result<&mut BufReader<TcpStream>, String> {
        if self.stream.is_none() {
            let socket = TcpStream::connect(&self.addr)
                .map_err(|e| format!("cannot connect to {}: {e}", self.addr))?;
            socket
                .set_nodelay(true)
                .and_then(|()| socket.set_read_timeout(Some(Duration::from_secs(60))))
                .map_err(|e| format!("cannot set up the socket: {e}"))?;
            self.stream = Some(BufReader::with_capacity(64 * 1024, socket));
        }
        self.stream
            .as_mut()
            .ok_or_else(|| "no connection".to_owned())
    }

    /// Sends `method path` with `headers` and `body` (as `application/json` when given) and
    /// reads the whole answer. Reconnects when the server closed the connection.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Exchange, String> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\n", self.addr);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        let request_head = request.len() as u64;
        request.extend_from_slice(body.unwrap_or_default());

        let started = Instant::now();
        let stream = self.connect()?;
        stream
            .get_mut()
            .write_all(&request)
            .map_err(|e| format!("{method} {path}: write failed: {e}"))?;
        let answer = read_answer(stream).map_err(|e| format!("{method} {path}: {e}"));
        let elapsed = started.elapsed();
        let (status, response_head, body, close) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                self.stream = None;
                return Err(e);
            }
        };
        if close {
            self.stream = None;
        }
        Ok(Exchange {
            status,
            bytes: Bytes {
                request_head,
                request_body: request.len() as u64 - request_head,
                response_head,
                response_body: body.len() as u64,
            },
            body,
            elapsed,
        })
    }
}

/// Status, head bytes, body and whether the server will close the connection.
fn read_answer(stream: &mut BufReader<TcpStream>) -> Result<(u16, u64, Vec<u8>, bool), String> {
    let mut head_bytes = 0u64;
    let mut line = Vec::new();
    let mut status = None;
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    loop {
        line.clear();
        let n = stream
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("reading the answer failed: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection before answering".into());
        }
        head_bytes += n as u64;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text.is_empty() {
            break;
        }
        if status.is_none() {
            status = text
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse::<u16>().ok());
            if status.is_none() {
                return Err(format!("not an HTTP status line: {text}"));
            }
            continue;
        }
        let Some((name, value)) = text.split_once(':') else {
            continue;
        };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.contains("chunked"),
            "connection" => close = value == "close",
            _ => {}
        }
    }
    let status = status.ok_or("no status line")?;
    let mut body = Vec::new();
    if chunked {
        // Chunk framing is on the wire too: count it with the head.
        loop {
            line.clear();
            let n = stream
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("reading a chunk failed: {e}"))?;
            head_bytes += n as u64;
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&line)
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default(),
                16,
            )
            .map_err(|_| "a malformed chunk size")?;
            let start = body.len();
            body.resize(start + size, 0);
            stream
                .read_exact(body.get_mut(start..).unwrap_or_default())
                .map_err(|e| format!("reading a chunk failed: {e}"))?;
            let mut crlf = [0u8; 2];
            stream
                .read_exact(&mut crlf)
                .map_err(|e| format!("reading a chunk failed: {e}"))?;
            head_bytes += 2;
            if size == 0 {
                break;
            }
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        stream
            .read_exact(&mut body)
            .map_err(|e| format!("reading the body failed: {e}"))?;
    }
    Ok((status, head_bytes, body, close))
}
