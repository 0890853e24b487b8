//! `pa.evals().sets()`: create (multipart), list, retrieve, delete.

use crate::common::*;
use httpmock::MockServer;
use pareta_async::types::EvalSetCreate;
use pareta_test_support::raw::{RawServer, Reply};
use serde_json::json;

const SET_RECORD: &str = r#"{"id":"evset_1","task_id":"contract-key-fields","name":"sdk eval set (2 items)","item_count":2,"scoring_strategy":"extraction"}"#;

#[test]
fn sets_create_sends_the_multipart_parts() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        api(when, "POST", "/v1/eval-sets")
            .header("accept", "application/json")
            .header_prefix("content-type", "multipart/form-data; boundary=")
            .is_true(|r| r.uri().query().is_none())
            .body_includes("Content-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n")
            .body_includes("Content-Disposition: form-data; name=\"name\"\r\n\r\nsdk eval set (2 items)\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\n",
                "Content-Type: application/jsonl\r\n\r\n{\"input\":\"A\"}\n{\"input\":\"B\"}\r\n"
            ));
        ok(then, &format!(r#"{{"eval_set":{SET_RECORD}}}"#));
    });
    let req = EvalSetCreate::new("contract-key-fields", vec![json!({"input": "A"}), json!({"input": "B"})]);
    let set = client(&server.base_url()).evals().sets().create(&req).block().unwrap();
    m.assert();
    assert_eq!(set.id, "evset_1");
    assert_eq!(set.task_id.as_deref(), Some("contract-key-fields"));
    assert_eq!(set.name.as_deref(), Some("sdk eval set (2 items)"));
    assert_eq!(set.item_count, Some(2));
    assert_eq!(set.scoring_strategy.as_deref(), Some("extraction"));
    assert_eq!(set.meta().request_id(), Some("req_1"));
}

#[test]
fn sets_create_body_is_byte_exact() {
    let server = RawServer::script(vec![Reply::json(200, &format!(r#"{{"eval_set":{SET_RECORD}}}"#))]);
    let pa = client(&server.base_url);
    let rows = vec![json!({"input": "A"}), json!({"input": "B"})];
    pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows.clone())).block().unwrap();
    pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows).name("my \"set\"")).block().unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for (rec, name) in reqs.iter().zip(["sdk eval set (2 items)", "my \"set\""]) {
        assert_eq!((rec.method.as_str(), rec.target.as_str()), ("POST", "/v1/eval-sets"));
        let ct = rec.header("content-type").unwrap();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert!(!boundary.is_empty() && !boundary.contains(['"', ';', ' ']), "{ct}");
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\n\
             Content-Type: application/jsonl\r\n\r\n{{\"input\":\"A\"}}\n{{\"input\":\"B\"}}\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8(rec.body.clone()).unwrap(), expected);
        assert_eq!(rec.body_len, expected.len());
        assert_eq!(rec.header("content-length"), Some(expected.len().to_string().as_str()));
        assert_eq!(rec.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        assert_eq!(rec.header("accept"), Some("application/json"));
        assert!(rec.header("idempotency-key").is_some());
    }
    assert_ne!(reqs[0].header("content-type"), reqs[1].header("content-type"), "a fresh boundary per body");
}

#[test]
fn sets_list() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-sets");
        ok(
            then,
            &format!(
                r#"{{"eval_sets":[{SET_RECORD},{{"id":"evset_2","task_id":"ticket-triage","item_count":null}}]}}"#
            ),
        );
    });
    let sets = client(&server.base_url()).evals().sets().list().block().unwrap();
    m.assert();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].id, "evset_1");
    assert_eq!(
        (Some(sets[1].id.as_str()), sets[1].task_id.as_deref(), sets[1].item_count),
        (Some("evset_2"), Some("ticket-triage"), None)
    );
    assert!(sets.iter().all(|s| s.meta().request_id() == Some("req_1")));
}

#[test]
fn sets_retrieve_unwraps_the_envelope() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-sets/evset%201%2Fx");
        ok(then, &format!(r#"{{"eval_set":{SET_RECORD}}}"#));
    });
    let set = client(&server.base_url()).evals().sets().retrieve("evset 1/x").block().unwrap();
    m.assert();
    assert_eq!(set.id, "evset_1");
    assert_eq!(set.item_count, Some(2));
    assert_eq!(set.meta().request_id(), Some("req_1"));
}

#[test]
fn sets_delete() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "DELETE", "/v1/eval-sets/evset_1");
        then.status(204);
    });
    client(&server.base_url()).evals().sets().delete("evset_1").block().unwrap();
    m.assert();
}
