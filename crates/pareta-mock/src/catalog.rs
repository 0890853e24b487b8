//! The seeded, deterministic benchmark catalog: tasks, their leaderboards and
//! the frontier roster. Other crates' tests rely on these ids and numbers.

use serde_json::{Value, json};

/// One row of a leaderboard (open alias or frontier baseline).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub name: &'static str,
    pub quality: f64,
    pub cost: u64,
    pub context_k: u64,
    pub run_mode: &'static str,
}

/// How one frontier model scores on one task (used for eval results).
#[derive(Clone, Debug)]
pub(crate) struct FrontierScore {
    pub id: &'static str,
    pub quality: f64,
    pub cost: u64,
}

/// A benchmarked task.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub default_scorer: &'static str,
    /// `None` is served as `null` (the client reads it as false).
    pub has_blob_input: Option<bool>,
    pub blob_fields: &'static [&'static str],
    pub input_schema: Value,
    pub examples: Vec<Value>,
    pub models: Vec<Entry>,
    pub recommended: &'static str,
    pub frontier: Entry,
    /// Frontier ids flagged `benchmarked` for this task.
    pub benchmarked: &'static [&'static str],
    /// Every frontier model's score on this task.
    pub frontier_scores: Vec<FrontierScore>,
}

impl Task {
    /// True when the task takes documents or images.
    pub fn is_blob(&self) -> bool {
        self.has_blob_input == Some(true)
    }

    /// The task record as served by `GET /v1/tasks[/{id}]`.
    pub fn record(&self, examples_n: Option<usize>) -> Value {
        let mut rec = json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "default_scorer": self.default_scorer,
            "has_blob_input": self.has_blob_input,
            "input_schema": self.input_schema,
        });
        if !self.blob_fields.is_empty() {
            rec["blob_fields"] = json!(self.blob_fields);
        }
        if let Some(n) = examples_n {
            let rows: Vec<Value> = self.examples.iter().take(n).cloned().collect();
            rec["examples"] = Value::Array(rows);
        }
        rec
    }

    /// The leaderboard envelope.
    pub fn leaderboard(&self) -> Value {
        let row = |e: &Entry, kind: &str| {
            json!({
                "name": e.name,
                "kind": kind,
                "quality": e.quality,
                "cost_per_request_micro_usd": e.cost,
                "context_k": e.context_k,
                "run_mode": e.run_mode,
            })
        };
        json!({
            "task_id": self.id,
            "metric": "quality",
            "cost_unit": "per_request",
            "recommended": self.recommended,
            "models": self.models.iter().map(|e| row(e, "open")).collect::<Vec<_>>(),
            "frontier": row(&self.frontier, "frontier"),
        })
    }

    /// The open leaderboard entry for `alias`, if it is on this task's board.
    pub fn open_model(&self, alias: &str) -> Option<&Entry> {
        self.models.iter().find(|e| e.name == alias)
    }

    /// The alias on this task's board of the open model whose real
    /// (unmasked) id is `real_id`.
    pub fn alias_of_real_id(&self, real_id: &str) -> Option<&'static str> {
        self.models.iter().find(|e| real_id_of(e.name).is_some_and(|r| r.eq_ignore_ascii_case(real_id))).map(|e| e.name)
    }

    /// This task's score for frontier model `id`.
    pub fn frontier_score(&self, id: &str) -> Option<&FrontierScore> {
        self.frontier_scores.iter().find(|f| f.id == id)
    }
}

