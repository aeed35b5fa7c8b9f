//! The Tandem server: the JSON API and live event streams under `/v1`, the widget's static assets,
//! the loader and the demo merchant page. `app` builds the router; `main.rs` only parses the
//! configuration and serves it.

pub mod admin;
pub mod agents;
pub mod assets;
pub mod canned;
pub mod config;
pub mod conversations;
pub mod demo;
pub mod desk;
pub mod drafts;
pub mod email;
pub mod error;
pub mod events;
pub mod floor;
pub mod handoff;
pub mod history;
pub mod hours;
pub mod identity;
pub mod limits;
pub mod ledger;
pub mod live;
pub mod merchants;
pub mod metrics;
pub mod notes;
pub mod presence;
pub mod queue;
pub mod routing;
pub mod serve;
pub mod sessions;
pub mod start;
pub mod store;
pub mod transfer;
pub mod waiting;
pub mod wait;

use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{NaiveDate, Utc};
use tandem_assistant::Assistant;

pub use config::Config;

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Every query goes through the store (SQLite or PostgreSQL).
    pub store: store::Store,
    pub config: Arc<Config>,
    pub hub: Arc<events::Hub>,
    /// Live events for agents' consoles, and which consoles are connected.
    pub agent_hub: Arc<agents::AgentHub>,
    pub assistant: Arc<Assistant>,
    pub ledger: Arc<dyn ledger::Ledger>,
    /// Verifies the provider's identity tokens (keys and rules checked at start-up).
    pub identity: Arc<identity::Verifier>,
    /// Email follow-ups, when `--smtp-url` is set (`email/`).
    pub email: Option<Arc<email::Email>>,
    /// The origin the widget is served from (`http://localhost:8080`), used for the loader, the
    /// demo page and `postMessage` targets.
    pub public_origin: Arc<str>,
    /// Set when the queue moved: waiting shoppers' positions are refreshed (`queue.rs`).
    pub positions_moved: Arc<std::sync::atomic::AtomicBool>,
    /// Rate limits and caps.
    pub limits: Arc<limits::Limits>,
    /// Connections open and refused (metrics).
    pub connections: Arc<serve::ConnectionStats>,
    /// Set once when the server shuts down: open streams tell their clients to reconnect and end.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// One assistant reply at a time per conversation, so replies come back in question order.
    reply_locks: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl AppState {
    /// Loads the identity keys, opens the database, seeds the demo data in demo mode, and
    /// assembles the state. A configuration the server must not run with (no identity key outside
    /// demo mode, a weak one, an unreadable key file) is an error that says what to fix.
    pub async fn new(config: Config, assistant: Arc<Assistant>, public_origin: String) -> anyhow::Result<Self> {
        let identity = Arc::new(identity::Verifier::from_config(&config).map_err(anyhow::Error::msg)?);
        let hub = Arc::new(events::Hub::default());
        let agent_hub = Arc::new(agents::AgentHub::default());
        let url = store::database_url(config.database_url.as_deref(), &config.data_dir)?;
        let connections = if url.starts_with("sqlite:") { 4 } else { config.database_connections };
        let pool = store::PoolSize { connections, writers: config.database_writers as usize };
        let store = store::Store::open_sized(&url, pool, live::on_commit(hub.clone(), agent_hub.clone())).await?;
        let state = AppState {
            ledger: ledger::from_config(&config.ledger, store.clone())?,
            email: email::start(&config.email, &store)?,
            identity,
            store,
            hub,
            agent_hub,
            assistant,
            public_origin: public_origin.into(),
            limits: Arc::new(limits::Limits::new(
                config.rate_limit_scale,
                limits::StreamCaps { per_session: config.max_streams_per_session, per_address: config.max_streams_per_address },
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            connections: Arc::default(),
            positions_moved: Arc::default(),
            shutdown: Arc::new(tokio::sync::watch::channel(false).0),
            reply_locks: Arc::default(),
            config: Arc::new(config),
        };
        if state.config.demo {
            demo::seed(&state).await?;
        } else {
            demo::remove_seeded(&state.store).await?;
        }
        agents::spawn_sweeper(state.clone());
        admin::retention::spawn(state.clone());
        queue::spawn_position_updates(state.clone());
        live::follow_other_instances(&state);
        let limits = state.limits.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                limits.forget_idle();
            }
        });
        Ok(state)
    }

    /// The per-conversation lock that orders assistant replies.
    pub fn reply_lock(&self, conversation_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.reply_locks.lock().expect("reply locks").entry(conversation_id.to_string()).or_default().clone()
    }

    /// Drops a conversation's reply lock once nobody else holds or waits for it.
    pub fn release_reply_lock(&self, conversation_id: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut locks = self.reply_locks.lock().expect("reply locks");
        // Two references: the map's and ours. More means another reply is waiting.
        if Arc::strong_count(&lock) <= 2 {
            locks.remove(conversation_id);
        }
    }

    /// Assistant replies still being written.
    pub fn replies_in_flight(&self) -> usize {
        self.reply_locks.lock().expect("reply locks").len()
    }

    /// "Today" for account answers: the configured fixed day, or the real date.
    pub fn today(&self) -> NaiveDate {
        self.config.today.unwrap_or_else(|| Utc::now().date_naive())
    }
}

