//! Endpoints: the record, the deploy request and its progress events, metrics.

use crate::record::RawJson;
use crate::{DeployEventName, EndpointStatus, JsonMap, ResponseMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A deployed open-weights model serving inference.
///
/// Wire quirks: `id` falls back to `name` when absent, `null` or empty; `task` is
/// read from `taskName`, falling back to `task`.
///
/// ```
/// use pareta_types::{Endpoint, EndpointStatus};
/// let ep = Endpoint::from_json(r#"{"id":null,"name":"ep_1","status":"starting"}"#)?;
/// assert_eq!(ep.id, "ep_1");
/// match &ep.status {
///     Some(EndpointStatus::Live) => println!("serving at {:?}", ep.url),
///     Some(EndpointStatus::Starting) => println!("still starting"),
///     Some(other) => println!("status {other}"),
///     None => println!("no status"),
/// }
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Endpoint {
    /// The endpoint id (== name); pass it as the chat `model`. Empty only when the
    /// server sent neither `id` nor `name`.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub id: String,
    /// Endpoint name.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub name: Option<String>,
    /// The per-task public alias of the served model, never the real id.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub model: Option<String>,
    /// [`EndpointStatus::Live`], [`EndpointStatus::Starting`], [`EndpointStatus::Stopped`], or
    /// anything new.
    #[serde(default, deserialize_with = "crate::de::open")]
    pub status: Option<EndpointStatus>,
    /// The task this endpoint serves.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub task: Option<String>,
    /// Inference URL, set once live.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub url: Option<String>,
    #[serde(default, rename = "taskName", deserialize_with = "crate::de::string")]
    task_name: Option<String>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(Endpoint, |ep: &mut Endpoint| {
    // Python 0.1.0: `get("id") or get("name")`, `get("taskName") or get("task")`.
    if ep.id.is_empty() {
        ep.id = ep.name.clone().unwrap_or_default();
    }
    if let Some(task) = ep.task_name.take().filter(|t| !t.is_empty()) {
        ep.task = Some(task);
    }
});

impl Endpoint {
    /// `status == "live"`.
    pub fn is_live(&self) -> bool {
        self.status == Some(EndpointStatus::Live)
    }
}

/// The body of `POST /v1/endpoints`: a task and a model, never hardware.
///
/// `model` defaults to `"recommended"` (the task's curated pick). `name` is sent
/// only when given; extra deploy parameters (`region`, `run_mode`, ...) pass through.
/// The body never carries a key twice: an [`extra`](Self::extra) key named `task`,
/// `model` or `name` replaces the typed field.
///
/// ```
/// use pareta_types::DeployRequest;
/// let req = DeployRequest::new("contract-key-fields").name("kie-prod");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"task":"contract-key-fields","model":"recommended","name":"kie-prod"}"#
/// );
/// let req = req.extra("name", "kie-eu").extra("region", "eu");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"task":"contract-key-fields","model":"recommended","name":"kie-eu","region":"eu"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DeployRequest {
    /// The task id.
    pub task: String,
    /// A per-task alias, a real id, or `"recommended"` (the default).
    #[serde(default = "recommended")]
    pub model: String,
    /// Endpoint name; the server picks one when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Extra deploy parameters, sent as body fields.
    #[serde(flatten)]
    pub extra: JsonMap,
}

fn recommended() -> String {
    "recommended".to_owned()
}

impl DeployRequest {
    /// Deploy the recommended model for `task`.
    pub fn new(task: impl Into<String>) -> Self {
        DeployRequest { task: task.into(), model: recommended(), name: None, extra: JsonMap::new() }
    }
    /// Picks the model (alias, real id, or `"recommended"`), replacing an extra `model` key.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.extra.remove("model");
        self.model = model.into();
        self
    }
    /// Names the endpoint, replacing an extra `name` key.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.extra.remove("name");
        self.name = Some(name.into());
        self
    }
    /// Adds a pass-through deploy parameter such as `region`. A key named `task`,
    /// `model` or `name` replaces the typed field.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

impl Serialize for DeployRequest {
    /// `{"task", "model", "name"?, ...extra}`, each key once (an extra key wins).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let extra = |k: &str| self.extra.contains_key(k);
        let mut map = s.serialize_map(None)?;
        if !extra("task") {
            map.serialize_entry("task", &self.task)?;
        }
        if !extra("model") {
            map.serialize_entry("model", &self.model)?;
        }
        if let (Some(name), false) = (&self.name, extra("name")) {
            map.serialize_entry("name", name)?;
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One named event of the deploy SSE stream.
///
/// `progress` events carry `{"stage", "pct"}`; the last event is `complete`, whose
/// `data.endpoint` is the live endpoint. (An `error` event is not an item: the
/// stream yields it as `Error::Deploy`, which keeps the event's whole `data`.) A
/// `data:` payload that is not JSON arrives as a JSON string.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployEvent {
    /// The SSE event name: [`DeployEventName::Progress`], [`DeployEventName::Complete`],
    /// or anything new.
    pub event: DeployEventName,
    /// The event's data.
    pub data: Value,
}

impl DeployEvent {
    /// True for the final `complete` event.
    pub fn is_complete(&self) -> bool {
        self.event == DeployEventName::Complete
    }
    /// The `stage` of a progress event.
    pub fn stage(&self) -> Option<&str> {
        self.data.get("stage")?.as_str()
    }
    /// The `pct` of a progress event.
    pub fn pct(&self) -> Option<f64> {
        self.data.get("pct")?.as_f64()
    }
    /// The endpoint carried by a `complete` event.
    pub fn endpoint(&self) -> Option<Endpoint> {
        if !self.is_complete() {
            return None;
        }
        let ep = self.data.get("endpoint")?;
        if !ep.is_object() {
            return None;
        }
        Endpoint::from_value(ep.clone()).ok()
    }
}

/// The five read-only metric dimensions of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricKind {
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

impl MetricKind {
    /// Every kind, in the spec's order.
    pub const ALL: [MetricKind; 5] =
        [MetricKind::Performance, MetricKind::Uptime, MetricKind::Cost, MetricKind::Quality, MetricKind::Activity];
    /// The route segment: `/v1/endpoints/{id}/<segment>`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Performance => "performance",
            MetricKind::Uptime => "uptime",
            MetricKind::Cost => "cost",
            MetricKind::Quality => "quality",
            MetricKind::Activity => "activity",
        }
    }
}

