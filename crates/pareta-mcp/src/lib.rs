//! `pareta mcp`: the [Pareta](https://pareta.ai) API as
//! [Model Context Protocol](https://modelcontextprotocol.io) tools, served over
//! stdio with the official Rust MCP SDK (`rmcp`), for agents such as Claude
//! Desktop, Cursor or VS Code.
//!
//! Safe by default:
//!
//! - **Read-only** unless started with `--allow-spend`; `delete_endpoint` also
//!   needs `--allow-delete`.
//! - **A spend cap** (`--spend-cap-usd`): billing receipts (`X-Pareta-Billed`) and
//!   eval run costs are counted, and the next spending call is refused once the
//!   cap is reached.
//! - **Files only under `--root`** (default: the working directory); `..` and
//!   symlinks that lead outside it are refused.
//! - **Errors are tool errors** (`isError: true`) carrying the HTTP status, the
//!   server's `detail` and the request id.
//! - **Idempotency keys are minted by the SDK**, once per call and re-sent on
//!   its retries; no tool takes one from the model.
//!
//! The tools, their schemas and client configuration snippets are in
//! `docs/mcp.md`. To embed the server elsewhere, build a [`ParetaMcp`] and
//! serve it on any rmcp transport.

mod cli;
mod errors;
mod params;
mod policy;
mod schemas;
mod server;

pub use cli::{Connection, McpArgs, StartError, run};
pub use params::{
    ChatParams, CreateSetParams, DeployParams, EndpointParams, FrontierArg, FrontierKeyword, FrontierParams,
    GetTaskParams, MatchTaskParams, Message, Metric, MetricsParams, NoParams, Role, RunEvalParams, RunParams,
    TaskParams,
};
pub use policy::{MAX_FILE_BYTES, PathRefusal, Policy};
pub use server::ParetaMcp;

// docs/mcp.md's Rust example is compiled (not run) with this crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/mcp.md")]
mod mcp_page {}
