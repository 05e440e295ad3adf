//! Running the service: `serve` on a listener the caller bound, or `RunningCartService` on a
//! thread of its own (for synchronous callers and tests that need a real socket).

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::routes::app;
use crate::state::CartState;

/// Serves the Cart Service on `listener` until the future is dropped or the listener fails.
pub async fn serve(listener: TcpListener, state: CartState) -> io::Result<()> {
    axum::serve(listener, app(state)).await
}

/// Like [`serve`], but returns once `shutdown` resolves, after in-flight requests finish.
pub async fn serve_until(
    listener: TcpListener,
    state: CartState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The service running on its own thread and runtime. Dropping it stops the service at once:
/// in-flight requests are abandoned and the port is closed.
#[derive(Debug)]
pub struct RunningCartService {
    addr: SocketAddr,
    state: CartState,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningCartService {
    /// Starts the service on an ephemeral loopback port.
    pub fn start(state: CartState) -> io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), state)
    }

    /// Starts the service on `addr` (port 0 picks a free one).
    pub fn start_on(addr: SocketAddr, state: CartState) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("cart-service-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        result = serve(listener, served) => {
                            if let Err(e) = result {
                                tracing::error!(error = %e, "cart service stopped");
                            }
                        }
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here cancels every connection task.
            })?;
        Ok(RunningCartService {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The live state: change carts or faults, read the request log.
    pub fn state(&self) -> &CartState {
        &self.state
    }

    /// Stops the service and waits until its port is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningCartService {
    fn drop(&mut self) {
        self.shutdown();
    }
}
