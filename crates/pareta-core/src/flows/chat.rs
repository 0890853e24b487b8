//! `chat.completions.create` and `create_stream`.

use super::{Call, decode_record};
use crate::call::{RequestSpec, meta};
use crate::config::Config;
use crate::error::Error;
use crate::stream::ChatStreamDecoder;
use pareta_types::{ChatCompletion, ChatCompletionRequest};

const CREATE: &str = "POST /v1/chat/completions";

fn validate(req: &ChatCompletionRequest) -> Result<(), Error> {
    if req.model.trim().is_empty() {
        return Err(Error::InvalidArgument("chat completion `model` must not be empty (pass an endpoint id)".into()));
    }
    if req.messages.is_empty() {
        return Err(Error::InvalidArgument("chat completion `messages` must not be empty".into()));
    }
    Ok(())
}

/// `POST /v1/chat/completions`: one completion. Sends no `stream` key (an extra
/// `stream` is dropped).
pub fn create(cfg: &Config, req: &ChatCompletionRequest) -> Call<ChatCompletion> {
    if let Err(e) = validate(req) {
        return Call::failed(e);
    }
    RequestSpec::fixed(cfg, CREATE).json(req).call(cfg, decode_record!(CREATE, ChatCompletion))
}

/// `POST /v1/chat/completions` with `"stream": true`. The value is the stream
/// decoder, returned once the response headers arrive with a 2xx status; any
/// other status is an error (retried like any call) before a single item.
pub fn create_stream(cfg: &Config, req: &ChatCompletionRequest) -> Call<ChatStreamDecoder> {
    if let Err(e) = validate(req) {
        return Call::failed(e);
    }
    RequestSpec::fixed(cfg, CREATE)
        .json(&req.streaming_body())
        .streaming()
        .call(cfg, Box::new(|resp| Ok(ChatStreamDecoder::new(meta(resp)))))
}
