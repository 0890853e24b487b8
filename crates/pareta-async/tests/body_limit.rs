//! A server answering with a 1 GiB body: the call fails with the size limit,
//! and memory stays within the limit + 16 MiB. Its own binary, so the peak RSS
//! is this test's alone.

use pareta_async::{AsyncPareta, Error};
use pareta_test_support::raw::{huge_body_server, rss_and_peak};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

#[test]
fn a_one_gib_body_fails_at_the_limit_with_bounded_memory() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (rss_before, _) = rss_and_peak();
    for chunked in [true, false] {
        let base = huge_body_server(GIB, chunked);
        let pa = AsyncPareta::builder().api_key("pareta_sk_test").base_url(base).build().unwrap();
        let limit = pa.config().max_response_bytes();
        assert_eq!(limit, 64 * MIB, "the documented default");
        let err = rt.block_on(pa.models().list()).unwrap_err();
        match &err {
            Error::ResponseTooLarge { route, limit: l } => assert_eq!((*route, *l), ("GET /v1/models", limit)),
            other => panic!("chunked={chunked}: {other:?}"),
        }
        assert!(err.to_string().contains("GET /v1/models") && err.to_string().contains("67108864"), "{err}");
        let (_, peak) = rss_and_peak();
        let growth = peak.saturating_sub(rss_before);
        eprintln!(
            "chunked={chunked}: peak RSS growth {:.1} MiB (limit {} MiB)",
            growth as f64 / MIB as f64,
            limit / MIB
        );
        assert!(growth < limit + 16 * MIB, "chunked={chunked}: peak RSS grew {} MiB", growth / MIB);
    }
    // A smaller limit is honoured the same way, and is not retried.
    let base = huge_body_server(GIB, true);
    let pa = AsyncPareta::builder().api_key("pareta_sk_test").base_url(base).max_response_bytes(MIB).build().unwrap();
    assert!(matches!(rt.block_on(pa.models().list()), Err(Error::ResponseTooLarge { limit, .. }) if limit == MIB));
}
