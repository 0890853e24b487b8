//! `root_certificates_pem`: the client trusts a private CA, and only the
//! roots it is given; bad PEM and a caller's own HTTP client fail at `build()`.

use pareta_async::{AsyncPareta, Error};
use pareta_test_support::KEY;
use pareta_test_support::tls::serve_json;

const MODELS: &str = r#"{"object":"list","data":[{"id":"ep_private","object":"model"}]}"#;

fn client(base: &str, roots: Option<&str>) -> AsyncPareta {
    let b = AsyncPareta::builder().api_key(KEY).base_url(base).max_retries(0);
    match roots {
        Some(pem) => b.root_certificates_pem(pem),
        None => b,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_private_root_is_trusted_in_place_of_the_built_in_ones() {
    let server = serve_json(MODELS);
    let list = client(&server.base_url, Some(&server.root_pem)).models().list().await.unwrap();
    assert_eq!(list.data[0].id, "ep_private");
    // The built-in roots refuse the server's certificate.
    let err = client(&server.base_url, None).models().list().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    // Another root does not vouch for it either: only the given roots count.
    let other = serve_json(MODELS);
    let err = client(&server.base_url, Some(&other.root_pem)).models().list().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert_eq!(server.answered(), 1);
}

#[tokio::test]
async fn bad_pem_and_an_http_client_of_your_own_fail_at_build() {
    let e = AsyncPareta::builder().api_key(KEY).root_certificates_pem("not a certificate").build().unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument(_)) && e.to_string().contains("no `-----BEGIN CERTIFICATE-----`"),
        "{e}"
    );
    let torn = "-----BEGIN CERTIFICATE-----\nAAAA\n";
    let e = AsyncPareta::builder().api_key(KEY).root_certificates_pem(torn).build().unwrap_err();
    assert!(e.to_string().contains("not valid PEM"), "{e}");
    // Well-formed PEM around bytes that are no certificate: the TLS library says so.
    let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let e = AsyncPareta::builder().api_key(KEY).root_certificates_pem(junk).build().unwrap_err();
    assert!(
        e.to_string().contains("root certificate 1 (counting every PEM text's, in order) is not a usable CA"),
        "{e}"
    );
    let pem = serve_json(MODELS).root_pem;
    let e = AsyncPareta::builder()
        .api_key(KEY)
        .root_certificates_pem(&pem)
        .http_client(pareta_async::http_client_builder(pareta_async::Tls::default()).unwrap().build().unwrap())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("your own reqwest::Client"), "{e}");
}

/// The same private root through native-tls (OpenSSL here), when compiled in.
#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_trusts_the_private_root_too() {
    let server = serve_json(MODELS);
    let build = |pem: Option<&str>| {
        let b = AsyncPareta::builder()
            .api_key(KEY)
            .base_url(&server.base_url)
            .max_retries(0)
            .tls(pareta_async::Tls::NativeTls);
        match pem {
            Some(pem) => b.root_certificates_pem(pem),
            None => b,
        }
        .build()
        .unwrap()
    };
    assert_eq!(build(Some(&server.root_pem)).models().list().await.unwrap().data[0].id, "ep_private");
    let err = build(None).models().list().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
}