/// The real open-weights ids behind the per-task aliases. The platform
/// accepts a real id on deploy and masks it back to the alias on the way out,
/// so these never appear in a reply.
pub(crate) const REAL_IDS: &[(&str, &str)] = &[
    ("contract-1", "meta-llama/Llama-3.1-8B-Instruct"),
    ("contract-2", "mistralai/Mistral-7B-Instruct-v0.3"),
    ("qwen-1", "Qwen/Qwen2.5-7B-Instruct"),
    ("invoice-1", "Qwen/Qwen2.5-VL-7B-Instruct"),
    ("invoice-2", "google/paligemma2-3b-mix-448"),
    ("triage-1", "microsoft/Phi-3.5-mini-instruct"),
    ("mod-1", "google/gemma-2-2b-it"),
    ("mod-2", "HuggingFaceTB/SmolLM2-1.7B-Instruct"),
    ("clause-1", "ibm-granite/granite-3.1-8b-instruct"),
];

/// The real id behind `alias`.
pub(crate) fn real_id_of(alias: &str) -> Option<&'static str> {
    REAL_IDS.iter().find(|(a, _)| *a == alias).map(|(_, r)| *r)
}

/// A vendor model on the frontier roster.
#[derive(Clone, Debug)]
pub(crate) struct FrontierModel {
    pub id: &'static str,
    pub vendor: &'static str,
    pub vision: bool,
    pub context_k: u64,
}

/// The whole seeded catalog.
#[derive(Clone, Debug)]
pub(crate) struct Catalog {
    pub tasks: Vec<Task>,
    pub frontier: Vec<FrontierModel>,
}

impl Catalog {
    /// The task with id `id`.
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The frontier model with id `id`.
    pub fn frontier_model(&self, id: &str) -> Option<&FrontierModel> {
        self.frontier.iter().find(|f| f.id == id)
    }

    /// The seeded catalog.
    pub fn seeded() -> Catalog {
        Catalog {
            tasks: vec![
                contract_key_fields(),
                invoice_extraction(),
                ticket_triage(),
                comment_moderation(),
                contract_clause_risk(),
            ],
            frontier: vec![
                fm("gpt-4o", "openai", true, 128),
                fm("gpt-4o-mini", "openai", false, 128),
                fm("claude-sonnet", "anthropic", true, 200),
                fm("gemini-flash", "google", true, 1000),
            ],
        }
    }
}

fn fm(id: &'static str, vendor: &'static str, vision: bool, context_k: u64) -> FrontierModel {
    FrontierModel { id, vendor, vision, context_k }
}

fn e(name: &'static str, quality: f64, cost: u64, context_k: u64, run_mode: &'static str) -> Entry {
    Entry { name, quality, cost, context_k, run_mode }
}

fn fs(scores: &[(&'static str, f64, u64)]) -> Vec<FrontierScore> {
    scores.iter().map(|&(id, quality, cost)| FrontierScore { id, quality, cost }).collect()
}

fn text_schema(expected: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "input": {"type": "string"},
            "expected": expected,
        },
        "required": ["input"],
    })
}

fn contract_key_fields() -> Task {
    Task {
        id: "contract-key-fields",
        name: "Contract key-field extraction",
        description: "Pull the parties, effective dates, renewal terms and other key fields \
                      out of contracts and agreements.",
        default_scorer: "extraction",
        has_blob_input: Some(false),
        blob_fields: &[],
        input_schema: text_schema(json!({
            "type": "object",
            "properties": {
                "parties": {"type": "array", "items": {"type": "string"}},
                "effective_date": {"type": "string"},
                "term_months": {"type": "integer"},
            },
        })),
        examples: vec![
            json!({"input": "This Agreement is made between Acme Corp and Globex LLC, effective 2026-01-01.",
                   "expected": {"parties": ["Acme Corp", "Globex LLC"], "effective_date": "2026-01-01"}}),
            json!({"input": "This SOW is entered into by Initech and Umbrella Inc for a term of 12 months.",
                   "expected": {"parties": ["Initech", "Umbrella Inc"], "term_months": 12}}),
            json!({"input": "Master Services Agreement between Stark Industries and Wayne Enterprises dated March 3, 2025.",
                   "expected": {"parties": ["Stark Industries", "Wayne Enterprises"], "effective_date": "2025-03-03"}}),
            json!({"input": "Hooli and Pied Piper agree to the following NDA terms, effective 2024-07-15.",
                   "expected": {"parties": ["Hooli", "Pied Piper"], "effective_date": "2024-07-15"}}),
        ],
        models: vec![
            e("contract-1", 0.91, 420, 32, "rte"),
            e("contract-2", 0.88, 310, 32, "rte"),
            e("qwen-1", 0.84, 150, 128, "twostage"),
        ],
        recommended: "contract-1",
        frontier: e("gpt-4o", 0.93, 9000, 128, "rte"),
        benchmarked: &["gpt-4o", "claude-sonnet"],
        frontier_scores: fs(&[
            ("gpt-4o", 0.93, 9000),
            ("claude-sonnet", 0.92, 11000),
            ("gpt-4o-mini", 0.86, 1400),
            ("gemini-flash", 0.87, 800),
        ]),
    }
}

