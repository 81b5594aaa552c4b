//! Accepting connections (instead of `axum::serve`, which sets no timer and
//! so no header-read timeout: a client sending its request head a byte a
//! second kept its connection, and a file descriptor, for ever). Each
//! connection is served by hyper's HTTP/1.1 with `header_read_timeout`.
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which the proxy in
//! front ends (docs/configuration.md), and detecting a cleartext HTTP/2
//! preface is a phase no timer covers. At the stop
//! signal the listener closes, idle keep-alive connections are closed, and
//! requests in flight are answered (with `Connection: close`) for up to
//! `grace` before the rest are dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::{body::Body, extract::ConnectInfo, Router};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// At the stop: how long a just-accepted connection has to have its
/// request read before idle connections are closed.
const FIRST_READ: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A connection must send a request's whole head within this long.
    pub header_read: Duration,
    /// After the stop signal, in-flight requests may take this long.
    pub grace: Duration,
}

/// Serves `router` on `listener` until `stop` completes, then drains.
/// Returns once every connection is closed, or `grace` has passed (`false`:
/// some were still open and are dropped).
pub async fn serve(listener: TcpListener, router: Router, timeouts: Timeouts, stop: impl Future<Output = ()>) -> bool {
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeouts.header_read);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors or similar: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        serve_connection(&builder, &graceful, &router, stream, peer);
    }
    // Connections the kernel completed before the signal wait in the accept
    // queue, their requests perhaps sent: closing the listener would reset
    // them, so they are taken and served. Once it is closed, a new
    // connection is refused.
    match listener.into_std() {
        Ok(listener) => {
            while let Ok((stream, peer)) = listener.accept() {
                if let Ok(stream) = stream.set_nonblocking(true).and_then(|()| tokio::net::TcpStream::from_std(stream))
                {
                    serve_connection(&builder, &graceful, &router, stream, peer);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "closing the listener"),
    }
    let open = graceful.count();
    tracing::info!(connections = open, "stopped accepting; finishing requests in flight");
    // hyper's graceful shutdown closes a connection that has not yet read
    // anything, and one just accepted may have its request waiting unread in
    // the socket: closed then, the client would get a reset. A moment for
    // such requests to be read first (within the grace period); they are
    // then answered.
    let drain = async {
        if open > 0 {
            tokio::time::sleep(FIRST_READ).await;
        }
        graceful.shutdown().await;
    };
    tokio::time::timeout(timeouts.grace, drain).await.is_ok()
}

fn serve_connection(
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    router: &Router,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let router = router.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
        router.clone().oneshot(request.map(Body::new))
    });
    let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            // A client that left, or a head not sent in time.
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
    });
}
