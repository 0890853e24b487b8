//! HTTP/2 over TLS: against a loopback TLS server with a self-signed
//! certificate, the async client speaks HTTP/2 when the server offers `h2` by
//! ALPN, and HTTP/1.1 when it offers only `http/1.1`; calls and streams work
//! either way, and concurrent streams share one connection under HTTP/2.
//!
//! The server is hyper-util's auto connection builder (HTTP/1.1 and HTTP/2)
//! over tokio-rustls, so the only difference between the two servers is the
//! ALPN list: what it records for each request is what the client chose.
//!
//! The client: the SDK-owned client trusts only the webpki roots, and with
//! `Tls::Rustls` reqwest keeps the SDK's preconfigured rustls config as it is
//! (roots added to the builder afterwards are not used), so these tests bring a
//! rustls config of their own with the test root and the SDK's ALPN list
//! (`tls.rs` tests that list on the SDK's own config). With the `native-tls`
//! feature, one more test goes through `http_client_builder(Tls::NativeTls)`.
// The client side is a rustls config of its own, handed to reqwest's rustls backend.
#![cfg(feature = "rustls")]
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use pareta_async::{AsyncPareta, reqwest};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Barrier;

const H2: &[u8] = b"h2";
const HTTP1: &[u8] = b"http/1.1";
/// The SDK's ALPN list (see `rustls_offers_h2_before_http1` in src/tls.rs).
const CLIENT_ALPN: [&[u8]; 2] = [H2, HTTP1];

/// Chunks in the served chat stream.
const CHUNKS: usize = 5;
/// No test here should take more than a few seconds; this bounds a hang.
const BOUND: Duration = Duration::from_secs(20);

const MODELS: &str =
    r#"{"object":"list","data":[{"id":"ep_contract_kie","object":"model","owned_by":"pareta","created":1767225600}]}"#;

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    /// The protocol ALPN chose on its connection.
    alpn: Option<Vec<u8>>,
    version: Version,
    path: String,
}

struct Server {
    base: String,
    root: CertificateDer<'static>,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Starts a TLS server on 127.0.0.1 offering `alpn`. With `hold`, each chat
/// stream waits until `hold` streams have arrived before it answers, so a
/// client must have them all open at once.
async fn serve(alpn: &[&[u8]], hold: Option<usize>) -> Server {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let root = key.cert.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![root.clone()], private)
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let barrier = hold.map(|n| Arc::new(Barrier::new(n)));
    let (seen2, connections2) = (Arc::clone(&seen), Arc::clone(&connections));
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { continue };
            connections2.fetch_add(1, Ordering::SeqCst);
            let (acceptor, seen, barrier) = (acceptor.clone(), Arc::clone(&seen2), barrier.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(sock).await else { return };
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let svc = service_fn(move |req: Request<Incoming>| {
                    seen.lock().unwrap().push(Seen {
                        alpn: alpn.clone(),
                        version: req.version(),
                        path: req.uri().path().to_owned(),
                    });
                    answer(req, barrier.clone())
                });
                let mut builder = auto::Builder::new(TokioExecutor::new());
                // hyper's default is 200 streams per connection; say it.
                builder.http2().max_concurrent_streams(1_000);
                let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
            });
        }
    });
    Server { base, root, seen, connections }
}

async fn answer(req: Request<Incoming>, barrier: Option<Arc<Barrier>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (content_type, body) = match req.uri().path() {
        "/v1/models" => ("application/json", Bytes::from_static(MODELS.as_bytes())),
        "/v1/chat/completions" => {
            if let Some(barrier) = barrier {
                barrier.wait().await;
            }
            ("text/event-stream", Bytes::from(sse(CHUNKS)))
        }
        _ => return Ok(Response::builder().status(404).body(Full::new(Bytes::new())).unwrap()),
    };
    Ok(Response::builder()
        .header("content-type", content_type)
        .header("x-request-id", "req_h2")
        .body(Full::new(body))
        .unwrap())
}

/// A chat stream of `n` chunks in the wire format of wire-notes.md.
fn sse(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,\"model\":\"ep_contract_kie\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i}\"}},\"finish_reason\":null}}]}}\n\n"
        ));
    }
    out.push_str("data: [DONE]\n\n");
    out
}

/// A reqwest client trusting `root` only, offering the SDK's ALPN list.
fn rustls_client(root: &CertificateDer<'static>) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = CLIENT_ALPN.iter().map(|p| p.to_vec()).collect();
    reqwest::Client::builder().tls_backend_preconfigured(config).build().unwrap()
}