fn invoice_extraction() -> Task {
    Task {
        id: "invoice-extraction",
        name: "Invoice field extraction",
        description: "Pull totals, due dates, line items and vendor names out of scanned \
                      invoices and receipts (PDF or image documents).",
        default_scorer: "extraction",
        has_blob_input: Some(true),
        blob_fields: &["document"],
        input_schema: json!({
            "type": "object",
            "properties": {
                "document": {"type": "string", "format": "blob",
                             "accept": ["application/pdf", "image/png", "image/jpeg"]},
                "expected": {
                    "type": "object",
                    "properties": {
                        "invoice_total": {"type": "string"},
                        "due_date": {"type": "string"},
                        "vendor": {"type": "string"},
                    },
                },
            },
            "required": ["document"],
        }),
        examples: vec![
            json!({"document": "gs://pareta-examples/invoice-001.pdf",
                   "expected": {"invoice_total": "1240.00", "due_date": "2026-02-01", "vendor": "Acme Corp"}}),
            json!({"document": "gs://pareta-examples/invoice-002.png",
                   "expected": {"invoice_total": "89.90", "due_date": "2026-03-15", "vendor": "Globex LLC"}}),
            json!({"document": "gs://pareta-examples/receipt-003.jpg",
                   "expected": {"invoice_total": "17.25", "vendor": "Blue Bottle"}}),
        ],
        models: vec![e("invoice-1", 0.89, 650, 32, "twostage"), e("invoice-2", 0.85, 480, 32, "twostage")],
        recommended: "invoice-1",
        frontier: e("claude-sonnet", 0.92, 14000, 200, "rte"),
        benchmarked: &["claude-sonnet", "gpt-4o"],
        frontier_scores: fs(&[
            ("claude-sonnet", 0.92, 14000),
            ("gpt-4o", 0.91, 12000),
            ("gemini-flash", 0.86, 1100),
            ("gpt-4o-mini", 0.80, 1800),
        ]),
    }
}

fn ticket_triage() -> Task {
    Task {
        id: "ticket-triage",
        name: "Support ticket triage",
        description: "Route customer support tickets to the right queue: classify each \
                      ticket by team, priority and topic.",
        default_scorer: "classification",
        has_blob_input: Some(false),
        blob_fields: &[],
        input_schema: text_schema(json!({
            "type": "object",
            "properties": {
                "queue": {"type": "string", "enum": ["billing", "technical", "account", "sales"]},
                "priority": {"type": "string", "enum": ["low", "normal", "urgent"]},
            },
        })),
        examples: vec![
            json!({"input": "I was charged twice for my subscription this month.",
                   "expected": {"queue": "billing", "priority": "normal"}}),
            json!({"input": "The API returns 500 errors for every request since this morning!",
                   "expected": {"queue": "technical", "priority": "urgent"}}),
            json!({"input": "How do I add a teammate to my workspace?",
                   "expected": {"queue": "account", "priority": "low"}}),
        ],
        models: vec![e("triage-1", 0.94, 90, 8, "rte"), e("qwen-1", 0.90, 150, 128, "rte")],
        recommended: "triage-1",
        frontier: e("gpt-4o-mini", 0.92, 1200, 128, "rte"),
        benchmarked: &["gpt-4o-mini", "gemini-flash"],
        frontier_scores: fs(&[
            ("gpt-4o-mini", 0.92, 1200),
            ("gemini-flash", 0.91, 700),
            ("gpt-4o", 0.95, 7000),
            ("claude-sonnet", 0.95, 9500),
        ]),
    }
}

