//! The key stays secret, the types are `Send + 'static`, ids are encoded, and a
//! caller's own reqwest client is used as given.

use crate::common::{KEY, RawServer, client, response};
use pareta_async::{AsyncPareta, ChatStream, DeployStream, Error};
use pareta_core::{Flow, Output};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn assert_send<T: Send + 'static>() {}
fn assert_send_sync<T: Send + Sync + 'static>() {}
fn assert_unpin<T: Unpin>() {}

#[test]
fn streams_and_the_client_are_send_static_and_unpin() {
    assert_send::<ChatStream>();
    assert_send::<DeployStream>();
    assert_unpin::<ChatStream>();
    assert_unpin::<DeployStream>();
    assert_send_sync::<AsyncPareta>();
    assert_send_sync::<Error>();
}

#[test]
fn a_missing_key_fails_at_build_time() {
    assert!(matches!(AsyncPareta::builder().build(), Err(Error::MissingApiKey)));
    assert!(matches!(AsyncPareta::new("  "), Err(Error::MissingApiKey)));
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_display() {
    let secret = "5ecret";
    assert!(KEY.contains(secret));
    let server = RawServer::start(|_req, mut sock| async move {
        let body = br#"{"detail": "invalid api key"}"#;
        let _ = sock.write_all(&response(401, &[("x-request-id", "req_401")], body)).await;
    })
    .await;
    let pa = client(&server.base_url());
    let builder = AsyncPareta::builder().api_key(KEY);
    let mut texts = vec![format!("{pa:?}"), format!("{:?}", pa.config()), format!("{builder:?}")];

    // An API error, a decode-free transport error, and the requests themselves.
    let api_err = pa.models().list().await.unwrap_err();
    texts.push(format!("{api_err:?} {api_err}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conn_err = client(&format!("http://127.0.0.1:{port}")).models().list().await.unwrap_err();
    texts.push(format!("{conn_err:?} {conn_err}"));
    let mut flow = pareta_core::flows::models::list(pa.config());
    match flow.poll(std::time::Instant::now()) {
        Output::Send(req) => {
            assert_eq!(req.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
            texts.push(format!("{req:?}"));
        }
        other => panic!("{other:?}"),
    }
    for text in &texts {
        assert!(!text.contains(secret), "the key leaked: {text}");
    }
    // The server did receive it, as a bearer token.
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn ids_are_percent_encoded_path_segments() {
    let server = RawServer::start(|_req, mut sock| async move {
        let _ = sock.write_all(&response(200, &[], br#"{"id": "a/b c"}"#)).await;
    })
    .await;
    let ep = client(&server.base_url()).endpoints().retrieve("a/b c?x").await.unwrap();
    assert_eq!(ep.id, "a/b c");
    let req = &server.requests()[0];
    assert_eq!((req.method.as_str(), req.target.as_str()), ("GET", "/v1/endpoints/a%2Fb%20c%3Fx"));
    assert!(req.body.is_empty());
    let err = client(&server.base_url()).endpoints().retrieve("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(server.requests().len(), 1, "an invalid id sends nothing");
}

#[tokio::test]
async fn a_callers_client_is_used_as_given() {
    let server = RawServer::start(|_req, mut sock| async move {
        let _ = sock.write_all(&response(200, &[], br#"{"object": "list", "data": []}"#)).await;
    })
    .await;
    // With the default `rustls` feature reqwest has no built-in crypto provider
    // (no aws-lc build): a caller building their own client installs one.
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-app", reqwest::header::HeaderValue::from_static("mine"));
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let pa = AsyncPareta::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(1))
        .http_client(http.clone())
        .build()
        .unwrap();
    // The 1 ms SDK timeout is not applied to a caller's client.
    let list = pa.models().list().await.unwrap();
    assert!(list.is_empty());
    let req = &server.requests()[0];
    assert_eq!(req.header("x-app"), Some("mine"));
    assert_eq!(req.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert!(req.header("user-agent").unwrap().starts_with("pareta-rust/"));
}

#[tokio::test]
async fn https_to_a_plain_tcp_server_is_a_connection_error_not_a_panic() {
    // Exercises the TLS setup of a client the SDK builds (rustls with ring, or
    // native-tls): the handshake fails cleanly against a server that is not TLS.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let https = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock.write_all(b"HTTP/1.1 400 Not TLS\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let err = client(&https).models().list().await.unwrap_err();
    assert!(err.is_connection(), "{err:?}");
}
