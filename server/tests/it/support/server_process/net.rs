//! The server's port and its `/health`, with nothing but the standard library, so that
//! starting a server needs no runtime.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A loopback port nothing listens on, chosen below the kernel's ephemeral range: the server
/// keeps it across restarts, and while it is down no outgoing connection can be given it as
/// its local port (as one could a port from the ephemeral range), so the restart finds it
/// free.
pub fn pick_port() -> io::Result<u16> {
    let low = ephemeral_low();
    if low > 12_000 {
        for _ in 0..100 {
            let port = fastrand::u16(10_000..low);
            if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(port);
            }
        }
    }
    // An unusual range: take what the kernel gives.
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The first port of the kernel's ephemeral range (Linux's default when unreadable).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// Whether `GET /health` at `addr` answers 200 right now.
pub fn healthy(addr: SocketAddr) -> bool {
    let probe = || -> io::Result<bool> {
        let patience = Duration::from_secs(2);
        let mut stream = TcpStream::connect_timeout(&addr, patience)?;
        stream.set_read_timeout(Some(patience))?;
        stream.set_write_timeout(Some(patience))?;
        write!(
            stream,
            "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(answer.starts_with(b"HTTP/1.1 200"))
    };
    probe().unwrap_or(false)
}
