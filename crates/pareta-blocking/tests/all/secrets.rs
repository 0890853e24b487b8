//! The API key never shows up in anything a user might print or log: the client,
//! its builder, errors of every kind, streams and records, in both `{:?}` and `{}`.
//! It is also never sent to a host other than the API (a redirect elsewhere).

use crate::common::KEY;
use crate::common::{callers_http_client, chat_req};
use httpmock::MockServer;
use pareta_blocking::types::DeployRequest;
use pareta_blocking::{Error, Pareta, ParetaBuilder};
use std::fmt::Debug;
use std::time::Duration;

use pareta_test_support::SECRET as FRAGMENT;
use pareta_test_support::raw::{RawServer, Reply, refused_port};

fn builder(base_url: &str) -> ParetaBuilder {
    Pareta::builder().api_key(KEY).base_url(base_url).max_retries(0).timeout(Duration::from_secs(10))
}

fn client(base_url: &str) -> Pareta {
    builder(base_url).build().unwrap()
}

/// Fails if the key (or a fragment of it) is in the value's Debug, pretty Debug or Display.
fn assert_no_key_debug(what: &str, value: &impl Debug) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!text.contains(FRAGMENT), "{what} leaks the key in Debug: {text}");
    }
}

fn assert_no_key(what: &str, value: &(impl Debug + std::fmt::Display)) {
    assert_no_key_debug(what, value);
    let text = value.to_string();
    assert!(!text.contains(FRAGMENT), "{what} leaks the key in Display: {text}");
}

/// Walks an error's `source()` chain too.
fn assert_error_has_no_key(what: &str, err: &Error) {
    assert_no_key(what, err);
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let text = format!("{s} / {s:?}");
        assert!(!text.contains(FRAGMENT), "{what} leaks the key in a source: {text}");
        source = s.source();
    }
}

#[test]
fn client_builder_and_config_do_not_show_the_key() {
    let b = builder("http://127.0.0.1:9");
    assert_no_key_debug("ParetaBuilder", &b);
    let pa = b.build().unwrap();
    assert_no_key_debug("Pareta", &pa);
    assert_no_key_debug("Config", pa.config());
    assert_no_key_debug("Pareta clone", &pa.clone());
    // Namespaces hold a reference to the client.
    assert_no_key_debug("Models", &pa.models());
    assert_no_key_debug("Completions", &pa.chat().completions());
    assert_no_key_debug("Metrics", &pa.endpoints().metrics("ep_1"));
    assert_no_key_debug("Runs", &pa.evals().runs());
    // A builder with an HTTP client of our own.
    let b = Pareta::builder().api_key(KEY).agent(callers_http_client());
    assert_no_key_debug("ParetaBuilder with a caller's client", &b);
    assert_no_key_debug("Pareta with a caller's client", &b.build().unwrap());
}

#[test]
fn a_401_api_error_does_not_show_the_key() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(401)
            .header("content-type", "application/json")
            .header("x-request-id", "req_401")
            .body(r#"{"detail":"Invalid API key."}"#);
    });
    let pa = client(&server.base_url());
    let err = pa.models().list().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.request_id(), Some("req_401"));
    assert_error_has_no_key("Error::Api (401)", &err);
    assert_no_key("ApiError", err.api().unwrap());

    // The same through a streaming call and a POST.
    let err = pa.chat().completions().create_stream(&chat_req()).unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_error_has_no_key("Error::Api (401, stream)", &err);
    let err = pa.chat().completions().create(&chat_req()).unwrap_err();
    assert_error_has_no_key("Error::Api (401, POST)", &err);

    // A non-JSON 401 keeps a body excerpt: still no key.
    let html = MockServer::start();
    html.mock(|when, then| {
        when.any_request();
        then.status(401).header("content-type", "text/html").body("<html><body>401 Unauthorized</body></html>");
    });
    let err = client(&html.base_url()).tasks().list().unwrap_err();
    assert_error_has_no_key("Error::Api (401, html)", &err);
}

#[test]
fn a_connection_error_does_not_show_the_key() {
    let refused = refused_port();
    let pa = client(&format!("http://127.0.0.1:{}", refused.port()));
    let err = pa.models().list().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert_error_has_no_key("Error::Connection", &err);
    let err = pa.endpoints().deploy(&DeployRequest::new("t")).unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert_error_has_no_key("Error::Connection (deploy)", &err);
}

