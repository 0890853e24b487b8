//! TLS backends. Cargo features only make a backend available (`rustls`, on by
//! default, and `native-tls`); the builder chooses which one a client uses, so a
//! dependency somewhere in the build that enables `native-tls` changes nothing.

use pareta_core::{Error, TransportError, TransportErrorKind};

/// The TLS stack of an HTTP client the SDK builds ([`AsyncParetaBuilder::tls`](crate::AsyncParetaBuilder::tls))
/// or that [`http_client_builder`] prepares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tls {
    /// rustls with the `ring` crypto provider (or the process-wide default
    /// provider when one is installed) and the Mozilla roots of `webpki-roots`,
    /// like the blocking client. No C build. Needs the `rustls` feature (default).
    #[default]
    Rustls,
    /// The platform's TLS library and trust store (OpenSSL, Secure Transport,
    /// SChannel). Needs the `native-tls` feature.
    NativeTls,
}

impl Tls {
    /// The Cargo feature of pareta-async that makes this backend available.
    pub fn feature(self) -> &'static str {
        match self {
            Tls::Rustls => "rustls",
            Tls::NativeTls => "native-tls",
        }
    }

    /// True when this backend was compiled in.
    pub fn is_available(self) -> bool {
        match self {
            Tls::Rustls => cfg!(feature = "rustls"),
            Tls::NativeTls => cfg!(feature = "native-tls"),
        }
    }
}

/// A `reqwest::ClientBuilder` with `tls` set up, for a client of your own
/// (a proxy, a shared pool) that you then pass to
/// [`AsyncParetaBuilder::http_client`](crate::AsyncParetaBuilder::http_client).
///
/// Use it instead of `reqwest::Client::builder()`: with the default `rustls`
/// feature, reqwest is compiled without a built-in crypto provider (the SDK
/// brings `ring`, to avoid the aws-lc C build), and a plain reqwest builder
/// would panic at `build()` unless a provider was installed process-wide.
///
/// ```
/// use pareta_async::{AsyncPareta, Tls};
/// use std::time::Duration;
/// let http = pareta_async::http_client_builder(Tls::Rustls)?
///     .timeout(Duration::from_secs(300))
///     .build()
///     .expect("client");
/// let pa = AsyncPareta::builder().api_key("pareta_sk_…").http_client(http).build()?;
/// # Ok::<(), pareta_async::Error>(())
/// ```
pub fn http_client_builder(tls: Tls) -> Result<reqwest::ClientBuilder, Error> {
    with_backend(reqwest::Client::builder(), tls, None)?.ok_or_else(|| unavailable(tls, None))
}

/// True when some TLS backend was compiled in.
pub(crate) fn any_available() -> bool {
    Tls::Rustls.is_available() || Tls::NativeTls.is_available()
}

/// Sets up `tls` on a builder, trusting only `roots` (DER) when given:
/// `Ok(None)` when that backend is not compiled in.
pub(crate) fn with_backend(
    builder: reqwest::ClientBuilder,
    tls: Tls,
    roots: Option<&[Vec<u8>]>,
) -> Result<Option<reqwest::ClientBuilder>, Error> {
    match tls {
        Tls::Rustls => rustls(builder, roots),
        Tls::NativeTls => native(builder, roots),
    }
}

fn bad_root(i: usize, e: impl std::fmt::Display) -> Error {
    Error::unusable_root_certificate(i, e)
}

/// The error for a chosen backend that is not compiled in; `base_url` names
/// what needed it.
pub(crate) fn unavailable(tls: Tls, base_url: Option<&str>) -> Error {
    let what = base_url.map_or_else(|| "this TLS backend".to_owned(), |url| format!("the base URL {url}"));
    Error::InvalidArgument(format!(
        "{what} needs TLS with {tls:?}, but pareta-async was built without its `{}` feature: enable the feature, or choose a compiled-in backend with .tls(..)",
        tls.feature()
    ))
}

