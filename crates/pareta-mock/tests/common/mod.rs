//! Helpers shared by the integration tests: a ureq agent that does not turn
//! statuses into errors, and small request/response wrappers.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::Read;
use std::time::Duration;

use pareta_mock::MockServer;
use serde_json::Value;

/// A valid Authorization header value.
pub const AUTH: &str = "Bearer pareta_sk_test";

/// A finished response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {} body {:?}", self.status, self.body))
    }

    /// The first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `detail` of an error body.
    pub fn detail(&self) -> String {
        self.json()["detail"].as_str().unwrap_or_default().to_owned()
    }
}

/// An agent that reports 4xx/5xx as responses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends a request and returns the raw ureq response (for streaming reads).
pub fn send_raw(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    match body {
        Some(body) => agent().run(builder.body(body).unwrap()),
        None => agent().run(builder.body(()).unwrap()),
    }
}

/// Sends a request and reads the whole response.
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Resp {
    let mut resp = send_raw(method, url, headers, body).unwrap();
    finish(&mut resp)
}

/// Reads a raw response to the end.
pub fn finish(resp: &mut ureq::http::Response<ureq::Body>) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let mut bytes = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut bytes).unwrap();
    Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Authenticated GET of `path` on the API listener.
pub fn get(server: &MockServer, path: &str) -> Resp {
    send("GET", &format!("{}{path}", server.base_url()), &[("Authorization", AUTH)], None)
}

/// Authenticated DELETE.
pub fn delete(server: &MockServer, path: &str) -> Resp {
    send("DELETE", &format!("{}{path}", server.base_url()), &[("Authorization", AUTH)], None)
}

/// Authenticated JSON POST.
pub fn post_json(server: &MockServer, path: &str, body: &Value) -> Resp {
    post_json_with(server, path, body, &[])
}

/// Authenticated JSON POST with extra headers.
pub fn post_json_with(server: &MockServer, path: &str, body: &Value, extra: &[(&str, &str)]) -> Resp {
    let mut headers = vec![("Authorization", AUTH), ("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    send("POST", &format!("{}{path}", server.base_url()), &headers, Some(serde_json::to_vec(body).unwrap()))
}

/// One multipart part: name, optional (filename, content type), data.
pub type FormPart<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

/// Authenticated multipart POST.
pub fn post_multipart(server: &MockServer, path: &str, parts: &[FormPart<'_>]) -> Resp {
    let boundary = "----pareta-mock-test-boundary";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((filename, ctype)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                     Content-Type: {ctype}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ctype = format!("multipart/form-data; boundary={boundary}");
    send(
        "POST",
        &format!("{}{path}", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", &ctype)],
        Some(body),
    )
}

/// Creates an eval set from JSON rows and returns its id.
pub fn create_eval_set(server: &MockServer, task: &str, name: &str, rows: &[Value]) -> String {
    let jsonl = rows.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let filename = format!("items.{task}.jsonl");
    let resp = post_multipart(
        server,
        "/v1/eval-sets",
        &[
            ("items", Some((&filename, "application/jsonl")), jsonl.as_bytes()),
            ("task_id", None, task.as_bytes()),
            ("name", None, name.as_bytes()),
        ],
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json()["eval_set"]["id"].as_str().unwrap().to_owned()
}

/// One parsed SSE event: its `event:` name (if any) and joined `data:`.
#[derive(Debug, PartialEq)]
pub struct Event {
    pub event: Option<String>,
    pub data: String,
}

/// Parses an SSE body (LF or CRLF; comment lines skipped).
pub fn parse_sse(body: &str) -> Vec<Event> {
    let body = body.replace("\r\n", "\n");
    let mut events = Vec::new();
    for block in body.split("\n\n") {
        let mut event = None;
        let mut data: Vec<&str> = Vec::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event: ") {
                event = Some(v.to_owned());
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push(v);
            }
        }
        if event.is_some() || !data.is_empty() {
            events.push(Event { event, data: data.join("\n") });
        }
    }
    events
}