impl std::str::FromStr for MetricKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MetricKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!("unknown metric kind {s:?} (expected performance, uptime, cost, quality or activity)")
        })
    }
}

/// One query parameter of a metrics call: a `(key, value)` pair whose key is a
/// string and whose value is anything `ToString` (`("window", "7d")`,
/// `("limit", 10)`, `(String, String)`), by value or by reference.
///
/// So a metrics method takes `&[("window", "7d")]`, `[("limit", 10)]`, a
/// `Vec<(String, String)>`, a `&HashMap<String, String>`, or [`NO_PARAMS`].
pub trait QueryParam {
    /// The parameter name.
    fn key(&self) -> &str;
    /// The parameter value, as sent.
    fn value(&self) -> String;
}

impl<K: AsRef<str>, V: ToString> QueryParam for (K, V) {
    fn key(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> String {
        self.1.to_string()
    }
}

impl<K: AsRef<str>, V: ToString> QueryParam for &(K, V) {
    fn key(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> String {
        self.1.to_string()
    }
}

/// No query parameters, for a metrics call that needs none (`m.cost(NO_PARAMS)`;
/// a bare `&[]` leaves the pair type unknown to the compiler).
pub const NO_PARAMS: [(&str, &str); 0] = [];

/// The pairs as owned `(key, value)` strings.
pub fn query_params<I>(params: I) -> Vec<(String, String)>
where
    I: IntoIterator,
    I::Item: QueryParam,
{
    params.into_iter().map(|p| (p.key().to_owned(), p.value())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_falls_back_to_name_and_task_reads_task_name() {
        let ep = Endpoint::from_json(r#"{"name":"ep_a","taskName":"t1","task":"old","status":"live"}"#).unwrap();
        assert_eq!(ep.id, "ep_a");
        assert_eq!(ep.task.as_deref(), Some("t1"));
        assert!(ep.is_live());
        let ep = Endpoint::from_json(r#"{"id":"ep_b","name":"n","task":"t2","status":"stopped"}"#).unwrap();
        assert_eq!(ep.id, "ep_b");
        assert_eq!(ep.task.as_deref(), Some("t2"));
        assert!(!ep.is_live());
    }

    #[test]
    fn deploy_request_extra_fields_pass_through() {
        let req = DeployRequest::new("t").model("qwen-1").extra("region", "eu");
        assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"task":"t","model":"qwen-1","region":"eu"}"#);
        let back: DeployRequest = serde_json::from_str(r#"{"task":"t"}"#).unwrap();
        assert_eq!(back.model, "recommended");
    }

    #[test]
    fn complete_event_carries_the_endpoint() {
        let ev = DeployEvent {
            event: DeployEventName::Complete,
            data: serde_json::json!({"endpoint": {"id": "ep_1", "status": "live"}}),
        };
        assert!(ev.endpoint().unwrap().is_live());
        let p =
            DeployEvent { event: DeployEventName::Progress, data: serde_json::json!({"stage": "pulling", "pct": 45}) };
        assert_eq!((p.stage(), p.pct()), (Some("pulling"), Some(45.0)));
        assert!(p.endpoint().is_none());
    }

    #[test]
    fn query_params_take_any_displayable_values() {
        assert_eq!(query_params(&[("window", "7d")]), [("window".to_owned(), "7d".to_owned())]);
        assert_eq!(query_params([("limit", 10)]), [("limit".to_owned(), "10".to_owned())]);
        let owned = vec![("tz".to_owned(), "+01:00".to_owned())];
        assert_eq!(query_params(&owned), owned);
        let map: std::collections::BTreeMap<&str, f64> = [("p", 0.5)].into_iter().collect();
        assert_eq!(query_params(&map), [("p".to_owned(), "0.5".to_owned())]);
        assert!(query_params(NO_PARAMS).is_empty());
    }

    #[test]
    fn metric_kinds_round_trip() {
        for k in MetricKind::ALL {
            assert_eq!(k.as_str().parse::<MetricKind>().unwrap(), k);
        }
        assert!("latency".parse::<MetricKind>().is_err());
    }
}
