//! The fast path for a streamed chat chunk: a small reader of the shape the
//! platform sends, taken only when it reads exactly what the lenient readers
//! would.
//!
//! A stream decodes one chunk per token, so this is the SDK's hottest code. The
//! lenient readers (`crate::de`) visit every field through `deserialize_any`
//! and every nested record through a counting map adaptor; on a well-formed
//! chunk that cost about 2.5k instructions more than derived serde. A strict
//! derived-serde parse closed that gap in instructions but not in cycles: serde's
//! visitors, one set per struct and per field type, made the stream's hot loop
//! about 90 lines of code (64 bytes each) longer than a bare serde loop's, and
//! the bench's cache simulation found those lines overflowing sets of the 8-way
//! L1 instruction cache (tens of misses per chunk against the bare loop's few).
//! This reader is one small state machine over the bytes instead.
//!
//! It accepts exactly the values the lenient reader reads as themselves: a
//! string or `null` where a string belongs, an integer in range where an
//! integer belongs, an object or `null` for a nested record, any valid JSON for
//! a key it does not know. Anything else (a float index, a `null` list, a
//! number where a string belongs, an escaped key, a duplicate key, JSON it is
//! not sure of) makes it give up, so that [`ChatCompletionChunk::from_json`]
//! falls back to the lenient parse. The result is the same record either way;
//! the tests below check that on a corpus of odd chunks and on generated ones.

use super::{ChatCompletionChunk, Choice, Message, Usage};
use crate::record::{Doc, Path, RawJson, Seg};
use std::borrow::Cow;

const CHOICES: Seg = Seg::key("choices");
const MESSAGE: Seg = Seg::key("message");
const DELTA: Seg = Seg::key("delta");
const USAGE: Seg = Seg::key("usage");

/// Nesting past this is left to the lenient parse (which skips an unknown value
/// at any depth; the full parse behind `to_value()` stops at serde_json's 128).
const MAX_DEPTH: u32 = 64;

/// The chunk read from its document and pointed at it, or the document back
/// when the lenient parse must decide.
pub(super) fn parse(doc: Doc) -> Result<ChatCompletionChunk, Doc> {
    match read(&doc) {
        Some(chunk) => Ok(chunk),
        None => Err(doc),
    }
}

fn read(doc: &Doc) -> Option<ChatCompletionChunk> {
    let mut r = Reader { text: &doc.slice, s: doc.slice.as_bytes(), i: 0 };
    let (mut id, mut model, mut created, mut choices, mut usage) = (None, None, None, Vec::new(), None);
    let mut seen = Seen::default();
    r.object(|r, key| {
        match key {
            b"id" => id = r.once(&mut seen, 0)?.opt_string()?,
            b"model" => model = r.once(&mut seen, 1)?.opt_string()?,
            b"created" => created = r.once(&mut seen, 2)?.opt_i64()?,
            b"choices" => choices = r.once(&mut seen, 3)?.choices()?,
            b"usage" => usage = r.once(&mut seen, 4)?.usage()?,
            _ => r.skip(MAX_DEPTH)?,
        }
        Some(())
    })?;
    r.ws();
    if r.i != r.s.len() {
        return None;
    }
    for c in &mut choices {
        c.raw.bind_pending(doc);
        c.message.raw.bind_pending(doc);
        c.delta.raw.bind_pending(doc);
    }
    let usage = usage.map(|(prompt_tokens, completion_tokens, total_tokens)| Usage {
        prompt_tokens,
        completion_tokens,
        total_tokens,
        raw: RawJson::at(doc, Path::ROOT.push(USAGE)),
    });
    Some(ChatCompletionChunk {
        id,
        model,
        created,
        choices,
        usage,
        raw: RawJson::at(doc, Path::ROOT),
        meta: Default::default(),
    })
}

/// A usage's prompt, completion and total token counts.
type Counts = (Option<u64>, Option<u64>, Option<u64>);

/// The known keys of one object read so far: a second one is a duplicate,
/// which serde refuses, so the lenient parse decides.
#[derive(Default)]
struct Seen(u8);

