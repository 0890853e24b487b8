//! The signed-URL storage listener: a second origin that accepts
//! `PUT /upload/{token}` for URLs minted by `blob-upload-url`.
//!
//! Like a real pre-signed storage URL it refuses requests that carry an
//! `Authorization` header, and a `Content-Type` other than the MIME the URL
//! was minted for. Bodies are streamed and counted, never stored.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::put;
use futures_util::StreamExt;

use crate::faults;
use crate::http::fnv;
use crate::log::storage_layer;
use crate::state::{AppState, UploadState};

/// The storage app.
pub(crate) fn storage_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/upload/{token}", put(upload))
        .fallback(async || xml(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist."))
        .method_not_allowed_fallback(async || {
            xml(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "Only PUT is allowed on a signed upload URL.")
        })
        .layer(from_fn_with_state(state.clone(), faults::layer))
        .layer(from_fn_with_state(state.clone(), storage_layer))
        .with_state(state)
}

/// A GCS-style XML error.
fn xml(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>\
         <Message>{message}</Message></Error>"
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=UTF-8"));
    resp
}

fn media_type(s: &str) -> String {
    s.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn set_state(st: &AppState, token: &str, state: UploadState) {
    if let Some(u) = st.db().uploads.get_mut(token) {
        u.state = state;
    }
}

/// `PUT /upload/{token}`.
async fn upload(
    State(st): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        return xml(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Requests to a signed URL must not carry an Authorization header.",
        );
    }
    let Some(upload) = st.db().uploads.get(&token).cloned() else {
        return xml(StatusCode::NOT_FOUND, "NoSuchUpload", "The signed URL is unknown or has expired.");
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if !upload.mime.is_empty() && media_type(&content_type) != media_type(&upload.mime) {
        return xml(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            &format!("The request Content-Type '{content_type}' does not match the signed '{}'.", upload.mime),
        );
    }
    set_state(&st, &token, UploadState::InProgress);
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => size += bytes.len() as u64,
            Err(_) => {
                set_state(&st, &token, UploadState::Pending);
                return xml(
                    StatusCode::BAD_REQUEST,
                    "IncompleteBody",
                    "The request body ended before it was complete.",
                );
            }
        }
    }
    set_state(&st, &token, UploadState::Done { size, content_type });
    let mut resp = Response::new(Body::empty());
    let etag = format!("\"{:016x}\"", fnv(&format!("{token}:{size}")));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}
