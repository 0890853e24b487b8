//! OpenAI-compatible chat: the request, the completion and the streamed chunk.

mod strict;

use crate::record::RawJson;
use crate::{FinishReason, JsonMap, ResponseMeta, Role};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// One message of a conversation.
///
/// ```
/// use pareta_types::{ChatMessage, Role};
/// let m = ChatMessage::user("Extract the parties.");
/// assert_eq!(m.role, Role::User);
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"role":"user","content":"Extract the parties."}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// [`Role::System`], [`Role::User`], [`Role::Assistant`], [`Role::Tool`], or any
    /// role the endpoint accepts (`Role::from("developer")`).
    pub role: Role,
    /// Usually a string; OpenAI-style content parts (an array) pass through too.
    pub content: Value,
    /// Any other message field (`name`, `tool_call_id`, ...), sent as is.
    #[serde(flatten)]
    pub extra: JsonMap,
}

impl ChatMessage {
    /// A message with any role.
    pub fn new(role: impl Into<Role>, content: impl Into<Value>) -> Self {
        ChatMessage { role: role.into(), content: content.into(), extra: JsonMap::new() }
    }
    /// A `system` message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content.into())
    }
    /// A `user` message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content.into())
    }
    /// An `assistant` message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content.into())
    }
}

/// The body of `POST /v1/chat/completions`.
///
/// `model` is an endpoint id from a deploy. Extra OpenAI fields (`top_p`, `stop`,
/// ...) pass straight through with [`extra`](Self::extra).
///
/// The body never carries a key twice: an [`extra`](Self::extra) key that names a
/// typed field (`temperature`, `max_tokens`, `model`, `messages`) replaces that
/// field, and a typed setter called later replaces the extra key. `stream` is the
/// client's to set: `create` sends none and `create_stream` sends `true`, so an
/// extra `stream` key is never sent.
///
/// ```
/// use pareta_types::{ChatCompletionRequest, ChatMessage};
/// let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("hi")])
///     .temperature(0.0)
///     .max_tokens(64)
///     .extra("top_p", 0.9)
///     .extra("temperature", 0.2); // replaces the typed temperature
/// let json = serde_json::to_string(&req).unwrap();
/// assert_eq!(
///     json,
///     r#"{"model":"ep_contract_kie","messages":[{"role":"user","content":"hi"}],"max_tokens":64,"temperature":0.2,"top_p":0.9}"#
/// );
/// assert!(!json.contains("stream"));
/// let streaming = serde_json::to_value(req.streaming_body()).unwrap();
/// assert_eq!(streaming["stream"], true);
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ChatCompletionRequest {
    /// The endpoint id (or any model id the org can reach).
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Any other body field, passed through as is (see the type's docs for how a
    /// key that names a typed field is handled).
    #[serde(flatten)]
    pub extra: JsonMap,
}

impl ChatCompletionRequest {
    /// A request for `model` with `messages`.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages,
            temperature: None,
            max_tokens: None,
            extra: JsonMap::new(),
        }
    }
    /// Sets `temperature` (replacing an extra `temperature` key).
    pub fn temperature(mut self, t: f64) -> Self {
        self.extra.remove("temperature");
        self.temperature = Some(t);
        self
    }
    /// Sets `max_tokens` (replacing an extra `max_tokens` key).
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.extra.remove("max_tokens");
        self.max_tokens = Some(n);
        self
    }
    /// Adds a pass-through body field such as `top_p` or `stop`. A key that names a
    /// typed field replaces it; `stream` is ignored (the client sets it).
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
    /// Appends a message.
    pub fn message(mut self, message: ChatMessage) -> Self {
        self.messages.push(message);
        self
    }

    /// The body `create_stream` sends: this request plus `"stream": true`.
    pub fn streaming_body(&self) -> impl Serialize + '_ {
        Body { req: self, stream: true }
    }

    fn write<S: Serializer>(&self, s: S, stream: bool) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let extra = |k: &str| self.extra.contains_key(k);
        let mut map = s.serialize_map(None)?;
        if !extra("model") {
            map.serialize_entry("model", &self.model)?;
        }
        if !extra("messages") {
            map.serialize_entry("messages", &self.messages)?;
        }
        if let (Some(t), false) = (self.temperature, extra("temperature")) {
            map.serialize_entry("temperature", &t)?;
        }
        if let (Some(n), false) = (self.max_tokens, extra("max_tokens")) {
            map.serialize_entry("max_tokens", &n)?;
        }
        for (k, v) in self.extra.iter().filter(|(k, _)| k.as_str() != "stream") {
            map.serialize_entry(k, v)?;
        }
        if stream {
            map.serialize_entry("stream", &true)?;
        }
        map.end()
    }
}

