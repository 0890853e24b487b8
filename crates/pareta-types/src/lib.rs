//! Wire models for the [Pareta](https://pareta.ai) API.
//!
//! This crate holds every request and response shape of the API, with no HTTP
//! dependency: it depends on `serde`, `serde_json` and `rust_decimal` only, so tool
//! authors can reuse it beside any HTTP stack. The clients (`pareta-blocking`,
//! `pareta-async`) return these types.
//!
//! Three conventions hold for every response record:
//!
//! - **Lossless.** Each record keeps the exact JSON text the server sent:
//!   [`Endpoint::raw_json`], [`Endpoint::to_value`], [`Endpoint::get`]. Typed fields are
//!   a convenience over it; unknown fields are never dropped.
//! - **Forgiving.** Absent fields read as `None` (or an empty list, or `false` for the
//!   booleans the spec names). Server-chosen strings (statuses, kinds, tiers) stay
//!   `String`s, so a new value never fails a parse.
//! - **Money.** Micro-USD is an integer (`i64`); billed totals are
//!   [`rust_decimal::Decimal`] dollars floored to whole cents ([`money`]).
//!
//! ```
//! use pareta_types::Endpoint;
//!
//! // The platform sometimes omits `id`; it falls back to `name`, and `task` is read
//! // from `taskName`.
//! let ep = Endpoint::from_json(r#"{"name":"ep_1","taskName":"contract-key-fields","status":"live","gpu_hint":"x"}"#)?;
//! assert_eq!(ep.id.as_deref(), Some("ep_1"));
//! assert_eq!(ep.task.as_deref(), Some("contract-key-fields"));
//! assert!(ep.is_live());
//! assert_eq!(ep.get("gpu_hint"), Some(serde_json::json!("x"))); // unknown field kept
//! # Ok::<(), serde_json::Error>(())
//! ```

#[macro_use]
mod record;
mod chat;
mod de;
mod endpoints;
mod evals;
mod meta;
mod models;
pub mod money;
mod tasks;

pub use chat::{ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, Choice, Message, Usage};
pub use endpoints::{DeployEvent, DeployRequest, Endpoint, MetricKind};
pub use evals::{
    Document, EvalResult, EvalRun, EvalRunCreate, EvalRunSource, EvalSet, EvalSetCreate, Frontier, FrontierModel,
    UploadDocument, WaitOptions,
};
pub use meta::ResponseMeta;
pub use models::{Model, ModelList};
pub use tasks::{Leaderboard, LeaderboardEntry, Task, TaskMatch, TaskMatchCandidate};

/// The decimal type of money amounts (`EvalRun::cost()`), re-exported so callers
/// can compare and format costs without their own `rust_decimal` dependency.
pub use rust_decimal::Decimal;

/// `serde_json`'s map type, used for pass-through extra fields.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;
