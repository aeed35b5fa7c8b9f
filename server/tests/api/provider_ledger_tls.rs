//! The provider's account API over mutual TLS: Tandem presents its client certificate
//! (`--ledger-client-cert`, `--ledger-client-key`) and trusts only the provider's CA
//! (`--ledger-ca`). The stub here is an HTTPS server that requires a client certificate from its
//! CA. Certificates: `server/tests/fixtures/tls/make.sh` (the guide's openssl steps).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use tandem_assistant::account::demo_account;
use tandem_server::ledger::{account_json, Lookup, Unavailable};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::helpers::{spawn_app_with, TestApp};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

/// What the TLS stub has seen.
#[derive(Clone, Default)]
struct Seen {
    /// Requests answered (over a handshake with a valid client certificate).
    served: Arc<AtomicUsize>,
    /// Handshakes that failed (no certificate, or one from another CA).
    refused: Arc<AtomicUsize>,
}

/// A TCP listener that completes a TLS handshake (client certificate required) before handing
/// a connection to axum; failed handshakes are counted and dropped.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    seen: Seen,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else { continue };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, addr),
                Err(_) => {
                    self.seen.refused.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Starts the HTTPS stub on 127.0.0.1:0; its base URL.
async fn spawn_tls_stub(seen: Seen) -> String {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fixture("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots)).build().unwrap();
    let chain: Vec<CertificateDer> = CertificateDer::pem_file_iter(fixture("server.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = ServerConfig::builder().with_client_cert_verifier(verifier).with_single_cert(chain, key).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://127.0.0.1:{}/provider", tcp.local_addr().unwrap().port());
    let listener = TlsListener { tcp, acceptor: TlsAcceptor::from(Arc::new(config)), seen: seen.clone() };
    let router = axum::Router::new().route("/provider/accounts/{id}", axum::routing::get(account)).with_state(seen);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

async fn account(State(seen): State<Seen>, Path(id): Path<String>) -> Response {
    seen.served.fetch_add(1, Ordering::SeqCst);
    let mut account = demo_account(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    account.shopper_id = id;
    axum::Json(account_json(&account)).into_response()
}

/// Tandem calling `base` with the given client certificate (no signing key), trusting `ca`.
async fn tandem(base: &str, client: &str, ca: Option<&str>) -> TestApp {
    let (base, cert, key, ca) = (base.to_string(), fixture(&format!("{client}.pem")), fixture(&format!("{client}.key")), ca.map(fixture));
    spawn_app_with(move |c| {
        c.ledger.ledger_url = Some(base);
        c.ledger.ledger_client_cert = Some(cert);
        c.ledger.ledger_client_key = Some(key);
        c.ledger.ledger_ca = ca;
        c.ledger.ledger_timeout_ms = 2000;
    })
    .await
}

#[tokio::test]
async fn with_its_client_certificate_tandem_reads_the_account_over_mutual_tls() {
    let seen = Seen::default();
    let base = spawn_tls_stub(seen.clone()).await;
    let app = tandem(&base, "client", Some("ca.pem")).await;
    match app.state.ledger.snapshot("alex").await {
        Lookup::Found(a) => assert_eq!(a.name, "Alex Morgan"),
        other => panic!("{other:?}"),
    }
    assert_eq!((seen.served.load(Ordering::SeqCst), seen.refused.load(Ordering::SeqCst)), (1, 0));
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused_by_the_provider() {
    let seen = Seen::default();
    let base = spawn_tls_stub(seen.clone()).await;
    let app = tandem(&base, "rogue-client", Some("ca.pem")).await;
    let lookup = app.state.ledger.snapshot("alex").await;
    assert!(matches!(lookup, Lookup::Unavailable(Unavailable::Unreachable(_))), "{lookup:?}");
    assert_eq!(seen.served.load(Ordering::SeqCst), 0);
    assert!(seen.refused.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn the_apis_certificate_must_come_from_a_trusted_ca() {
    let seen = Seen::default();
    let base = spawn_tls_stub(seen.clone()).await;
    // Without --ledger-ca only the public roots are trusted, and the test CA is not one of them.
    let app = tandem(&base, "client", None).await;
    let lookup = app.state.ledger.snapshot("alex").await;
    match &lookup {
        Lookup::Unavailable(Unavailable::Unreachable(why)) => assert!(why.to_lowercase().contains("certificate"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.served.load(Ordering::SeqCst), 0);
}
