//! Item 1: SSE + chat-chunk decode throughput, in process, no network.
//!
//! One recorded, realistic stream (OpenAI-style chunks of about 190 bytes: a
//! role preamble, one token per chunk with the odd escaped quote or newline, a
//! finish chunk, a usage chunk, `[DONE]`) is decoded three ways:
//!
//! - ours: `pareta_core::stream::ChatStreamDecoder`, given 16 KiB reads as the
//!   drivers give them (whole, not copied), every item drained and its delta read;
//! - (a) a bare loop: split the bytes into lines with memchr and
//!   `serde_json::from_slice` each `data:` payload into plain structs with the
//!   same fields ([`PlainChunk`]): the practical limit;
//! - (a') the same loop into `serde_json::Value`.

use super::{Goal, Opts, Result, Row, Sampler, rate, side_by_side};
use bytes::Bytes;
use pareta_core::stream::{ChatStreamDecoder, StreamDecoder};
use pareta_types::ResponseMeta;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::hint::black_box;

/// Bytes the blocking driver reads per `read` call.
pub const PIECE: usize = 16 * 1024;

const TOKENS: &[&str] = &[
    " The",
    " parties",
    " to",
    " this",
    " Agreement",
    " are",
    " Acme",
    " Corp",
    ",",
    " a",
    " Delaware",
    " corporation",
    " (\\\"",
    "Buyer",
    "\\\")",
    " and",
    " Globex",
    " LLC",
    " (\\\"",
    "Seller",
    "\\\").",
    "\\n",
    "\\n",
    "Effective",
    " Date",
    ":",
    " March",
    " 1",
    ",",
    " 2026",
    ".",
    "\\n",
    "Term",
    ":",
    " 36",
    " months",
    " from",
    " the",
    " Effective",
    " Date",
    ";",
    " renew",
    "able",
    " for",
    " successive",
    " 12",
    "-month",
    " periods",
    ".",
    " Gover",
    "ning",
    " law",
    ":",
    " New",
    " York",
    ". ",
    "Total",
    " fees",
    ":",
    " $",
    "1",
    ",",
    "200",
    ",",
    "000",
];

/// The recorded stream: `n` chunks (role preamble, `n - 3` tokens, a finish
/// chunk, a usage chunk) and `data: [DONE]`.
pub fn stream_body(n: usize) -> Vec<u8> {
    let n = n.max(3);
    let mut out = Vec::with_capacity(n * 200);
    let head = "data: {\"id\":\"chatcmpl-bench-000001\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,\"model\":\"ep_contract_kie\",";
    for i in 0..n {
        let line = if i == 0 {
            format!(
                "{}\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"\"}},\"finish_reason\":null}}]}}\n\n",
                head
            )
        } else if i == n - 2 {
            format!("{}\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n", head)
        } else if i == n - 1 {
            format!(
                "{}\"choices\":[],\"usage\":{{\"prompt_tokens\":812,\"completion_tokens\":{},\"total_tokens\":{}}}}}\n\n",
                head,
                n - 3,
                n - 3 + 812
            )
        } else {
            let tok = TOKENS[(i * 7 + i / 3) % TOKENS.len()];
            format!(
                "{}\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{tok}\"}},\"finish_reason\":null}}]}}\n\n",
                head
            )
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

/// A chat chunk as plain structs with the same fields as
/// `pareta_types::ChatCompletionChunk` (what a hand-written client would do).
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Default, Deserialize)]
pub struct PlainChunk {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub choices: Vec<PlainChoice>,
    #[serde(default)]
    pub usage: Option<PlainUsage>,
}

/// One choice.
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Default, Deserialize)]
pub struct PlainChoice {
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub message: PlainMessage,
    #[serde(default)]
    pub delta: PlainMessage,
}

/// Role and text.
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Default, Deserialize)]
pub struct PlainMessage {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// Token counts.
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Default, Deserialize)]
pub struct PlainUsage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub total_tokens: Option<u64>,
}

