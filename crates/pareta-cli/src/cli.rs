//! The command line, declared with clap's derive API.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Discover, deploy, chat with and evaluate task-specialised open models on Pareta.
#[derive(Debug, Parser)]
#[command(name = "pareta", version, propagate_version = true)]
#[command(after_help = "Examples:\n  pareta --mock tasks match \"pull totals from invoices\"\n  \
                        PARETA_API_KEY=pareta_sk_... pareta endpoints list\n\n\
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
    /// Total deadline of one call, in seconds.
    #[arg(long, global = true, help_heading = "Global options", value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Automatic retries of transient failures.
    #[arg(long, global = true, help_heading = "Global options", value_name = "N")]
    pub max_retries: Option<u32>,
    /// Print the server's JSON exactly as received instead of tables.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
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
    /// Chat with an endpoint (streams by default).
    #[command(after_help = "Example:\n  pareta chat ep_contract_kie \"Who are the parties?\" --temperature 0")]
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
    #[command(after_help = "Example:\n  pareta tasks recommended contract-key-fields")]
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
    /// Deploy a model for a task, printing progress as it happens.
    #[command(after_help = "Example:\n  pareta endpoints deploy ticket-triage --model triage-1 --name triage-prod")]
    Deploy {
        /// Task id.
        task: String,
        /// Per-task alias or real model id (default: the recommended one).
        #[arg(long, value_name = "M")]
        model: Option<String>,
        /// Endpoint name (default: chosen by the server).
        #[arg(long, value_name = "N")]
        name: Option<String>,
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
    /// Start a stopped endpoint.
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
    #[command(after_help = "Example:\n  pareta endpoints delete ep_ticket-triage_1")]
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
    /// The user message.
    pub prompt: String,
    /// A system message sent first.
    #[arg(long, value_name = "S")]
    pub system: Option<String>,
    /// Sampling temperature.
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
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
    #[command(
        after_help = "Examples:\n  pareta evals run --task contract-key-fields --file rows.jsonl --models contract-1,qwen-1 \
                            --frontier benchmarked --wait\n  pareta evals run --set evset_1 --models contract-1 --wait\n\n\
                            --frontier takes none, all, benchmarked, or comma-separated vendor ids \
                            (a single id needs a dash, a digit or a trailing comma, e.g. gpt-4o).\n\
                            With --wait, the global --timeout also bounds the wait (default 900 s)."
    )]
    Run(RunArgs),
    /// Show an eval run and its results, optionally waiting for it to finish.
    #[command(after_help = "Example:\n  pareta evals show run_1 --wait")]
    Show {
        /// Run id.
        id: String,
        /// Wait until the run is terminal.
        #[arg(long)]
        wait: bool,
        /// Poll interval while waiting, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 1.0)]
        poll: f64,
    },
}

/// `pareta evals sets ...`
#[derive(Debug, Subcommand)]
pub enum SetsCmd {
    /// Create an eval set from a JSONL file (one JSON object per line).
    #[command(
        after_help = "Example:\n  pareta evals sets create --task contract-key-fields --file rows.jsonl --name v1"
    )]
    Create {
        /// Task id.
        #[arg(long, value_name = "T")]
        task: String,
        /// JSONL file of rows.
        #[arg(long, value_name = "PATH")]
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
        after_help = "Example:\n  pareta evals sets upload evset_1 0 document invoice.pdf --mime application/pdf"
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
    /// JSONL file of rows to evaluate (creates a set first).
    #[arg(long, value_name = "PATH", requires = "task")]
    pub file: Option<PathBuf>,
    /// Open candidate aliases, comma-separated.
    #[arg(long, value_name = "A,B", value_delimiter = ',', required = true)]
    pub models: Vec<String>,
    /// Frontier baselines: none, all, benchmarked, or id,id.
    #[arg(long, value_name = "WHICH", default_value = "none")]
    pub frontier: String,
    /// Name of the eval set an inline run creates.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Wait for the run to finish and print its results.
    #[arg(long)]
    pub wait: bool,
    /// Poll interval while waiting, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub poll: f64,
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
}
