//! `pa.endpoints()`: deploy (a stream), list, retrieve, start, stop, delete, metrics.

use crate::common::*;
use httpmock::{MockServer, When};
use pareta_blocking::types::DeployRequest;
use serde_json::{Value, json};

fn deploy_mock(when: When, body: Value) -> When {
    api(when, "POST", "/v1/endpoints")
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .json_body(body)
}

#[test]
fn endpoints_deploy_streams_progress_then_complete() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        deploy_mock(when, json!({"task": "contract-key-fields", "model": "recommended"}));
        sse(then, &format!("event: log\ndata: pulling layer 3/7\n\n{DEPLOY_SSE}"));
    });
    let stream = client(&server.base_url()).endpoints().deploy(&DeployRequest::new("contract-key-fields")).unwrap();
    assert_eq!(stream.meta().request_id(), Some("req_sse"));
    let events: Vec<_> = stream.map(Result::unwrap).collect();
    m.assert();
    let seen: Vec<(&str, Option<&str>, Option<f64>)> =
        events.iter().map(|e| (e.event.as_str(), e.stage(), e.pct())).collect();
    assert_eq!(
        seen,
        [
            ("log", None, None),
            ("progress", Some("provisioning"), Some(10.0)),
            ("progress", Some("loading"), Some(62.5)),
            ("complete", None, None)
        ]
    );
    assert_eq!(events[0].data, json!("pulling layer 3/7"), "a non-JSON data line is delivered as a string");
    assert!(events[3].is_complete());
    let ep = events[3].endpoint().unwrap();
    assert_eq!((Some(ep.id.as_str()), ep.task.as_deref()), (Some("ep_new"), Some("contract-key-fields")));
}

#[test]
fn endpoints_deploy_with_name_and_wait_returns_the_endpoint() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        deploy_mock(when, json!({"task": "contract-key-fields", "model": "contract-2", "name": "kie", "region": "eu"}));
        sse(then, DEPLOY_SSE);
    });
    let req = DeployRequest::new("contract-key-fields").model("contract-2").name("kie").extra("region", "eu");
    let ep = client(&server.base_url()).endpoints().deploy(&req).unwrap().wait().unwrap();
    m.assert();
    assert_eq!(ep.id, "ep_new");
    assert_eq!(ep.name.as_deref(), Some("kie"));
    assert_eq!(ep.model.as_deref(), Some("contract-1"));
    assert_eq!(ep.task.as_deref(), Some("contract-key-fields"));
    assert_eq!(ep.url.as_deref(), Some("https://api.pareta.ai/v1"));
    assert!(ep.is_live());
    assert_eq!(ep.meta().request_id(), Some("req_sse"));
}

#[test]
fn endpoints_list_is_a_bare_array_with_id_and_task_fallbacks() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints");
        ok(
            then,
            r#"[{"id":"ep_contract_kie","name":"kie","task":"contract-key-fields","model":"contract-1","status":"live"},
                {"name":"ep_named","taskName":"invoice-extraction","task":"stale","status":"stopped","gpu":"l4"}]"#,
        );
    });
    let eps = client(&server.base_url()).endpoints().list().unwrap();
    m.assert();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0].id, "ep_contract_kie");
    assert_eq!(eps[0].task.as_deref(), Some("contract-key-fields"));
    assert!(eps[0].is_live());
    assert_eq!(eps[1].id, "ep_named", "id falls back to name");
    assert_eq!(eps[1].task.as_deref(), Some("invoice-extraction"), "task is read from taskName");
    assert!(!eps[1].is_live());
    assert_eq!(eps[1].get("gpu"), Some(&json!("l4")));
    assert!(eps.iter().all(|e| e.meta().request_id() == Some("req_1")));
}

