//! The command line, declared with clap's derive API.
//!
//! One variant of [`Command`] per top-level command, each with its own args
//! type and module under `commands/`: adding a command is a variant, a match
//! arm in `main.rs::run`, and a module.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Discover, deploy, chat with and evaluate task-specialised open models on Pareta.
#[derive(Debug, Parser)]
#[command(name = "pareta", version, propagate_version = true)]
#[command(after_help = "Examples:\n  pareta --mock tasks match \"pull totals from invoices\"\n  \
                        PARETA_API_KEY=pareta_sk_... pareta endpoints list\n\n\
                        Output: tables on a terminal; --json prints the server's JSON exactly as received.\n\
                        Progress and status lines go to stderr; NO_COLOR turns colour off.\n\
                        Exit status: 0 success, 1 API or SDK error (including a missing API key), 2 usage error.")]
pub struct Cli {
    /// Global connection and output options.
    #[command(flatten)]
    pub global: Global,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// API key (`pareta_sk_...`).
    #[arg(long, global = true, help_heading = "Global options", env = "PARETA_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// API root (default: the production API, `https://api.pareta.ai`).
    #[arg(long, global = true, help_heading = "Global options", env = "PARETA_BASE_URL")]
    pub base_url: Option<String>,
    /// How long one call may wait for the server to start answering, and for any silence
    /// inside an answer (a stream that keeps sending never times out).
    #[arg(long, global = true, help_heading = "Global options", value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,
    /// How long to wait for a connection.
    #[arg(long, global = true, help_heading = "Global options", value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Automatic retries of transient failures (default 2).
    #[arg(long, global = true, help_heading = "Global options", value_name = "N")]
    pub max_retries: Option<u32>,
    /// Print the server's JSON exactly as received instead of tables.
    #[arg(long, short = 'j', global = true, help_heading = "Global options")]
    pub json: bool,
    /// Trust only the CA certificates in this PEM file instead of the built-in roots
    /// (a private deployment behind its own CA). Empty: the built-in roots.
    #[arg(long, global = true, help_heading = "Global options", env = "PARETA_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<String>,
    /// Run against an in-process mock server (no account needed).
    #[arg(long, global = true, help_heading = "Global options")]
    pub mock: bool,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Callable models (your deployed endpoints).
    #[command(subcommand, after_help = "Example:\n  pareta models list")]
    Models(ModelsCmd),
    /// The benchmark catalog: tasks, intent matching, leaderboards.
    #[command(subcommand, after_help = "Example:\n  pareta tasks leaderboard contract-key-fields")]
    Tasks(TasksCmd),
    /// Deploy and operate endpoints.
    #[command(subcommand, after_help = "Example:\n  pareta endpoints deploy ticket-triage")]
    Endpoints(EndpointsCmd),
    /// Chat with an endpoint: one prompt, a whole conversation, or an interactive session.
    #[command(after_help = CHAT_HELP)]
    Chat(ChatArgs),
    /// Evaluate models on your own data.
    #[command(subcommand, after_help = "Example:\n  pareta evals frontier --task contract-key-fields")]
    Evals(EvalsCmd),
    /// Serve the API as MCP tools over stdio, for agents (read-only unless --allow-spend).
    #[cfg(feature = "mcp")]
    Mcp(pareta_mcp::McpArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  pareta completions bash > ~/.local/share/bash-completion/completions/pareta")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

const CHAT_HELP: &str = "Examples:\n  pareta chat ep_contract_kie \"Who are the parties?\" --temperature 0\n  \
    pareta chat ep_contract_kie \"List them\" --param top_p=0.9 --param 'stop=[\"\\n\\n\"]' --param seed=7\n  \
    echo \"Summarize this\" | pareta chat ep_contract_kie -\n  \
    pareta chat ep_contract_kie --messages conversation.json\n  \
    pareta chat ep_contract_kie            (on a terminal: an interactive session)\n\n\
    Interactive: each line is a turn and the whole history is sent every time; replies stream.\n\
    /exit or Ctrl-D leaves, /reset forgets the history; Ctrl-C stops the current reply\n\
    (at the prompt it leaves).\n\
    --messages takes a JSON array of {\"role\", \"content\"} objects, or one such object per line.";

/// `pareta models ...`
#[derive(Debug, Subcommand)]
pub enum ModelsCmd {
    /// List the callable models.
    #[command(after_help = "Example:\n  pareta models list --json")]
    List,
}

/// `pareta tasks ...`
#[derive(Debug, Subcommand)]
pub enum TasksCmd {
    /// List the benchmark tasks.
    #[command(after_help = "Example:\n  pareta tasks list")]
    List,
    /// Show one task, optionally with example rows.
    #[command(after_help = "Example:\n  pareta tasks show contract-key-fields --examples 2")]
    Show {
        /// Task id.
        id: String,
        /// Include up to N example rows.
        #[arg(long, value_name = "N")]
        examples: Option<u32>,
    },
    /// Match free-text intent to benchmarked tasks.
    #[command(after_help = "Example:\n  pareta tasks match \"pull totals from invoices\" --top-k 3")]
    Match {
        /// What you want a model to do.
        intent: String,
        /// How many candidates to return.
        #[arg(long, value_name = "K")]
        top_k: Option<u32>,
    },
    /// Models ranked for a task.
    #[command(after_help = "Example:\n  pareta tasks leaderboard contract-key-fields")]
    Leaderboard {
        /// Task id.
        id: String,
    },
    /// The model a default deploy of the task would use.
    #[command(after_help = "Example:\n  pareta tasks recommended contract-key-fields\n\n\
                            With --json: the leaderboard reply it was read from.")]
    Recommended {
        /// Task id.
        id: String,
    },
}

/// A metric dimension of an endpoint.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MetricArg {
    /// p50/p95/p99 latency.
    Performance,
    /// Availability.
    Uptime,
    /// Spend and savings versus the frontier.
    Cost,
    /// Judge windows.
    Quality,
    /// Usage statistics.
    Activity,
}

/// `pareta endpoints ...`
#[derive(Debug, Subcommand)]
pub enum EndpointsCmd {
    /// Deploy a model for a task, showing progress as it happens.
    #[command(
        after_help = "Examples:\n  pareta endpoints deploy ticket-triage --model triage-1 --name triage-prod\n  \
                            pareta endpoints deploy contract-key-fields --param region=\\\"eu\\\" --param quality=0.9\n\n\
                            --param values are JSON (a bare word that is not JSON is sent as a string).\n\
                            On a terminal the stage line redraws in place with the elapsed time; otherwise one line\n\
                            per stage on stderr. With --json: one line per SSE event, {\"event\", \"data\"}, with\n\
                            the event's data exactly as received."
    )]
    Deploy {
        /// Task id.
        task: String,
        /// Per-task alias or real model id (default: the recommended one).
        #[arg(long, value_name = "M")]
        model: Option<String>,
        /// Endpoint name (default: chosen by the server).
        #[arg(long, value_name = "N")]
        name: Option<String>,
        /// Extra deploy field `key=value`, the value as JSON (repeatable): region, provider,
        /// quality, run_mode, cost overrides, taskDisplay, ...
        #[arg(long = "param", value_name = "K=V")]
        params: Vec<String>,
    },
    /// List your endpoints.
    #[command(after_help = "Example:\n  pareta endpoints list")]
    List,
    /// Show one endpoint.
    #[command(after_help = "Example:\n  pareta endpoints show ep_contract_kie")]
    Show {
        /// Endpoint id.
        id: String,
    },
    /// Start a stopped endpoint (then poll `show` until it is live).
    #[command(after_help = "Example:\n  pareta endpoints start ep_contract_kie")]
    Start {
        /// Endpoint id.
        id: String,
    },
    /// Stop (scale to zero) a live endpoint.
    #[command(after_help = "Example:\n  pareta endpoints stop ep_contract_kie")]
    Stop {
        /// Endpoint id.
        id: String,
    },
    /// Delete an endpoint.
    #[command(after_help = "Example:\n  pareta endpoints delete ep_ticket-triage_1\n\n\
                            With --json: the server's reply body (usually empty, 204).")]
    Delete {
        /// Endpoint id.
        id: String,
    },
    /// Read one metric dimension of an endpoint (printed as JSON).
    #[command(after_help = "Example:\n  pareta endpoints metrics ep_contract_kie cost --param window=7d")]
    Metrics {
        /// Endpoint id.
        id: String,
        /// The dimension.
        kind: MetricArg,
        /// Query parameter `key=value` (repeatable).
        #[arg(long = "param", value_name = "K=V")]
        params: Vec<String>,
    },
}

