//! Idle connections: a stream that notes when bytes move, and a timer that fires once none
//! have for a while.
//!
//! Every read and write passes through here, so noting a byte is one relaxed store and reads
//! no clock; the timer instead looks a few times per limit and fires after a whole limit of
//! looks that saw nothing, so a connection is closed after between one limit and a quarter
//! more of silence.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Looks per limit.
const LOOKS: u32 = 4;

/// Whether a connection moved a byte since the timer last looked.
#[derive(Debug, Clone, Default)]
pub(super) struct Activity {
    moved: Arc<AtomicBool>,
}

impl Activity {
    fn touch(&self) {
        self.moved.store(true, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for at least `limit`.
    pub(super) async fn silent_for(&self, limit: Duration) {
        let look = limit / LOOKS;
        let mut quiet = 0;
        while quiet < LOOKS {
            tokio::time::sleep(look).await;
            if self.moved.swap(false, Ordering::Relaxed) {
                quiet = 0;
            } else {
                quiet += 1;
            }
        }
    }
}

/// A TCP stream that records when bytes move.
#[derive(Debug)]
pub(super) struct Watched {
    pub(super) inner: TcpStream,
    pub(super) activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    #[tokio::test]
    async fn silence_is_measured_from_the_last_byte() {
        let activity = Activity::default();
        let started = Instant::now();
        let limit = Duration::from_millis(200);
        let toucher = {
            let activity = activity.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(150)).await;
                activity.touch();
            })
        };
        activity.silent_for(limit).await;
        toucher.await.ok();
        let waited = started.elapsed();
        // Silent for a whole limit after the byte at 150 ms, and not much more.
        assert!(waited >= Duration::from_millis(350), "{waited:?}");
        assert!(waited < Duration::from_millis(1500), "{waited:?}");
    }

    #[tokio::test]
    async fn a_silent_connection_is_found_within_a_quarter_more_than_the_limit() {
        let activity = Activity::default();
        let started = Instant::now();
        activity.silent_for(Duration::from_millis(200)).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert!(waited < Duration::from_millis(1000), "{waited:?}");
    }
}