#[cfg(feature = "native-tls")]
fn native(builder: reqwest::ClientBuilder, roots: Option<&[Vec<u8>]>) -> Result<Option<reqwest::ClientBuilder>, Error> {
    let builder = builder.tls_backend_native();
    let Some(roots) = roots else { return Ok(Some(builder)) };
    let certs = roots
        .iter()
        .enumerate()
        .map(|(i, der)| reqwest::Certificate::from_der(der).map_err(|e| bad_root(i, e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(builder.tls_certs_only(certs)))
}

#[cfg(not(feature = "native-tls"))]
fn native(_: reqwest::ClientBuilder, _: Option<&[Vec<u8>]>) -> Result<Option<reqwest::ClientBuilder>, Error> {
    Ok(None)
}

#[cfg(feature = "rustls")]
fn rustls(builder: reqwest::ClientBuilder, roots: Option<&[Vec<u8>]>) -> Result<Option<reqwest::ClientBuilder>, Error> {
    Ok(Some(builder.tls_backend_preconfigured(rustls_config(roots)?)))
}

/// The ALPN protocols a client offers, in order of preference. reqwest uses a
/// preconfigured rustls config as it is (it sets ALPN only on configs it builds
/// itself), so the list is ours to set: `h2` first, so a server that speaks
/// HTTP/2 multiplexes concurrent calls and streams over one connection, and
/// `http/1.1` for one that does not. Plain http is never upgraded (no h2c).
#[cfg(feature = "rustls")]
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

#[cfg(feature = "rustls")]
fn rustls_config(only: Option<&[Vec<u8>]>) -> Result<rustls::ClientConfig, Error> {
    use std::sync::Arc;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let roots = match only {
        None => rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() },
        Some(certs) => {
            let mut store = rustls::RootCertStore::empty();
            for (i, der) in certs.iter().enumerate() {
                store.add(rustls::pki_types::CertificateDer::from(der.clone())).map_err(|e| bad_root(i, e))?;
            }
            store
        }
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            Error::from(TransportError::new(TransportErrorKind::Other, format!("could not set up rustls: {e}")))
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

#[cfg(not(feature = "rustls"))]
fn rustls(_: reqwest::ClientBuilder, _: Option<&[Vec<u8>]>) -> Result<Option<reqwest::ClientBuilder>, Error> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::Tls;
    use crate::AsyncPareta;

    const BACKENDS: [Tls; 2] = [Tls::Rustls, Tls::NativeTls];

    #[test]
    fn the_default_backend_is_rustls_whatever_features_are_on() {
        assert_eq!(Tls::default(), Tls::Rustls);
    }

    #[test]
    fn every_compiled_in_backend_builds_an_https_client() {
        let available: Vec<Tls> = BACKENDS.into_iter().filter(|t| t.is_available()).collect();
        assert!(!available.is_empty() || !cfg!(feature = "rustls"), "rustls is on by default");
        for tls in available {
            let built = AsyncPareta::builder().api_key("pareta_sk_test").tls(tls).build();
            assert!(built.is_ok(), "{tls:?}: {built:?}");
            assert!(super::http_client_builder(tls).unwrap().build().is_ok(), "{tls:?}");
        }
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn rustls_offers_h2_before_http1() {
        // tests/http2.rs checks what a server sees; this checks the SDK's own
        // config, which that test cannot use (it trusts only webpki roots).
        let config = super::rustls_config(None).unwrap();
        assert_eq!(config.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn reqwest_is_built_with_http2() {
        // Offering `h2` needs reqwest's `http2` feature, which the dev-dependencies
        // of tests/http2.rs do not enable (their hyper-util `http2` alone makes
        // those tests pass): `http2_prior_knowledge` exists only with it, so
        // without the feature this does not compile (a check at build time; the
        // builder is not built, which would need a crypto provider).
        let _ = reqwest::Client::builder().http2_prior_knowledge();
    }

    #[test]
    fn a_missing_backend_fails_at_build_with_the_feature_to_enable() {
        for tls in BACKENDS.into_iter().filter(|t| !t.is_available()) {
            let err = AsyncPareta::builder().api_key("pareta_sk_test").tls(tls).build().unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("https://api.pareta.ai") && msg.contains(tls.feature()), "{msg}");
            assert!(matches!(err, crate::Error::InvalidArgument(_)));
            assert!(super::http_client_builder(tls).is_err());
        }
    }
}