/// `pareta chat ...`
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Endpoint id.
    pub endpoint: String,
    /// The user message; `-` reads it from stdin. Absent on a terminal: an interactive session.
    pub prompt: Option<String>,
    /// A system message sent first.
    #[arg(long, value_name = "S")]
    pub system: Option<String>,
    /// A whole conversation (JSON array or one message object per line); `-` reads stdin.
    /// A prompt, when given too, is appended as the last user turn.
    #[arg(long, value_name = "FILE|-")]
    pub messages: Option<String>,
    /// Sampling temperature.
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    /// Extra request field `key=value`, the value as JSON (repeatable): top_p, stop, seed,
    /// stream_options, presence_penalty, ...
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Wait for the whole reply instead of streaming tokens.
    #[arg(long)]
    pub no_stream: bool,
}

/// `pareta evals ...`
#[derive(Debug, Subcommand)]
pub enum EvalsCmd {
    /// The frontier (vendor) models you can compare against.
    #[command(after_help = "Example:\n  pareta evals frontier --task contract-key-fields")]
    Frontier {
        /// Annotate the roster for this task (the `benchmarked` column).
        #[arg(long, value_name = "T")]
        task: Option<String>,
    },
    /// Eval sets: your rows, bound to a task.
    #[command(subcommand, after_help = "Example:\n  pareta evals sets list")]
    Sets(SetsCmd),
    /// Start an eval run, optionally waiting for its results.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Show an eval run and its results, optionally waiting for it to finish.
    #[command(after_help = "Example:\n  pareta evals show run_1 --wait")]
    Show {
        /// Run id.
        id: String,
        /// Wait options.
        #[command(flatten)]
        wait: WaitArgs,
    },
}

