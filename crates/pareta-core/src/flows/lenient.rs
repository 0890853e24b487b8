//! Envelope decoding for list and wrapper routes, through the lenient readers of
//! `pareta_types::envelope` (a `{}` or `null` envelope is an empty list).

use super::json_text;
use crate::call::meta;
use crate::error::Error;
use crate::http::Response;
use pareta_types::ResponseMeta;
use pareta_types::envelope;
use serde::de::DeserializeOwned;

/// A record type the flows decode: parse from text, attach metadata.
pub(crate) trait Record: DeserializeOwned {
    fn attach(self, meta: ResponseMeta) -> Self;
}

macro_rules! records {
    ($($ty:ident),*) => {$(
        impl Record for pareta_types::$ty {
            fn attach(self, meta: ResponseMeta) -> Self {
                self.with_meta(meta)
            }
        }
    )*};
}
records!(Endpoint, Task, EvalSet, FrontierModel);

fn attach_all<T: Record>(items: Vec<T>, resp: &Response<'_>) -> Vec<T> {
    let m = meta(resp);
    items.into_iter().map(|r| r.attach(m.clone())).collect()
}

/// The records of a bare-array body (`{}`, `null` and an empty body read as empty).
pub(crate) fn list<T: Record>(route: &'static str, resp: &Response<'_>) -> Result<Vec<T>, Error> {
    let text = json_text(route, resp)?;
    let items = envelope::list(text).map_err(|e| Error::decode(route, resp, e))?;
    Ok(attach_all(items, resp))
}

/// The records of the list under `key` (a missing or `null` key reads as empty).
pub(crate) fn list_in<T: Record>(route: &'static str, resp: &Response<'_>, key: &str) -> Result<Vec<T>, Error> {
    let text = json_text(route, resp)?;
    let items = envelope::list_in(text, key).map_err(|e| Error::decode(route, resp, e))?;
    Ok(attach_all(items, resp))
}

/// The record under `key` (a missing or `null` key reads as the empty record).
pub(crate) fn record_in<T: Record>(route: &'static str, resp: &Response<'_>, key: &str) -> Result<T, Error> {
    let text = json_text(route, resp)?;
    let rec: T = envelope::record_in(text, key).map_err(|e| Error::decode(route, resp, e))?;
    Ok(rec.attach(meta(resp)))
}
