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
//! `strict/tests.rs` checks that on a corpus of odd chunks and on generated ones.

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
            if self.item_ends(b'}')? {
                return Some(());
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
            if self.item_ends(b']')? {
                return Some(());
            }
        }
    }

    /// After an object's entry or an array's element: past a `,` (`false`) or
    /// the `close` bracket (`true`); anything else gives up.
    #[inline]
    fn item_ends(&mut self, close: u8) -> Option<bool> {
        let next = self.peek()?;
        if next != b',' && next != close {
            return None;
        }
        self.i += 1;
        Some(next == close)
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
mod tests;
