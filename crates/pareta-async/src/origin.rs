//! The base URL parsed once, for the driver's requests.

/// The base URL's scheme and authority, parsed once: a request under it is
/// the parsed origin with its path and query set, not a whole URL parsed again
/// (which is most of what building a reqwest request costs).
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    /// `scheme://authority`, as the request URLs start.
    prefix: String,
    url: reqwest::Url,
}

impl Origin {
    pub fn of(base_url: &str) -> Option<Origin> {
        let after_scheme = base_url.find("://")? + 3;
        let end = base_url[after_scheme..].find('/').map_or(base_url.len(), |i| after_scheme + i);
        let prefix = base_url[..end].to_owned();
        let url = reqwest::Url::parse(&prefix).ok()?;
        // The prefix must be only a scheme and authority as the parser reads
        // them: a `\` or `?` in it would have moved part of it into the path.
        let plain = prefix.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'\\' | b'?' | b'#'));
        if !plain || url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return None;
        }
        Some(Origin { prefix, url })
    }

    /// `url` as the origin plus its path and query, or `None` when it is not
    /// under the origin or holds a byte whose meaning a whole parse might read
    /// differently (a fragment, a backslash, a control or non-ASCII byte).
    pub fn join(&self, url: &str) -> Option<reqwest::Url> {
        let rest = url.strip_prefix(self.prefix.as_str())?;
        if !rest.starts_with('/') || !rest.bytes().all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\') {
            return None;
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut joined = self.url.clone();
        joined.set_path(path);
        joined.set_query(query);
        Some(joined)
    }
}

#[cfg(test)]
mod tests {
    use super::Origin;

    /// Every URL the fast path builds is the URL a whole parse gives.
    fn check(base: &str, rest: &str) -> bool {
        let origin = Origin::of(base).expect("a parseable base");
        let url = format!("{base}{rest}");
        let whole = reqwest::Url::parse(&url).ok();
        match origin.join(&url) {
            Some(joined) => {
                assert_eq!(Some(&joined), whole.as_ref(), "{url}");
                assert_eq!(joined.as_str(), whole.as_ref().map_or("", |u| u.as_str()), "{url}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn joins_what_a_whole_parse_reads_the_same() {
        let bases = [
            "http://localhost:8787",
            "https://api.pareta.ai",
            "https://API.Pareta.AI:443",
            "http://127.0.0.1:80",
            "http://[::1]:9000",
            "https://user:pw@x.test",
            "https://x.test/api",
            "https://x.test/api/v2",
        ];
        let rests = [
            "/v1/models",
            "/v1/tasks/contract-key-fields",
            "/v1/tasks/a%2Fb%20c",
            "/v1/datasets/%E2%82%AC",
            "/v1/models?limit=3&after=m%201",
            "/v1/models?",
            "/v1/models?a=b?c=d",
            "/v1//models",
            "/v1/./models",
            "/v1/../models",
            "/v1/%2e%2E/models",
            "/v1/models/",
            "/v1/x?q='\"<>`{}|^",
            "/v1/x'\"<>`{}|^",
        ];
        for base in bases {
            for rest in rests {
                assert!(check(base, rest), "{base}{rest} should take the fast path");
            }
        }
    }

    #[test]
    fn leaves_anything_doubtful_to_a_whole_parse() {
        let base = "https://x.test/api";
        for rest in ["/v1/x#frag", "/v1/x\\y", "/v1/x y", "/v1/€", "/v1/x\t"] {
            assert!(!check(base, rest), "{rest:?} should be parsed whole");
        }
        let origin = Origin::of(base).unwrap();
        assert!(origin.join("https://other.test/v1/x").is_none());
        assert!(origin.join("https://x.test:444/v1/x").is_none());
        assert!(origin.join("https://x.test.evil/v1/x").is_none());
        // Nothing but a query after the authority: no path to set.
        assert!(!check("https://x.test", "?q=1"));
        // A base whose authority a parser reads as holding a path has no origin.
        for base in ["https://x.test\\api", "https://x.test\\", "https://x.test?q"] {
            assert!(Origin::of(base).is_none(), "{base}");
        }
    }

    #[test]
    fn generated_paths_agree_with_a_whole_parse() {
        // Every printable ASCII byte, in every position of short paths and queries.
        let alphabet: Vec<char> = (0x21u8..0x7f).map(char::from).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut fast = 0;
        for _ in 0..20_000 {
            let len = 1 + (next() % 12) as usize;
            let mut rest = String::from("/v1/");
            for _ in 0..len {
                let pick = next() as usize;
                rest.push(match pick % 8 {
                    0 => '/',
                    1 => '.',
                    2 => '%',
                    _ => alphabet[pick / 8 % alphabet.len()],
                });
            }
            for base in
                ["http://localhost:8787", "https://x.test/api", "http://[::1]:9000", "https://u:p@X.Test:8443/v2"]
            {
                fast += usize::from(check(base, &rest));
            }
        }
        assert!(fast > 40_000, "most generated paths take the fast path ({fast} of 80000)");
    }
}
