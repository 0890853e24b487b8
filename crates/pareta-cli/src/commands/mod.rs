//! One module per command group.

pub mod chat;
pub mod endpoints;
pub mod evals;
pub mod models;
pub mod tasks;