/// A cursor over JSON text. Every method returns `None` to give up.
struct Reader<'a> {
    /// The text, sliced (at ASCII bytes only) for a string's contents: the
    /// text is UTF-8 already, so no piece of it is checked again.
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.s.get(self.i..)?.starts_with(word).then(|| self.i += word.len())
    }

    /// Consumes a `null` if one is next.
    fn null(&mut self) -> Option<bool> {
        if self.peek()? != b'n' {
            return Some(false);
        }
        self.literal(b"null").map(|()| true)
    }

    /// Marks key number `k` of an object read; `None` when it was read already.
    fn once(&mut self, seen: &mut Seen, k: u8) -> Option<&mut Self> {
        let bit = 1 << k;
        if seen.0 & bit != 0 {
            return None;
        }
        seen.0 |= bit;
        Some(self)
    }

    /// Reads an object, handing each key (unescaped keys only) to `entry`,
    /// which reads its value.
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            let start = self.i;
            self.i = start + plain_run(&self.s[start..]);
            if *self.s.get(self.i)? != b'"' {
                return None; // an escape, or a control character
            }
            let key = &self.s[start..self.i];
            self.i += 1;
            self.eat(b':')?;
            entry(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads an array, `element` reading each value.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string's text, borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.i;
        self.i = start + plain_run(&self.s[start..]);
        if *self.s.get(self.i)? == b'"' {
            let text = self.text.get(start..self.i)?;
            self.i += 1;
            return Some(Cow::Borrowed(text));
        }
        let mut out = String::from(self.text.get(start..self.i)?);
        loop {
            match *self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.i += 1;
                    out.push(self.escape()?);
                }
                _ => return None, // a control character
            }
            let run = plain_run(&self.s[self.i..]);
            out.push_str(self.text.get(self.i..self.i + run)?);
            self.i += run;
        }
    }

    /// The character of one escape, after its backslash.
    fn escape(&mut self) -> Option<char> {
        let c = *self.s.get(self.i)?;
        self.i += 1;
        Some(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                match hi {
                    0xD800..=0xDBFF => {
                        self.literal(b"\\u")?;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                    }
                    0xDC00..=0xDFFF => return None, // a lone surrogate
                    _ => char::from_u32(hi)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + 4)?;
        let mut v = 0;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)?;
        }
        self.i += 4;
        Some(v)
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        if self.null()? {
            return Some(None);
        }
        self.string().map(|s| Some(s.into_owned()))
    }

    /// An open-enum value: from the string as it is when it has no escapes.
    fn opt_open<T: for<'s> From<&'s str> + From<String>>(&mut self) -> Option<Option<T>> {
        if self.null()? {
            return Some(None);
        }
        Some(Some(match self.string()? {
            Cow::Borrowed(s) => T::from(s),
            Cow::Owned(s) => T::from(s),
        }))
    }

    /// An integer (no fraction, no exponent), as its sign and magnitude.
    fn integer(&mut self) -> Option<(bool, u64)> {
        self.ws();
        let negative = self.s.get(self.i) == Some(&b'-');
        self.i += usize::from(negative);
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.s.get(self.i) {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        // No digits, a leading zero, `-0` (serde reads it as a float), or a
        // fraction or exponent: the lenient parse decides.
        if digits == 0 || (digits > 1 && self.s[start] == b'0') || (negative && v == 0) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.s.get(self.i) {
            return None;
        }
        Some((negative, v))
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        if self.null()? {
            return Some(None);
        }
        match self.integer()? {
            (false, v) => Some(Some(v)),
            (true, _) => None,
        }
    }

    fn opt_u32(&mut self) -> Option<Option<u32>> {
        match self.opt_u64()? {
            Some(v) => u32::try_from(v).ok().map(Some),
            None => Some(None),
        }
    }

    fn opt_i64(&mut self) -> Option<Option<i64>> {
        if self.null()? {
            return Some(None);
        }
        let (negative, v) = self.integer()?;
        let v = if negative { 0i64.checked_sub_unsigned(v)? } else { i64::try_from(v).ok()? };
        Some(Some(v))
    }

    /// The choices, each stored as a [`Choice`] at its place as it is read.
    fn choices(&mut self) -> Option<Vec<Choice>> {
        let mut out = Vec::with_capacity(1);
        self.array(|r| {
            let at = Path::ROOT.push(CHOICES).push(Seg::index(out.len()));
            out.push(r.choice(at)?);
            Some(())
        })?;
        Some(out)
    }

    fn choice(&mut self, at: Path) -> Option<Choice> {
        let (mut index, mut finish_reason) = (None, None);
        let (mut message, mut delta) = (None, None);
        let mut seen = Seen::default();
        self.object(|r, key| {
            match key {
                b"index" => index = r.once(&mut seen, 0)?.opt_u32()?,
                b"finish_reason" => finish_reason = r.once(&mut seen, 1)?.opt_open()?,
                b"message" => message = r.once(&mut seen, 2)?.message(at.push(MESSAGE))?,
                b"delta" => delta = r.once(&mut seen, 3)?.message(at.push(DELTA))?,
                _ => r.skip(MAX_DEPTH)?,
            }
            Some(())
        })?;
        Some(Choice {
            index,
            finish_reason,
            message: message.unwrap_or_default(),
            delta: delta.unwrap_or_default(),
            raw: RawJson::pending(at),
        })
    }

    /// A message at its place; `None` inside for `null`. An absent or `null`
    /// one is left unbound, which reads exactly as a bound one whose place
    /// holds nothing (`{}`: text, value, lookups, equality), without a
    /// document handle; only its `Debug` shows `<{}>`.
    fn message(&mut self, at: Path) -> Option<Option<Message>> {
        if self.null()? {
            return Some(None);
        }
        let (mut role, mut content) = (None, None);
        let mut seen = Seen::default();
        self.object(|r, key| {
            match key {
                b"role" => role = r.once(&mut seen, 0)?.opt_open()?,
                b"content" => content = r.once(&mut seen, 1)?.opt_string()?,
                _ => r.skip(MAX_DEPTH)?,
            }
            Some(())
        })?;
        Some(Some(Message { role, content, raw: RawJson::pending(at) }))
    }

    /// The three token counts; `None` inside for `null`.
    fn usage(&mut self) -> Option<Option<Counts>> {
        if self.null()? {
            return Some(None);
        }
        let mut counts = (None, None, None);
        let mut seen = Seen::default();
        self.object(|r, key| {
            match key {
                b"prompt_tokens" => counts.0 = r.once(&mut seen, 0)?.opt_u64()?,
                b"completion_tokens" => counts.1 = r.once(&mut seen, 1)?.opt_u64()?,
                b"total_tokens" => counts.2 = r.once(&mut seen, 2)?.opt_u64()?,
                _ => r.skip(MAX_DEPTH)?,
            }
            Some(())
        })?;
        // `{}` reads as no usage (Python-falsy) and `{"total_tokens": null}` as an
        // empty one; only the lenient reader, which counts entries, tells them apart.
        if counts == (None, None, None) {
            return None;
        }
        Some(Some(counts))
    }

    /// Skips one JSON value of any kind, checking it is valid JSON.
    fn skip(&mut self, depth: u32) -> Option<()> {
        let depth = depth.checked_sub(1)?;
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|r, _| r.skip(depth)),
            b'[' => self.array(|r| r.skip(depth)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Skips a number: JSON's grammar, any size.
    fn number(&mut self) -> Option<()> {
        self.i += usize::from(self.s.get(self.i) == Some(&b'-'));
        match self.s.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.digits1()?;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            self.digits1()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn digits1(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }
}

/// How many bytes at the start of `s` a string holds as they are: up to a
/// quote, a backslash or a control character. Eight bytes at a time, the first
/// such byte of a word found from its bits (no loop over bytes to mispredict).
fn plain_run(s: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // The high bit of every byte that is zero; above the lowest such byte a
    // borrow may mark more, so only the lowest mark is exact, which is all
    // that is read.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while let Some(word) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let marks = zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | below_space;
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // The last few bytes of the text.
    while let Some(&b) = s.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lenient parse alone, as `from_json` does it without the fast path.
    fn lenient(text: &str) -> Option<ChatCompletionChunk> {
        let mut de = serde_json::Deserializer::from_str(text);
        let rec = ChatCompletionChunk::deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(ChatCompletionChunk::finish(rec, &RawJson::root(text)))
    }

    /// What each nested record reads as JSON: its text, its value, one lookup.
    fn nested(c: &ChatCompletionChunk) -> Vec<String> {
        let mut out = Vec::new();
        for ch in &c.choices {
            for (text, value, key) in [
                (ch.raw_json(), ch.to_value(), ch.get("index")),
                (ch.message.raw_json(), ch.message.to_value(), ch.message.get("content")),
                (ch.delta.raw_json(), ch.delta.to_value(), ch.delta.get("content")),
            ] {
                out.push(format!("{text} {value} {key:?}"));
            }
        }
        if let Some(u) = &c.usage {
            out.push(format!("{} {} {:?}", u.raw_json(), u.to_value(), u.get("total_tokens")));
        }
        out
    }

    fn typed(c: &ChatCompletionChunk) -> String {
        let choices: Vec<String> = c
            .choices
            .iter()
            .map(|ch| {
                format!(
                    "{:?}/{:?}/{:?}:{:?}/{:?}:{:?}",
                    ch.index,
                    ch.finish_reason.as_deref(),
                    ch.message.role.as_deref(),
                    ch.message.content,
                    ch.delta.role.as_deref(),
                    ch.delta.content
                )
            })
            .collect();
        let usage = c.usage.as_ref().map(|u| (u.prompt_tokens, u.completion_tokens, u.total_tokens));
        format!("{:?} {:?} {:?} {choices:?} {usage:?}", c.id, c.model, c.created)
    }

    #[test]
    fn strict_and_lenient_agree() {
        let corpus = [
            r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"The"},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"delta":{"content":"\u00e9\n"},"finish_reason":"content_filter_v2"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":812,"completion_tokens":3,"total_tokens":815}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":812,"prompt_tokens_details":{"cached_tokens":0}}}"#,
            r#"{"choices":[],"usage":{}}"#,
            r#"{"choices":[],"usage":{"total_tokens":null}}"#,
            r#"{"choices":[],"usage":null}"#,
            r#"{"choices":null}"#,
            r#"{"choices":{}}"#,
            r#"{"choices":[null,{"delta":null},{"message":{"content":"x"}}]}"#,
            r#"{"choices":[{"index":1.0,"delta":{"content":["part"]}}]}"#,
            r#"{"choices":[{"index":-1,"delta":{"content":5,"role":7}}]}"#,
            r#"{"id":42,"model":null,"created":1.5,"choices":[{"index":4294967296}]}"#,
            r#"{"created":"1","choices":[{"finish_reason":{"x":1}}]}"#,
            r#"{"future":{"a":[1,2]},"choices":[{"delta":{"content":"a","tool_calls":[{"id":"t"}]}}]}"#,
            r#"{"choices":[{"delta":[""],"message":["assistant","hi"]}],"usage":[1,2,3]}"#,
            r#"{"choices":[{"index":-0,"delta":{"content":"a\"b\u0041\\n","role":"\u0061ssistant"}}]}"#,
            r#"{"ch\u006fices":[{"index":0}],"created":-9223372036854775808}"#,
            r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"delta":null},{"index":1}]}"#,
            r#"{}"#,
        ];
        for text in corpus {
            let want = lenient(text).unwrap_or_else(|| panic!("lenient refused {text}"));
            if let Ok(fast) = parse(RawJson::root(text)) {
                assert_eq!(typed(&fast), typed(&want), "{text}");
                assert_eq!(nested(&fast), nested(&want), "{text}");
                assert_eq!(fast, want, "{text}");
            }
            let got = ChatCompletionChunk::from_json(text).unwrap();
            assert_eq!(typed(&got), typed(&want), "{text}");
            assert_eq!(got.raw_json(), text);
            assert_eq!(got.to_value(), serde_json::from_str::<serde_json::Value>(text).unwrap());
        }
        // A duplicate key is an error on both paths.
        let dup = r#"{"id":"a","id":"b","choices":[]}"#;
        let fast = |text: &str| parse(RawJson::root(text)).is_ok();
        assert!(lenient(dup).is_none() && !fast(dup) && ChatCompletionChunk::from_json(dup).is_err());
        // The platform's own shapes take the fast path.
        assert!(fast(corpus[0]) && fast(corpus[1]) && fast(corpus[4]) && fast(corpus[corpus.len() - 2]));
        // Values only the lenient readers read take the slow one.
        for odd in [corpus[6], corpus[7], corpus[9], corpus[12], corpus[14]] {
            assert!(!fast(odd), "{odd}");
        }
    }

    /// Chunk-like JSON text, random but reproducible: the platform's shapes,
    /// odd values in every field, unknown keys holding any JSON, escapes,
    /// whitespace, duplicates, and some text that is not valid JSON at all.
    struct Gen(u64);

    impl Gen {
        fn below(&mut self, n: usize) -> usize {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
        fn ws(&mut self) -> &'static str {
            if self.below(6) == 0 { self.pick(&[" ", "\n", " \t", "\r\n  "]) } else { "" }
        }
        /// One time in `n`.
        fn rarely(&mut self, n: usize) -> bool {
            self.below(n) == 0
        }
        fn string(&mut self) -> String {
            let mut out = String::from("\"");
            for _ in 0..self.below(5) {
                out.push_str(if self.rarely(40) {
                    // Not valid JSON: serde refuses them, so must the fast path.
                    self.pick(&["\\ud800", "\\udc00x", "\\ud83d\\u0041", "\\x", "\\u12", "\u{1}", "\t"])
                } else {
                    self.pick(&[
                        "The",
                        " quick",
                        "chat.completion.chunk",
                        "assistant",
                        "stop",
                        "é",
                        "😀",
                        "\\n",
                        "\\\"",
                        "\\\\",
                        "\\/",
                        "\\b\\f\\r\\t",
                        "\\u00e9",
                        "\\u0041",
                        "\\ud83d\\ude00",
                        "\\u0000",
                    ])
                });
            }
            out.push('"');
            out
        }
        fn number(&mut self) -> &'static str {
            if self.rarely(20) {
                return self.pick(&["01", "-01", "1.", ".5", "-", "1e", "0x1", "+1"]);
            }
            self.pick(&[
                "0",
                "1",
                "42",
                "-7",
                "4294967295",
                "4294967296",
                "18446744073709551615",
                "18446744073709551616",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775808",
                "-9223372036854775809",
                "-0",
                "1.0",
                "1e3",
                "1E+2",
                "2e-1",
                "-0.5",
                "1e400",
            ])
        }
        fn value(&mut self, depth: u32) -> String {
            match self.below(if depth == 0 { 4 } else { 7 }) {
                0 => self.string(),
                1 => self.number().to_owned(),
                2 if self.rarely(20) => self.pick(&["nul", "tru", "[1,]", "{\"a\":1,}", "{\"a\"}", "{,}"]).to_owned(),
                2 => self.pick(&["true", "false", "null", "null"]).to_owned(),
                3 => self.pick(&["{}", "[]", "\"\"", "[{}]"]).to_owned(),
                4 => {
                    let items: Vec<String> = (0..self.below(3)).map(|_| self.value(depth - 1)).collect();
                    format!("[{}]", items.join(","))
                }
                _ => self.object(&["a", "b", "content", "choices", "x\\u0079"], depth - 1, |g, _| g.value(depth - 1)),
            }
        }
        /// An object of some of `keys` in any order (rarely one twice), `value`
        /// giving each value.
        fn object(&mut self, keys: &[&str], depth: u32, mut value: impl FnMut(&mut Self, &str) -> String) -> String {
            let mut keys = keys.to_vec();
            for i in (1..keys.len()).rev() {
                keys.swap(i, self.below(i + 1));
            }
            keys.truncate(self.below(keys.len() + 1));
            if !keys.is_empty() && self.rarely(15) {
                keys.push(keys[0]);
            }
            let mut entries = Vec::new();
            for key in keys {
                let v = value(self, key);
                entries.push(format!("{}\"{key}\"{}:{}{v}{}", self.ws(), self.ws(), self.ws(), self.ws()));
            }
            let _ = depth;
            format!("{{{}}}", entries.join(","))
        }
        /// A good value for a field of `kind` most of the time, any value otherwise.
        fn field(&mut self, kind: &str) -> String {
            if self.below(5) == 0 {
                return self.value(2);
            }
            match kind {
                "string" => {
                    if self.below(4) == 0 {
                        "null".into()
                    } else {
                        self.string()
                    }
                }
                "int" => self.pick(&["0", "3", "1767225600", "null", "4294967295", "-5"]).to_owned(),
                "message" => {
                    if self.below(5) == 0 {
                        "null".into()
                    } else {
                        self.object(&["role", "content", "tool_calls", "refusal"], 2, |g, k| match k {
                            "role" | "content" => g.field("string"),
                            _ => g.value(2),
                        })
                    }
                }
                "choices" => {
                    let items: Vec<String> =
                        (0..self.below(3))
                            .map(|_| {
                                self.object(&["index", "finish_reason", "delta", "message", "logprobs"], 2, |g, k| {
                                    match k {
                                        "index" => g.field("int"),
                                        "finish_reason" => g.field("string"),
                                        "delta" | "message" => g.field("message"),
                                        _ => g.value(2),
                                    }
                                })
                            })
                            .collect();
                    format!("[{}]", items.join(","))
                }
                "usage" => {
                    if self.below(4) == 0 {
                        "null".into()
                    } else {
                        self.object(&["prompt_tokens", "completion_tokens", "total_tokens", "details"], 2, |g, k| {
                            match k {
                                "details" => g.value(2),
                                _ => g.field("int"),
                            }
                        })
                    }
                }
                _ => self.value(2),
            }
        }
        fn chunk(&mut self) -> String {
            let keys = [
                "id",
                "object",
                "created",
                "model",
                "choices",
                "choices",
                "usage",
                "system_fingerprint",
                "ch\\u006fices",
            ];
            let mut text = self.object(&keys, 3, |g, k| match k {
                "id" | "model" | "object" | "system_fingerprint" => g.field("string"),
                "created" => g.field("int"),
                "choices" => g.field("choices"),
                "usage" => g.field("usage"),
                _ => g.value(2),
            });
            match self.below(40) {
                0 => {
                    let mut at = self.below(text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.truncate(at);
                }
                1 => text.push_str(self.pick(&["x", " {}", "\n", ","])),
                _ => {}
            }
            text
        }
    }

    #[test]
    fn strict_and_lenient_agree_on_generated_chunks() {
        let mut g = Gen(0x5eed_cafe_f00d_0001);
        let (mut fast_hits, mut lenient_hits) = (0, 0);
        for _ in 0..30_000 {
            let text = g.chunk();
            let want = lenient(&text);
            lenient_hits += usize::from(want.is_some());
            if let Ok(fast) = parse(RawJson::root(&text)) {
                fast_hits += 1;
                let want = want.unwrap_or_else(|| panic!("the fast path read what serde refuses: {text}"));
                assert_eq!(typed(&fast), typed(&want), "{text}");
                assert_eq!(nested(&fast), nested(&want), "{text}");
                assert_eq!(fast, want, "{text}");
            }
        }
        // Neither side of the comparison is rare, or it would check little.
        assert!(fast_hits > 3_000 && lenient_hits > fast_hits + 3_000, "fast {fast_hits}, lenient {lenient_hits}");
    }

    #[test]
    fn a_plain_run_ends_at_the_first_quote_backslash_or_control_byte() {
        let naive = |s: &[u8]| s.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(s.len());
        let mut g = Gen(7);
        let bytes = [b'a', b' ', b'~', 0x1f, 0x20, 0x7f, 0x80, 0xa0, 0xff, 0xe2, b'"', b'\\', 0, b'\n'];
        for _ in 0..20_000 {
            let len = g.below(40);
            let s: Vec<u8> = (0..len).map(|_| if g.rarely(12) { bytes[g.below(bytes.len())] } else { b'x' }).collect();
            assert_eq!(plain_run(&s), naive(&s), "{s:?}");
        }
    }

    #[test]
    fn nested_records_of_a_fast_chunk_see_their_json() {
        let c = ChatCompletionChunk::from_json(
            r#"{"choices":[{"index":0,"delta":{"content":"a","tool_calls":[{"id":"t"}]},"logprobs":null}]}"#,
        )
        .unwrap();
        assert_eq!(c.choices[0].delta.get("tool_calls").unwrap()[0]["id"], "t");
        assert_eq!(c.choices[0].get("logprobs"), Some(&serde_json::Value::Null));
        assert_eq!(c.choices[0].delta.raw_json(), r#"{"content":"a","tool_calls":[{"id":"t"}]}"#);
    }
}
