//! `evals.sets.upload_document`: inline under 5 MiB, else the three-step
//! signed-URL handshake whose `PUT` goes to storage without the API key.

use super::{Call, check_id, decode_value, field, step};
use crate::call::RequestSpec;
use crate::config::Config;
use crate::error::{Error, UploadError, UploadStep};
use crate::http::{Body, BodyPart, Flow, HttpRequest, Input, Method, Output, Timeouts};
use crate::mime;
use crate::multipart::Multipart;
use pareta_types::{Document, UploadDocument};
use serde_json::Value;
use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Documents smaller than this go inline through `attach-blob`.
pub const INLINE_LIMIT: u64 = 5 * 1024 * 1024;

const ATTACH: &str = "POST /v1/eval-sets/{id}/attach-blob";
const URL: &str = "POST /v1/eval-sets/{id}/blob-upload-url";
const PUT: &str = "PUT <signed storage URL>";
const COMPLETE: &str = "POST /v1/eval-sets/{id}/blob-upload-complete";

struct Signed {
    upload_url: String,
    storage_uri: String,
}

#[allow(clippy::large_enum_variant)] // one per call, never in a hot collection
enum State {
    Inline(Call<Value>),
    RequestUrl(Call<Signed>),
    Put {
        storage_uri: String,
        call: Call<()>,
    },
    Complete(Call<Value>),
    /// Failed before or between requests; the error is returned once.
    Failed(Option<Error>),
    Finished,
}

/// What a finished step of [`Upload`] leads to.
enum Next {
    Put(Signed),
    Complete(String),
}

/// The upload flow. Its value is the JSON of the last request.
pub struct Upload {
    cfg: Config,
    /// The eval set, checked when the flow is built.
    set_id: String,
    idx: u64,
    field_name: String,
    mime: String,
    body: BodyPart,
    state: State,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.state {
            State::Inline(_) => "Inline",
            State::RequestUrl(_) => "RequestUrl",
            State::Put { .. } => "Put",
            State::Complete(_) => "Complete",
            State::Failed(_) => "Failed",
            State::Finished => "Finished",
        };
        write!(f, "Upload<{phase} {} bytes>", self.body.len())
    }
}

/// The MIME of an upload: the caller's, else guessed from the name, else octet-stream.
pub fn mime_for(req: &UploadDocument) -> String {
    req.mime.clone().unwrap_or_else(|| {
        match &req.document {
            Document::Path(_) => mime::guess(&req.document.file_name()),
            _ => None,
        }
        .unwrap_or(mime::OCTET_STREAM)
        .to_owned()
    })
}

/// The file a driver must measure (its length on disk, with the driver's own
/// file API) before calling [`upload_document`]; `None` for in-memory bytes.
pub fn file_to_measure(req: &UploadDocument) -> Option<&Path> {
    match &req.document {
        Document::Path(p) => Some(p),
        _ => None,
    }
}

/// Uploads `req.document`. `file_len` is the length the driver measured of
/// [`file_to_measure`]'s file (`None` for bytes, whose length core knows).
pub fn upload_document(cfg: &Config, req: &UploadDocument, file_len: Option<u64>) -> Upload {
    let (body, size) = match &req.document {
        Document::Path(p) => {
            let len = file_len.unwrap_or(0);
            (BodyPart::File { path: p.clone(), len }, len)
        }
        Document::Bytes(b) => (BodyPart::Bytes(b.clone()), b.len() as u64),
    };
    let unmeasured = file_len.is_none() && file_to_measure(req).is_some();
    let mut flow = Upload {
        cfg: cfg.clone(),
        set_id: req.eval_set_id.clone(),
        idx: req.idx,
        field_name: req.field_name.clone(),
        mime: mime_for(req),
        body,
        state: State::Finished,
    };
    if unmeasured {
        flow.state = State::Failed(Some(Error::Misuse("upload_document: the driver did not measure the file")));
        return flow;
    }
    if let Err(e) = check_id("eval set id", &req.eval_set_id) {
        flow.state = State::Failed(Some(e));
        return flow;
    }
    if req.field_name.trim().is_empty() {
        flow.state = State::Failed(Some(Error::InvalidArgument("upload `field_name` must not be empty".into())));
        return flow;
    }
    // The type goes into a header and into the form's part headers, where a
    // line break would start a header of its own.
    if flow.mime.trim().is_empty() || !flow.mime.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        let problem = format!("upload `mime` {:?} must be visible ASCII, without line breaks", flow.mime);
        flow.state = State::Failed(Some(Error::InvalidArgument(problem)));
        return flow;
    }
    flow.state = if size < INLINE_LIMIT { flow.inline(&req.document.file_name()) } else { flow.request_url(size) };
    flow
}