impl PlainChunk {
    /// The first choice's delta text.
    pub fn delta(&self) -> Option<&str> {
        self.choices.first()?.delta.content.as_deref()
    }
}

/// The bare loop over complete lines; returns how many lines were consumed
/// (bytes) and whether `[DONE]` was seen. Calls `on` per chunk.
fn bare_lines<T: DeserializeOwned>(bytes: &[u8], on: &mut impl FnMut(T)) -> Result<(usize, bool)> {
    let mut pos = 0;
    while let Some(i) = memchr::memchr(b'\n', &bytes[pos..]) {
        let line = &bytes[pos..pos + i];
        pos += i + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(payload) = line.strip_prefix(b"data:") {
            let payload = payload.strip_prefix(b" ").unwrap_or(payload);
            if payload == b"[DONE]" {
                return Ok((pos, true));
            }
            on(serde_json::from_slice(payload)?);
        }
    }
    Ok((pos, false))
}

/// Baseline (a)/(a') over a whole buffer: returns the chunk count.
pub fn bare_decode<T: DeserializeOwned>(bytes: &[u8], mut on: impl FnMut(T)) -> Result<u64> {
    let mut n = 0u64;
    bare_lines(bytes, &mut |v: T| {
        on(v);
        n += 1;
    })?;
    Ok(n)
}

/// The bare loop, incrementally: what a raw client does with body reads.
#[derive(Debug, Default)]
pub struct BareStream {
    buf: Vec<u8>,
    /// Chunks decoded.
    pub chunks: u64,
    /// `[DONE]` seen.
    pub done: bool,
}

impl BareStream {
    /// Adds body bytes and decodes every complete line.
    pub fn feed(&mut self, bytes: &[u8]) -> Result {
        let chunks = &mut self.chunks;
        let mut on = |c: PlainChunk| {
            black_box(c.delta());
            *chunks += 1;
        };
        if self.buf.is_empty() {
            let (used, done) = bare_lines(bytes, &mut on)?;
            self.done |= done;
            self.buf.extend_from_slice(&bytes[used..]);
        } else {
            self.buf.extend_from_slice(bytes);
            let (used, done) = bare_lines(&self.buf, &mut on)?;
            self.done |= done;
            self.buf.drain(..used);
        }
        Ok(())
    }
}

/// Ours: the core decoder over `piece`-sized reads of the body, handed over as
/// the drivers hand them (`Bytes`, kept as they are: the async driver's path;
/// the blocking driver reads into the decoder's buffer, so the only copy is the
/// kernel's, which the bare loop does not pay either); returns the chunk count.
pub fn ours_decode(body: &Bytes, piece: usize) -> Result<u64> {
    let mut dec = ChatStreamDecoder::new(ResponseMeta::default());
    let mut n = 0u64;
    let mut at = 0;
    while at < body.len() {
        let end = (at + piece).min(body.len());
        dec.feed_bytes(body.slice(at..end));
        at = end;
        n += drain(&mut dec)?;
    }
    finished(&dec, n)
}

/// [`ours_decode`] with each read copied into the decoder (`feed(&[u8])`), as
/// both drivers did before they handed their reads over.
pub fn ours_decode_copied(bytes: &[u8], piece: usize) -> Result<u64> {
    ours_decode_pieces(bytes.chunks(piece))
}

/// The body cut after each event's blank line: the reads of a live stream.
pub fn event_pieces(body: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = memchr::memmem::find(rest, b"\n\n") {
        out.push(&rest[..i + 2]);
        rest = &rest[i + 2..];
    }
    out
}

/// Ours over these reads; returns the chunk count.
pub fn ours_decode_pieces<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Result<u64> {
    let mut dec = ChatStreamDecoder::new(ResponseMeta::default());
    let mut n = 0u64;
    for p in pieces {
        dec.feed(p);
        n += drain(&mut dec)?;
    }
    finished(&dec, n)
}