#[test]
fn endpoints_retrieve_percent_encodes_the_id() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints/ep%2Fa%20b");
        ok(then, r#"{"id":"ep/a b","status":"live","taskName":"ticket-triage","model":"triage-1"}"#);
    });
    let ep = client(&server.base_url()).endpoints().retrieve("ep/a b").unwrap();
    m.assert();
    assert_eq!(ep.id, "ep/a b");
    assert_eq!(ep.task.as_deref(), Some("ticket-triage"));
    assert_eq!(ep.model.as_deref(), Some("triage-1"));
    assert!(ep.is_live());
    assert_eq!(ep.meta().request_id(), Some("req_1"));

    // A dot-segment id is refused before anything is sent (see client.rs).
    let err = client(&server.base_url()).endpoints().retrieve("..").unwrap_err();
    assert!(matches!(err, pareta_blocking::Error::InvalidArgument(_)), "{err:?}");
}

#[test]
fn endpoints_start_returns_raw_json() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep_1/start");
        ok(then, r#"{"id":"ep_1","status":"starting","eta_s":30}"#);
    });
    let out = client(&server.base_url()).endpoints().start("ep_1").unwrap();
    m.assert();
    assert_eq!(out, json!({"id": "ep_1", "status": "starting", "eta_s": 30}));

    let empty = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep_2/start");
        then.status(202);
    });
    assert_eq!(
        client(&server.base_url()).endpoints().start("ep_2").unwrap(),
        json!({}),
        "an empty 2xx body reads as {{}}"
    );
    empty.assert();
}

#[test]
fn endpoints_stop_returns_raw_json() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep%3F1/stop");
        ok(then, r#"{"id":"ep?1","status":"stopped"}"#);
    });
    let out = client(&server.base_url()).endpoints().stop("ep?1").unwrap();
    m.assert();
    assert_eq!(out, json!({"id": "ep?1", "status": "stopped"}));
}

#[test]
fn endpoints_delete_accepts_204_with_no_body() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "DELETE", "/v1/endpoints/ep_1");
        then.status(204).header("x-request-id", "req_del");
    });
    client(&server.base_url()).endpoints().delete("ep_1").unwrap();
    m.assert();
}

#[test]
fn endpoints_metrics_each_dimension_with_window_query() {
    let server = MockServer::start();
    let pa = client(&server.base_url());
    let metrics = pa.endpoints().metrics("ep_1");
    type Getter = fn(&pareta_blocking::Metrics<'_>, &[(&str, &str)]) -> pareta_blocking::Result<Value>;
    let dims: [(&str, Getter); 5] = [
        ("performance", |m, p| m.performance(p)),
        ("uptime", |m, p| m.uptime(p)),
        ("cost", |m, p| m.cost(p)),
        ("quality", |m, p| m.quality(p)),
        ("activity", |m, p| m.activity(p)),
    ];
    for (dim, call) in dims {
        let body = json!({"dimension": dim, "window": "7d", "series": [1, 2, 3]});
        let m = server.mock(|when, then| {
            bare(when, "GET", &format!("/v1/endpoints/ep_1/{dim}"))
                .query_param("window", "7d")
                .is_true(|r| r.uri().query() == Some("window=7d"));
            ok(then, &body.to_string());
        });
        let out = call(&metrics, &[("window", "7d")]).unwrap();
        m.assert();
        assert_eq!(out, body, "{dim}");
    }

    // Any caller-given pairs, in order, percent-encoded.
    let m = server.mock(|when, then| {
        bare(when, "GET", "/v1/endpoints/ep_1/cost")
            .query_param("window", "7d")
            .query_param("tz", "+01:00")
            .query_param("group by", "model&task")
            .is_true(|r| r.uri().query() == Some("window=7d&tz=%2B01%3A00&group%20by=model%26task"));
        ok(then, "{}");
    });
    metrics.cost([("window", "7d"), ("tz", "+01:00"), ("group by", "model&task")]).unwrap();
    m.assert();
}

#[test]
fn deploy_wait_after_reading_some_events_still_returns_the_endpoint() {
    let server = MockServer::start();
    server.mock(|when, then| {
        deploy_mock(when, json!({"task": "t", "model": "recommended"}));
        sse(then, DEPLOY_SSE);
    });
    let mut stream = client(&server.base_url()).endpoints().deploy(&DeployRequest::new("t")).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().stage(), Some("provisioning"));
    assert_eq!(stream.wait().unwrap().id, "ep_new");
}