/// The current instant as RFC 3339, the format every stored timestamp uses.
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(sessions::routes())
        .merge(start::routes())
        .merge(conversations::routes())
        .merge(merchants::routes())
        .merge(handoff::shopper_routes())
        .merge(handoff::agent_routes())
        .merge(desk::shopper_routes())
        .merge(desk::agent_routes())
        .merge(agents::routes())
        .merge(admin::routes())
        .merge(notes::routes())
        .merge(transfer::routes())
        .merge(drafts::routes())
        .merge(floor::routes())
        .merge(history::routes())
        .merge(canned::routes())
        .merge(email::routes());
    Router::new()
        .nest("/v1", api)
        .route("/metrics", axum::routing::get(metrics::metrics))
        .merge(demo::routes(&state))
        .merge(assets::routes(&state))
        .fallback(assets::not_found)
        // One layer for every request's limits and every response's headers: each layer on a
        // router wraps every route, and a request holds its route's whole stack of services for as
        // long as it runs (an SSE stream for hours), so fewer layers is less memory per open stream.
        .layer(axum::middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

/// Before the app: the client's address (for limits), the request's rate limits. After: headers
/// every response carries, and the API's own (no caching, nothing may render or frame it).
async fn front(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let address = limits::client_address(peer, forwarded, &state.config.trusted_proxies);
    req.extensions_mut().insert(limits::ClientAddress(address));
    let api = req.uri().path().starts_with("/v1/");
    let mut res = match limits::action(req.method(), req.uri().path()) {
        Some(action) => match state.limits.check(action, address, limits::bearer(req.headers())) {
            Ok(()) => next.run(req).await,
            Err(e) => e.into_response(),
        },
        None => next.run(req).await,
    };
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if api {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    }
    res
}

/// Binds `config.bind`, builds the state and serves until SIGTERM or Ctrl-C.
pub async fn serve(config: Config, assistant: Arc<Assistant>) -> anyhow::Result<()> {
    config.validate().map_err(anyhow::Error::msg)?;
    let listener = serve::bind(config.bind)?;
    let addr = listener.local_addr()?;
    let origin = std::env::var("TANDEM_PUBLIC_ORIGIN").unwrap_or_else(|_| format!("http://localhost:{}", addr.port()));
    let state = AppState::new(config, assistant, origin.clone()).await?;
    let demo = state.config.demo;
    tracing::info!(%addr, %origin, "Tandem listening");
    if demo {
        println!("Tandem demo: http://127.0.0.1:{}/demo/  (widget served from {origin})", addr.port());
        println!("Agent console: http://127.0.0.1:{}/console/", addr.port());
        for (email, name, password, role) in demo::DEMO_AGENTS {
            println!("  demo {} {name}: {email} / {password}", role.as_str());
        }
    }
    let stopping = state.clone();
    let signal = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: open streams are told to reconnect, in-flight work finishes");
        let _ = stopping.shutdown.send(true);
        // Whatever still holds a connection after this long is cut: the process exits in time.
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_secs(SHUTDOWN_GRACE_SECS)).await;
            tracing::warn!("shutdown grace period over; exiting");
            std::process::exit(0);
        });
    };
    serve_with(listener, state.clone(), signal).await;
    // Requests are done; assistant replies already accepted are written before exiting (each is
    // milliseconds; the grace period above bounds the wait).
    while state.replies_in_flight() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    state.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves the app on a bound listener until `signal` completes (tests use it with port 0).
pub async fn serve_with(listener: tokio::net::TcpListener, state: AppState, signal: impl std::future::Future<Output = ()> + Send) {
    let options = serve::ServeOptions {
        max_connections: serve::fit_connections(state.config.max_connections),
        max_per_address: state.config.max_connections_per_address,
        trusted: state.config.trusted_proxies.clone(),
        header_timeout: std::time::Duration::from_secs(state.config.header_timeout_secs),
    };
    let grace = std::time::Duration::from_secs(SHUTDOWN_GRACE_SECS);
    serve::run(listener, app(state.clone()), options, state.connections.clone(), signal, grace).await;
}

/// Seconds from SIGTERM/SIGINT to exit at the latest.
const SHUTDOWN_GRACE_SECS: u64 = 9;

/// SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