#[test]
fn a_decode_error_does_not_show_the_key() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(200).header("x-request-id", "req_bad").body("this is not json {");
    });
    let err = client(&server.base_url()).models().list().unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.request_id(), Some("req_bad"));
    assert_error_has_no_key("Error::Decode", &err);
}

#[test]
fn streams_and_their_items_do_not_show_the_key() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/v1/chat/completions");
        then.status(200)
            .header("content-type", "text/event-stream")
            .body("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n");
    });
    server.mock(|when, then| {
        when.path("/v1/endpoints");
        then.status(200).header("content-type", "text/event-stream").body(concat!(
            "event: progress\ndata: {\"stage\":\"loading\",\"pct\":50}\n\n",
            "event: complete\ndata: {\"endpoint\":{\"id\":\"ep_1\",\"status\":\"live\"}}\n\n",
        ));
    });
    let pa = client(&server.base_url());

    let mut chat = pa.chat().completions().create_stream(&chat_req()).unwrap();
    assert_no_key_debug("ChatStream (fresh)", &chat);
    let chunk = chat.next().unwrap().unwrap();
    assert_no_key_debug("ChatCompletionChunk", &chunk);
    assert_no_key_debug("ChatStream (mid)", &chat);
    assert!(chat.next().is_none());
    assert_no_key_debug("ChatStream (done)", &chat);

    let mut deploy = pa.endpoints().deploy(&DeployRequest::new("contract-key-fields")).unwrap();
    assert_no_key_debug("DeployStream (fresh)", &deploy);
    let event = deploy.next().unwrap().unwrap();
    assert_no_key_debug("DeployEvent", &event);
    let ep = deploy.wait().unwrap();
    assert_no_key_debug("Endpoint from deploy", &ep);
}

#[test]
fn records_do_not_show_the_key() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/v1/chat/completions");
        then.status(200).header("x-request-id", "req_c").header("x-pareta-billed", "12").body(
            r#"{"id":"c1","choices":[{"message":{"role":"assistant","content":"hello"}}],"usage":{"total_tokens":3}}"#,
        );
    });
    server.mock(|when, then| {
        when.path("/v1/models");
        then.status(200).body(r#"{"object":"list","data":[{"id":"ep_1"}]}"#);
    });
    let pa = client(&server.base_url());
    let reply = pa.chat().completions().create(&chat_req()).unwrap();
    assert_eq!(reply.content(), Some("hello"));
    assert_no_key_debug("ChatCompletion", &reply);
    assert_no_key_debug("ResponseMeta", reply.meta());
    assert!(!reply.raw_json().contains(FRAGMENT));
    assert_no_key_debug("ModelList", &pa.models().list().unwrap());
}

/// The HTTP stack may follow redirects; the `Authorization` header must not follow one to
/// another host (a storage or CDN host must never see the key).
#[test]
fn a_redirect_to_another_host_does_not_carry_the_key() {
    let other = RawServer::script(vec![Reply::json(200, r#"{"object":"list","data":[]}"#)]);
    let location = format!("{}/v1/models", other.base_url.replace("127.0.0.1", "localhost"));
    let api = RawServer::script(vec![Reply::json(302, "").header("location", &location)]);
    let pa = client(&api.base_url);
    // Whether the client follows the redirect or reports the 302, the key must
    // not reach the other host.
    let out = pa.models().list();
    assert_eq!(api.requests()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let followed = other.requests();
    match out {
        Ok(_) => assert_eq!(followed.len(), 1, "followed the redirect once"),
        Err(e) => assert!(e.status() == Some(302) && followed.is_empty(), "{e:?}"),
    }
    for rec in followed {
        assert_eq!(rec.header("authorization"), None, "the key followed a redirect to {location}");
    }
}

/// The request a flow hands the driver shows no key in `Debug`, yet the server
/// receives it as a bearer token.
#[test]
fn the_request_of_a_flow_hides_the_key_but_the_server_gets_it() {
    use pareta_core::{Flow, Output};
    let server = RawServer::script(vec![Reply::json(200, r#"{"object":"list","data":[]}"#)]);
    let pa = client(&server.base_url);
    let mut flow = pareta_core::flows::models::list(pa.config());
    match flow.poll(std::time::Instant::now()) {
        Output::Send(req) => {
            assert_eq!(req.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
            assert_no_key_debug("HttpRequest", &req);
        }
        other => panic!("{other:?}"),
    }
    pa.models().list().unwrap();
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}
