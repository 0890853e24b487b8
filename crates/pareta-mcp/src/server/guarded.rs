//! The tools' bodies behind the router in `server.rs`: the guardrails (what a
//! change or a spend needs, the spend gate and the ledger) and the calls that
//! go through them, and the instructions the server gives a client.

use super::*;

impl ParetaMcp {
    pub(super) fn pa(&self) -> &AsyncPareta {
        &self.shared.pa
    }

    pub(super) fn spend_json(&self) -> Value {
        let spent = self.shared.ledger.spent();
        let cap = self.shared.policy.spend_cap_micro_usd;
        json!({
            "spent_micro_usd": spent,
            "spent_usd": micro_to_usd_string(spent),
            "cap_micro_usd": cap,
            "remaining_micro_usd": cap.map(|c| (c - spent).max(0)),
        })
    }

    pub(super) fn run_json(&self, run: &EvalRun, spend: Option<Value>) -> Value {
        let raw = run.to_value();
        let id = run_id_of(&raw);
        let terminal = run.is_terminal();
        if let Some(id) = &id {
            self.shared.ledger.observe_run(id, run.cost_micro_usd, terminal);
        }
        let mut out = json!({
            "run": raw,
            "run_id": id,
            "status": run_status_of(&run.to_value()),
            "terminal": terminal,
            "cost_micro_usd": run.cost_micro_usd,
        });
        if let (Some(map), Some(spend)) = (out.as_object_mut(), spend) {
            map.insert("spend".into(), spend);
        }
        out
    }

    /// The gate for calls that change state but spend nothing.
    pub(super) fn check_change(&self, tool: &str) -> Result<(), ToolError> {
        if self.shared.policy.allow_spend {
            return Ok(());
        }
        Err(ToolError::refused(
            "read_only",
            format!(
                "{tool} changes state or spends money, and this server runs read-only; \
                 ask the user to restart `pareta mcp` with --allow-spend (and a --spend-cap-usd)"
            ),
        ))
    }

