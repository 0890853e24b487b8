//! Percent-encoding of ids in path segments and of query strings.
//!
//! An id is data, never path syntax: `a/b` becomes `a%2Fb`, `..` becomes `%2E%2E`.

use std::fmt::Write;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn encode_into(out: &mut String, s: &str) {
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Encodes `s` as one path segment. The dot segments `.` and `..` are encoded in
/// full so no server or proxy can normalize them away.
pub fn path_segment(s: &str) -> String {
    if s == "." || s == ".." {
        return s.replace('.', "%2E");
    }
    let mut out = String::with_capacity(s.len());
    encode_into(&mut out, s);
    out
}

/// Encodes pairs as a query string, `?` included; empty when there are none.
pub fn query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        encode_into(&mut out, k.as_ref());
        out.push('=');
        encode_into(&mut out, v.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(path_segment("ep_1"), "ep_1");
        assert_eq!(path_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(path_segment("a b%"), "a%20b%25");
    }

    #[test]
    fn query_strings() {
        assert_eq!(query::<&str, &str>(&[]), "");
        assert_eq!(query(&[("window", "7d"), ("x", "a&b=c")]), "?window=7d&x=a%26b%3Dc");
    }
}
