//! Name resolution for the agent the client builds itself.
//!
//! ureq 3 resolves the host before every request, even one that then goes out
//! on a pooled connection, and whenever a deadline applies (the client sets one
//! on every ordinary call) its `DefaultResolver` does so on a newly spawned
//! thread. For a client that makes many small calls to one host that is a
//! thread and a `getaddrinfo` per call, for addresses it never uses.
//!
//! So the SDK-owned agent gets two small parts:
//!
//! - [`Cached`], its resolver. An IP-literal host (any host, IPv4 or `[IPv6]`)
//!   is returned as is, filtered by the agent's `IpFamily` exactly like
//!   `DefaultResolver` would. The base URL's host name is answered from a cache
//!   of its last lookup, whatever its age: the addresses are only used if no
//!   pooled connection exists, and then [`Refresh`] decides whether they are
//!   fresh enough. Any other host (a signed storage URL, a proxy) goes to
//!   `DefaultResolver`, unchanged.
//! - [`Refresh`], a wrapper around ureq's `DefaultConnector`. When a new
//!   connection to the base URL's host is about to be opened and the cached
//!   addresses are older than [`TTL`], it looks the host up again first (if
//!   that lookup fails, it tries the addresses it had). When connecting fails,
//!   it drops the cache, so the next attempt (core retries connect failures)
//!   starts from a fresh lookup.
//!
//! A call on a pooled connection therefore resolves nothing and spawns no
//! thread; a new connection never uses addresses older than the TTL, or ones
//! that just failed. An agent passed to the builder keeps ureq's own resolver.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport};

/// How old cached addresses may be when a new connection is opened with them.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// An agent with the caching resolver for `base_url`'s host.
pub(crate) fn agent(config: Config, base_url: &str) -> ureq::Agent {
    agent_with(config, base_url, TTL, DefaultResolver::default())
}

/// [`agent`] with a TTL and a lookup of the caller's choice (tests count lookups).
pub(crate) fn agent_with(config: Config, base_url: &str, ttl: Duration, lookup: impl Resolver) -> ureq::Agent {
    let shared = Arc::new(Shared { base: base_host(base_url), ttl, lookup: Box::new(lookup), entry: Mutex::new(None) });
    let connector = Refresh { inner: DefaultConnector::default(), shared: shared.clone() };
    ureq::Agent::with_parts(config, connector, Cached { shared })
}

/// The state both parts share.
struct Shared {
    /// The base URL's host name (lowercase, never an IP literal) and port.
    base: Option<(String, u16)>,
    ttl: Duration,
    /// `DefaultResolver` outside tests.
    lookup: Box<dyn Resolver>,
    entry: Mutex<Option<Entry>>,
}

/// The last lookup of the base host.
struct Entry {
    family: IpFamily,
    addrs: ResolvedSocketAddrs,
    at: Instant,
}

impl Shared {
    fn is_base(&self, host: &str, port: u16) -> bool {
        self.base.as_ref().is_some_and(|(h, p)| *p == port && h.eq_ignore_ascii_case(host))
    }

    fn entry(&self) -> std::sync::MutexGuard<'_, Option<Entry>> {
        // The entry is replaced whole, so a panic elsewhere cannot leave it torn.
        self.entry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached addresses for `family`, if they are at most `max_age` old.
    fn cached(&self, family: IpFamily, max_age: Option<Duration>) -> Option<ResolvedSocketAddrs> {
        let entry = self.entry();
        let e = entry.as_ref().filter(|e| e.family == family)?;
        match max_age {
            Some(max) if e.at.elapsed() >= max => None,
            _ => Some(e.addrs.clone()),
        }
    }

    /// Looks the base host up and caches the answer.
    fn look_up(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        *self.entry() = Some(Entry { family: config.ip_family(), addrs: addrs.clone(), at: Instant::now() });
        Ok(addrs)
    }

    fn invalidate(&self) {
        *self.entry() = None;
    }
}

/// The resolver of the SDK-owned agent (see the module docs).
pub(crate) struct Cached {
    shared: Arc<Shared>,
}