impl Serialize for ChatCompletionRequest {
    /// The body `create` sends: typed fields, then extra fields, each key once, no `stream`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.write(s, false)
    }
}

struct Body<'a> {
    req: &'a ChatCompletionRequest,
    stream: bool,
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.req.write(s, self.stream)
    }
}

/// The role and text of a [`Choice`]: `message` on a completion, `delta` on a chunk.
///
/// Keeps the server's JSON: fields this crate does not type (`tool_calls`,
/// `refusal`, ...) are one [`get`](Self::get) away.
///
/// ```
/// use pareta_types::{ChatCompletion, Role};
/// let c = ChatCompletion::from_json(r#"{"choices":[{"message":{"role":"assistant","content":null,
///     "tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{}"}}]}}]}"#)?;
/// let msg = &c.choices[0].message;
/// assert_eq!(msg.role, Some(Role::Assistant));
/// assert_eq!(msg.content, None);
/// assert_eq!(msg.get("tool_calls").unwrap()[0]["function"]["name"], "lookup");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Message {
    /// `assistant`, `user`, ...
    #[serde(default, deserialize_with = "crate::de::open")]
    pub role: Option<Role>,
    /// The text; `None` when absent or not a plain string.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub content: Option<String>,
    #[serde(skip)]
    raw: RawJson,
}
nested!(Message);

/// One generated alternative.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Choice {
    /// Position in `choices`.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub index: Option<u32>,
    /// Why generation stopped: [`FinishReason::Stop`], [`FinishReason::Length`], ...
    #[serde(default, deserialize_with = "crate::de::open")]
    pub finish_reason: Option<FinishReason>,
    /// The full message (non-streaming results); empty when absent or `null`.
    #[serde(default, deserialize_with = "crate::de::nested")]
    pub message: Message,
    /// The incremental token (streaming chunks); empty when absent or `null`.
    #[serde(default, deserialize_with = "crate::de::nested")]
    pub delta: Message,
    #[serde(skip)]
    raw: RawJson,
}
nested!(Choice, nested: [message, delta]);

/// Token accounting.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub prompt_tokens: Option<u64>,
    /// Tokens generated.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub completion_tokens: Option<u64>,
    /// Sum of both.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub total_tokens: Option<u64>,
    #[serde(skip)]
    raw: RawJson,
}
nested!(Usage);

/// The result of a non-streaming chat completion.
///
/// ```
/// use pareta_types::ChatCompletion;
/// let c = ChatCompletion::from_json(r#"{"id":"c1","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"total_tokens":3}}"#)?;
/// assert_eq!(c.content(), Some("hi"));
/// assert_eq!(c.usage.total_tokens, Some(3));
/// // `null` lists and objects read as empty, as the platform's Python client reads them.
/// let c = ChatCompletion::from_json(r#"{"choices":null,"usage":null}"#)?;
/// assert!(c.choices.is_empty() && c.usage.total_tokens.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletion {
    /// Completion id.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub id: Option<String>,
    /// The model or endpoint that served the request.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub model: Option<String>,
    /// Unix timestamp.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub created: Option<i64>,
    /// One entry per generated choice.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub choices: Vec<Choice>,
    /// Token counts (all `None` when the server sent none).
    #[serde(default, deserialize_with = "crate::de::nested")]
    pub usage: Usage,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(ChatCompletion, nested: [choices, usage]);

impl ChatCompletion {
    /// The first choice's message text, the usual thing to read.
    pub fn content(&self) -> Option<&str> {
        self.choices.first()?.message.content.as_deref()
    }
}

