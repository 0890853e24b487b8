//! `evals.runs`: create (on a set or inline, resolving frontier keywords), retrieve,
//! and wait (poll until terminal or the deadline).

use super::evals::{create_set_for_run, frontier_ids_for_run, retrieve_set_for_task, validate_rows};
use super::{Call, decode_record, get, ready_or_return};
use crate::call::RequestSpec;
use crate::config::Config;
use crate::error::Error;
use crate::http::{Flow, Input, Output};
use pareta_types::{EvalRun, EvalRunCreate, EvalRunSource, EvalSet, EvalSetCreate, Frontier, WaitOptions};
use std::fmt;
use std::time::Instant;

const CREATE: &str = "POST /v1/eval-runs";
const RETRIEVE: &str = "GET /v1/eval-runs/{id}";

/// `GET /v1/eval-runs/{id}`: the run and its results.
pub fn retrieve(cfg: &Config, id: &str) -> Call<EvalRun> {
    get(cfg, RETRIEVE, &[("run id", id)], "", decode_record!(RETRIEVE, EvalRun))
}

pub use super::watch::{WaitRun, wait};

#[allow(clippy::large_enum_variant)] // one per call, never in a hot collection
enum CreateState {
    CreateSet(Call<EvalSet>),
    LookupTask {
        set_id: String,
        call: Call<EvalSet>,
    },
    Roster {
        set_id: String,
        call: Call<Vec<String>>,
    },
    Start(Call<EvalRun>),
    Wait(WaitRun),
    /// Failed before sending anything (a bad argument); the error is returned once.
    Failed(Option<Error>),
    Finished,
}

/// Starts a run (the `runs.create` operation): the multi-step flow drawn in
/// [`flows`](crate::flows).
pub struct CreateRun {
    cfg: Config,
    models: Vec<String>,
    frontier: Frontier,
    task: Option<String>,
    wait: Option<WaitOptions>,
    state: CreateState,
}

impl fmt::Debug for CreateRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match &self.state {
            CreateState::CreateSet(_) => "CreateSet",
            CreateState::LookupTask { .. } => "LookupTask",
            CreateState::Roster { .. } => "Roster",
            CreateState::Start(_) => "Start",
            CreateState::Wait(_) => "Wait",
            CreateState::Failed(_) => "Failed",
            CreateState::Finished => "Finished",
        };
        write!(f, "CreateRun<{phase}>")
    }
}

fn validate(req: &EvalRunCreate) -> Result<(), Error> {
    if req.models.iter().any(|m| m.trim().is_empty()) {
        return Err(Error::InvalidArgument("model ids must not be empty".into()));
    }
    let no_frontier = match &req.frontier {
        Frontier::None => true,
        Frontier::Ids(ids) => {
            if ids.iter().any(|m| m.trim().is_empty()) {
                return Err(Error::InvalidArgument("frontier ids must not be empty".into()));
            }
            ids.is_empty()
        }
        _ => false,
    };
    if req.models.is_empty() && no_frontier {
        return Err(Error::InvalidArgument(
            "an eval run needs at least one model: `models` is empty and no frontier ids were given".into(),
        ));
    }
    match &req.source {
        EvalRunSource::Set { eval_set_id, .. } if eval_set_id.trim().is_empty() => {
            Err(Error::InvalidArgument("eval set id must not be empty".into()))
        }
        EvalRunSource::Inline { task, .. } if task.trim().is_empty() => {
            Err(Error::InvalidArgument("eval run `task` must not be empty".into()))
        }
        EvalRunSource::Inline { rows, .. } => validate_rows(rows),
        _ => Ok(()),
    }
}

/// Creates a run (the `runs.create` operation).
pub fn create(cfg: &Config, req: &EvalRunCreate) -> CreateRun {
    let mut flow = CreateRun {
        cfg: cfg.clone(),
        models: req.models.clone(),
        frontier: req.frontier.clone(),
        task: None,
        wait: req.wait,
        state: CreateState::Finished,
    };
    if let Err(e) = validate(req) {
        flow.state = CreateState::Failed(Some(e));
        return flow;
    }
    flow.state = match &req.source {
        EvalRunSource::Inline { task, rows } => {
            flow.task = Some(task.clone());
            let set = EvalSetCreate { task: task.clone(), rows: rows.clone(), name: req.name.clone() };
            CreateState::CreateSet(create_set_for_run(cfg, &set))
        }
        EvalRunSource::Set { eval_set_id, task } => {
            flow.task = task.clone();
            flow.after_set(eval_set_id.clone())
        }
    };
    flow
}