impl Resolver for Cached {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((host, port)) = host_port(uri) else {
            return self.shared.lookup.resolve(uri, config, timeout);
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return literal(self.empty(), SocketAddr::new(ip, port), config.ip_family());
        }
        if !self.shared.is_base(host, port) {
            return self.shared.lookup.resolve(uri, config, timeout);
        }
        match self.shared.cached(config.ip_family(), None) {
            Some(addrs) => Ok(addrs),
            None => self.shared.look_up(uri, config, timeout),
        }
    }
}

/// The connector of the SDK-owned agent: ureq's default chain, plus the
/// refresh of stale addresses and the invalidation on failure.
pub(crate) struct Refresh {
    inner: DefaultConnector,
    shared: Arc<Shared>,
}

impl Connector<()> for Refresh {
    type Out = Box<dyn Transport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Self::Out>, ureq::Error> {
        // Only a direct connection to the base host uses the cache (through a
        // proxy the target is not resolved here and `addrs` is empty).
        let base = host_port(details.uri)
            .is_some_and(|(host, port)| host.parse::<IpAddr>().is_err() && self.shared.is_base(host, port));
        if !base || details.addrs.is_empty() {
            return self.inner.connect(details, chained);
        }
        let family = details.config.ip_family();
        let result = if self.shared.cached(family, Some(self.shared.ttl)).is_some() {
            self.inner.connect(details, chained)
        } else {
            // Stale: look up again for this new connection. If that fails, the
            // addresses we had are still worth a try.
            match self.shared.look_up(details.uri, details.config, details.timeout) {
                Ok(addrs) => self.inner.connect(&with_addrs(details, addrs), chained),
                Err(_) => self.inner.connect(details, chained),
            }
        };
        if result.is_err() {
            self.shared.invalidate();
        }
        result
    }
}

/// `details` with other addresses.
fn with_addrs<'a>(d: &ConnectionDetails<'a>, addrs: ResolvedSocketAddrs) -> ConnectionDetails<'a> {
    ConnectionDetails {
        uri: d.uri,
        addrs,
        config: d.config,
        request_level: d.request_level,
        resolver: d.resolver,
        now: d.now,
        timeout: d.timeout,
        current_time: d.current_time.clone(),
        run_connector: d.run_connector.clone(),
        register_shutdown: d.register_shutdown.clone(),
    }
}

/// An IP literal's one address, if the agent's IP family wants it.
fn literal(
    mut out: ResolvedSocketAddrs,
    addr: SocketAddr,
    family: IpFamily,
) -> Result<ResolvedSocketAddrs, ureq::Error> {
    if family.keep_wanted(std::iter::once(addr)).next().is_none() {
        return Err(ureq::Error::HostNotFound);
    }
    out.push(addr);
    Ok(out)
}

/// The host (without an IPv6 literal's brackets) and port (explicit, or the
/// scheme's default) of an `http` or `https` URI.
fn host_port(uri: &Uri) -> Option<(&str, u16)> {
    let default = match uri.scheme_str()? {
        s if s.eq_ignore_ascii_case("http") => 80,
        s if s.eq_ignore_ascii_case("https") => 443,
        _ => return None,
    };
    let host = uri.host()?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    Some((host, uri.port_u16().unwrap_or(default)))
}

/// The base URL's host name and port; `None` for an IP literal or a URL that
/// does not parse (nothing is cached then).
fn base_host(base_url: &str) -> Option<(String, u16)> {
    let uri: Uri = base_url.parse().ok()?;
    let (host, port) = host_port(&uri)?;
    if host.is_empty() || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").field("base", &self.base).field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl fmt::Debug for Cached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cached").field("shared", &self.shared).finish()
    }
}

