//! Wire models for the [Pareta](https://pareta.ai) API.
//!
//! This crate holds every request and response shape of the API, with no HTTP
//! dependency: it depends on `serde`, `serde_json` and `rust_decimal` only, so tool
//! authors can reuse it beside any HTTP stack. The clients (`pareta-blocking`,
//! `pareta-async`) return these types.
//!
//! Four conventions hold for every response record, top-level or nested (a
//! [`Choice`], a [`Message`], a [`LeaderboardEntry`], an [`EvalResult`]):
//!
//! - **Lossless.** Each record keeps the exact JSON text the server sent:
//!   [`Endpoint::raw_json`], [`Endpoint::to_value`], [`Endpoint::get`]. Typed fields are
//!   a convenience over it; unknown fields are never dropped. Nested records share
//!   their response's text; `get` parses it once, on first use, for all of them.
//! - **Lenient in.** Every reply the platform's Python client 0.1.0 reads, these types
//!   read: `null` or absent reads as the empty value (`None`, an empty list, `false`,
//!   the empty nested record), an integral float (`420715.0`) reads in an integer
//!   field, a value of the wrong type reads as absent and stays in the raw JSON, and
//!   list routes answering `{}` read as empty ([`envelope`]). Only a body that is not
//!   JSON (or not an object) fails. The readers live in one place and every field
//!   uses them.
//! - **Typed out.** Ids are `String`s (empty when the server sent none), never
//!   `Option`s. Server vocabularies are open enums ([`EndpointStatus`], [`RunStatus`],
//!   [`ModelKind`], [`MatchConfidence`], [`Matcher`], [`DeployEventName`], [`Role`],
//!   [`FinishReason`]): `#[non_exhaustive]`, with `Other(String)` for values this
//!   version does not name, so a new value never fails a parse and round-trips exactly.
//! - **Money.** Micro-USD is an integer (`i64`); billed totals are
//!   [`rust_decimal::Decimal`] dollars floored to whole cents ([`money`]).
//!
//! ```
//! use pareta_types::{Endpoint, EndpointStatus};
//!
//! // The platform sometimes omits `id`; it falls back to `name`, and `task` is read
//! // from `taskName`.
//! let ep = Endpoint::from_json(r#"{"id":null,"name":"ep_1","taskName":"contract-key-fields","status":"live","gpu_hint":"x"}"#)?;
//! assert_eq!(ep.id, "ep_1");
//! assert_eq!(ep.task.as_deref(), Some("contract-key-fields"));
//! assert_eq!(ep.status, Some(EndpointStatus::Live));
//! assert!(ep.is_live());
//! assert_eq!(ep.get("gpu_hint"), Some(&serde_json::json!("x"))); // unknown field kept
//! # Ok::<(), serde_json::Error>(())
//! ```

#[macro_use]
mod record;
mod chat;
mod de;
mod documents;
mod endpoints;
pub mod envelope;
mod eval_requests;
mod evals;
mod meta;
mod models;
pub mod money;
mod tasks;
mod vocab;

pub use chat::{ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, Choice, Message, Usage};
pub use documents::{Document, UploadDocument};
pub use endpoints::{DeployEvent, DeployRequest, Endpoint, MetricKind, NO_PARAMS, QueryParam, query_params};
pub use eval_requests::{EvalRows, EvalRunCreate, EvalRunSource, EvalSetCreate, Frontier, WaitOptions};
pub use evals::{EvalResult, EvalRun, EvalSet, FrontierModel};
pub use meta::ResponseMeta;
pub use models::{Model, ModelList};
pub use tasks::{Leaderboard, LeaderboardEntry, Task, TaskMatch, TaskMatchCandidate};
pub use vocab::{DeployEventName, EndpointStatus, FinishReason, MatchConfidence, Matcher, ModelKind, Role, RunStatus};

/// The decimal type of money amounts (`EvalRun::cost()`), re-exported so callers
/// can compare and format costs without their own `rust_decimal` dependency.
pub use rust_decimal::Decimal;

/// `serde_json`'s map type, used for pass-through extra fields.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;
