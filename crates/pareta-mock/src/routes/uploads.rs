//! Document uploads onto eval-set rows: inline `attach-blob`, and the
//! signed-URL handshake (`blob-upload-url`, a PUT to the storage listener,
//! `blob-upload-complete`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use serde_json::json;

use crate::http::{
    ApiError, ApiResult, form_text, json_object, ok_json, opt_str, opt_u64, read_multipart, req_str, req_usize,
};
use crate::routes::eval_sets::find;
use crate::state::{AppState, Blob, Upload, UploadState};

/// Inline uploads above this are refused (the SDK switches to the signed-URL
/// flow at 5 MiB).
const ATTACH_LIMIT: usize = 6 * 1024 * 1024;

fn check_idx(st: &AppState, set_id: &str, idx: usize) -> Result<(), ApiError> {
    let set = find(st, set_id)?;
    if idx >= set.items.len() {
        return Err(ApiError::invalid(format!(
            "idx {idx} is out of range: eval set '{set_id}' has {} items",
            set.items.len()
        )));
    }
    Ok(())
}

fn store_blob(st: &AppState, set_id: &str, idx: usize, field: &str, blob: Blob) -> Result<(), ApiError> {
    let mut db = st.db();
    let set = db.eval_set_mut(set_id).ok_or_else(|| ApiError::not_found(format!("eval set '{set_id}' not found")))?;
    set.blobs.insert((idx, field.to_owned()), blob);
    Ok(())
}

/// `POST /v1/eval-sets/{id}/attach-blob` (multipart: `file`, `idx`,
/// `field_name`, `mime`).
pub(crate) async fn attach_blob(State(st): State<Arc<AppState>>, Path(id): Path<String>, req: Request) -> ApiResult {
    find(&st, &id)?;
    let parts = read_multipart(req).await?;
    let file =
        parts.iter().find(|p| p.name == "file").ok_or_else(|| ApiError::invalid("file part 'file' is required"))?;
    if file.data.len() > ATTACH_LIMIT {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("attach-blob takes files up to {ATTACH_LIMIT} bytes; use blob-upload-url"),
        ));
    }
    let idx_text = form_text(&parts, "idx").ok_or_else(|| ApiError::invalid("form field 'idx' is required"))?;
    let idx: usize = idx_text
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(format!("idx must be a non-negative integer, got '{idx_text}'")))?;
    let field_name = form_text(&parts, "field_name")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("form field 'field_name' is required"))?;
    let mime = form_text(&parts, "mime")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| file.content_type.clone())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    check_idx(&st, &id, idx)?;
    let size = file.data.len() as u64;
    let storage_uri = format!("gs://mock-bucket/eval-sets/{id}/{idx}/{field_name}");
    let blob = Blob { mime: mime.clone(), size, storage_uri: storage_uri.clone() };
    store_blob(&st, &id, idx, &field_name, blob)?;
    ok_json(json!({
        "eval_set_id": id,
        "idx": idx,
        "field_name": field_name,
        "mime": mime,
        "size": size,
        "storage_uri": storage_uri,
        "filename": file.filename,
    }))
}

/// `POST /v1/eval-sets/{id}/blob-upload-url` `{"idx", "field_name", "mime",
/// "file_size"}`.
pub(crate) async fn upload_url(State(st): State<Arc<AppState>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    find(&st, &id)?;
    let obj = json_object(&body)?;
    let idx = req_usize(&obj, "idx")?;
    let field_name = req_str(&obj, "field_name")?.to_owned();
    let mime = opt_str(&obj, "mime")?.unwrap_or_default().to_owned();
    let file_size = opt_u64(&obj, "file_size")?;
    check_idx(&st, &id, idx)?;
    let (token, storage_uri) = {
        let mut db = st.db();
        let token = db.next_upload_token();
        let storage_uri = format!("gs://mock-bucket/{token}");
        db.uploads.insert(
            token.clone(),
            Upload {
                eval_set_id: id.clone(),
                idx,
                field_name,
                mime,
                storage_uri: storage_uri.clone(),
                state: UploadState::Pending,
            },
        );
        (token, storage_uri)
    };
    ok_json(json!({
        "upload_url": format!("{}/upload/{token}", st.storage_url),
        "storage_uri": storage_uri,
        "method": "PUT",
        "file_size": file_size,
        "expires_in": 900,
    }))
}

/// `POST /v1/eval-sets/{id}/blob-upload-complete` `{"idx", "field_name",
/// "storage_uri", "mime"}`.
pub(crate) async fn upload_complete(State(st): State<Arc<AppState>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    find(&st, &id)?;
    let obj = json_object(&body)?;
    let idx = req_usize(&obj, "idx")?;
    let field_name = req_str(&obj, "field_name")?.to_owned();
    let storage_uri = req_str(&obj, "storage_uri")?.to_owned();
    let mime = opt_str(&obj, "mime")?.map(str::to_owned);
    check_idx(&st, &id, idx)?;
    let upload =
        st.db().uploads.values().find(|u| u.storage_uri == storage_uri).cloned().ok_or_else(|| {
            ApiError::invalid(format!("storage_uri '{storage_uri}' was not minted by blob-upload-url"))
        })?;
    if upload.eval_set_id != id || upload.idx != idx || upload.field_name != field_name {
        return Err(ApiError::invalid(format!(
            "storage_uri '{storage_uri}' was minted for eval set '{}', idx {}, field '{}'",
            upload.eval_set_id, upload.idx, upload.field_name
        )));
    }
    let (size, content_type) = match upload.state {
        UploadState::Done { size, content_type } => (size, content_type),
        UploadState::InProgress => {
            return Err(ApiError::conflict(format!("the upload to '{storage_uri}' is still in progress")));
        }
        UploadState::Pending => {
            return Err(ApiError::invalid(format!(
                "no object was uploaded to '{storage_uri}': PUT the bytes to the upload_url first"
            )));
        }
    };
    let mime = mime
        .filter(|m| !m.is_empty())
        .or_else(|| Some(upload.mime.clone()).filter(|m| !m.is_empty()))
        .unwrap_or(content_type);
    let blob = Blob { mime: mime.clone(), size, storage_uri: storage_uri.clone() };
    store_blob(&st, &id, idx, &field_name, blob)?;
    ok_json(json!({
        "eval_set_id": id,
        "idx": idx,
        "field_name": field_name,
        "storage_uri": storage_uri,
        "mime": mime,
        "size": size,
    }))
}
