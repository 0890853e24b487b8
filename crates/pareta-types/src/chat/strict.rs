//! The fast path for a streamed chat chunk: one strict, plain-serde parse of the
//! shape the platform sends, taken only when it reads exactly what the lenient
//! readers would.
//!
//! A stream decodes one chunk per token, so this parse is the SDK's hottest
//! code. The lenient readers (`crate::de`) visit every field through
//! `deserialize_any` and every nested record through a counting map adaptor;
//! on a well-formed chunk that cost about 2.5k instructions more than the same
//! fields read by derived serde (callgrind, 190-byte chunks). Here every field
//! has the strict type that accepts exactly the values the lenient reader
//! reads as themselves, and any other value (a float index, a `null` list, a
//! number where a string belongs) makes the strict parse fail, so that
//! [`ChatCompletionChunk::from_json`] falls back to the lenient one.
//! The result is the same record either way; `strict_and_lenient_agree` checks
//! that on a corpus of odd chunks.

use super::{ChatCompletionChunk, Choice, Message, Usage};
use crate::record::{Doc, Path, RawJson, Seg};

const CHOICES: Seg = Seg::key("choices");
const MESSAGE: Seg = Seg::key("message");
const DELTA: Seg = Seg::key("delta");
const USAGE: Seg = Seg::key("usage");
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    choices: Choices,
    #[serde(default)]
    usage: Option<Obj<StrictUsage>>,
}

#[derive(Deserialize)]
struct StrictChoice {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    finish_reason: Option<Open<crate::FinishReason>>,
    #[serde(default)]
    message: Option<Obj<StrictMessage>>,
    #[serde(default)]
    delta: Option<Obj<StrictMessage>>,
}

#[derive(Deserialize)]
struct StrictMessage {
    #[serde(default)]
    role: Option<Open<crate::Role>>,
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct StrictUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

/// A struct read from a JSON object only. Derived serde also reads a struct from
/// an array of its fields in order, which the lenient readers read as empty.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// The choices, each read strictly and stored as a [`Choice`] as it is read
/// (collecting into another `Vec` would allocate a second list per chunk).
#[derive(Default)]
struct Choices(Vec<Choice>);

impl<'de> Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Choices;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of choices")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
                while let Some(Obj(c)) = seq.next_element::<Obj<StrictChoice>>()? {
                    let at = Path::ROOT.push(CHOICES).push(Seg::index(out.len()));
                    out.push(Choice {
                        index: c.index,
                        finish_reason: c.finish_reason.map(|f| f.0),
                        message: message(c.message, at.push(MESSAGE)),
                        delta: message(c.delta, at.push(DELTA)),
                        raw: RawJson::pending(at),
                    });
                }
                Ok(Choices(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// An open-enum value read from a string, with no allocation for a known one.
struct Open<T>(T);

impl<'de, T: From<&'de str> + From<String>> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: From<&'de str> + From<String>> Visitor<'de> for V<T> {
            type Value = Open<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Open(T::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Open(T::from(v.to_owned())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A message read strictly; an absent one is left unbound, which reads exactly
/// as a bound one whose place holds nothing (`{}`: text, value, lookups,
/// equality), without a document handle; only its `Debug` shows `<{}>`.
fn message(m: Option<Obj<StrictMessage>>, at: Path) -> Message {
    match m {
        Some(Obj(m)) => Message { role: m.role.map(|r| r.0), content: m.content, raw: RawJson::pending(at) },
        None => Message::default(),
    }
}

/// The chunk read strictly from its document and pointed at it, or the document
/// back when the lenient parse must decide (the text has a value the strict
/// types refuse, or is not JSON at all).
pub(super) fn parse(doc: Doc) -> Result<ChatCompletionChunk, Doc> {
    let Some(chunk) = read(&doc.slice) else { return Err(doc) };
    let usage = match chunk.usage {
        None => None,
        // `{}` reads as no usage (Python-falsy) and `{"total_tokens": null}` as an
        // empty one; only the lenient reader, which counts entries, tells them apart.
        Some(Obj(StrictUsage { prompt_tokens: None, completion_tokens: None, total_tokens: None })) => return Err(doc),
        Some(Obj(u)) => Some(Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
            raw: RawJson::at(&doc, Path::ROOT.push(USAGE)),
        }),
    };
    let mut choices = chunk.choices.0;
    for c in &mut choices {
        c.raw.bind_pending(&doc);
        c.message.raw.bind_pending(&doc);
        c.delta.raw.bind_pending(&doc);
    }
    Ok(ChatCompletionChunk {
        id: chunk.id,
        model: chunk.model,
        created: chunk.created,
        choices,
        usage,
        raw: RawJson::owning(doc, Path::ROOT),
        meta: Default::default(),
    })
}

fn read(text: &str) -> Option<Chunk> {
    let mut de = serde_json::Deserializer::from_str(text);
    let chunk = Chunk::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(chunk)
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
