//! `--ca-cert FILE`: the CLI trusts a private CA in place of the built-in roots,
//! and a file it cannot use is a usage error before any request.
#![allow(clippy::unwrap_used)]

use pareta_test_support::KEY;
use pareta_test_support::tls::serve_json;
use std::process::{Command, Output};

const MODELS: &str = r#"{"object":"list","data":[{"id":"ep_private","object":"model"}]}"#;

fn pareta(base_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--base-url", base_url, "--max-retries", "0"])
        .args(args)
        .env("PARETA_API_KEY", KEY)
        .env_remove("PARETA_CA_CERT")
        .output()
        .unwrap()
}

fn file(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("pareta-cli-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_private_ca_is_trusted_with_ca_cert_and_only_then() {
    let server = serve_json(MODELS);
    let ca = file("ca.pem", &server.root_pem);
    let out = pareta(&server.base_url, &["--ca-cert", &ca, "models", "list", "--json"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), MODELS);
    // Without it, the built-in roots refuse the server; with another CA, too.
    let other = file("other.pem", &serve_json(MODELS).root_pem);
    for args in [&["models", "list"][..], &["--ca-cert", &other, "models", "list"]] {
        let out = pareta(&server.base_url, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("certificate"), "a refused certificate says so: {stderr}");
    }
    // The variable does what the flag does.
    let out = Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--base-url", &server.base_url, "models", "list", "--json"])
        .env("PARETA_API_KEY", KEY)
        .env("PARETA_CA_CERT", &ca)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(server.answered(), 2);
}

#[test]
fn an_empty_ca_cert_variable_means_the_built_in_roots() {
    let out = Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--mock", "models", "list"])
        .env("PARETA_CA_CERT", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_ca_file_it_cannot_use_is_a_usage_error_before_any_request() {
    let server = serve_json(MODELS);
    let missing = std::env::temp_dir().join("pareta-cli-ca-no-such-file.pem");
    let missing = missing.to_str().unwrap();
    let not_pem = file("not.pem", "not a certificate");
    let junk = file("junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    for (path, says) in [
        (missing, "No such file"),
        (not_pem.as_str(), "the PEM text: no `-----BEGIN CERTIFICATE-----`"),
        (junk.as_str(), "root certificate 1 (counting every PEM text's, in order) is not a usable CA"),
    ] {
        let out = pareta(&server.base_url, &["--ca-cert", path, "models", "list"]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("--ca-cert / PARETA_CA_CERT {path}")) && stderr.contains(says), "{stderr}");
    }
    assert_eq!(server.answered(), 0);
}

#[test]
fn a_base_url_the_client_refuses_is_a_usage_error_too() {
    let out = pareta("ftp://pareta.internal.example", &["models", "list"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("must start with http:// or https://"), "{stderr}");
}