fn sdk(server: &Server, http: reqwest::Client) -> AsyncPareta {
    AsyncPareta::builder().api_key("pareta_sk_test").base_url(&server.base).http_client(http).build().unwrap()
}

fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("hello")])
}

/// Lists models and reads one whole chat stream; returns the stream's contents.
async fn calls(pa: &AsyncPareta) -> Vec<String> {
    let models = pa.models().list().await.unwrap();
    assert_eq!(models.data.len(), 1);
    let mut stream = pa.chat().completions().create_stream(&request()).await.unwrap();
    let mut contents = Vec::new();
    while let Some(chunk) = stream.next().await {
        contents.push(chunk.unwrap().delta().unwrap_or_default().to_owned());
    }
    contents
}

fn expected_contents() -> Vec<String> {
    (0..CHUNKS).map(|i| format!("t{i}")).collect()
}

/// Every request the server saw was on `alpn` with `version`, and both calls came.
fn assert_all(seen: &[Seen], alpn: &[u8], version: Version) {
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/v1/models", "/v1/chat/completions"], "{seen:?}");
    for s in seen {
        assert_eq!((s.alpn.as_deref(), s.version), (Some(alpn), version), "{seen:?}");
    }
}

fn run<F: Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async { tokio::time::timeout(BOUND, f).await.expect("the test did not finish in time") })
}

#[test]
fn a_server_offering_h2_gets_http2_for_calls_and_streams() {
    run(async {
        let server = serve(&[H2, HTTP1], None).await;
        let pa = sdk(&server, rustls_client(&server.root));
        assert_eq!(calls(&pa).await, expected_contents());
        assert_all(&server.seen(), H2, Version::HTTP_2);
        assert_eq!(server.connections.load(Ordering::SeqCst), 1, "one connection for both calls");
    });
}

#[test]
fn a_server_offering_only_http1_gets_http1_and_the_same_calls_work() {
    run(async {
        let server = serve(&[HTTP1], None).await;
        let pa = sdk(&server, rustls_client(&server.root));
        assert_eq!(calls(&pa).await, expected_contents());
        assert_all(&server.seen(), HTTP1, Version::HTTP_11);
    });
}

/// `n` streams held open at once: under HTTP/2 they share one connection,
/// under HTTP/1.1 each needs its own (the warm-up's idle one, and `n - 1` new).
/// The server answers none until all `n` have arrived, so the counts do not
/// depend on timing.
///
/// The warm-up call matters: the client learns that a connection speaks HTTP/2
/// only from its TLS handshake, so a burst sent before any connection exists
/// opens one connection per request (hyper-util's pool), HTTP/2 or not.
#[test]
fn concurrent_streams_share_one_connection_only_under_h2() {
    const N: usize = 8;
    for (alpn, connections) in [(&[H2, HTTP1][..], 1), (&[HTTP1][..], N)] {
        run(async {
            let server = serve(alpn, Some(N)).await;
            let pa = sdk(&server, rustls_client(&server.root));
            pa.models().list().await.unwrap();
            let streams: Vec<_> = (0..N)
                .map(|_| {
                    let pa = pa.clone();
                    tokio::spawn(async move {
                        let mut stream = pa.chat().completions().create_stream(&request()).await.unwrap();
                        let mut n = 0;
                        while let Some(chunk) = stream.next().await {
                            chunk.unwrap();
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            for s in streams {
                assert_eq!(s.await.unwrap(), CHUNKS);
            }
            assert_eq!(server.connections.load(Ordering::SeqCst), connections, "ALPN {alpn:?}");
        });
    }
}

/// The SDK's own builder with the native TLS backend, which (unlike a
/// preconfigured rustls config) takes an added root, and with reqwest's
/// `native-tls` feature offers `h2` by ALPN too.
#[cfg(feature = "native-tls")]
#[test]
fn native_tls_negotiates_h2_through_http_client_builder() {
    run(async {
        for (alpn, version) in [(&[H2, HTTP1][..], Version::HTTP_2), (&[HTTP1][..], Version::HTTP_11)] {
            let server = serve(alpn, None).await;
            let http = pareta_async::http_client_builder(pareta_async::Tls::NativeTls)
                .unwrap()
                .add_root_certificate(reqwest::Certificate::from_der(&server.root).unwrap())
                .build()
                .unwrap();
            let pa = sdk(&server, http);
            assert_eq!(calls(&pa).await, expected_contents());
            assert_all(&server.seen(), alpn[0], version);
        }
    });
}