const RUN_HELP: &str = "Examples:\n  pareta evals run --task contract-key-fields --file rows.jsonl --models contract-1,qwen-1 \
    --frontier benchmarked --wait\n  pareta evals run --set evset_1 --models contract-1 --wait\n  \
    pareta evals run --set evset_1 --frontier gpt-4o,claude-sonnet      (frontier only)\n\n\
    --frontier takes none, all, benchmarked, or comma-separated vendor ids \
    (a single id needs a dash, a digit or a trailing comma, e.g. gpt-4o).\n\
    --file - reads the rows from stdin.\n\
    With --json: the reply that creates the run ({\"run_id\", \"status\"}), or with --wait the last\n\
    GET /v1/eval-runs/{id} reply ({\"run\", \"results\"}), exactly as received.";

/// `--wait`, `--poll`, `--wait-timeout`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait until the run is terminal, then print its results.
    #[arg(long)]
    pub wait: bool,
    /// Poll interval while waiting, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub poll: f64,
    /// Give up waiting after this many seconds (the run goes on server-side).
    #[arg(long, value_name = "SECS", default_value_t = 900.0)]
    pub wait_timeout: f64,
}

/// `pareta evals sets ...`
#[derive(Debug, Subcommand)]
pub enum SetsCmd {
    /// Create an eval set from a JSONL file (one JSON object per line).
    #[command(
        after_help = "Examples:\n  pareta evals sets create --task contract-key-fields --file rows.jsonl --name v1\n  \
                      cat rows.jsonl | pareta evals sets create --task contract-key-fields --file -"
    )]
    Create {
        /// Task id.
        #[arg(long, value_name = "T")]
        task: String,
        /// JSONL file of rows; `-` reads stdin.
        #[arg(long, value_name = "PATH|-")]
        file: PathBuf,
        /// Label.
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// List your eval sets.
    #[command(after_help = "Example:\n  pareta evals sets list")]
    List,
    /// Show one eval set.
    #[command(after_help = "Example:\n  pareta evals sets show evset_1")]
    Show {
        /// Eval set id.
        id: String,
    },
    /// Delete an eval set.
    #[command(after_help = "Example:\n  pareta evals sets delete evset_1")]
    Delete {
        /// Eval set id.
        id: String,
    },
    /// Attach a document to one row's blob field.
    #[command(
        after_help = "Example:\n  pareta evals sets upload evset_1 0 document invoice.pdf --mime application/pdf\n\n\
                      Files of 5 MiB or more go to signed storage; on a terminal a bar shows bytes and rate.\n\
                      With --json: the reply of the last call (attach-blob, or blob-upload-complete)."
    )]
    Upload {
        /// Eval set id.
        set: String,
        /// 0-based row index.
        idx: u64,
        /// The blob field of the task's input schema.
        field: String,
        /// The file to upload.
        file: PathBuf,
        /// MIME type (guessed from the file name when absent).
        #[arg(long, value_name = "M")]
        mime: Option<String>,
    },
}

/// `pareta evals run ...`
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["set", "file"]))]
pub struct RunArgs {
    /// Run on an existing eval set.
    #[arg(long, value_name = "S", conflicts_with_all = ["file"])]
    pub set: Option<String>,
    /// Task of the inline rows (with --file), or of the set (saves a lookup).
    #[arg(long, value_name = "T", required_unless_present = "set")]
    pub task: Option<String>,
    /// JSONL file of rows to evaluate (creates a set first); `-` reads stdin.
    #[arg(long, value_name = "PATH|-", requires = "task")]
    pub file: Option<PathBuf>,
    /// Open candidate aliases, comma-separated (optional when --frontier names models).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Frontier baselines: none, all, benchmarked, or id,id.
    #[arg(long, value_name = "WHICH", default_value = "none")]
    pub frontier: String,
    /// Name of the eval set an inline run creates.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Wait options.
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            let path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() || sub.get_after_help().is_none() {
                missing.push(path.clone());
            }
            walk(sub, &path, missing);
        }
    }

    #[test]
    fn every_subcommand_has_about_and_an_example() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "pareta", &mut missing);
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn defaults_follow_the_spec() {
        let cli = Cli::try_parse_from(["pareta", "evals", "show", "run_1"]).unwrap();
        let Command::Evals(EvalsCmd::Show { wait, .. }) = cli.command else { panic!() };
        assert_eq!(wait.poll, 3.0);
        assert_eq!(wait.wait_timeout, 900.0);
        assert_eq!(cli.global.timeout, 60.0);
        let cli = Cli::try_parse_from(["pareta", "evals", "run", "--set", "s", "--frontier", "gpt-4o"]);
        assert!(cli.is_ok(), "--models is optional");
    }
}
