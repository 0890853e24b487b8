//! `pa.evals().sets().upload_document`: inline multipart under the limit, the
//! three-step signed-URL upload from it on.

use crate::common::*;
use httpmock::{MockServer, When};
use pareta_async::types::{Document, UploadDocument};
use pareta_async::{Error, UploadStep};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

fn attach_blob(when: When, set_path: &str) -> When {
    api(when, "POST", &format!("/v1/eval-sets/{set_path}/attach-blob"))
        .header("accept", "application/json")
        .header_prefix("content-type", "multipart/form-data; boundary=")
        .is_true(|r| r.uri().query().is_none())
}

#[test]
fn upload_small_bytes_goes_inline_as_multipart() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        attach_blob(when, "evset_1")
            .body_includes("Content-Disposition: form-data; name=\"idx\"\r\n\r\n2\r\n")
            .body_includes("Content-Disposition: form-data; name=\"field_name\"\r\n\r\ndocument\r\n")
            .body_includes("Content-Disposition: form-data; name=\"mime\"\r\n\r\napplication/octet-stream\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n",
                "Content-Type: application/octet-stream\r\n\r\n%PDF-1.4 tiny\r\n"
            ));
        ok(then, r#"{"attached":true,"idx":2,"field_name":"document"}"#);
    });
    let up = UploadDocument::new("evset_1", 2, "document", Document::bytes(b"%PDF-1.4 tiny".to_vec()));
    let out = client(&server.base_url()).evals().sets().upload_document(&up).block().unwrap();
    m.assert();
    assert_eq!(out, json!({"attached": true, "idx": 2, "field_name": "document"}));
}

#[test]
fn upload_small_path_uses_the_base_name_and_guesses_the_mime() {
    let dir = temp_dir(SUITE, "small-path");
    let path = dir.join("Invoice 7.PDF");
    std::fs::write(&path, b"%PDF-1.7 small file").unwrap();
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        attach_blob(when, "evset%2F1")
            .body_includes("Content-Disposition: form-data; name=\"idx\"\r\n\r\n0\r\n")
            .body_includes("Content-Disposition: form-data; name=\"field_name\"\r\n\r\ndocument\r\n")
            .body_includes("Content-Disposition: form-data; name=\"mime\"\r\n\r\napplication/pdf\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"Invoice 7.PDF\"\r\n",
                "Content-Type: application/pdf\r\n\r\n%PDF-1.7 small file\r\n"
            ));
        ok(then, r#"{"attached":true}"#);
    });
    let up = UploadDocument::new("evset/1", 0, "document", Document::path(&path));
    let out = client(&server.base_url()).evals().sets().upload_document(&up).block().unwrap();
    m.assert();
    assert_eq!(out, json!({"attached": true}));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Mocks the three-step signed-URL upload of `content` (`mime`) on `api` + `storage`
/// and returns the three mocks.
fn signed_upload_mocks<'a>(
    api_server: &'a MockServer,
    storage: &'a MockServer,
    content: Arc<Vec<u8>>,
    mime: &str,
) -> [httpmock::Mock<'a>; 3] {
    let size = content.len();
    let upload_url = storage.url("/bucket/obj-1?X-Goog-Signature=abc%2F1&expires=60");
    let url = api_server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-sets/evset_1/blob-upload-url",
            json!({"idx": 4, "field_name": "document", "mime": mime, "file_size": size}),
        );
        ok(then, &json!({"upload_url": upload_url, "storage_uri": "gs://bucket/obj-1"}).to_string());
    });
    let put = storage.mock(|when, then| {
        when.method("PUT")
            .path("/bucket/obj-1")
            .query_param("X-Goog-Signature", "abc/1")
            .query_param("expires", "60")
            .header_missing("authorization")
            .header_missing("idempotency-key")
            .header("content-type", mime)
            .header("content-length", size.to_string())
            .is_true(move |r| r.body_ref() == content.as_slice());
        then.status(201);
    });
    let complete = api_server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-sets/evset_1/blob-upload-complete",
            json!({"idx": 4, "field_name": "document", "storage_uri": "gs://bucket/obj-1", "mime": mime}),
        );
        ok_id(then, r#"{"attached":true,"storage_uri":"gs://bucket/obj-1"}"#, "req_done");
    });
    [url, put, complete]
}

