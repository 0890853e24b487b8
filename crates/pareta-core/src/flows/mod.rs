//! Every SDK operation as a [`Flow`](crate::Flow), grouped by namespace.
//!
//! Most operations are one [`Call`]: build the request, retry transient failures,
//! decode the answer. Four are multi-step state machines:
//!
//! ```text
//! runs::create   [create set]? → [look up set's task]? → [frontier roster]? → start run → [wait]?
//! runs::wait     GET run → terminal? done : sleep(poll_interval) → GET run … → deadline? WaitTimeout
//! upload         size < 5 MiB: attach-blob
//!                else: blob-upload-url → PUT signed URL (no Authorization) → blob-upload-complete
//! deploy / chat  one streaming Call; its value is a stream decoder the driver feeds
//! ```
//!
//! Bad arguments are caught when the flow is built: its first `poll` is
//! `Done(Err(Error::InvalidArgument))` and nothing is sent.

pub mod chat;
pub mod endpoints;
pub mod evals;
mod lenient;
pub mod models;
pub mod raw;
pub mod runs;
pub mod tasks;
pub mod upload;
pub mod watch;

#[cfg(test)]
pub(crate) mod script;

pub use crate::call::Call;
use crate::call::RequestSpec;
use crate::config::Config;
use crate::encode;
use crate::error::Error;
use crate::http::Response;

use serde_json::value::RawValue;
use std::collections::HashMap;

fn body_str<'a>(route: &'static str, resp: &Response<'a>) -> Result<&'a str, Error> {
    std::str::from_utf8(resp.body).map_err(|e| Error::decode(route, resp, format!("the body is not UTF-8 ({e})")))
}

/// The body, or `{}` for an empty 2xx body (the platform's rule).
fn json_text<'a>(route: &'static str, resp: &Response<'a>) -> Result<&'a str, Error> {
    let s = body_str(route, resp)?;
    Ok(if s.trim().is_empty() { "{}" } else { s })
}

/// Decodes a whole body as a record `T`.
macro_rules! decode_record {
    ($route:expr, $ty:ty) => {
        Box::new(move |resp: &crate::http::Response<'_>| {
            let text = crate::flows::json_text($route, resp)?;
            <$ty>::from_json(text)
                .map(|r| r.with_meta(crate::call::meta(resp)))
                .map_err(|e| crate::error::Error::decode($route, resp, e))
        })
    };
}
pub(crate) use decode_record;

/// The raw JSON of one field of an object body.
fn field<'a>(route: &'static str, resp: &Response<'a>, key: &str) -> Result<&'a RawValue, Error> {
    let text = json_text(route, resp)?;
    let mut map: HashMap<&str, &RawValue> = serde_json::from_str(text)
        .map_err(|e| Error::decode(route, resp, format!("expected a JSON object with `{key}`: {e}")))?;
    map.remove(key).ok_or_else(|| Error::decode(route, resp, format!("the JSON object has no `{key}` field")))
}

/// The whole body as a JSON value (`{}` when empty).
fn decode_value(route: &'static str) -> crate::call::Decode<serde_json::Value> {
    Box::new(move |resp| {
        let text = json_text(route, resp)?;
        serde_json::from_str(text).map_err(|e| Error::decode(route, resp, e))
    })
}

/// A call whose answer is ignored (DELETE).
fn decode_unit() -> crate::call::Decode<()> {
    Box::new(|_| Ok(()))
}

/// Rejects an empty id before it can turn `/v1/tasks/{id}` into `/v1/tasks/`,
/// and the dot segments: no resource is named `.` or `..`, and WHATWG URL
/// parsers (reqwest's) resolve even their encoded forms away.
pub(crate) fn check_id(what: &str, id: &str) -> Result<String, Error> {
    if id.trim().is_empty() {
        return Err(Error::InvalidArgument(format!("{what} must not be empty")));
    }
    if id == "." || id == ".." {
        return Err(Error::InvalidArgument(format!("{what} {id:?} is a path segment, not an id")));
    }
    Ok(encode::path_segment(id))
}

/// A call of `spec` whose 2xx answer `decode` reads; a spec that failed (a bad
/// id) fails the call before anything is sent.
fn call<T>(cfg: &Config, spec: Result<RequestSpec, Error>, decode: crate::call::Decode<T>) -> Call<T> {
    match spec {
        Ok(spec) => spec.call(cfg, decode),
        Err(e) => Call::failed(e),
    }
}

/// A call of `route` (its `{…}` filled by `ids`) with `query` appended.
fn get<T>(
    cfg: &Config,
    route: &'static str,
    ids: &[(&str, &str)],
    query: &str,
    decode: crate::call::Decode<T>,
) -> Call<T> {
    call(cfg, RequestSpec::route(cfg, route, ids).map(|s| s.query(query)), decode)
}

/// In a flow's `poll`: the value of a finished sub-call, or `return` its
/// output (a `Send`, a `Sleep`, or its error) as the flow's own.
macro_rules! ready_or_return {
    ($call:expr, $now:expr) => {
        match crate::flows::step($call, $now) {
            std::ops::ControlFlow::Continue(value) => value,
            std::ops::ControlFlow::Break(output) => return output,
        }
    };
}
pub(crate) use ready_or_return;

/// Drives a sub-call one step: `Continue(value)` once it has finished, or
/// `Break(output)` to pass its `Send`, `Sleep` or error on as the flow's own.
pub(crate) fn step<T, V>(
    call: &mut Call<T>,
    now: std::time::Instant,
) -> std::ops::ControlFlow<crate::http::Output<V>, T> {
    use crate::http::{Flow, Output};
    use std::ops::ControlFlow::{Break, Continue};
    match call.poll(now) {
        Output::Send(r) => Break(Output::Send(r)),
        Output::Sleep(d) => Break(Output::Sleep(d)),
        Output::Done(Ok(v)) => Continue(v),
        Output::Done(Err(e)) => Break(Output::Done(Err(e))),
    }
}

#[cfg(test)]
mod options_tests;
#[cfg(test)]
mod tests;
