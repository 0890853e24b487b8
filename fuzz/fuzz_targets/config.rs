//! Base URL and config parsing, and building requests from what was accepted:
//! never panics; an accepted base URL is normalized (no trailing `/`, http(s)
//! scheme); every request goes to that base URL, with ids kept inside one path
//! segment; the key never shows in `Debug`. Also the small string parsers
//! (`Frontier`, `MetricKind`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::{Config, Flow, Output, flows};
use pareta_types::{Frontier, MetricKind};
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (url, key, id) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let _ = url.parse::<Frontier>();
    let _ = id.parse::<MetricKind>();
    let b = data.first().copied().unwrap_or(0);
    let full_key = format!("pareta_sk_{key}");
    // The key can only be looked for when nothing else we pass contains it.
    let key_checkable = key.len() >= 8 && !url.contains(&full_key) && !id.contains(&full_key);
    let built = Config::builder()
        .api_key(full_key.clone())
        .base_url(url)
        .timeout(Duration::from_millis(b as u64 * 1000))
        .max_retries(b as u32 % 4)
        .rng_seed(b as u64)
        .build();
    let Ok(cfg) = built else { return };
    let base = cfg.base_url().to_owned();
    assert!(base.starts_with("http://") || base.starts_with("https://"), "{base:?}");
    assert!(!base.ends_with('/'), "{base:?}");
    if key_checkable {
        assert!(!format!("{cfg:?}").contains(&full_key), "the key in Debug");
    }
    let now = Instant::now();
    let check = |req: Output<_>| {
        let Output::Send(req) = req else { return };
        assert!(req.url.starts_with(&base), "{} outside {base}", req.url);
        let path = &req.url[base.len()..];
        assert!(path.starts_with("/v1/"), "{path}");
        // The id is one percent-encoded segment: no raw `/`, `?` or `#` from it.
        assert!(!path.contains('#') && !path.contains(' '), "{path}");
        if key_checkable {
            assert!(!format!("{req:?}").contains(&full_key), "the key in a request's Debug");
        }
    };
    check(flows::endpoints::retrieve(&cfg, id).poll(now).map_send());
    check(flows::tasks::retrieve(&cfg, id, Some(b as u32)).poll(now).map_send());
    check(flows::evals::retrieve_set(&cfg, id).poll(now).map_send());
    check(flows::runs::retrieve(&cfg, id).poll(now).map_send());
    check(flows::endpoints::metrics(&cfg, id, MetricKind::Cost, &[("window", id)]).poll(now).map_send());
});

trait MapSend {
    fn map_send(self) -> Output<()>;
}
impl<T> MapSend for Output<T> {
    fn map_send(self) -> Output<()> {
        match self {
            Output::Send(r) => Output::Send(r),
            Output::Sleep(d) => Output::Sleep(d),
            Output::Done(r) => Output::Done(r.map(|_| ())),
        }
    }
}
