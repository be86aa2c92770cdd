//! The accept loop: HTTP/1.1 with keep-alive and `Expect: 100-continue`, and h2c with prior
//! knowledge, on one listener; graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Gateway;

/// A running server.
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<Duration>>,
    join: JoinHandle<()>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets in-flight requests finish for at most `grace`, then stops the
    /// services (flushing their storage) and returns.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(grace);
        }
        let _ = (&mut self.join).await;
    }
}

/// Serves `gateway` on `listener` until [`ServerHandle::shutdown`].
pub fn serve(listener: TcpListener, gateway: Arc<Gateway>) -> std::io::Result<ServerHandle> {
    let local_addr = listener.local_addr()?;
    let (stop_tx, mut stop_rx) = oneshot::channel::<Duration>();
    let join = tokio::spawn(async move {
        let graceful = GracefulShutdown::new();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .keep_alive(true)
            .timer(hyper_util::rt::TokioTimer::new());
        builder.http2().timer(hyper_util::rt::TokioTimer::new());
        let grace = loop {
            tokio::select! {
                stop = &mut stop_rx => break stop.unwrap_or(Duration::from_secs(10)),
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(x) => x,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let gw = gateway.clone();
                    let svc = service_fn(move |req| {
                        let gw = gw.clone();
                        async move { Ok::<_, std::convert::Infallible>(gw.handle(req, peer).await) }
                    });
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
                    let conn = graceful.watch(conn.into_owned());
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
            }
        };
        drop(listener);
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not finish within {grace:?}; closing them");
        }
        gateway.shutdown_services().await;
    });
    Ok(ServerHandle {
        local_addr,
        stop: Some(stop_tx),
        join,
    })
}
