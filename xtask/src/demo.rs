//! `cargo xtask demo`: the discovery funnel of the platform, end to end, with the
//! blocking client. No key needed: it starts an in-process pareta-mock unless
//! `PARETA_API_KEY` and `PARETA_BASE_URL` are both set.

use pareta_blocking::Pareta;
use pareta_blocking::types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, EvalRunCreate, Frontier, WaitOptions, money,
};
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn run() -> Result {
    let started = Instant::now();
    let use_account = std::env::var("PARETA_API_KEY").is_ok() && std::env::var("PARETA_BASE_URL").is_ok();
    let _mock;
    let pa = if use_account {
        println!("Using PARETA_BASE_URL={}", std::env::var("PARETA_BASE_URL")?);
        Pareta::from_env()?
    } else {
        let mock = pareta_mock::MockServer::start_with(pareta_mock::MockConfig {
            deploy_step_delay: Duration::from_millis(120),
            chunk_delay: Duration::from_millis(25),
            ..Default::default()
        });
        println!("No PARETA_API_KEY/PARETA_BASE_URL: running against a local pareta-mock at {}", mock.base_url());
        let pa = Pareta::builder().api_key("pareta_sk_demo").base_url(mock.base_url()).build()?;
        _mock = mock;
        pa
    };

    section("1. Describe the job; Pareta finds the benchmarked task");
    let intent = "pull the parties and effective dates out of vendor contracts";
    println!("intent: {intent:?}");
    let m = pa.tasks().match_intent(intent)?;
    for c in &m.candidates {
        println!(
            "  {:<24} score {:.2}  {}",
            c.task_id.as_str(),
            c.score.unwrap_or(0.0),
            c.confidence.as_deref().unwrap_or("")
        );
    }
    let task = m
        .chosen
        .as_ref()
        .or(m.candidates.first())
        .map(|c| c.task_id.clone())
        .filter(|t| !t.is_empty())
        .ok_or("no task matched the intent")?;
    println!("chosen: {task}{}", if m.ambiguous { " (ambiguous: check the alternates)" } else { "" });

    section("2. The leaderboard: open models ranked on that task");
    let lb = pa.tasks().leaderboard(&task)?;
    println!("  {:<14} {:<9} {:>8} {:>16}", "model", "kind", "quality", "µUSD / request");
    for e in lb.models.iter().chain(lb.frontier.iter()) {
        println!(
            "  {:<14} {:<9} {:>8.3} {:>16}",
            e.name.as_deref().unwrap_or("?"),
            e.kind.as_deref().unwrap_or("?"),
            e.quality.unwrap_or(0.0),
            e.cost_per_request_micro_usd.map(|c| c.to_string()).unwrap_or_default()
        );
    }
    let best = lb.recommended.clone().ok_or("the leaderboard has no recommended model")?;
    println!("recommended: {best}");

    section("3. Deploy it (no GPU knob: Pareta picks the hardware)");
    let mut deploy = pa.endpoints().deploy(&DeployRequest::new(&task).model(&best))?;
    let mut endpoint = None;
    for event in deploy.by_ref() {
        let event = event?;
        if let Some(ep) = event.endpoint() {
            endpoint = Some(ep);
        } else {
            let pct = event.pct().unwrap_or(0.0);
            let bar = "#".repeat((pct / 5.0) as usize);
            println!("  [{bar:<20}] {pct:>3.0}%  {}", event.stage().unwrap_or(event.event.as_str()));
        }
    }
    let ep = endpoint.ok_or("the deploy ended without an endpoint")?;
    let ep_id = ep.id.clone();
    println!(
        "live: {ep_id} serving {} (status {})",
        ep.model.as_deref().unwrap_or("?"),
        ep.status.as_deref().unwrap_or("?")
    );

    section("4. Chat with it (OpenAI-compatible), then stream a reply");
    let req = ChatCompletionRequest::new(&ep_id, vec![ChatMessage::user("Who are the parties to this agreement?")])
        .temperature(0.0);
    let reply = pa.chat().completions().create(&req)?;
    println!("reply: {}", reply.content().unwrap_or_default());
    if let Some(billed) = reply.meta().billed_micro_usd() {
        let frontier = reply.meta().frontier_would_have_cost_micro_usd().unwrap_or(0);
        println!("billed {billed} µUSD (a frontier model would have cost {frontier} µUSD)");
    }
    print!("stream: ");
    for chunk in pa.chat().completions().create_stream(&req.clone().max_tokens(32))? {
        print!("{}", chunk?.delta().unwrap_or_default());
        std::io::stdout().flush()?;
    }
    println!();

    section("5. Evaluate on your own rows, against a frontier baseline");
    let rows = vec![
        json!({"input": "This Agreement is made between Acme Corp and Globex Ltd, effective 2026-01-01.", "expected": {"parties": ["Acme Corp", "Globex Ltd"], "effective_date": "2026-01-01"}}),
        json!({"input": "Statement of work between Initech and Umbrella, effective March 3, 2026.", "expected": {"parties": ["Initech", "Umbrella"], "effective_date": "2026-03-03"}}),
        json!({"input": "Master services agreement: Stark Industries and Wayne Enterprises, 2026-06-30.", "expected": {"parties": ["Stark Industries", "Wayne Enterprises"], "effective_date": "2026-06-30"}}),
    ];
    let candidates: Vec<String> = lb.models.iter().filter_map(|e| e.name.clone()).take(2).collect();
    let run = pa.evals().runs().create(
        &EvalRunCreate::inline(&task, rows, candidates)
            .frontier(Frontier::Benchmarked)
            .name("demo contracts")
            .wait(WaitOptions::default().poll_interval(Duration::from_millis(200)).timeout(Duration::from_secs(120))),
    )?;
    println!("run {} is {}", run.id.as_str(), run.status.as_deref().unwrap_or("?"));
    println!("  {:<14} {:<9} {:>8} {:>17} {:>12}", "model", "kind", "quality", "95% CI", "$ / item");
    for r in &run.results {
        println!(
            "  {:<14} {:<9} {:>8.3} {:>17} {:>12}",
            r.model_id.as_str(),
            r.kind.as_deref().unwrap_or("?"),
            r.quality_mean.unwrap_or(0.0),
            format!("[{:.3}, {:.3}]", r.quality_ci_low.unwrap_or(0.0), r.quality_ci_high.unwrap_or(0.0)),
            r.mean_cost_micro_usd.map(|c| format!("${}", money::micro_usd_to_dollars(c))).unwrap_or_default()
        );
    }
    println!("billed: ${} ({} µUSD, floored to whole cents)", run.cost(), run.cost_micro_usd);

    section("Done");
    println!("The whole funnel took {:.1}s.", started.elapsed().as_secs_f64());
    if !use_account {
        println!("Set PARETA_API_KEY and PARETA_BASE_URL to run the same against your account.");
    }
    Ok(())
}

fn section(title: &str) {
    println!("\n== {title}");
}