impl Upload {
    fn inline(&self, file_name: &str) -> State {
        let mut form =
            Multipart::new(format!("pareta-{:016x}{:016x}", self.cfg.rng().next_u64(), self.cfg.rng().next_u64()));
        form.text("idx", &self.idx.to_string());
        form.text("field_name", &self.field_name);
        form.text("mime", &self.mime);
        match &self.body {
            BodyPart::Bytes(b) => form.file_bytes("file", file_name, &self.mime, b.clone()),
            BodyPart::File { path, len } => form.file_path("file", file_name, &self.mime, path.clone(), *len),
        }
        let ct = form.content_type();
        match self.spec(ATTACH) {
            Ok(spec) => State::Inline(spec.body(form.finish(), ct).call(&self.cfg, decode_value(ATTACH))),
            Err(e) => State::Failed(Some(e)),
        }
    }

    fn request_url(&self, size: u64) -> State {
        let body =
            serde_json::json!({"idx": self.idx, "field_name": self.field_name, "mime": self.mime, "file_size": size});
        let spec = match self.spec(URL) {
            Ok(spec) => spec.json(&body),
            Err(e) => return State::Failed(Some(e)),
        };
        State::RequestUrl(spec.call(
            &self.cfg,
            Box::new(|resp| {
                let text = |key| -> Result<String, Error> {
                    let raw = field(URL, resp, key)?;
                    serde_json::from_str::<String>(raw.get())
                        .map_err(|e| Error::decode(URL, resp, format!("`{key}`: {e}")))
                };
                Ok(Signed { upload_url: text("upload_url")?, storage_uri: text("storage_uri")? })
            }),
        ))
    }

    /// The request of one of the set's upload routes.
    fn spec(&self, route: &'static str) -> Result<RequestSpec, Error> {
        RequestSpec::route(&self.cfg, route, &[("eval set id", &self.set_id)])
    }

    /// The storage PUT: only the content type and user agent, never the API key.
    fn put(&self, upload_url: String) -> Call<()> {
        use http::header::{self, HeaderMap, HeaderValue};
        // Checked when the upload started.
        let Ok(content_type) = HeaderValue::from_str(&self.mime) else {
            return Call::failed(Error::InvalidArgument(format!(
                "upload `mime` {:?} is not a valid header value",
                self.mime
            )));
        };
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(header::CONTENT_TYPE, content_type);
        headers.insert(header::USER_AGENT, crate::call::AGENT);
        let request = HttpRequest {
            method: Method::Put,
            url: upload_url.into(),
            headers: Arc::new(headers),
            body: Body::from_parts(vec![self.body.clone()]),
            streaming: false,
            timeouts: Timeouts {
                connect: self.cfg.connect_timeout(),
                total: None,
                idle: Some(self.cfg.timeout()),
                override_client: self.cfg.per_call().is_some_and(|p| p.timeouts),
                connect_per_call: self.cfg.per_call().is_some_and(|p| p.connect),
            },
            route: PUT,
            max_body: self.cfg.max_response_bytes(),
            attempt: 1,
        }
        .with_content_length();
        Call::once(
            request,
            Box::new(|resp| match resp.status {
                200 | 201 => Ok(()),
                s => Err(upload_error(
                    UploadStep::Put,
                    Some(s),
                    format!("storage answered {s}, expected 200 or 201"),
                    None,
                )),
            }),
        )
    }