    /// The gate for spending calls: read-only refusal, then (holding the spend
    /// lock) the cap check. The guard is held until the call's cost is counted.
    pub(super) async fn spend_gate(&self, tool: &str) -> Result<tokio::sync::MutexGuard<'_, ()>, ToolError> {
        self.check_change(tool)?;
        let guard = self.shared.spend_gate.lock().await;
        if let Some(cap) = self.shared.policy.spend_cap_micro_usd {
            // Runs started earlier may have cost more since: look before deciding.
            for id in self.shared.ledger.pending_runs() {
                if let Ok(run) = self.pa().evals().runs().retrieve(&id).await {
                    self.shared.ledger.observe_run(&id, run.cost_micro_usd, run.is_terminal());
                }
            }
            let spent = self.shared.ledger.spent();
            if spent >= cap {
                return Err(ToolError::refused(
                    "spend_cap_reached",
                    format!(
                        "{tool} refused: this server has counted {} USD of spend against its cap of {} USD \
                         (--spend-cap-usd). Reading tools, stop_endpoint and delete_endpoint still work; \
                         ask the user to restart with a higher cap to spend more",
                        micro_to_usd_string(spent),
                        micro_to_usd_string(cap)
                    ),
                ));
            }
        }
        Ok(guard)
    }

    pub(super) fn count_receipt(&self, billed: Option<i64>) {
        if let Some(b) = billed {
            self.shared.ledger.add_receipt(b);
        }
    }

    pub(super) async fn deploy(&self, p: DeployParams, ctx: &RequestContext<RoleServer>) -> ToolResult {
        let _gate = self.spend_gate("deploy_endpoint").await?;
        let mut req = DeployRequest::new(p.task_id);
        if let Some(m) = p.model {
            req = req.model(m);
        }
        if let Some(n) = p.name {
            req = req.name(n);
        }
        let mut stream = self.pa().endpoints().deploy(&req).await.map_err(spend_err)?;
        self.count_receipt(stream.meta().billed_micro_usd());
        let token = ctx.meta.get_progress_token();
        let mut endpoint = None;
        // The events are read here, not with `wait()`, to forward each stage as an
        // MCP progress notification; an `error` event or a cut stream is an Err item.
        while let Some(event) = stream.next().await {
            let event = event.map_err(spend_err)?;
            if event.is_complete() {
                endpoint = event.endpoint();
            } else if let (Some(token), Some(pct)) = (&token, event.pct()) {
                let stage = event.stage().unwrap_or("deploying");
                let note = ProgressNotificationParam::new(token.clone(), pct).with_total(100.0).with_message(stage);
                // A client that went away does not stop the deploy.
                let _ = ctx.peer.notify_progress(note).await;
            }
        }
        let endpoint = endpoint.ok_or_else(|| {
            ToolError::sdk(&pareta_async::Error::StreamTruncated { expected: "the deploy's complete event" }, true)
        })?;
        Ok(json!({ "endpoint": endpoint.to_value(), "spend": self.spend_json() }))
    }

    pub(super) async fn start(&self, p: EndpointParams) -> ToolResult {
        let _gate = self.spend_gate("start_endpoint").await?;
        let result = self.pa().endpoints().start(&p.endpoint_id).await.map_err(spend_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "result": result, "spend": self.spend_json() }))
    }

    pub(super) async fn stop(&self, p: EndpointParams) -> ToolResult {
        self.check_change("stop_endpoint")?;
        let result = self.pa().endpoints().stop(&p.endpoint_id).await.map_err(read_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "result": result, "spend": self.spend_json() }))
    }

    pub(super) async fn delete(&self, p: EndpointParams) -> ToolResult {
        self.check_change("delete_endpoint")?;
        if !self.shared.policy.allow_delete {
            return Err(ToolError::refused(
                "delete_not_allowed",
                "delete_endpoint needs the server to run with --allow-delete as well as --allow-spend; \
                 stop_endpoint stops the billing without deleting",
            ));
        }
        self.pa().endpoints().delete(&p.endpoint_id).await.map_err(read_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "deleted": true }))
    }

    pub(super) async fn chat_call(&self, p: ChatParams) -> ToolResult {
        let messages = match (p.prompt, p.messages) {
            (Some(prompt), None) => {
                let mut m = Vec::new();
                if let Some(s) = p.system {
                    m.push(ChatMessage::system(s));
                }
                m.push(ChatMessage::user(prompt));
                m
            }
            (None, Some(list)) if p.system.is_none() && !list.is_empty() => list
                .into_iter()
                .map(|m| match m.role {
                    Role::System => ChatMessage::system(m.content),
                    Role::User => ChatMessage::user(m.content),
                    Role::Assistant => ChatMessage::assistant(m.content),
                })
                .collect(),
            (None, Some(_)) if p.system.is_some() => {
                return Err(ToolError::invalid(
                    "`system` goes with `prompt`; with `messages`, put a system message first",
                ));
            }
            _ => return Err(ToolError::invalid("give exactly one of `prompt` or a non-empty `messages`")),
        };
        let mut req = ChatCompletionRequest::new(p.model, messages);
        if let Some(t) = p.temperature {
            req = req.temperature(t);
        }
        if let Some(n) = p.max_tokens {
            req = req.max_tokens(n);
        }
        let _gate = self.spend_gate("chat").await?;
        let reply = self.pa().chat().completions().create(&req).await.map_err(spend_err)?;
        let meta = reply.meta();
        self.count_receipt(meta.billed_micro_usd());
        let completion = reply.to_value();
        let finish_reason = completion.pointer("/choices/0/finish_reason").cloned().unwrap_or(Value::Null);
        Ok(json!({
            "content": reply.content(),
            "finish_reason": finish_reason,
            "receipt": {
                "billed_micro_usd": meta.billed_micro_usd(),
                "frontier_would_have_cost_micro_usd": meta.frontier_would_have_cost_micro_usd(),
                "idempotent_replay": meta.is_idempotent_replay(),
                "request_id": meta.request_id(),
            },
            "completion": completion,
            "spend": self.spend_json(),
        }))
    }

    pub(super) async fn read_rows(&self, path: &str) -> Result<Vec<Value>, ToolError> {
        let resolved = self.shared.policy.resolve(path)?;
        let bytes = tokio::fs::read(&resolved)
            .await
            .map_err(|e| ToolError::file(path, format!("cannot read {path:?}: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| ToolError::file(path, "the file is not UTF-8 text"))?;
        parse_jsonl(path, &text)
    }

    pub(super) async fn create_set(&self, p: CreateSetParams) -> ToolResult {
        self.check_change("create_eval_set")?;
        let rows = self.read_rows(&p.path).await?;
        let n = rows.len();
        let mut req = EvalSetCreate::new(p.task_id, rows);
        if let Some(name) = p.name {
            req = req.name(name);
        }
        let set = self.pa().evals().sets().create(&req).await.map_err(read_err)?;
        Ok(json!({ "eval_set": set.to_value(), "rows": n }))
    }

    pub(super) async fn run_eval_call(&self, p: RunEvalParams, ctx: &RequestContext<RoleServer>) -> ToolResult {
        self.check_change("run_eval")?;
        let mut req = match (p.eval_set_id, p.task_id, p.path) {
            (Some(set), None, None) => EvalRunCreate::on_set(set, p.models),
            (None, Some(task), Some(path)) => EvalRunCreate::inline(task, self.read_rows(&path).await?, p.models),
            _ => return Err(ToolError::invalid("give either `eval_set_id`, or both `task_id` and `path`")),
        };
        if let Some(f) = p.frontier {
            req = req.frontier(f.into_frontier());
        }
        if let Some(name) = p.name {
            req = req.name(name);
        }
        let run = {
            let _gate = self.spend_gate("run_eval").await?;
            let run = self.pa().evals().runs().create(&req).await.map_err(spend_err)?;
            // A run's receipt and its cost are the same charge, seen twice (the
            // platform may bill up front): count the larger once, per run.
            let receipt = run.meta().billed_micro_usd();
            match run_id_of(&run.to_value()) {
                Some(id) => {
                    let known = run.cost_micro_usd.max(receipt.unwrap_or(0));
                    self.shared.ledger.track_run(&id, known, run.is_terminal());
                }
                None => self.count_receipt(receipt),
            }
            run
        };
        let run = match (p.wait.unwrap_or(false), run_id_of(&run.to_value())) {
            (true, Some(id)) if !run.is_terminal() => {
                let timeout = Duration::from_secs(p.wait_timeout_secs.unwrap_or(600));
                let opts = WaitOptions::default().poll_interval(self.shared.policy.poll_interval).timeout(timeout);
                let runs = self.pa().evals().runs();
                tokio::select! {
                    r = runs.wait(&id, opts) => r.map_err(read_err)?,
                    () = ctx.ct.cancelled() => {
                        return Err(ToolError::cancelled(&id));
                    }
                }
            }
            _ => run,
        };
        let out = self.run_json(&run, None);
        let spend = self.spend_json();
        Ok(match out {
            Value::Object(mut map) => {
                map.insert("spend".into(), spend);
                Value::Object(map)
            }
            other => other,
        })
    }

    pub(super) fn instructions(&self) -> String {
        let p = &self.shared.policy;
        let mut s = String::from(
            "Pareta finds, evaluates and hosts task-specialised open models. The funnel: match_task with the \
             user's goal, leaderboard (and recommended_model) for the chosen task, optionally run_eval on the \
             user's own rows, then deploy_endpoint and chat. ",
        );
        if p.allow_spend {
            s.push_str("Spending tools are enabled");
            if let Some(cap) = p.spend_cap_micro_usd {
                s.push_str(&format!(" up to a spend cap of {} USD", micro_to_usd_string(cap)));
            }
            s.push_str(". ");
            if !p.allow_delete {
                s.push_str("delete_endpoint is disabled (no --allow-delete). ");
            }
        } else {
            s.push_str(
                "This server is read-only: deploy_endpoint, start_endpoint, stop_endpoint, delete_endpoint, chat, \
                 create_eval_set and run_eval will be refused until the user restarts it with --allow-spend. ",
            );
        }
        s.push_str(&format!(
            "Files are read only under {}. Call guardrails to see the policy and the spend so far.",
            p.root.display()
        ));
        if self.shared.mock {
            s.push_str(" This is a mock server with demo data: nothing is billed.");
        }
        s
    }
}