/// Every item ready, each delta read; returns how many.
fn drain(dec: &mut ChatStreamDecoder) -> Result<u64> {
    let mut n = 0;
    while let Some(item) = dec.next_item() {
        black_box(item?.delta());
        n += 1;
    }
    Ok(n)
}

fn finished(dec: &ChatStreamDecoder, n: u64) -> Result<u64> {
    if !dec.is_finished() {
        return Err("the recorded stream did not end with [DONE]".into());
    }
    Ok(n)
}

/// Item 1 rows.
pub fn bench(opts: &Opts) -> Result<Vec<Row>> {
    let body = stream_body(opts.chunks());
    let whole = Bytes::from(body.clone());
    let n = opts.chunks() as u64;
    // Sanity: all three see every chunk.
    let counts = [
        ours_decode(&whole, PIECE)?,
        bare_decode(&body, |c: PlainChunk| drop(black_box(c)))?,
        bare_decode(&body, |v: serde_json::Value| drop(black_box(v)))?,
    ];
    if counts != [n, n, n] {
        return Err(format!("decoders disagree on the chunk count: {counts:?}, expected {n}").into());
    }
    let bytes = body.len() as f64;
    let per_chunk = bytes / n as f64;
    let sample = opts.sample();
    let mut samplers: Vec<Sampler<'_>> = vec![
        Box::new(|| rate(sample, || ours_decode(&whole, PIECE))),
        Box::new(|| rate(sample, || bare_decode(&body, |c: PlainChunk| drop(black_box(c))))),
        Box::new(|| rate(sample, || bare_decode(&body, |v: serde_json::Value| drop(black_box(v))))),
    ];
    let m = side_by_side(opts.runs(), &mut samplers)?;
    let (ours, plain, value) = (m[0], m[1], m[2]);
    let mb = |chunks_per_s: f64| chunks_per_s * per_chunk / 1e6;
    eprintln!(
        "   {n} chunks, {:.0} bytes each; ours {:.0}/s, (a) {:.0}/s, (a') {:.0}/s",
        per_chunk, ours, plain, value
    );
    // Instructions per chunk: two passes over the profile's 10,000-chunk stream.
    let instr = |kind: &str| super::instr::per_unit(&["decode", kind, "2"], 20_000);
    Ok(vec![
        Row::new(
            "1",
            "decode vs (a) bare loop → plain structs",
            Some(ours),
            Some(plain),
            "chunks/s",
            Goal::AtLeast(0.95),
        )
        .paired(m.ratio(0, 1))
        .instr(instr("ours"), instr("plain"), 1.05),
        Row::new("1", "decode vs (a) bare loop → plain structs", Some(mb(ours)), Some(mb(plain)), "MB/s", Goal::Info),
        Row::new("1", "decode vs (a') bare loop → serde_json::Value", Some(ours), Some(value), "chunks/s", Goal::Info),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_decoders_agree() {
        let body = stream_body(50);
        let whole = Bytes::from(body.clone());
        assert_eq!(ours_decode(&whole, 7).unwrap(), 50);
        assert_eq!(ours_decode(&whole, PIECE).unwrap(), 50);
        assert_eq!(ours_decode_copied(&body, 7).unwrap(), 50);
        assert_eq!(ours_decode_copied(&body, PIECE).unwrap(), 50);
        assert_eq!(bare_decode(&body, |_: PlainChunk| ()).unwrap(), 50);
        assert_eq!(bare_decode(&body, |_: serde_json::Value| ()).unwrap(), 50);
        let mut s = BareStream::default();
        for p in body.chunks(13) {
            s.feed(p).unwrap();
        }
        assert_eq!((s.chunks, s.done), (50, true));
        let avg = body.len() / 50;
        assert!((170..=210).contains(&avg), "about 190 bytes per chunk, got {avg}");
    }
}
