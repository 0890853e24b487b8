//! `root_certificates_pem`: the client trusts a private CA, and only the
//! roots it is given; bad PEM and a caller's own agent fail at `build()`.

use pareta_blocking::{Error, Pareta};
use pareta_test_support::KEY;
use pareta_test_support::tls::serve_json;

const MODELS: &str = r#"{"object":"list","data":[{"id":"ep_private","object":"model"}]}"#;

fn client(base: &str, roots: Option<&str>) -> Pareta {
    let b = Pareta::builder().api_key(KEY).base_url(base).max_retries(0);
    match roots {
        Some(pem) => b.root_certificates_pem(pem),
        None => b,
    }
    .build()
    .unwrap()
}

#[test]
fn a_private_root_is_trusted_in_place_of_the_built_in_ones() {
    let server = serve_json(MODELS);
    let list = client(&server.base_url, Some(&server.root_pem)).models().list().unwrap();
    assert_eq!(list.data[0].id, "ep_private");
    // The built-in roots refuse the server's certificate.
    let err = client(&server.base_url, None).models().list().unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    // Another root does not vouch for it either: only the given roots count.
    let other = serve_json(MODELS);
    let err = client(&server.base_url, Some(&other.root_pem)).models().list().unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert_eq!(server.answered(), 1);
}

#[test]
fn bad_pem_and_an_agent_of_your_own_fail_at_build() {
    let e = Pareta::builder().api_key(KEY).root_certificates_pem("not a certificate").build().unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument(_)) && e.to_string().contains("no `-----BEGIN CERTIFICATE-----`"),
        "{e}"
    );
    let torn = "-----BEGIN CERTIFICATE-----\nAAAA\n";
    let e = Pareta::builder().api_key(KEY).root_certificates_pem(torn).build().unwrap_err();
    assert!(e.to_string().contains("not valid PEM"), "{e}");
    // Well-formed PEM around bytes that are no certificate: the TLS library says so.
    let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let e = Pareta::builder().api_key(KEY).root_certificates_pem(junk).build().unwrap_err();
    assert!(
        e.to_string().contains("root certificate 1 (counting every PEM text's, in order) is not a usable CA"),
        "{e}"
    );
    let pem = serve_json(MODELS).root_pem;
    let e = Pareta::builder()
        .api_key(KEY)
        .root_certificates_pem(&pem)
        .agent(ureq::Agent::new_with_defaults())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("your own agent"), "{e}");
}

#[test]
fn an_agent_of_your_own_trusts_the_same_roots_with_tls_config_trusting() {
    let server = serve_json(MODELS);
    let tls = pareta_blocking::tls_config_trusting(&server.root_pem).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).http_status_as_error(false).build().into();
    let pa = Pareta::builder().api_key(KEY).base_url(&server.base_url).max_retries(0).agent(agent).build().unwrap();
    assert_eq!(pa.models().list().unwrap().data[0].id, "ep_private");
    // The same checks as root_certificates_pem, at the same time: before any request.
    let e = pareta_blocking::tls_config_trusting("not a certificate").unwrap_err();
    assert!(e.to_string().contains("no `-----BEGIN CERTIFICATE-----`"), "{e}");
    let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let e = pareta_blocking::tls_config_trusting(junk).unwrap_err();
    assert!(e.to_string().contains("not a usable CA"), "{e}");
}
