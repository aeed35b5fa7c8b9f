//! The HTTP server loop: accepts connections up to a limit, and up to a share of it per client
//! address (the rest are closed at once instead of starving everyone of file descriptors), gives
//! each a header-read timeout that also runs while a client sends nothing at all (slowloris, idle
//! keep-alive), passes the peer address to the app, and shuts down gracefully. HTTP/1.1 only: the
//! server sits behind a TLS-terminating proxy, and browsers never speak clear-text HTTP/2.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Connection figures for `/metrics`.
#[derive(Default)]
pub struct ConnectionStats {
    /// Connections closed at once because the limit was reached.
    pub refused: AtomicU64,
    /// Connections open now.
    pub open: AtomicU64,
}

/// How the loop treats connections.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub max_connections: usize,
    /// Connections one client address may hold (reverse proxies in `trusted` are exempt: every
    /// shopper comes through them).
    pub max_per_address: usize,
    pub trusted: Vec<IpAddr>,
    pub header_timeout: Duration,
}

/// Open connections per client address.
#[derive(Default)]
struct PerAddress(std::sync::Mutex<HashMap<IpAddr, usize>>);

impl PerAddress {
    fn try_take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressSlot> {
        let mut map = self.0.lock().expect("per-address lock");
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AddressSlot { owner: self.clone(), ip })
    }
}

/// One connection counted against its address until dropped.
struct AddressSlot {
    owner: Arc<PerAddress>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self.owner.0.lock().expect("per-address lock");
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `signal` completes, then lets open connections finish
/// (streams are ended by the app's own shutdown signal) for at most `grace`.
pub async fn run(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    stats: Arc<ConnectionStats>,
    signal: impl Future<Output = ()> + Send,
    grace: Duration,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(options.header_timeout).keep_alive(true);
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted: wait
                    // a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut signal => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        let address_slot = if options.trusted.contains(&peer.ip()) {
            None
        } else {
            match per_address.try_take(peer.ip(), options.max_per_address.max(1)) {
                Some(s) => Some(s),
                None => {
                    stats.refused.fetch_add(1, Ordering::Relaxed);
                    drop(stream);
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let stats = stats.clone();
        stats.open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let _ = conn.await;
            stats.open.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
            drop(address_slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the grace period");
    }
}

/// Binds `addr` with a listen backlog of 4,096 (the default, 128, drops connection attempts of a
/// burst, each then waiting a second for its retried SYN).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Raises this process's open-file limit to its hard limit and returns the connection limit that
/// fits in it (leaving room for the database, files and the listener), at most `wanted`.
pub fn fit_connections(wanted: usize) -> usize {
    #[cfg(unix)]
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim.rlim_cur = lim.rlim_max;
                }
            }
            let room = (lim.rlim_cur as usize).saturating_sub(128).max(16);
            if room < wanted {
                tracing::warn!(limit = lim.rlim_cur, connections = room, "the open-file limit allows fewer connections than configured");
            }
            return wanted.min(room);
        }
    }
    wanted
}