impl CreateRun {
    /// The state once the set id is known: resolve the roster if a keyword needs it.
    fn after_set(&mut self, set_id: String) -> CreateState {
        if !matches!(self.frontier, Frontier::All | Frontier::Benchmarked) {
            return self.start(set_id, Vec::new());
        }
        match &self.task {
            Some(task) => CreateState::Roster { call: self.roster(task), set_id },
            None => CreateState::LookupTask { call: retrieve_set_for_task(&self.cfg, &set_id), set_id },
        }
    }

    fn roster(&self, task: &str) -> Call<Vec<String>> {
        frontier_ids_for_run(&self.cfg, task, self.frontier == Frontier::Benchmarked)
    }

    fn start(&mut self, set_id: String, roster: Vec<String>) -> CreateState {
        let mut ids = self.models.clone();
        match &self.frontier {
            Frontier::Ids(given) => ids.extend(given.iter().cloned()),
            _ => ids.extend(roster),
        }
        if ids.is_empty() {
            return CreateState::Failed(Some(Error::InvalidArgument(
                "an eval run needs at least one model: `models` is empty and the frontier roster resolved to no ids"
                    .into(),
            )));
        }
        let body = serde_json::json!({ "eval_set_id": set_id, "candidate_model_ids": ids });
        let decode = decode_record!(CREATE, EvalRun);
        let needs_id = self.wait.is_some();
        let decode: crate::call::Decode<EvalRun> = Box::new(move |resp| {
            let run = decode(resp)?;
            if needs_id && run.id.is_empty() {
                return Err(Error::missing_field(CREATE, resp, "run_id", "waiting on the run needs"));
            }
            Ok(run)
        });
        CreateState::Start(RequestSpec::fixed(&self.cfg, CREATE).json(&body).call(&self.cfg, decode))
    }
}

/// What a finished sub-call of [`CreateRun`] leads to.
#[allow(clippy::large_enum_variant)] // one at a time, moved straight into the next state
enum Transition {
    SetCreated(String),
    TaskKnown { set_id: String, task: String },
    RosterKnown { set_id: String, ids: Vec<String> },
    Started(EvalRun),
}

impl Flow for CreateRun {
    type Value = EvalRun;

    fn poll(&mut self, now: Instant) -> Output<EvalRun> {
        loop {
            // Drive the current step in place; only a finished step changes state.
            let next = match &mut self.state {
                // `create_set_for_run` guarantees the id (else a Decode error).
                CreateState::CreateSet(call) => Transition::SetCreated(ready_or_return!(call, now).id),
                // `retrieve_set_for_task` guarantees the task (else a Decode error).
                CreateState::LookupTask { set_id, call } => {
                    let task = ready_or_return!(call, now).task_id.unwrap_or_default();
                    Transition::TaskKnown { set_id: std::mem::take(set_id), task }
                }
                CreateState::Roster { set_id, call } => {
                    Transition::RosterKnown { ids: ready_or_return!(call, now), set_id: std::mem::take(set_id) }
                }
                CreateState::Start(call) => Transition::Started(ready_or_return!(call, now)),
                CreateState::Wait(w) => return w.poll(now),
                CreateState::Failed(e) => {
                    return Output::Done(Err(e.take().unwrap_or(Error::Misuse("poll after Done"))));
                }
                CreateState::Finished => return Output::Done(Err(Error::Misuse("poll was called after Done"))),
            };
            self.state = match next {
                Transition::SetCreated(set_id) => self.after_set(set_id),
                Transition::TaskKnown { set_id, task } => {
                    let call = self.roster(&task);
                    self.task = Some(task);
                    CreateState::Roster { call, set_id }
                }
                Transition::RosterKnown { set_id, ids } => self.start(set_id, ids),
                // With a wait, the start call's decode guarantees the run id.
                Transition::Started(run) => match self.wait {
                    Some(options) => CreateState::Wait(wait(&self.cfg, &run.id, options)),
                    None => {
                        self.state = CreateState::Finished;
                        return Output::Done(Ok(run));
                    }
                },
            };
        }
    }

    fn handle(&mut self, now: Instant, input: Input<'_>) {
        match &mut self.state {
            CreateState::CreateSet(c) => c.handle(now, input),
            CreateState::LookupTask { call, .. } => call.handle(now, input),
            CreateState::Roster { call, .. } => call.handle(now, input),
            CreateState::Start(c) => c.handle(now, input),
            CreateState::Wait(w) => w.handle(now, input),
            CreateState::Failed(_) | CreateState::Finished => debug_assert!(false, "handle without a request"),
        }
    }
}