impl fmt::Debug for Refresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refresh").field("shared", &self.shared).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use super::*;
    use pareta_test_support::raw::refused_port;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A lookup that answers every host with the addresses it is given, and
    /// counts how often it is asked.
    #[derive(Debug, Clone, Default)]
    struct Fake {
        addrs: Arc<Mutex<Vec<SocketAddr>>>,
        asked: Arc<AtomicUsize>,
    }

    impl Fake {
        fn new(addrs: &[SocketAddr]) -> Fake {
            let fake = Fake::default();
            fake.set(addrs);
            fake
        }
        fn set(&self, addrs: &[SocketAddr]) {
            *self.addrs.lock().unwrap() = addrs.to_vec();
        }
        fn asked(&self) -> usize {
            self.asked.load(Ordering::SeqCst)
        }
    }

    impl Resolver for Fake {
        fn resolve(&self, _: &Uri, config: &Config, _: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            let mut out = self.empty();
            for a in config.ip_family().keep_wanted(self.addrs.lock().unwrap().clone().into_iter()) {
                out.push(a);
            }
            if out.is_empty() { Err(ureq::Error::HostNotFound) } else { Ok(out) }
        }
    }

    /// A keep-alive HTTP/1.1 server answering every request with `ok`;
    /// returns its address and a count of the connections it accepted.
    fn server() -> (SocketAddr, Arc<AtomicUsize>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let conns = Arc::new(AtomicUsize::new(0));
        let counted = conns.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    loop {
                        let mut line = String::new();
                        // Headers end with an empty line; requests here have no body.
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        if writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, conns)
    }

    fn config() -> Config {
        Config::builder().http_status_as_error(false).build()
    }

    /// A GET with a deadline, as the client sends every ordinary call.
    fn get(agent: &ureq::Agent, url: &str) -> Result<String, ureq::Error> {
        let mut resp = agent.get(url).config().timeout_global(Some(Duration::from_secs(10))).build().call()?;
        resp.body_mut().read_to_string()
    }

    #[test]
    fn pooled_calls_resolve_nothing() {
        let (addr, conns) = server();
        let fake = Fake::new(&[addr]);
        let base = format!("http://Pareta.Test:{}", addr.port());
        let agent = agent_with(config(), &base, TTL, fake.clone());
        for _ in 0..5 {
            assert_eq!(get(&agent, &format!("http://pareta.test:{}/v1/models", addr.port())).unwrap(), "ok");
        }
        assert_eq!(fake.asked(), 1, "one lookup for five calls");
        assert_eq!(conns.load(Ordering::SeqCst), 1, "one pooled connection");
    }

    #[test]
    fn stale_addresses_are_looked_up_again_only_for_a_new_connection() {
        let (addr, conns) = server();
        let fake = Fake::new(&[addr]);
        let base = format!("http://pareta.test:{}", addr.port());
        // A zero TTL: the cache is stale at once.
        let agent = agent_with(config(), &base, Duration::ZERO, fake.clone());
        let url = format!("{base}/x");
        get(&agent, &url).unwrap();
        let after_first = fake.asked();
        for _ in 0..4 {
            get(&agent, &url).unwrap();
        }
        assert_eq!(fake.asked(), after_first, "calls on the pooled connection look nothing up, stale or not");
        assert_eq!(conns.load(Ordering::SeqCst), 1);
        // A second connection (the first is busy) refreshes the stale addresses.
        let mut held = agent.get(&url).call().unwrap();
        get(&agent, &url).unwrap();
        held.body_mut().read_to_string().unwrap();
        assert_eq!(conns.load(Ordering::SeqCst), 2);
        assert_eq!(fake.asked(), after_first + 1);
    }

    #[test]
    fn a_connect_failure_drops_the_cache() {
        let (addr, _) = server();
        let refused = refused_port();
        let fake = Fake::new(&[refused.addr()]);
        let base = format!("http://pareta.test:{}", addr.port());
        let agent = agent_with(config(), &base, TTL, fake.clone());
        let url = format!("{base}/x");
        assert!(get(&agent, &url).is_err(), "the first address refuses");
        assert_eq!(fake.asked(), 1);
        // The host moved: the next call looks it up again and gets through.
        fake.set(&[addr]);
        assert_eq!(get(&agent, &url).unwrap(), "ok");
        assert_eq!(fake.asked(), 2);
        get(&agent, &url).unwrap();
        assert_eq!(fake.asked(), 2, "cached again after a success");
    }

    #[test]
    fn other_hosts_and_ports_are_not_cached() {
        let (addr, _) = server();
        let fake = Fake::new(&[addr]);
        let agent = agent_with(config(), "https://api.pareta.test", TTL, fake.clone());
        // A signed storage URL on another host: resolved per call, as ureq does.
        for n in 1..=3 {
            get(&agent, &format!("http://storage.test:{}/blob", addr.port())).unwrap();
            assert_eq!(fake.asked(), n);
        }
        // The base host on another port (http's 80 is not https's 443) is another host.
        let r = Cached { shared: Arc::new(shared("https://api.pareta.test", fake.clone())) };
        r.resolve(&"http://api.pareta.test/x".parse().unwrap(), &config(), NextTimeout::default()).unwrap();
        r.resolve(&"http://api.pareta.test/x".parse().unwrap(), &config(), NextTimeout::default()).unwrap();
        assert_eq!(fake.asked(), 5);
        r.resolve(&"https://API.pareta.test:443/x".parse().unwrap(), &config(), NextTimeout::default()).unwrap();
        r.resolve(&"https://api.pareta.test/y".parse().unwrap(), &config(), NextTimeout::default()).unwrap();
        assert_eq!(fake.asked(), 6, "the base host is looked up once");
    }

    fn shared(base: &str, fake: Fake) -> Shared {
        Shared { base: base_host(base), ttl: TTL, lookup: Box::new(fake), entry: Mutex::new(None) }
    }

    #[test]
    fn ip_literals_are_answered_directly_in_both_families() {
        let fake = Fake::new(&["127.0.0.1:9".parse().unwrap()]);
        let r = Cached { shared: Arc::new(shared("http://[::1]:8080", fake.clone())) };
        let t = NextTimeout::default();
        let any = config();
        let v4 = Config::builder().ip_family(IpFamily::Ipv4Only).build();
        let v6 = Config::builder().ip_family(IpFamily::Ipv6Only).build();
        let one = |uri: &str, c: &Config| r.resolve(&uri.parse().unwrap(), c, t).map(|a| a.to_vec());
        assert_eq!(one("http://127.0.0.1:8080/x", &any).unwrap(), ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        assert_eq!(one("http://[::1]:8080/x", &any).unwrap(), ["[::1]:8080".parse::<SocketAddr>().unwrap()]);
        assert_eq!(one("https://[2001:db8::1]/x", &v6).unwrap(), ["[2001:db8::1]:443".parse::<SocketAddr>().unwrap()]);
        assert!(matches!(one("http://[::1]:8080/x", &v4), Err(ureq::Error::HostNotFound)));
        assert!(matches!(one("http://10.0.0.1/x", &v6), Err(ureq::Error::HostNotFound)));
        assert_eq!(fake.asked(), 0, "no lookup for a literal");
        assert!(base_host("http://[::1]:8080").is_none() && base_host("http://127.0.0.1").is_none());
    }

    #[test]
    fn the_cache_keeps_both_families_in_order_and_per_ip_family() {
        let v6: SocketAddr = "[2001:db8::7]:443".parse().unwrap();
        let v4: SocketAddr = "192.0.2.7:443".parse().unwrap();
        let fake = Fake::new(&[v6, v4]);
        let r = Cached { shared: Arc::new(shared("https://api.pareta.test", fake.clone())) };
        let uri: Uri = "https://api.pareta.test/v1/models".parse().unwrap();
        let t = NextTimeout::default();
        assert_eq!(r.resolve(&uri, &config(), t).unwrap().to_vec(), [v6, v4]);
        assert_eq!(r.resolve(&uri, &config(), t).unwrap().to_vec(), [v6, v4]);
        assert_eq!(fake.asked(), 1);
        let only4 = Config::builder().ip_family(IpFamily::Ipv4Only).build();
        assert_eq!(r.resolve(&uri, &only4, t).unwrap().to_vec(), [v4], "another family is another lookup");
        assert_eq!(fake.asked(), 2);
    }
}
