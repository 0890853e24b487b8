//! Eval sets (multipart JSONL), document uploads (inline and signed-URL),
//! and eval runs advancing per poll.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;

use common::*;
use pareta_mock::MockServer;
use serde_json::{Value, json};

fn rows(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"input": format!("Agreement {i} between A and B"), "expected": {"parties": ["A", "B"]}}))
        .collect()
}

#[test]
fn eval_set_create_list_retrieve_delete() {
    let server = MockServer::start();
    let id = create_eval_set(&server, "contract-key-fields", "my contracts v1", &rows(3));
    assert_eq!(id, "evset_1");
    let got = get(&server, &format!("/v1/eval-sets/{id}")).json();
    let set = &got["eval_set"];
    assert_eq!(set["id"], "evset_1");
    assert_eq!(set["task_id"], "contract-key-fields");
    assert_eq!(set["name"], "my contracts v1");
    assert_eq!(set["item_count"], 3);
    assert_eq!(set["scoring_strategy"], "extraction");
    assert!(set["created"].is_i64());

    let second = create_eval_set(&server, "ticket-triage", "", &rows(2));
    let listed = get(&server, "/v1/eval-sets").json();
    let listed = listed["eval_sets"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["scoring_strategy"], "classification");
    assert_eq!(listed[1]["name"], "sdk eval set (2 items)", "default name");

    let del = delete(&server, &format!("/v1/eval-sets/{second}"));
    assert_eq!(del.status, 204);
    assert_eq!(get(&server, &format!("/v1/eval-sets/{second}")).status, 404);
    assert_eq!(delete(&server, &format!("/v1/eval-sets/{second}")).status, 404);
    assert_eq!(get(&server, "/v1/eval-sets").json()["eval_sets"].as_array().unwrap().len(), 1);
}

#[test]
fn eval_set_validation() {
    let server = MockServer::start();
    let jsonl = |body: &str| -> Vec<u8> { body.as_bytes().to_vec() };
    let create = |task: &str, items: &[u8]| {
        post_multipart(
            &server,
            "/v1/eval-sets",
            &[
                ("items", Some(("items.x.jsonl", "application/jsonl")), items),
                ("task_id", None, task.as_bytes()),
                ("name", None, b"n"),
            ],
        )
    };
    let unknown = create("nope", &jsonl("{\"a\":1}"));
    assert_eq!(unknown.status, 404);

    let bad = create("contract-key-fields", &jsonl("{\"a\":1}\n{\"b\":2}\n[1, 2]"));
    assert_eq!(bad.status, 422);
    assert!(bad.detail().contains("line 3"), "{}", bad.detail());

    let broken = create("contract-key-fields", &jsonl("{\"a\":1}\n{oops"));
    assert_eq!(broken.status, 422);
    assert!(broken.detail().contains("line 2"), "{}", broken.detail());

    assert_eq!(create("contract-key-fields", b"").status, 422);

    let not_multipart = post_json(&server, "/v1/eval-sets", &json!({"task_id": "contract-key-fields"}));
    assert_eq!(not_multipart.status, 422);
    assert!(get(&server, "/v1/eval-sets").json()["eval_sets"].as_array().unwrap().is_empty());
}

