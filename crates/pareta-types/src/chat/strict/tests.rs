//! The fast path against the lenient parse: a corpus of odd chunks and generated ones.

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
                let items: Vec<String> = (0..self.below(3))
                    .map(|_| {
                        self.object(&["index", "finish_reason", "delta", "message", "logprobs"], 2, |g, k| match k {
                            "index" => g.field("int"),
                            "finish_reason" => g.field("string"),
                            "delta" | "message" => g.field("message"),
                            _ => g.value(2),
                        })
                    })
                    .collect();
                format!("[{}]", items.join(","))
            }
            "usage" => {
                if self.below(4) == 0 {
                    "null".into()
                } else {
                    self.object(&["prompt_tokens", "completion_tokens", "total_tokens", "details"], 2, |g, k| match k {
                        "details" => g.value(2),
                        _ => g.field("int"),
                    })
                }
            }
            _ => self.value(2),
        }
    }
    fn chunk(&mut self) -> String {
        let keys =
            ["id", "object", "created", "model", "choices", "choices", "usage", "system_fingerprint", "ch\\u006fices"];
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
    let specials = [b'"', b'\\', 0, 0x1f, b'\n'];
    let others = [b'x', b' ', b'~', 0x20, 0x7f, 0x80, 0xa0, 0xe2, 0xff];
    // Every length up to three words, every position, every special byte in
    // every background, alone or followed by a quote.
    for len in 0..=24 {
        for &bg in &others {
            let plain = vec![bg; len];
            assert_eq!(plain_run(&plain), len);
            for at in 0..len {
                for &sp in &specials {
                    let mut s = plain.clone();
                    s[at] = sp;
                    assert_eq!(plain_run(&s), naive(&s), "{s:?}");
                    if at + 1 < len {
                        s[at + 1] = b'"';
                        assert_eq!(plain_run(&s), naive(&s), "{s:?}");
                    }
                }
            }
        }
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