/// One delta of a streamed chat completion.
///
/// ```
/// use pareta_types::ChatCompletionChunk;
/// let c = ChatCompletionChunk::from_json(r#"{"choices":[{"delta":{"content":"The"}}]}"#)?;
/// assert_eq!(c.delta(), Some("The"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionChunk {
    /// Completion id (the same on every chunk of one stream).
    #[serde(default, deserialize_with = "crate::de::string")]
    pub id: Option<String>,
    /// The model or endpoint.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub model: Option<String>,
    /// Unix timestamp.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub created: Option<i64>,
    /// Usually one choice carrying a `delta`.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub choices: Vec<Choice>,
    /// Present on the last chunk when the server reports usage.
    #[serde(default, deserialize_with = "crate::de::optional")]
    pub usage: Option<Usage>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(ChatCompletionChunk, fast: strict::parse, nested: [choices, usage]);

impl ChatCompletionChunk {
    /// The first choice's incremental text; `None` on role preambles and finish markers.
    pub fn delta(&self) -> Option<&str> {
        self.choices.first()?.delta.content.as_deref()
    }

    /// The first choice's finish reason, set on the last content chunk.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.choices.first()?.finish_reason.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_serializes_extra_fields_flat_and_skips_unset_options() {
        let req =
            ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]).temperature(0.0).extra("top_p", 0.9);
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"model":"ep_1","messages":[{"role":"user","content":"hi"}],"temperature":0.0,"top_p":0.9}"#
        );
    }

    #[test]
    fn completion_keeps_unknown_fields_and_exact_text() {
        let text = r#"{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop","logprobs":null}],"service_tier":"flex-new"}"#;
        let c = ChatCompletion::from_json(text).unwrap();
        assert_eq!(c.raw_json(), text);
        assert_eq!(c.get("service_tier"), Some(&serde_json::json!("flex-new")));
        assert_eq!(c.choices[0].finish_reason, Some(FinishReason::Stop));
        assert_eq!(c.choices[0].get("logprobs"), Some(&Value::Null), "nested objects keep unknown fields");
        assert_eq!(serde_json::to_string(&c).unwrap(), text);
        // message/delta are always present, empty when absent.
        assert_eq!(c.choices[0].delta.content, None);
        assert_eq!(c.usage, Usage::default());
        assert_eq!(c.usage.to_value(), serde_json::json!({}));
    }

    #[test]
    fn extra_keys_replace_typed_fields_and_stream_is_the_clients() {
        let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
            .temperature(0.5)
            .extra("temperature", 1)
            .extra("stream", true)
            .extra("model", "ep_2");
        let body = serde_json::to_string(&req).unwrap();
        assert_eq!(body, r#"{"messages":[{"role":"user","content":"hi"}],"model":"ep_2","temperature":1}"#);
        let body = serde_json::to_string(&req.streaming_body()).unwrap();
        assert_eq!(
            body,
            r#"{"messages":[{"role":"user","content":"hi"}],"model":"ep_2","temperature":1,"stream":true}"#
        );
        // A typed setter called after `extra` wins and removes the extra key.
        let req = req.temperature(0.0);
        assert_eq!(serde_json::to_value(&req).unwrap()["temperature"], 0.0);
        assert_eq!(serde_json::to_string(&req).unwrap().matches("temperature").count(), 1);
    }

    #[test]
    fn chunk_with_content_parts_does_not_fail() {
        let c = ChatCompletionChunk::from_json(
            r#"{"choices":[{"delta":{"content":[{"type":"text","text":"a"}]},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(c.delta(), None);
        assert_eq!(c.finish_reason(), None);
    }

    #[test]
    fn records_deserialize_through_serde_from_values_too() {
        let v = serde_json::json!([{"choices": [{"delta": {"content": "a"}}]}]);
        let chunks: Vec<ChatCompletionChunk> = serde_json::from_value(v).unwrap();
        assert_eq!(chunks[0].delta(), Some("a"));
        assert_eq!(chunks[0].to_value()["choices"][0]["delta"]["content"], "a");
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(ChatCompletionChunk::from_json_string(r#"{"choices":[]} x"#.into()).is_err());
    }
}
