//! The Pareta Rust SDK user guide. Each page is a Markdown file in `docs/`; this
//! crate includes them as rustdoc so `cargo test -p pareta-docs` compiles and runs
//! every Rust block against an in-process pareta-mock.

/// A blocking client pointed at a fresh in-process pareta-mock, for the guide's
/// examples. The server stops when the returned guard is dropped.
pub fn mock_client() -> (pareta_blocking::Pareta, pareta_mock::MockServer) {
    let mock = pareta_mock::MockServer::start();
    let pa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_docs")
        .base_url(mock.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (pa, mock)
}

/// The async twin of [`mock_client`].
pub fn mock_async_client() -> (pareta_async::AsyncPareta, pareta_mock::MockServer) {
    let mock = pareta_mock::MockServer::start();
    let pa = pareta_async::AsyncPareta::builder()
        .api_key("pareta_sk_docs")
        .base_url(mock.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (pa, mock)
}
