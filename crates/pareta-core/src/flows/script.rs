//! A test harness: answers each `Send` with the next canned reply, advances a fake
//! clock by every `Sleep`, and records the transcript.

use crate::error::{Error, TransportError};
use crate::http::{Flow, HttpRequest, Input, Output, Response};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub(crate) enum Reply {
    Http { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    Transport(TransportError),
}

pub(crate) fn reply(status: u16, body: &str) -> Reply {
    Reply::Http { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
}

pub(crate) fn reply_h(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::Http {
        status,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

pub(crate) struct Script {
    replies: VecDeque<Reply>,
    pub steps: Vec<String>,
    pub requests: Vec<HttpRequest>,
    start: Instant,
    now: Instant,
}

impl Script {
    pub fn new(replies: Vec<Reply>) -> Self {
        let start = Instant::now();
        Script { replies: replies.into(), steps: Vec::new(), requests: Vec::new(), start, now: start }
    }

    pub fn run<F: Flow>(&mut self, mut flow: F) -> Result<F::Value, Error> {
        loop {
            match flow.poll(self.now) {
                Output::Send(req) => {
                    let path = req.url.split_once("://").map(|(_, r)| r).unwrap_or(&req.url);
                    let path = &path[path.find('/').unwrap_or(path.len())..];
                    self.steps.push(format!("{} {}", req.method, path));
                    let reply = self.replies.pop_front().unwrap_or_else(|| panic!("unscripted request {:?}", req));
                    self.requests.push(req);
                    match reply {
                        Reply::Http { status, headers, body } => {
                            flow.handle(self.now, Input::Response(Response { status, headers: &headers, body: &body }))
                        }
                        Reply::Transport(e) => flow.handle(self.now, Input::Transport(e)),
                    }
                }
                Output::Sleep(d) => {
                    self.steps.push(format!("sleep {}", fmt_dur(d)));
                    self.now += d;
                }
                Output::Done(r) => {
                    self.steps.push("done".into());
                    return r;
                }
            }
        }
    }

    /// The fake clock's current time (for tests that drive a flow by hand).
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }
}

fn fmt_dur(d: Duration) -> String {
    if d.subsec_nanos() == 0 { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

impl Drop for Script {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(self.replies.is_empty(), "{} scripted replies were not used", self.replies.len());
        }
    }
}
