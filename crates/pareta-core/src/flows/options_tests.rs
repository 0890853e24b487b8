//! Transcript tests for per-call options, the deadline, the Retry-After cap,
//! the retry budget and call metadata, on the fake clock.

use super::script::{Reply, Script, reply, reply_h};
use super::*;
use crate::deadline::Deadline;
use crate::error::{TransportError, TransportErrorKind};
use crate::options::RequestOptions;
use crate::retry::RetryBudget;
use pareta_types::{ChatCompletionRequest, ChatMessage, EvalRunCreate};
use std::time::Duration;

fn builder() -> crate::ConfigBuilder {
    Config::builder().api_key("pareta_sk_secret").base_url("http://api.test").rng_seed(7)
}

fn chat() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
}

const CHAT_OK: &str = r#"{"id":"c","choices":[{"message":{"role":"assistant","content":"ok"}}]}"#;

#[test]
fn per_call_headers_query_and_idempotency_key_reach_every_attempt() {
    let cfg = builder().build().unwrap().with_options(
        &RequestOptions::new()
            .header("X-Trace-Id", "t-1")
            .header("user-agent", "my-app/2")
            .query("dry_run", true)
            .idempotency_key("order-7"),
    );
    let mut s = Script::new(vec![reply(503, "{}"), reply(200, CHAT_OK)]);
    s.run(chat::create(&cfg, &chat())).unwrap();
    assert_eq!(s.requests.len(), 2);
    for req in &s.requests {
        assert_eq!(req.header("x-trace-id"), Some("t-1"));
        assert_eq!(req.header("user-agent"), Some("my-app/2"), "a per-call header replaces the SDK's");
        assert_eq!(req.header("idempotency-key"), Some("order-7"), "the caller's key, on every attempt");
        assert!(req.url.ends_with("/v1/chat/completions?dry_run=true"), "{}", req.url);
        assert_eq!(req.headers.get_all("user-agent").iter().count(), 1);
    }
    assert_eq!(s.requests[0].header("authorization"), Some("Bearer pareta_sk_secret"));
}

