//! OpenAI-compatible chat: the request, the completion and the streamed chunk.

use crate::record::RawJson;
use crate::{JsonMap, ResponseMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of a conversation.
///
/// ```
/// use pareta_types::ChatMessage;
/// let m = ChatMessage::user("Extract the parties.");
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"role":"user","content":"Extract the parties."}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `"system"`, `"user"`, `"assistant"`, or any role the endpoint accepts.
    pub role: String,
    /// Usually a string; OpenAI-style content parts (an array) pass through too.
    pub content: Value,
    /// Any other message field (`name`, `tool_call_id`, ...), sent as is.
    #[serde(flatten)]
    pub extra: JsonMap,
}

impl ChatMessage {
    /// A message with any role.
    pub fn new(role: impl Into<String>, content: impl Into<Value>) -> Self {
        ChatMessage { role: role.into(), content: content.into(), extra: JsonMap::new() }
    }
    /// A `system` message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content.into())
    }
    /// A `user` message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content.into())
    }
    /// An `assistant` message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content.into())
    }
}

/// The body of `POST /v1/chat/completions`.
///
/// `model` is an endpoint id from a deploy. Extra OpenAI fields (`top_p`, `stop`,
/// ...) pass straight through with [`extra`](Self::extra).
///
/// ```
/// use pareta_types::{ChatCompletionRequest, ChatMessage};
/// let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("hi")])
///     .temperature(0.0)
///     .max_tokens(64)
///     .extra("top_p", 0.9);
/// let json = serde_json::to_value(&req).unwrap();
/// assert_eq!(json["top_p"], 0.9);
/// assert!(json.get("stream").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionRequest {
    /// The endpoint id (or any model id the org can reach).
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Whether the server streams the reply. The clients set this themselves:
    /// `create` sends no `stream` key, `create_stream` sends `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Any other body field, passed through as is.
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
            stream: None,
            extra: JsonMap::new(),
        }
    }
    /// Sets `temperature`.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }
    /// Sets `max_tokens`.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }
    /// Adds a pass-through body field such as `top_p` or `stop`.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
    /// Appends a message.
    pub fn message(mut self, message: ChatMessage) -> Self {
        self.messages.push(message);
        self
    }
}

/// The role and text of a [`Choice`]: `message` on a completion, `delta` on a chunk.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Message {
    /// `"assistant"`, `"user"`, ...
    #[serde(default, deserialize_with = "crate::de::lenient_string")]
    pub role: Option<String>,
    /// The text; `None` when absent or not a plain string.
    #[serde(default, deserialize_with = "crate::de::lenient_string")]
    pub content: Option<String>,
}

/// One generated alternative.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Choice {
    /// Position in `choices`.
    #[serde(default)]
    pub index: Option<u32>,
    /// `"stop"`, `"length"`, ... (any string the server sends).
    #[serde(default, deserialize_with = "crate::de::lenient_string")]
    pub finish_reason: Option<String>,
    /// The full message (non-streaming results); empty when absent.
    #[serde(default)]
    pub message: Message,
    /// The incremental token (streaming chunks); empty when absent.
    #[serde(default)]
    pub delta: Message,
}

/// Token accounting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Sum of both.
    #[serde(default)]
    pub total_tokens: Option<u64>,
}

/// The result of a non-streaming chat completion.
///
/// ```
/// use pareta_types::ChatCompletion;
/// let c = ChatCompletion::from_json(r#"{"id":"c1","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"total_tokens":3}}"#)?;
/// assert_eq!(c.content(), Some("hi"));
/// assert_eq!(c.usage.total_tokens, Some(3));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletion {
    /// Completion id.
    #[serde(default)]
    pub id: Option<String>,
    /// The model or endpoint that served the request.
    #[serde(default)]
    pub model: Option<String>,
    /// Unix timestamp.
    #[serde(default)]
    pub created: Option<i64>,
    /// One entry per generated choice.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Token counts (all `None` when the server sent none).
    #[serde(default)]
    pub usage: Usage,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(ChatCompletion);

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
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct ChatCompletionChunk {
    /// Completion id (the same on every chunk of one stream).
    #[serde(default)]
    pub id: Option<String>,
    /// The model or endpoint.
    #[serde(default)]
    pub model: Option<String>,
    /// Unix timestamp.
    #[serde(default)]
    pub created: Option<i64>,
    /// Usually one choice carrying a `delta`.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Present on the last chunk when the server reports usage.
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(ChatCompletionChunk);

impl ChatCompletionChunk {
    /// The first choice's incremental text; `None` on role preambles and finish markers.
    pub fn delta(&self) -> Option<&str> {
        self.choices.first()?.delta.content.as_deref()
    }

    /// The first choice's finish reason, set on the last content chunk.
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.first()?.finish_reason.as_deref()
    }

    /// Parses a chunk from an owned SSE `data` payload without copying it: the hot
    /// path of streaming, one typed parse per chunk.
    pub fn from_json_string(json: String) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(&json);
        let mut chunk = ChatCompletionChunk::deserialize(&mut de)?;
        de.end()?;
        chunk.raw = RawJson(json);
        Ok(chunk)
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
        assert_eq!(c.get("service_tier"), Some(serde_json::json!("flex-new")));
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some("stop"));
        assert_eq!(serde_json::to_string(&c).unwrap(), text);
        // message/delta are always present, empty when absent.
        assert_eq!(c.choices[0].delta.content, None);
        assert_eq!(c.usage, Usage::default());
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
