//! A loopback HTTPS server with a certificate no public root signs: the
//! client trusts it only through `root_certificates_pem`. Threads and rustls,
//! so it serves a blocking and an async client alike.
//!
//! Every request on a connection gets the same `200` JSON body, and the
//! connection is closed after it. The server's threads end with the test
//! process.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running server.
pub struct TlsServer {
    /// `https://localhost:PORT` (the certificate names `localhost`).
    pub base_url: String,
    /// The server's self-signed certificate, as PEM: the root to trust.
    pub root_pem: String,
    answered: Arc<AtomicUsize>,
}

impl TlsServer {
    /// Requests read (handshakes a client refused are not counted); counted
    /// before the reply is written, so a client that has its reply sees it.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

/// A certificate as a PEM `CERTIFICATE` block (64 base64 characters a line).
fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

/// Starts a server that answers every request with `body` (JSON).
pub fn serve_json(body: &'static str) -> TlsServer {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let root_pem = pem(key.cert.der());
    let chain = vec![key.cert.der().clone()];
    let private = rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
    let answered = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&answered);
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let (config, count) = (Arc::clone(&config), Arc::clone(&count));
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        // A refused handshake or a closed connection.
                        _ => return,
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                if tls.write_all(reply.as_bytes()).and_then(|()| tls.flush()).is_err() {
                    return;
                }
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    TlsServer { base_url, root_pem, answered }
}