#[test]
fn a_multi_step_call_numbers_the_callers_key_per_post() {
    let cfg = builder().build().unwrap().with_options(&RequestOptions::new().idempotency_key("run-1"));
    let rows = vec![serde_json::json!({"input": "x"})];
    let mut s = Script::new(vec![reply(200, r#"{"eval_set":{"id":"set_1"}}"#), reply(200, r#"{"run_id":"run_9"}"#)]);
    s.run(runs::create(&cfg, &EvalRunCreate::inline("t", rows, ["m1"]))).unwrap();
    let keys: Vec<_> = s.requests.iter().map(|r| r.header("idempotency-key").unwrap_or("")).collect();
    assert_eq!(keys, ["run-1", "run-1-2"]);
}

#[test]
fn invalid_options_fail_before_anything_is_sent() {
    for options in [
        RequestOptions::new().header("Authorization", "Bearer other"),
        RequestOptions::new().idempotency_key("has space"),
        RequestOptions::new().header("x-a", "line\nbreak"),
    ] {
        let cfg = builder().build().unwrap().with_options(&options);
        let mut s = Script::new(vec![]);
        let err = s.run(models::list(&cfg)).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        assert!(s.requests.is_empty());
    }
    // On a POST too, the options' own problem is the one reported.
    let cfg = builder().build().unwrap().with_options(&RequestOptions::new().idempotency_key("a\nb"));
    let mut s = Script::new(vec![]);
    let err = s.run(chat::create(&cfg, &chat())).unwrap_err();
    assert!(err.to_string().contains("visible ASCII characters (no spaces)"), "{err}");
    assert!(s.requests.is_empty());
}

#[test]
fn per_call_timeouts_are_marked_for_a_callers_client_and_the_base_config_is_untouched() {
    let base = builder().build().unwrap();
    let view = base.with_options(&RequestOptions::new().timeout(Duration::from_secs(3)).max_retries(0));
    let mut s = Script::new(vec![reply(503, "{}")]);
    assert!(s.run(models::list(&view)).is_err(), "max_retries(0): one attempt");
    let t = s.requests[0].timeouts;
    assert_eq!((t.total, t.override_client), (Some(Duration::from_secs(3)), true));
    let mut s = Script::new(vec![reply(200, r#"{"data":[]}"#)]);
    s.run(models::list(&base)).unwrap();
    let t = s.requests[0].timeouts;
    assert_eq!((t.total, t.override_client), (Some(Duration::from_secs(60)), false));
}

#[test]
fn a_per_call_connect_timeout_is_marked_apart_and_carries_over_to_a_view_of_a_view() {
    let base = builder().build().unwrap();
    let timeout_only = base.with_options(&RequestOptions::new().timeout(Duration::from_secs(3)));
    let connect = base.with_options(&RequestOptions::new().connect_timeout(Duration::from_secs(2)));
    let connect_then_more = connect.with_options(&RequestOptions::new().header("x-a", "1"));
    let flags = |cfg: &Config| {
        let mut s = Script::new(vec![reply(200, r#"{"data":[]}"#)]);
        s.run(models::list(cfg)).unwrap();
        let t = s.requests[0].timeouts;
        (t.connect, t.override_client, t.connect_per_call)
    };
    assert_eq!(flags(&base), (Duration::from_secs(10), false, false));
    assert_eq!(flags(&timeout_only), (Duration::from_secs(10), true, false));
    assert_eq!(flags(&connect), (Duration::from_secs(2), true, true));
    assert_eq!(flags(&connect_then_more), (Duration::from_secs(2), true, true));
}

#[test]
fn the_deadline_refuses_a_backoff_that_would_end_past_it() {
    let cfg = builder().max_retries(5).build().unwrap();
    let busy = |secs: &str| reply_h(503, &[("retry-after", secs)], r#"{"detail":"cold"}"#);
    let mut s = Script::new(vec![busy("2"), busy("4")]);
    let err = s.run(Deadline::new(endpoints::retrieve(&cfg, "ep_1"), Some(Duration::from_secs(5)))).unwrap_err();
    assert_eq!(s.steps, ["GET /v1/endpoints/ep_1", "sleep 2s", "GET /v1/endpoints/ep_1", "done"]);
    assert_eq!(s.elapsed(), Duration::from_secs(2));
    match &err {
        Error::DeadlineExceeded { deadline, last_attempt } => {
            assert_eq!(*deadline, Duration::from_secs(5));
            assert_eq!(last_attempt.as_deref(), Some("HTTP 503 on GET /v1/endpoints/{id}"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_timeout() && err.to_string().contains("deadline of 5s"), "{err}");
    // The second attempt may only use what is left of the deadline.
    assert_eq!(s.requests[1].timeouts.total, Some(Duration::from_secs(3)));
    assert!(s.requests[1].timeouts.override_client);
}

#[test]
fn an_attempt_cut_by_the_deadline_is_reported_as_the_deadline() {
    let cfg = builder().max_retries(0).build().unwrap();
    let timeout = Reply::Transport(TransportError::new(TransportErrorKind::Timeout, "timed out"));
    let mut s = Script::new(vec![timeout]);
    let err = s.run(Deadline::new(models::list(&cfg), Some(Duration::from_secs(10)))).unwrap_err();
    assert_eq!(s.requests[0].timeouts.total, Some(Duration::from_secs(10)));
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    // A per-attempt timeout shorter than the deadline stays a timeout.
    let cfg = builder().max_retries(0).timeout(Duration::from_secs(2)).build().unwrap();
    let mut s = Script::new(vec![Reply::Transport(TransportError::new(TransportErrorKind::Timeout, "timed out"))]);
    let err = s.run(Deadline::new(models::list(&cfg), Some(Duration::from_secs(10)))).unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
}

#[test]
fn no_deadline_changes_nothing() {
    let cfg = builder().build().unwrap();
    let mut s = Script::new(vec![reply_h(429, &[("retry-after", "20")], "{}"), reply(200, r#"{"data":[]}"#)]);
    s.run(Deadline::new(models::list(&cfg), None)).unwrap();
    assert_eq!(s.steps, ["GET /v1/models", "sleep 20s", "GET /v1/models", "done"]);
}

#[test]
fn a_retry_after_past_the_cap_returns_the_error_at_once() {
    let later = || reply_h(503, &[("retry-after", "120")], r#"{"detail":"maintenance"}"#);
    let mut s = Script::new(vec![later()]);
    let err = s.run(models::list(&builder().build().unwrap())).unwrap_err();
    assert_eq!(s.steps, ["GET /v1/models", "done"], "a 120 s delay is past the default 30 s cap");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)), "the error says how long the server asked");
    let cfg = builder().max_retry_after(Duration::from_secs(300)).build().unwrap();
    let mut s = Script::new(vec![later(), reply(200, r#"{"data":[]}"#)]);
    s.run(models::list(&cfg)).unwrap();
    assert_eq!(s.steps, ["GET /v1/models", "sleep 120s", "GET /v1/models", "done"]);
}

#[test]
fn the_retry_budget_bounds_retries_across_calls_against_a_dead_server() {
    // 10 calls, 2 retries each allowed, against a server that fails every
    // attempt: a 20-token bucket at 5 per retry pays for 4 retries in all.
    let cfg = builder().retry_budget(Some(RetryBudget::new(20, 5, 10, 1))).build().unwrap();
    let mut attempts = 0;
    for _ in 0..10 {
        let mut s = Script::new(vec![]);
        let mut flow = models::list(&cfg);
        let mut now = s.now();
        loop {
            match crate::Flow::poll(&mut flow, now) {
                crate::Output::Send(_) => {
                    attempts += 1;
                    let resp = crate::Response { status: 500, headers: &[("x", "y")], body: b"{}" };
                    crate::Flow::handle(&mut flow, now, crate::Input::Response(resp));
                }
                crate::Output::Sleep(d) => now += d,
                crate::Output::Done(r) => {
                    assert_eq!(r.unwrap_err().status(), Some(500));
                    break;
                }
            }
        }
        drop(s.steps.drain(..));
    }
    assert_eq!(attempts, 10 + 4, "10 first attempts, then only the 4 retries the bucket could pay for");
    assert_eq!(cfg.retry_budget().map(RetryBudget::available), Some(0));
    // A view shares the bucket.
    let view = cfg.with_options(&RequestOptions::new().header("x-a", "1"));
    assert_eq!(view.retry_budget().map(RetryBudget::available), Some(0));
    // Switched off: max_retries alone limits.
    let off = builder().retry_budget(None).build().unwrap();
    assert!(off.retry_budget().is_none());
    let mut s = Script::new(vec![reply(500, "{}"), reply(500, "{}"), reply(500, "{}")]);
    assert!(s.run(models::list(&off)).is_err());
}

#[test]
fn successes_refill_the_budget() {
    let cfg = builder().retry_budget(Some(RetryBudget::new(10, 5, 10, 1))).build().unwrap();
    let mut s = Script::new(vec![reply(503, "{}"), reply(200, r#"{"data":[]}"#)]);
    s.run(models::list(&cfg)).unwrap();
    assert_eq!(cfg.retry_budget().map(RetryBudget::available), Some(10), "a retried success refunds its retries");
}

#[test]
fn meta_counts_attempts_and_elapsed_time() {
    let cfg = builder().build().unwrap();
    let mut s = Script::new(vec![reply_h(429, &[("retry-after", "2")], "{}"), reply(200, r#"{"id":"t"}"#)]);
    let task = s.run(tasks::retrieve(&cfg, "t", None)).unwrap();
    assert_eq!(task.meta().attempts(), Some(2));
    assert_eq!(task.meta().elapsed(), Some(Duration::from_secs(2)));
}

#[test]
fn a_watch_yields_every_snapshot_until_terminal_with_jittered_polls() {
    let cfg = builder().build().unwrap();
    let run = |status: &str| reply(200, &format!(r#"{{"run":{{"id":"run_1","status":"{status}"}}}}"#));
    let mut s = Script::new(vec![run("queued"), run("running"), run("completed")]);
    let options = pareta_types::WaitOptions::default().poll_interval(Duration::from_secs(2));
    let mut w = watch::watch(&cfg, "run_1", options);
    let mut statuses = Vec::new();
    while let Some(step) = w.next_snapshot() {
        statuses.push(s.run(step).unwrap().status.map(|st| st.as_str().to_owned()).unwrap_or_default());
    }
    assert_eq!(statuses, ["queued", "running", "completed"]);
    assert_eq!(w.polls(), 3);
    let sleeps: Vec<_> = s.steps.iter().filter(|st| st.starts_with("sleep")).collect();
    assert_eq!(sleeps.len(), 2, "{:?}", s.steps);
    // Each pause is the interval plus at most 10% jitter.
    assert!((Duration::from_secs(4)..=Duration::from_millis(4400)).contains(&s.elapsed()), "{:?}", s.elapsed());
    assert!(w.next_snapshot().is_none(), "a terminal snapshot ends the watch");
}
