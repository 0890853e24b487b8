//! `models.list`.

use super::{decode_record, get};
use crate::config::Config;
use pareta_types::ModelList;

const LIST: &str = "GET /v1/models";

/// `GET /v1/models`: the callable endpoints.
pub fn list(cfg: &Config) -> super::Call<ModelList> {
    get(cfg, LIST, &[], "", decode_record!(LIST, ModelList))
}
