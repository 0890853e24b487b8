//! Every route of the client against httpmock, one file per namespace: method,
//! exact path (ids percent-encoded), query, the headers of wire-notes.md
//! (`authorization`, `user-agent`, `accept`, `content-type` only on bodies,
//! `idempotency-key` on every POST and never on GET/DELETE), the exact JSON body,
//! and the parsed result including its response metadata.
//!
//! A request that matches no mock gets httpmock's 404, which fails the call, so
//! every `unwrap()` of a result below also proves its request matched.

mod chat;
mod endpoints;
mod evals;
mod models;
mod tasks;
mod uploads;
