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
    // --json is the server's envelope, not a rebuilt array.
    let json: serde_json::Value = serde_json::from_str(&ok(&["tasks", "list", "--json"])).unwrap();
    assert!(json["tasks"].as_array().unwrap().len() >= 3);

    let show = ok(&["tasks", "show", "contract-key-fields", "--examples", "2"]);
    assert!(show.contains("examples (2):") && show.contains("[1] {"), "{show}");

    let m = ok(&["tasks", "match", "pull totals from invoices"]);
    assert!(m.contains("invoice-extraction") && m.contains("chosen:"), "{m}");

    let lb = ok(&["tasks", "leaderboard", "contract-key-fields"]);
    assert!(lb.contains("contract-1 *") && lb.contains("gpt-4o") && lb.contains("$0.000420"), "{lb}");

    assert_eq!(ok(&["tasks", "recommended", "contract-key-fields"]).trim(), "contract-1");
}

#[test]
fn deploy_prints_plain_progress_lines_on_stderr_and_the_endpoint_on_stdout() {
    let out = pareta(&["--mock", "endpoints", "deploy", "ticket-triage"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("live: ") && lines[0].contains("ticket-triage") && lines[0].contains("live"),
        "{stdout}"
    );
    // Not a terminal: one plain line per stage, with the elapsed time, no control characters.
    let stages: Vec<&str> = stderr.lines().filter(|l| l.contains('%')).collect();
    assert!(stages.len() >= 3, "{stderr}");
    assert!(stages[0].starts_with("queued 0% (") && stages[0].ends_with("s)"), "{stderr}");
    assert!(stderr.lines().last().unwrap().starts_with("deployed ep_ticket_triage_1 in "), "{stderr}");
    assert!(!stderr.contains('\r') && !stderr.contains('\x1b'), "{stderr:?}");
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
fn missing_key_exits_1_naming_the_flag_and_the_variable() {
    let (code, _, err) = fails(&["models", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--api-key") && err.contains("PARETA_API_KEY"), "{err}");
    assert!(!err.contains(".api_key("), "the SDK's builder advice is not for CLI users: {err}");
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
    assert!(help.contains("Example") && help.contains("pareta endpoints deploy"), "{help}");
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
    let id = set["eval_set"]["id"].as_str().unwrap().to_owned();
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
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let first_at = Instant::now();
    assert!(first.contains('%'), "{first}");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let last_at = Instant::now();
    assert!(child.wait().unwrap().success());
    assert!(rest.iter().any(|l| l.starts_with("deployed ")), "{rest:?}");
    // Several step delays separate the first progress line from the summary.
    assert!(last_at - first_at >= Duration::from_millis(300), "{:?}", last_at - first_at);
}

/// Runs against a shared mock with `stdin` piped in; returns (code, stdout, stderr).
fn on_stdin(mock: &pareta_mock::MockServer, args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let base = mock.base_url();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--base-url", base.as_str(), "--api-key", "pareta_sk_test"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The JSON body of the last request to `path`.
fn last_body(mock: &pareta_mock::MockServer, path: &str) -> serde_json::Value {
    let req = mock.requests().into_iter().rev().find(|r| r.path == path).unwrap();
    serde_json::from_slice(&req.body).unwrap()
}

/// A raw GET against the mock, for comparing bytes with `--json`.
fn raw_get(mock: &pareta_mock::MockServer, path: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent
        .get(format!("{}{path}", mock.base_url()))
        .header("Authorization", "Bearer pareta_sk_test")
        .call()
        .unwrap();
    resp.body_mut().read_to_string().unwrap()
}

#[test]
fn json_prints_the_servers_bytes_envelopes_included() {
    let mock = pareta_mock::MockServer::start();
    for (args, path) in [
        (&["tasks", "list"][..], "/v1/tasks"),
        (&["evals", "sets", "list"][..], "/v1/eval-sets"),
        (
            &["evals", "frontier", "--task", "contract-key-fields"][..],
            "/v1/eval/frontier-models?task=contract-key-fields",
        ),
        (&["models", "list"][..], "/v1/models"),
        (&["endpoints", "list"][..], "/v1/endpoints"),
        (&["tasks", "leaderboard", "contract-key-fields"][..], "/v1/tasks/contract-key-fields/leaderboard"),
        (&["tasks", "recommended", "contract-key-fields"][..], "/v1/tasks/contract-key-fields/leaderboard"),
    ] {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let printed = on(&mock, &all);
        assert_eq!(printed.trim_end(), raw_get(&mock, path), "pareta {args:?}");
    }
    // A 204 prints nothing under --json; without it, a confirmation.
    on(&mock, &["endpoints", "deploy", "ticket-triage", "--name", "gone"]);
    assert_eq!(on(&mock, &["--json", "endpoints", "delete", "gone"]), "");
}

#[test]
fn chat_params_are_json_values_in_the_request_body() {
    let mock = pareta_mock::MockServer::start();
    let out = on(
        &mock,
        &[
            "chat",
            "ep_contract_kie",
            "hi",
            "--param",
            "top_p=0.9",
            "--param",
            "stop=[\"\\n\\n\"]",
            "--param",
            "seed=7",
            "--param",
            "user=alice",
            "--param",
            "temperature=0.2",
        ],
    );
    assert!(out.contains("echo: hi"), "{out}");
    let body = last_body(&mock, "/v1/chat/completions");
    assert_eq!(body["top_p"], 0.9);
    assert_eq!(body["stop"], serde_json::json!(["\n\n"]));
    assert_eq!(body["seed"], 7);
    assert_eq!(body["user"], "alice", "a bare word is a string");
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["stream"], true);
    let (code, _, err) = fails(&["--mock", "chat", "ep_contract_kie", "hi", "--param", "model=x"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn chat_reads_the_prompt_or_a_conversation_from_stdin_or_a_file() {
    let mock = pareta_mock::MockServer::start();
    let (code, out, err) = on_stdin(&mock, &["chat", "ep_contract_kie", "-"], "a prompt from a pipe\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("echo: a prompt from a pipe"), "{out}");

    let convo = r#"[{"role":"system","content":"be brief"},{"role":"user","content":"first"},{"role":"assistant","content":"ok"}]"#;
    let file = temp_file("convo.json", convo);
    let out = on(&mock, &["chat", "ep_contract_kie", "--messages", file.to_str().unwrap(), "and then?", "--no-stream"]);
    assert!(out.contains("echo: and then?"), "{out}");
    let body = last_body(&mock, "/v1/chat/completions");
    let roles: Vec<&str> = body["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);

    let lines = "{\"role\":\"user\",\"content\":\"one per line\"}\n";
    let (code, out, err) = on_stdin(&mock, &["chat", "ep_contract_kie", "--messages", "-"], lines);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("echo: one per line"), "{out}");

    let (code, _, err) = on_stdin(&mock, &["chat", "ep_contract_kie", "--messages", "-"], "[{\"content\":\"x\"}]");
    assert_eq!(code, 2);
    assert!(err.contains("role"), "{err}");
}

#[test]
fn chat_json_prints_each_chunk_as_a_json_line() {
    let out = ok(&["--json", "chat", "ep_contract_kie", "one two three"]);
    let chunks: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(chunks.len() >= 4, "{out}");
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));
    let text: String = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
    assert_eq!(text, "echo: one two three");
}

#[test]
fn deploy_params_pass_through_and_json_prints_each_event() {
    let mock = pareta_mock::MockServer::start();
    let out = on(
        &mock,
        &[
            "endpoints",
            "deploy",
            "contract-key-fields",
            "--param",
            "region=eu",
            "--param",
            "cost_per_request_micro_usd=111",
        ],
    );
    assert!(out.starts_with("live: "), "{out}");
    let body = last_body(&mock, "/v1/endpoints");
    assert_eq!(body["region"], "eu");
    assert_eq!(body["cost_per_request_micro_usd"], 111);

    let out = on(&mock, &["--json", "endpoints", "deploy", "ticket-triage", "--model", "Qwen/Qwen2.5-7B-Instruct"]);
    let events: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.len() >= 3, "{out}");
    assert!(events[..events.len() - 1].iter().all(|e| e["event"] == "progress" && e["data"]["pct"].is_u64()));
    let last = events.last().unwrap();
    assert_eq!(last["event"], "complete");
    assert_eq!(last["data"]["endpoint"]["model"], "qwen-1", "a real id is deployed under its alias");
}

#[test]
fn a_frontier_only_run_needs_no_models() {
    let rows = temp_file("frontier-only.jsonl", ROWS);
    let out = ok(&[
        "evals",
        "run",
        "--task",
        "contract-key-fields",
        "--file",
        rows.to_str().unwrap(),
        "--frontier",
        "gpt-4o,claude-sonnet",
        "--wait",
        "--poll",
        "0.02",
    ]);
    assert!(out.contains("gpt-4o") && out.contains("claude-sonnet") && !out.contains("contract-1"), "{out}");
    let (code, _, err) =
        fails(&["--mock", "evals", "run", "--task", "contract-key-fields", "--file", rows.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--models") && err.contains("--frontier"), "{err}");
}

#[test]
fn rows_can_come_from_stdin() {
    let mock = pareta_mock::MockServer::start();
    let (code, out, err) =
        on_stdin(&mock, &["evals", "sets", "create", "--task", "contract-key-fields", "--file", "-"], ROWS);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("evset_1") && out.contains("2"), "{out}");
}

#[test]
fn the_wait_has_its_own_deadline() {
    let mock = pareta_mock::MockServer::start();
    let rows = temp_file("deadline.jsonl", ROWS);
    let started = on(
        &mock,
        &["evals", "run", "--task", "contract-key-fields", "--file", rows.to_str().unwrap(), "--models", "contract-1"],
    );
    let run_id = started.split_whitespace().nth(1).unwrap().to_owned();
    // The run needs three more polls; a 0.25 s deadline with 0.3 s polls gives up after two.
    let (code, _, err) = {
        let base = mock.base_url();
        let out = pareta(&[
            "--base-url",
            &base,
            "--api-key",
            "pareta_sk_test",
            "evals",
            "show",
            &run_id,
            "--wait",
            "--poll",
            "0.3",
            "--wait-timeout",
            "0.25",
        ]);
        (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--wait-timeout") && err.contains("goes on server-side"), "{err}");
    // The per-call --timeout is separate: a short one does not cut the wait.
    let done = on(&mock, &["--timeout", "5", "evals", "show", &run_id, "--wait", "--poll", "0.02"]);
    assert!(done.contains("completed"), "{done}");
}

#[test]
fn tables_show_readable_timestamps() {
    let out = ok(&["models", "list"]);
    assert!(out.contains("2026-01-01 00:00:01 UTC"), "{out}");
    let out = ok(&["endpoints", "show", "ep_contract_kie"]);
    assert!(out.contains("created  2026-01-01 00:00:01 UTC"), "{out}");
}

#[test]
fn a_large_upload_reports_bytes_when_piped() {
    let mock = pareta_mock::MockServer::start();
    let rows = temp_file("big.jsonl", "{\"expected\":{\"total\":\"1.00\"}}\n");
    on(&mock, &["evals", "sets", "create", "--task", "invoice-extraction", "--file", rows.to_str().unwrap()]);
    let big = temp_file("big.pdf", &"x".repeat(6 * 1024 * 1024));
    let base = mock.base_url();
    let out = pareta(&[
        "--base-url",
        &base,
        "--api-key",
        "pareta_sk_test",
        "evals",
        "sets",
        "upload",
        "evset_1",
        "0",
        "document",
        big.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("uploaded 6291456 of 6291456 bytes (100%"), "{stderr}");
    assert!(stderr.contains("MiB/s"), "{stderr}");
    let put = mock.requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.header("content-length"), Some("6291456"));
    let (code, _, err) = fails(&["--mock", "evals", "sets", "upload", "evset_1", "0", "document", "/no/such/file.pdf"]);
    assert_eq!(code, 2, "{err}");
}

/// The threads of process `pid`, by name (Linux).
#[cfg(target_os = "linux")]
fn thread_names(pid: u32) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let comm = entry.unwrap().path().join("comm");
        names.push(std::fs::read_to_string(comm).unwrap_or_default().trim().to_owned());
    }
    names
}

#[cfg(target_os = "linux")]
#[test]
fn no_runtime_is_started_unless_mock_is_given() {
    use std::process::Stdio;
    let mock = pareta_mock::MockServer::start();
    let base = mock.base_url();
    // `chat ... -` builds the client, then blocks reading the prompt from stdin.
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pareta"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let settle = || std::thread::sleep(std::time::Duration::from_millis(300));
    let mut plain = spawn(&["--base-url", &base, "--api-key", "pareta_sk_test", "chat", "ep_contract_kie", "-"]);
    settle();
    let names = thread_names(plain.id());
    drop(plain.stdin.take());
    plain.wait().unwrap();
    assert_eq!(names.len(), 1, "one thread, no runtime: {names:?}");

    let mut mocked = spawn(&["--mock", "chat", "ep_contract_kie", "-"]);
    settle();
    let names = thread_names(mocked.id());
    drop(mocked.stdin.take());
    mocked.wait().unwrap();
    assert!(names.iter().any(|n| n == "pareta-mock"), "--mock runs the mock's runtime on its thread: {names:?}");
}

#[test]
fn connection_flags_are_checked_and_applied() {
    for bad in [["--timeout", "0"], ["--connect-timeout", "-1"], ["--timeout", "nan"]] {
        let (code, _, err) = fails(&["--mock", bad[0], bad[1], "models", "list"]);
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
    // Nothing listens on port 9: a connection error, reported with exit 1 after no retries.
    let (code, _, err) = fails(&[
        "--base-url",
        "http://127.0.0.1:9",
        "--api-key",
        "pareta_sk_x",
        "--connect-timeout",
        "1",
        "--max-retries",
        "0",
        "-j",
        "models",
        "list",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
}
