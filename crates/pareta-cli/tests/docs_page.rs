//! Runs every `pareta --mock ...` line of docs/cli.md, so the page cannot drift.
#![allow(clippy::unwrap_used)]

use std::process::Command;

/// Splits a command line on spaces as a shell would: double- and single-quoted
/// spans stay together and lose their quotes; inside single quotes nothing is
/// special.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut single) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' if !quoted => single = !single,
            c if single => cur.push(c),
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn the_splitter_quotes_like_a_shell() {
    assert_eq!(words(r#"a "b c" 'd "e"' f=["x"]"#), ["a", "b c", "d \"e\"", "f=[x]"]);
}

#[test]
fn every_mock_example_in_the_cli_page_succeeds() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md")).unwrap();
    let examples: Vec<&str> = page.lines().filter(|l| l.starts_with("pareta --mock ")).collect();
    assert!(examples.len() >= 10, "the page lost its examples");
    for line in examples {
        let args = words(line);
        let out = Command::new(env!("CARGO_BIN_EXE_pareta")).args(&args[1..]).output().unwrap();
        assert!(
            out.status.success(),
            "`{line}` exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "`{line}` printed nothing");
    }
}

#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pareta"))
        .args(["--mock", "tasks", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before the output is written
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?} {stderr}");
}