#[test]
fn upload_large_file_uses_the_signed_url_without_the_key() {
    let dir = temp_dir(SUITE, "large");
    let path: PathBuf = dir.join("scan.tiff");
    let content = Arc::new(pattern(INLINE_LIMIT + 1));
    std::fs::write(&path, content.as_slice()).unwrap();
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let mocks = signed_upload_mocks(&api_server, &storage, content, "image/tiff");
    let up = UploadDocument::new("evset_1", 4, "document", Document::path(&path));
    let out = client(&api_server.base_url()).evals().sets().upload_document(&up).block().unwrap();
    mocks.iter().for_each(|m| m.assert());
    assert_eq!(out, json!({"attached": true, "storage_uri": "gs://bucket/obj-1"}), "the JSON of the last request");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn upload_of_exactly_5_mib_uses_the_signed_url_and_one_byte_less_goes_inline() {
    // "Strictly less than 5 MiB" goes inline: 5 MiB itself takes the signed URL.
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let content = Arc::new(pattern(INLINE_LIMIT));
    let mocks = signed_upload_mocks(&api_server, &storage, content.clone(), "application/pdf");
    let up = UploadDocument::new("evset_1", 4, "document", Document::bytes(content.to_vec())).mime("application/pdf");
    client(&api_server.base_url()).evals().sets().upload_document(&up).block().unwrap();
    mocks.iter().for_each(|m| m.assert());

    let inline = api_server.mock(|when, then| {
        attach_blob(when, "evset_1").is_true(|r| r.body_ref().len() > INLINE_LIMIT - 1);
        ok(then, r#"{"attached":"inline"}"#);
    });
    let up = UploadDocument::new("evset_1", 4, "document", Document::bytes(pattern(INLINE_LIMIT - 1)));
    assert_eq!(
        client(&api_server.base_url()).evals().sets().upload_document(&up).block().unwrap(),
        json!({"attached": "inline"})
    );
    inline.assert();
}

#[test]
fn upload_put_rejected_by_storage_names_step_2_of_3() {
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let url = api_server.mock(|when, then| {
        api(when, "POST", "/v1/eval-sets/evset_1/blob-upload-url");
        ok(then, &json!({"upload_url": storage.url("/up?sig=bad"), "storage_uri": "gs://b/o"}).to_string());
    });
    let put = storage.mock(|when, then| {
        when.method("PUT").path("/up").header_missing("authorization");
        then.status(403)
            .header("content-type", "application/xml")
            .body("<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code></Error>");
    });
    let complete = api_server.mock(|when, then| {
        when.path("/v1/eval-sets/evset_1/blob-upload-complete");
        ok(then, "{}");
    });
    let up = UploadDocument::new("evset_1", 0, "document", Document::bytes(pattern(INLINE_LIMIT)));
    let err = client(&api_server.base_url()).evals().sets().upload_document(&up).block().unwrap_err();
    url.assert();
    put.assert_calls(1);
    complete.assert_calls(0);
    let msg = err.to_string();
    assert!(msg.contains("step 2 of 3"), "{msg}");
    assert!(msg.contains("403"), "{msg}");
    match &err {
        Error::Upload(u) => assert_eq!((u.step, u.status), (UploadStep::Put, Some(403))),
        other => panic!("expected an upload error, got {other:?}"),
    }
    assert_eq!(err.status(), Some(403));
}

#[test]
fn upload_of_a_missing_file_fails_before_any_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    let path = temp_dir(SUITE, "missing").join("nope.pdf");
    let up = UploadDocument::new("evset_1", 0, "document", Document::path(&path));
    let err = client(&server.base_url()).evals().sets().upload_document(&up).block().unwrap_err();
    match &err {
        Error::File { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected a file error, got {other:?}"),
    }
    assert!(err.to_string().contains("nope.pdf"), "{err}");
    any.assert_calls(0);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