#[test]
fn attach_blob_inline() {
    let server = MockServer::start();
    let id =
        create_eval_set(&server, "invoice-extraction", "docs", &[json!({"expected": {"invoice_total": "1240.00"}})]);
    let pdf = b"%PDF-1.7 fake".to_vec();
    let resp = post_multipart(
        &server,
        &format!("/v1/eval-sets/{id}/attach-blob"),
        &[
            ("file", Some(("invoice.pdf", "application/pdf")), &pdf),
            ("idx", None, b"0"),
            ("field_name", None, b"document"),
            ("mime", None, b"application/pdf"),
        ],
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    let r = resp.json();
    assert_eq!(r["eval_set_id"], id.as_str());
    assert_eq!(r["idx"], 0);
    assert_eq!(r["field_name"], "document");
    assert_eq!(r["mime"], "application/pdf");
    assert_eq!(r["size"], pdf.len());
    assert!(r["storage_uri"].as_str().unwrap().starts_with("gs://"));

    let out_of_range = post_multipart(
        &server,
        &format!("/v1/eval-sets/{id}/attach-blob"),
        &[
            ("file", Some(("upload", "application/pdf")), &pdf),
            ("idx", None, b"1"),
            ("field_name", None, b"document"),
            ("mime", None, b"application/pdf"),
        ],
    );
    assert_eq!(out_of_range.status, 422);
    let missing = post_multipart(&server, "/v1/eval-sets/evset_404/attach-blob", &[("idx", None, b"0")]);
    assert_eq!(missing.status, 404);
}

#[test]
fn signed_url_upload_handshake() {
    let server = MockServer::start();
    let id = create_eval_set(&server, "invoice-extraction", "big docs", &rows(2));
    let mint = post_json(
        &server,
        &format!("/v1/eval-sets/{id}/blob-upload-url"),
        &json!({"idx": 1, "field_name": "document", "mime": "application/pdf", "file_size": 12_000_000}),
    );
    assert_eq!(mint.status, 200, "{}", mint.body);
    let upload_url = mint.json()["upload_url"].as_str().unwrap().to_owned();
    let storage_uri = mint.json()["storage_uri"].as_str().unwrap().to_owned();
    assert!(upload_url.starts_with(&format!("{}/upload/", server.storage_url())));
    assert!(storage_uri.starts_with("gs://mock-bucket/"));

    let complete_body =
        json!({"idx": 1, "field_name": "document", "storage_uri": storage_uri, "mime": "application/pdf"});
    let early = post_json(&server, &format!("/v1/eval-sets/{id}/blob-upload-complete"), &complete_body);
    assert!(early.status == 409 || early.status == 422, "{}", early.status);

    // The signed URL refuses the Pareta key.
    let with_auth =
        send("PUT", &upload_url, &[("Authorization", AUTH), ("Content-Type", "application/pdf")], Some(b"x".to_vec()));
    assert_eq!(with_auth.status, 403);
    assert!(with_auth.body.contains("AccessDenied"));

    // 12 MB streamed from a reader, never buffered by the test.
    let size: u64 = 12_000_000;
    let mut source = std::io::repeat(7).take(size);
    let request = ureq::http::Request::builder()
        .method("PUT")
        .uri(&upload_url)
        .header("Content-Type", "application/pdf")
        .header("Content-Length", size.to_string())
        .body(ureq::SendBody::from_reader(&mut source))
        .unwrap();
    let put = agent().run(request).unwrap();
    assert_eq!(put.status().as_u16(), 200);

    let done = post_json(&server, &format!("/v1/eval-sets/{id}/blob-upload-complete"), &complete_body);
    assert_eq!(done.status, 200, "{}", done.body);
    let d = done.json();
    assert_eq!(d["eval_set_id"], id.as_str());
    assert_eq!(d["idx"], 1);
    assert_eq!(d["field_name"], "document");
    assert_eq!(d["storage_uri"], storage_uri.as_str());
    assert_eq!(d["size"], size);

    let log = server.requests();
    let put_log = log.iter().rfind(|r| r.listener == "storage").unwrap();
    assert_eq!(put_log.method, "PUT");
    assert_eq!(put_log.header("authorization"), None);
    assert_eq!(put_log.body.len(), 1024 * 1024);
    assert_eq!(put_log.header("x-mock-body-truncated"), Some("12000000"));

    let wrong_idx = post_json(
        &server,
        &format!("/v1/eval-sets/{id}/blob-upload-url"),
        &json!({"idx": 9, "field_name": "document", "mime": "application/pdf", "file_size": 1}),
    );
    assert_eq!(wrong_idx.status, 422);
    let unknown_put = send("PUT", &format!("{}/upload/nope", server.storage_url()), &[], Some(b"x".to_vec()));
    assert_eq!(unknown_put.status, 404);
}

fn poll(server: &MockServer, run: &str) -> Value {
    let resp = get(server, &format!("/v1/eval-runs/{run}"));
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json()
}

#[test]
fn eval_run_advances_per_poll() {
    let server = MockServer::start();
    let set = create_eval_set(&server, "contract-key-fields", "contracts", &rows(25));
    let created = post_json(
        &server,
        "/v1/eval-runs",
        &json!({"eval_set_id": set, "candidate_model_ids": ["contract-1", "contract-2", "gpt-4o"]}),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json(), json!({"run_id": "run_1", "status": "queued"}));

    let statuses: Vec<String> =
        (0..3).map(|_| poll(&server, "run_1")["run"]["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses, ["running", "evaluating", "completed"]);

    let done = poll(&server, "run_1");
    let run = &done["run"];
    assert_eq!(run["id"], "run_1");
    assert_eq!(run["eval_set_id"], set.as_str());
    assert_eq!(run["status"], "completed");
    assert_eq!(run["candidate_model_ids"], json!(["contract-1", "contract-2", "gpt-4o"]));
    assert_eq!(run["error_detail"], Value::Null);
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let mut expected_total = 0;
    for r in results {
        let mean = r["quality_mean"].as_f64().unwrap();
        assert!(r["quality_ci_low"].as_f64().unwrap() <= mean);
        assert!(mean <= r["quality_ci_high"].as_f64().unwrap());
        assert_eq!(r["n_succeeded"], 25);
        assert_eq!(r["error_count"], 0);
        expected_total += r["mean_cost_micro_usd"].as_u64().unwrap() * 25;
    }
    assert_eq!(results[0]["model_id"], "contract-1");
    assert_eq!(results[0]["kind"], "open");
    assert_eq!(results[2]["kind"], "frontier");
    let total = run["total_cost_micro_usd"].as_u64().unwrap();
    assert_eq!(total, expected_total);
    assert_ne!(total % 10_000, 0, "not a round number of cents");
    // Deterministic: a second server gives the same numbers.
    let other = MockServer::start();
    let set2 = create_eval_set(&other, "contract-key-fields", "contracts", &rows(25));
    post_json(
        &other,
        "/v1/eval-runs",
        &json!({"eval_set_id": set2, "candidate_model_ids": ["contract-1", "contract-2", "gpt-4o"]}),
    );
    for _ in 0..3 {
        poll(&other, "run_1");
    }
    assert_eq!(poll(&other, "run_1")["results"], done["results"]);
}

#[test]
fn eval_run_on_a_fail_set_fails() {
    let server = MockServer::start();
    let set = create_eval_set(&server, "ticket-triage", "should fail please", &rows(2));
    post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": set, "candidate_model_ids": ["triage-1"]}));
    for _ in 0..2 {
        poll(&server, "run_1");
    }
    let last = poll(&server, "run_1");
    assert_eq!(last["run"]["status"], "failed");
    assert!(last["run"]["error_detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[test]
fn eval_run_validation() {
    let server = MockServer::start();
    let set = create_eval_set(&server, "invoice-extraction", "docs", &rows(2));
    let create = |body: Value| post_json(&server, "/v1/eval-runs", &body);
    assert_eq!(create(json!({"eval_set_id": "evset_404", "candidate_model_ids": ["invoice-1"]})).status, 404);
    assert_eq!(create(json!({"eval_set_id": set, "candidate_model_ids": []})).status, 422);
    let unknown = create(json!({"eval_set_id": set, "candidate_model_ids": ["invoice-1", "contract-1"]}));
    assert_eq!(unknown.status, 422);
    assert!(unknown.detail().contains("contract-1"));
    // No vision, no documents.
    assert_eq!(create(json!({"eval_set_id": set, "candidate_model_ids": ["gpt-4o-mini"]})).status, 422);
    assert_eq!(create(json!({"eval_set_id": set, "candidate_model_ids": ["invoice-2", "claude-sonnet"]})).status, 200);
    assert_eq!(get(&server, "/v1/eval-runs/run_404").status, 404);
}
