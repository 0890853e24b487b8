//! Fixed-work entry points for profilers (`valgrind --tool=callgrind` counts
//! instructions, which is stable on a noisy machine). Each does `n` units of
//! one kind of work and prints a rate; divide callgrind's `I refs` (minus a run
//! with `n` = 0 or 1) by the units for instructions per chunk or per call.
//!
//! ```text
//! cargo build --release -p xtask
//! X=target/release/xtask
//! valgrind --tool=callgrind $X bench __child profile decode ours 3      # or plain | value
//! $X bench __server &                                                   # prints PORT n
//! valgrind --tool=callgrind $X bench __child profile stream blocking http://127.0.0.1:n/s/10000/0 3
//! valgrind --tool=callgrind $X bench __child profile calls async http://127.0.0.1:n 2000
//! ```
//!
//! `stream` clients: `blocking`, `ureq` (raw + bare loop), `async`, `reqwest`.
//! `calls` clients (`models().list()`): `blocking`, `ureq`, `async`, `reqwest`.

use super::Result;
use super::calls::{PlainModelList, reqwest_get, runtime, ureq_get};
use super::decode::{PIECE, PlainChunk, bare_decode, ours_decode, stream_body};
use super::server::KEY;
use super::streams::{async_ours, async_raw, blocking_ours, blocking_raw};
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use std::hint::black_box;
use std::time::Instant;

const USAGE: &str = "bench __child profile decode ours|plain|value N
bench __child profile stream blocking|ureq|async|reqwest BASE N [CHUNKS]
bench __child profile calls blocking|ureq|async|reqwest BASE N";

/// `bench __child profile ...`.
pub fn run(args: &[String]) -> Result {
    let a = |i: usize| args.get(i).map(String::as_str).ok_or(USAGE);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let start = Instant::now();
    let (units, what) = match a(0)? {
        "decode" => {
            let body = stream_body(10_000);
            let n: usize = a(2)?.parse()?;
            let mut total = 0;
            for _ in 0..n {
                total += match a(1)? {
                    "ours" => ours_decode(&body, PIECE)?,
                    "plain" => bare_decode(&body, |c: PlainChunk| drop(black_box(c)))?,
                    "value" => bare_decode(&body, |v: serde_json::Value| drop(black_box(v)))?,
                    _ => return Err(USAGE.into()),
                };
            }
            (total, "chunks")
        }
        "stream" => {
            let (client, base, n) = (a(1)?, a(2)?, a(3)?.parse::<usize>()?);
            let chunks: usize = args.get(4).map_or(Ok(10_000), |c| c.parse())?;
            let url = format!("{base}/v1/chat/completions");
            let mut total = 0;
            match client {
                "blocking" => {
                    let pa = Pareta::builder().api_key(KEY).base_url(base).build()?;
                    for _ in 0..n {
                        total += blocking_ours(&pa, chunks)?;
                    }
                }
                "ureq" => {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    for _ in 0..n {
                        total += blocking_raw(&agent, &url, chunks)?;
                    }
                }
                "async" | "reqwest" => {
                    let rt = runtime()?;
                    let pa = AsyncPareta::builder().api_key(KEY).base_url(base).build()?;
                    let http = reqwest::Client::builder().build()?;
                    for _ in 0..n {
                        total += rt.block_on(async {
                            if client == "async" {
                                async_ours(&pa, chunks, None).await
                            } else {
                                async_raw(&http, &url, chunks, None).await
                            }
                        })?;
                    }
                }
                _ => return Err(USAGE.into()),
            }
            (total, "chunks")
        }
        "calls" => {
            let (client, base, n) = (a(1)?, a(2)?, a(3)?.parse::<u64>()?);
            let url = format!("{base}/v1/models");
            match client {
                "blocking" => {
                    let pa = Pareta::builder().api_key(KEY).base_url(base).build()?;
                    for _ in 0..n {
                        black_box(pa.models().list()?.len());
                    }
                }
                "ureq" => {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    for _ in 0..n {
                        black_box(ureq_get::<PlainModelList>(&agent, &url)?.data.len());
                    }
                }
                "async" | "reqwest" => {
                    let rt = runtime()?;
                    let pa = AsyncPareta::builder().api_key(KEY).base_url(base).build()?;
                    let http = reqwest::Client::builder().build()?;
                    rt.block_on(async {
                        for _ in 0..n {
                            if client == "async" {
                                black_box(pa.models().list().await?.len());
                            } else {
                                black_box(reqwest_get::<PlainModelList>(&http, &url).await?.data.len());
                            }
                        }
                        Ok::<(), Box<dyn std::error::Error>>(())
                    })?;
                }
                _ => return Err(USAGE.into()),
            }
            (n, "calls")
        }
        _ => return Err(USAGE.into()),
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{units} {what} in {secs:.3} s ({:.0} {what}/s)", units as f64 / secs);
    Ok(())
}
