//! The router as hyper calls it on one connection: hyper calls the service once a request's
//! head is parsed, so the call marks the connection busy, and the response body carries the
//! mark until it ends.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Body, Frame, SizeHint};
use hyper::{Request, Response};

use super::waiting::{Busy, TrackedConnection};

/// A service that marks its connection busy for each request it answers.
#[derive(Debug, Clone)]
pub(super) struct Tracked<S> {
    pub(super) inner: S,
    pub(super) connection: TrackedConnection,
}

type Answer<B, E> = Pin<Box<dyn Future<Output = Result<Response<Answering<B>>, E>> + Send>>;

impl<S, R, B> hyper::service::Service<Request<R>> for Tracked<S>
where
    S: hyper::service::Service<Request<R>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    B: 'static,
{
    type Response = Response<Answering<B>>;
    type Error = S::Error;
    type Future = Answer<B, S::Error>;

    fn call(&self, request: Request<R>) -> Self::Future {
        let busy = self.connection.busy();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| Answering {
                inner: body,
                busy: Some(busy),
            }))
        })
    }
}

/// A response body that keeps its connection marked busy until it has been sent or dropped.
#[derive(Debug)]
pub(super) struct Answering<B> {
    inner: B,
    busy: Option<Busy>,
}

impl<B: Body + Unpin> Body for Answering<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.busy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::super::waiting::Waiting;
    use super::*;

    #[tokio::test]
    async fn a_response_keeps_its_connection_busy_until_its_body_ends() {
        use http_body_util::BodyExt as _;

        let waiting = Arc::new(Waiting::default());
        let (a, _a_evicted) = Waiting::register(&waiting);
        let mut body = Answering {
            inner: axum::body::Body::from("answer"),
            busy: Some(a.busy()),
        };
        assert!(!waiting.any());
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "answer");
        assert!(!waiting.any(), "the body has not ended yet");
        assert!(body.frame().await.is_none());
        assert!(waiting.any());
        drop(body);
        assert!(waiting.evict_longest());
        assert!(!waiting.evict_longest(), "ending and dropping count once");
    }
}
