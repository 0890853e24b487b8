//! Endpoints: the record, the deploy request and its progress events, metrics.

use crate::record::RawJson;
use crate::{JsonMap, ResponseMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A deployed open-weights model serving inference.
///
/// Wire quirks: `id` falls back to `name` when absent; `task` is read from
/// `taskName`, falling back to `task`.
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct Endpoint {
    /// The endpoint id (== name); pass it as the chat `model`.
    #[serde(default)]
    pub id: Option<String>,
    /// Endpoint name.
    #[serde(default)]
    pub name: Option<String>,
    /// The per-task public alias of the served model, never the real id.
    #[serde(default)]
    pub model: Option<String>,
    /// `"live"`, `"starting"`, `"stopped"`, ... (any string the server sends).
    #[serde(default)]
    pub status: Option<String>,
    /// The task this endpoint serves.
    #[serde(default)]
    pub task: Option<String>,
    /// Inference URL, set once live.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default, rename = "taskName")]
    task_name: Option<String>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(Endpoint, |ep: &mut Endpoint| {
    if ep.id.is_none() {
        ep.id = ep.name.clone();
    }
    if let Some(task) = ep.task_name.take() {
        ep.task = Some(task);
    }
});

impl Endpoint {
    /// `status == "live"`.
    pub fn is_live(&self) -> bool {
        self.status.as_deref() == Some("live")
    }
}

/// The body of `POST /v1/endpoints`: a task and a model, never hardware.
///
/// `model` defaults to `"recommended"` (the task's curated pick). `name` is sent
/// only when given; extra deploy parameters (`region`, `run_mode`, ...) pass through.
///
/// ```
/// use pareta_types::DeployRequest;
/// let req = DeployRequest::new("contract-key-fields").name("kie-prod");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"task":"contract-key-fields","model":"recommended","name":"kie-prod"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeployRequest {
    /// The task id.
    pub task: String,
    /// A per-task alias, a real id, or `"recommended"` (the default).
    #[serde(default = "recommended")]
    pub model: String,
    /// Endpoint name; the server picks one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Picks the model (alias, real id, or `"recommended"`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }
    /// Names the endpoint.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Adds a pass-through deploy parameter such as `region`.
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// One named event of the deploy SSE stream.
///
/// `progress` events carry `{"stage", "pct"}`; the last event is `complete`, whose
/// `data.endpoint` is the live endpoint. (An `error` event is not an item: the
/// stream yields it as an error.) A `data:` payload that is not JSON arrives as a
/// JSON string.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployEvent {
    /// The SSE event name (`"progress"`, `"complete"`, or anything new).
    pub event: String,
    /// The event's data.
    pub data: Value,
}

impl DeployEvent {
    /// True for the final `complete` event.
    pub fn is_complete(&self) -> bool {
        self.event == "complete"
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
        Endpoint::from_value(self.data.get("endpoint")?.clone()).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_falls_back_to_name_and_task_reads_task_name() {
        let ep = Endpoint::from_json(r#"{"name":"ep_a","taskName":"t1","task":"old","status":"live"}"#).unwrap();
        assert_eq!(ep.id.as_deref(), Some("ep_a"));
        assert_eq!(ep.task.as_deref(), Some("t1"));
        assert!(ep.is_live());
        let ep = Endpoint::from_json(r#"{"id":"ep_b","name":"n","task":"t2","status":"stopped"}"#).unwrap();
        assert_eq!(ep.id.as_deref(), Some("ep_b"));
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
            event: "complete".into(),
            data: serde_json::json!({"endpoint": {"id": "ep_1", "status": "live"}}),
        };
        assert!(ev.endpoint().unwrap().is_live());
        let p = DeployEvent { event: "progress".into(), data: serde_json::json!({"stage": "pulling", "pct": 45}) };
        assert_eq!((p.stage(), p.pct()), (Some("pulling"), Some(45.0)));
        assert!(p.endpoint().is_none());
    }

    #[test]
    fn metric_kinds_round_trip() {
        for k in MetricKind::ALL {
            assert_eq!(k.as_str().parse::<MetricKind>().unwrap(), k);
        }
        assert!("latency".parse::<MetricKind>().is_err());
    }
}