    fn complete(&self, storage_uri: &str) -> State {
        let body = serde_json::json!({"idx": self.idx, "field_name": self.field_name, "storage_uri": storage_uri, "mime": self.mime});
        match self.spec(COMPLETE) {
            Ok(spec) => State::Complete(spec.json(&body).call(&self.cfg, decode_value(COMPLETE))),
            Err(e) => State::Failed(Some(e)),
        }
    }
}

fn upload_error(step: UploadStep, status: Option<u16>, detail: String, source: Option<Error>) -> Error {
    Error::Upload(Box::new(UploadError { step, status, detail, source }))
}

/// Wraps a failure of the signed-URL handshake so it says which step failed and what the server said.
fn at_step(step: UploadStep, e: Error) -> Error {
    match e {
        Error::Upload(_) => e,
        e => {
            let status = e.status();
            let detail = match e.api() {
                Some(api) => api.detail().or(api.body_excerpt()).unwrap_or("no detail").to_owned(),
                None => e.to_string(),
            };
            upload_error(step, status, detail, Some(e))
        }
    }
}

impl Upload {
    fn fail(&mut self, error: Error) -> Output<Value> {
        self.state = State::Finished;
        Output::Done(Err(error))
    }
}

impl Flow for Upload {
    type Value = Value;

    fn poll(&mut self, now: Instant) -> Output<Value> {
        loop {
            // Drive the current step in place; only a finished step changes state.
            let next = match &mut self.state {
                State::Inline(call) => return call.poll(now),
                State::RequestUrl(call) => match step(call, now) {
                    ControlFlow::Continue(signed) => Next::Put(signed),
                    ControlFlow::Break(Output::Done(Err(e))) => return self.fail(at_step(UploadStep::RequestUrl, e)),
                    ControlFlow::Break(out) => return out,
                },
                State::Put { storage_uri, call } => match step(call, now) {
                    ControlFlow::Continue(()) => Next::Complete(std::mem::take(storage_uri)),
                    ControlFlow::Break(Output::Done(Err(e))) => return self.fail(at_step(UploadStep::Put, e)),
                    ControlFlow::Break(out) => return out,
                },
                State::Complete(call) => match call.poll(now) {
                    Output::Done(Err(e)) => return self.fail(at_step(UploadStep::Complete, e)),
                    out => return out,
                },
                State::Failed(e) => {
                    return Output::Done(Err(e.take().unwrap_or(Error::Misuse("poll was called after Done"))));
                }
                State::Finished => return Output::Done(Err(Error::Misuse("poll was called after Done"))),
            };
            self.state = match next {
                Next::Put(signed)
                    if !(signed.upload_url.starts_with("https://") || signed.upload_url.starts_with("http://")) =>
                {
                    let detail =
                        format!("the server returned an upload URL that is not http(s): {:?}", signed.upload_url);
                    return self.fail(upload_error(UploadStep::RequestUrl, None, detail, None));
                }
                Next::Put(signed) => State::Put { call: self.put(signed.upload_url), storage_uri: signed.storage_uri },
                Next::Complete(storage_uri) => self.complete(&storage_uri),
            };
        }
    }

    fn handle(&mut self, now: Instant, input: Input<'_>) {
        match &mut self.state {
            State::Inline(c) | State::Complete(c) => c.handle(now, input),
            State::RequestUrl(c) => c.handle(now, input),
            State::Put { call, .. } => call.handle(now, input),
            State::Failed(_) | State::Finished => debug_assert!(false, "handle without a request"),
        }
    }
}
