//! End-to-end tests of the `pareta` binary, each invocation against its own in-process mock.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn pareta(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(args)
        .env_remove("PARETA_API_KEY")
        .env_remove("PARETA_BASE_URL")
        .output()
        .unwrap()
}

/// Runs with `--mock`, asserts success, returns stdout.
fn ok(args: &[&str]) -> String {
    let mut all = vec!["--mock"];
    all.extend_from_slice(args);
    let out = pareta(&all);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "pareta {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout
}

/// Runs with `--mock`, returns (exit code, stdout, stderr).
fn fails(args: &[&str]) -> (i32, String, String) {
    let out = pareta(args);
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pareta-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const ROWS: &str = concat!(
    r#"{"input":"This Agreement is made between Acme Corp and Globex Ltd, effective 2026-01-01.","expected":{"parties":["Acme Corp","Globex Ltd"]}}"#,
    "\n\n",
    r#"{"input":"SOW between Initech and Umbrella.","expected":{"parties":["Initech","Umbrella"]}}"#,
    "\n"
);

#[test]
fn models_list_human_and_json() {
    let out = ok(&["models", "list"]);
    assert!(out.starts_with("id "), "{out}");
    assert!(out.contains("ep_contract_kie"), "{out}");
    let json = ok(&["models", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["data"][0]["id"], "ep_contract_kie");
}

#[test]
fn tasks_commands() {
    let list = ok(&["tasks", "list"]);
    for t in ["contract-key-fields", "invoice-extraction", "ticket-triage"] {
        assert!(list.contains(t), "{list}");
    }
    let json: serde_json::Value = serde_json::from_str(&ok(&["tasks", "list", "--json"])).unwrap();
    assert!(json.as_array().unwrap().len() >= 3);

    let show = ok(&["tasks", "show", "contract-key-fields", "--examples", "2"]);
    assert!(show.contains("examples (2):") && show.contains("[1] {"), "{show}");

    let m = ok(&["tasks", "match", "pull totals from invoices"]);
    assert!(m.contains("invoice-extraction") && m.contains("chosen:"), "{m}");

    let lb = ok(&["tasks", "leaderboard", "contract-key-fields"]);
    assert!(lb.contains("contract-1 *") && lb.contains("gpt-4o") && lb.contains("$0.000420"), "{lb}");

    assert_eq!(ok(&["tasks", "recommended", "contract-key-fields"]).trim(), "contract-1");
}

#[test]
fn deploy_prints_progress_before_the_summary() {
    let out = ok(&["endpoints", "deploy", "ticket-triage"]);
    let lines: Vec<&str> = out.lines().collect();
    let summary = lines.iter().position(|l| l.starts_with("live: ")).unwrap();
    let progress: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains('%')).collect();
    assert!(progress.len() >= 3, "{out}");
    assert!(progress.iter().all(|&i| i < summary), "{out}");
    assert!(lines[summary].contains("ticket-triage") && lines[summary].contains("live"), "{out}");
}

#[test]
fn endpoint_operations() {
    let list = ok(&["endpoints", "list"]);
    assert!(list.contains("ep_contract_kie") && list.contains("live"), "{list}");
    let show = ok(&["endpoints", "show", "ep_contract_kie"]);
    assert!(show.contains("contract-key-fields"), "{show}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["endpoints", "show", "ep_contract_kie", "--json"])).unwrap();
    assert_eq!(json["status"], "live");
    assert!(ok(&["endpoints", "stop", "ep_contract_kie"]).contains("ep_contract_kie"));
    assert!(ok(&["endpoints", "start", "ep_contract_kie"]).contains("ep_contract_kie"));
    let cost = ok(&["endpoints", "metrics", "ep_contract_kie", "cost", "--param", "window=7d", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&cost).unwrap();
    assert_eq!(v["window"], "7d");
    assert!(ok(&["endpoints", "delete", "ep_contract_kie"]).contains("deleted"));
}

#[test]
fn chat_streams_and_not() {
    let out = ok(&["chat", "ep_contract_kie", "hello there"]);
    assert!(out.contains("echo: hello there"), "{out}");
    let out =
        ok(&["chat", "ep_contract_kie", "hello there", "--no-stream", "--system", "be brief", "--temperature", "0"]);
    assert!(out.contains("echo: hello there"), "{out}");
}

#[test]
fn evals_frontier_and_sets() {
    let f = ok(&["evals", "frontier", "--task", "contract-key-fields"]);
    assert!(f.contains("gpt-4o") && f.contains("benchmarked"), "{f}");
    let rows = temp_file("sets.jsonl", ROWS);
    let out = ok(&["evals", "sets", "create", "--task", "contract-key-fields", "--file", rows.to_str().unwrap()]);
    assert!(out.contains("evset_") && out.contains("contract-key-fields"), "{out}");
}

#[test]
fn eval_run_waits_and_prints_results_and_total() {
    let rows = temp_file("run.jsonl", ROWS);
    let out = pareta(&[
        "--mock",
        "evals",
        "run",
        "--task",
        "contract-key-fields",
        "--file",
        rows.to_str().unwrap(),
        "--models",
        "contract-1",
        "--frontier",
        "benchmarked",
        "--wait",
        "--poll",
        "0.05",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("completed"), "{stdout}");
    assert!(stdout.contains("95% CI") && stdout.contains("contract-1") && stdout.contains("gpt-4o"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("billed: $")), "{stdout}");
    // One status line per change while waiting (stderr is not a terminal here).
    assert!(stderr.contains("running"), "{stderr}");
}

#[test]
fn missing_key_exits_1_naming_the_variable() {
    let (code, _, err) = fails(&["models", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("PARETA_API_KEY"), "{err}");
}

#[test]
fn unknown_task_exits_1_with_the_status() {
    let (code, _, err) = fails(&["--mock", "tasks", "show", "no-such-task"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("404"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let bad = temp_file("bad.jsonl", "{\"input\":\"a\"}\n[1, 2]\n");
    let (code, _, err) =
        fails(&["--mock", "evals", "sets", "create", "--task", "contract-key-fields", "--file", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.jsonl:2:") && err.contains("JSON object"), "{err}");

    let (code, _, err) = fails(&["--mock", "endpoints", "metrics", "ep_contract_kie", "cost", "--param", "window"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("window"), "{err}");

    let rows = temp_file("frontier.jsonl", ROWS);
    let args = ["--mock", "evals", "run", "--task", "contract-key-fields", "--file", rows.to_str().unwrap()];
    let (code, _, err) = fails(&[&args[..], &["--models", "contract-1", "--frontier", "best"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("best"), "{err}");

    let (code, _, _) = fails(&["--mock", "no-such-command"]);
    assert_eq!(code, 2);
}

#[test]
fn help_has_examples_and_completions_generate() {
    let out = pareta(&["endpoints", "deploy", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Example:") && help.contains("pareta endpoints deploy"), "{help}");
    let out = pareta(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("pareta"));
}

/// Runs against a shared mock (by `--base-url`/`--api-key`), so state carries over.
fn on(mock: &pareta_mock::MockServer, args: &[&str]) -> String {
    let base = mock.base_url();
    let mut all = vec!["--base-url", base.as_str(), "--api-key", "pareta_sk_test"];
    all.extend_from_slice(args);
    let out = pareta(&all);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "pareta {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout
}

#[test]
fn stateful_set_lifecycle_upload_and_run_on_a_shared_mock() {
    let mock = pareta_mock::MockServer::start();
    let rows =
        temp_file("invoices.jsonl", "{\"expected\":{\"total\":\"12.00\"}}\n{\"expected\":{\"total\":\"7.50\"}}\n");
    let created = on(
        &mock,
        &["evals", "sets", "create", "--task", "invoice-extraction", "--file", rows.to_str().unwrap(), "--json"],
    );
    let set: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = set["id"].as_str().unwrap().to_owned();
    assert!(on(&mock, &["evals", "sets", "list"]).contains(&id));
    assert!(on(&mock, &["evals", "sets", "show", &id]).contains("invoice-extraction"));

    let pdf = temp_file("invoice.pdf", "%PDF-1.4 not really a pdf");
    let up = on(&mock, &["evals", "sets", "upload", &id, "0", "document", pdf.to_str().unwrap()]);
    assert!(up.contains("invoice.pdf"), "{up}");

    let started = on(&mock, &["evals", "run", "--set", &id, "--models", "invoice-1", "--frontier", "claude-sonnet,"]);
    assert!(started.contains("evals show run_"), "{started}");
    let run_id = started.split_whitespace().nth(1).unwrap().to_owned();
    let done = on(&mock, &["evals", "show", &run_id, "--wait", "--poll", "0.02"]);
    assert!(done.contains("claude-sonnet") && done.contains("billed: $"), "{done}");

    assert!(on(&mock, &["evals", "sets", "delete", &id]).contains("deleted"));
    assert!(!on(&mock, &["evals", "sets", "list"]).contains(&id));
}

#[test]
fn deploy_progress_lines_arrive_before_the_deploy_ends() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};
    let mock = pareta_mock::MockServer::start_with(pareta_mock::MockConfig {
        deploy_step_delay: Duration::from_millis(150),
        ..Default::default()
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--base-url", &mock.base_url(), "--api-key", "pareta_sk_test", "endpoints", "deploy", "ticket-triage"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let first_at = Instant::now();
    assert!(first.contains('%'), "{first}");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let last_at = Instant::now();
    assert!(child.wait().unwrap().success());
    assert!(rest.iter().any(|l| l.starts_with("live: ")), "{rest:?}");
    // Several step delays separate the first progress line from the summary.
    assert!(last_at - first_at >= Duration::from_millis(300), "{:?}", last_at - first_at);
}