fn comment_moderation() -> Task {
    Task {
        id: "comment-moderation",
        name: "Comment moderation",
        description: "Moderate user comments: flag toxic, abusive or spam comments and \
                      label each one with a policy category.",
        default_scorer: "classification",
        // Served as null on purpose: clients must read it as false.
        has_blob_input: None,
        blob_fields: &[],
        input_schema: text_schema(json!({
            "type": "object",
            "properties": {
                "label": {"type": "string", "enum": ["ok", "toxic", "spam", "harassment"]},
            },
        })),
        examples: vec![
            json!({"input": "Great write-up, thanks for sharing!", "expected": {"label": "ok"}}),
            json!({"input": "BUY CHEAP WATCHES at totally-legit.example", "expected": {"label": "spam"}}),
            json!({"input": "Nobody wants you here, get lost.", "expected": {"label": "harassment"}}),
        ],
        models: vec![e("mod-1", 0.90, 60, 8, "rte"), e("mod-2", 0.87, 45, 8, "rte")],
        recommended: "mod-1",
        frontier: e("gpt-4o-mini", 0.91, 1100, 128, "rte"),
        benchmarked: &["gpt-4o-mini", "claude-sonnet"],
        frontier_scores: fs(&[
            ("gpt-4o-mini", 0.91, 1100),
            ("claude-sonnet", 0.93, 9000),
            ("gpt-4o", 0.93, 6500),
            ("gemini-flash", 0.89, 600),
        ]),
    }
}

fn contract_clause_risk() -> Task {
    Task {
        id: "contract-clause-risk",
        name: "Contract clause risk review",
        description: "Classify contract clauses by risk (indemnity, liability caps, \
                      auto-renewal) and flag risky terms in agreements.",
        default_scorer: "classification",
        has_blob_input: Some(false),
        blob_fields: &[],
        input_schema: text_schema(json!({
            "type": "object",
            "properties": {
                "risk": {"type": "string", "enum": ["low", "medium", "high"]},
                "clause_type": {"type": "string"},
            },
        })),
        examples: vec![
            json!({"input": "Supplier's total liability shall not exceed fees paid in the prior month.",
                   "expected": {"risk": "high", "clause_type": "liability_cap"}}),
            json!({"input": "This agreement renews automatically for successive one-year terms.",
                   "expected": {"risk": "medium", "clause_type": "auto_renewal"}}),
        ],
        models: vec![e("clause-1", 0.86, 380, 32, "rte"), e("qwen-1", 0.81, 150, 128, "twostage")],
        recommended: "clause-1",
        frontier: e("claude-sonnet", 0.90, 12500, 200, "rte"),
        benchmarked: &["claude-sonnet", "gpt-4o"],
        frontier_scores: fs(&[
            ("claude-sonnet", 0.90, 12500),
            ("gpt-4o", 0.89, 8500),
            ("gpt-4o-mini", 0.82, 1300),
            ("gemini-flash", 0.83, 750),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_is_consistent() {
        let cat = Catalog::seeded();
        for t in &cat.tasks {
            assert!(t.open_model(t.recommended).is_some(), "{}", t.id);
            assert!(t.frontier_score(t.frontier.name).is_some(), "{}", t.id);
            for f in &cat.frontier {
                assert!(t.frontier_score(f.id).is_some(), "{} {}", t.id, f.id);
            }
            for b in t.benchmarked {
                assert!(cat.frontier_model(b).is_some());
            }
        }
    }
}
