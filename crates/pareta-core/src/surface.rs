//! The one source of both clients' public surface: the namespace facades, the
//! user-facing streams, the client's constructors and the builder's shared
//! setters, with their docs. Each client expands it once, with maybe-async's
//! `#[maybe_async::must_be_sync]` (pareta-blocking) or `#[maybe_async::must_be_async]`
//! (pareta-async), so a method, a doc line or a setter is written here and
//! nowhere else. Never maybe-async's `is_sync` feature: features unify across a
//! build, and a binary that uses both clients would get one variant for both.
//!
//! What the expanding crate must provide, beside the invocation:
//! - `$client { inner: Arc<Inner> }` with `Inner { cfg: Config, http: Http }`,
//!   `Http: Clone` with `run(flow) -> Result<F::Value>` and
//!   `run_stream(flow) -> Result<(D, LiveBody)>`, and on the client
//!   `file_size(&Path) -> Result<u64>` (async in the async client);
//! - `$builder { core: ConfigBuilder, .. }` with `with_core(ConfigBuilder)` and
//!   `build()`;
//! - `Pull<D>` with `new(D, LiveBody)`, `decoder()`, `into_decoder()` and
//!   `next_item()` (async in the async client), and `WatchPull<'a>` with
//!   `new(&'a $client, Watch)`, plus the `Iterator` or `Stream` impls of the
//!   streams (`ChatStream`, `DeployStream`, `EventStream`, `RunWatch`).

/// Expands the client surface; `pareta-core/src/surface.rs` says what the
/// expanding crate provides.
#[doc(hidden)]
#[macro_export]
macro_rules! client_surface {
    (mode: #[$mode:meta], client: $client:ident, builder: $builder:ident $(,)?) => {
        type __Result<T> = ::core::result::Result<T, $crate::Error>;

        impl $client {
            /// A client from `PARETA_API_KEY` and the optional `PARETA_BASE_URL`.
            /// A missing key fails here, before any request.
            pub fn from_env() -> __Result<$client> {
                $builder::from_env().build()
            }

            /// A client with this key and every default.
            pub fn new(api_key: impl Into<String>) -> __Result<$client> {
                Self::builder().api_key(api_key).build()
            }

            /// A builder starting from the defaults; nothing is read from the
            /// environment (see [`from_env`](Self::from_env) for that).
            pub fn builder() -> $builder {
                $builder::with_core($crate::Config::builder())
            }

            /// The configuration in use (base URL, timeouts, retries; the key
            /// is shown redacted).
            pub fn config(&self) -> &$crate::Config {
                &self.inner.cfg
            }

            /// A view of this client with per-call options on top: timeouts,
            /// retries, a deadline, extra headers and query parameters, an
            /// idempotency key. Cheap: it shares the connection pool, the random
            /// source and the retry budget. The `Authorization` header cannot be
            /// replaced this way. See [`RequestOptions`]($crate::RequestOptions).
            pub fn with_options(&self, options: $crate::RequestOptions) -> $client {
                $client {
                    inner: ::std::sync::Arc::new(Inner {
                        cfg: self.inner.cfg.with_options(&options),
                        http: self.inner.http.clone(),
                    }),
                }
            }

            /// `models`: the OpenAI-compatible list of the org's deployed, callable endpoints.
            pub fn models(&self) -> Models<'_> {
                Models { pa: self }
            }
            /// `chat`: OpenAI-compatible inference against a live endpoint. Metered.
            pub fn chat(&self) -> Chat<'_> {
                Chat { pa: self }
            }
            /// `endpoints`: deploy a model for a task, then start, stop, delete and
            /// watch it.
            pub fn endpoints(&self) -> Endpoints<'_> {
                Endpoints { pa: self }
            }
            /// `tasks`: the benchmark catalog, its leaderboards and free-text task matching.
            pub fn tasks(&self) -> Tasks<'_> {
                Tasks { pa: self }
            }
            /// `evals`: evaluate models on your own data (eval sets and runs).
            pub fn evals(&self) -> Evals<'_> {
                Evals { pa: self }
            }
            /// `raw`: any route, including ones this SDK does not model yet, with
            /// the same auth, retries, idempotency keys, tracing and errors.
            pub fn raw(&self) -> Raw<'_> {
                Raw { pa: self }
            }
        }

        #[$mode]
        impl $client {
            /// Runs an ordinary flow to its value, within the call's deadline.
            async fn run<F: $crate::Flow + Send>(&self, flow: F) -> __Result<F::Value> {
                let deadline = self.inner.cfg.deadline();
                self.inner.http.run($crate::deadline::Deadline::new(flow, deadline)).await
            }

            /// Runs a streaming flow to its decoder and the live body it reads;
            /// the deadline covers getting the stream started.
            async fn run_stream<F: $crate::Flow + Send>(&self, flow: F) -> __Result<(F::Value, LiveBody)> {
                let deadline = self.inner.cfg.deadline();
                self.inner.http.run_stream($crate::deadline::Deadline::new(flow, deadline)).await
            }
        }

        impl $builder {
            /// A builder that reads `PARETA_API_KEY` and `PARETA_BASE_URL`;
            /// values set afterwards win.
            pub fn from_env() -> Self {
                Self::with_core($crate::ConfigBuilder::from_env())
            }
            /// The `pareta_sk_…` key (required). It is sent only to the base URL's
            /// host, and never appears in `Debug`, `Display`, logs or errors.
            pub fn api_key(mut self, key: impl Into<String>) -> Self {
                self.core = self.core.api_key(key);
                self
            }
            /// The API root (default `https://api.pareta.ai`; a trailing `/` is
            /// ignored). `http://` is accepted for local servers such as pareta-mock.
            pub fn base_url(mut self, url: impl Into<String>) -> Self {
                self.core = self.core.base_url(url);
                self
            }
            /// Total deadline of each attempt of an ordinary call, body included,
            /// and the idle (per-read) limit of a stream, so a long generation that
            /// keeps sending is never cut off (default 60 s). Applies to an HTTP
            /// client the SDK builds; yours keeps its own settings.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.core = self.core.timeout(timeout);
                self
            }
            /// Time to establish a connection (default 10 s). Applies to an HTTP
            /// client the SDK builds.
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.core = self.core.connect_timeout(timeout);
                self
            }
            /// Automatic retries of transient failures: connection errors and
            /// statuses 408, 409, 429, 500, 502, 503, 504 (default 2, so at most
            /// 3 attempts). A POST keeps one idempotency key across its attempts.
            pub fn max_retries(mut self, n: u32) -> Self {
                self.core = self.core.max_retries(n);
                self
            }
            /// A limit on each whole logical call, retries and backoff included
            /// (default none: only the per-attempt `timeout` applies). No attempt
            /// or backoff starts that would end past it; the error is
            /// [`Error::DeadlineExceeded`]($crate::Error::DeadlineExceeded). For a
            /// stream it covers getting the response; the body keeps its idle limit.
            pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
                self.core = self.core.deadline(deadline);
                self
            }
            /// The longest `Retry-After` the client waits out (default 30 s). A
            /// server asking for longer gets its error back at once, and
            /// [`Error::retry_after`]($crate::Error::retry_after) gives the delay.
            pub fn max_retry_after(mut self, max: ::std::time::Duration) -> Self {
                self.core = self.core.max_retry_after(max);
                self
            }
            /// The most bytes of an ordinary (non-stream) response body the
            /// client reads (default 64 MiB). Past it, reading stops, the
            /// connection is dropped and the call fails with
            /// [`Error::ResponseTooLarge`]($crate::Error::ResponseTooLarge), naming
            /// the route and the limit; it is not retried. Stream lines have their
            /// own bound (1 MiB).
            pub fn max_response_bytes(mut self, max: u64) -> Self {
                self.core = self.core.max_response_bytes(max);
                self
            }
            /// The client-wide retry budget shared by all calls (default
            /// [`RetryBudget::standard`]($crate::RetryBudget::standard)); `None`
            /// switches it off.
            pub fn retry_budget(mut self, budget: ::core::option::Option<$crate::RetryBudget>) -> Self {
                self.core = self.core.retry_budget(budget);
                self
            }
            /// Seeds retry jitter and idempotency keys, for reproducible tests.
            pub fn rng_seed(mut self, seed: u64) -> Self {
                self.core = self.core.rng_seed(seed);
                self
            }
            /// Trusts only the CA certificates in this PEM text (one or more
            /// `CERTIFICATE` blocks; call again to add more) instead of the
            /// built-in roots: for a private deployment with its own CA, or a
            /// proxy that inspects TLS. Applies to the HTTP client the SDK builds,
            /// with either TLS backend; with an HTTP client of yours, `build()`
            /// fails rather than ignore it. A text that holds no certificate or is
            /// not valid PEM also fails at `build()`, before any request.
            pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
                self.core = self.core.root_certificates_pem(pem);
                self
            }
        }

        /// `pa.models()`: what `/v1/models` lists (the org's callable endpoints).
        #[derive(Clone, Copy, Debug)]
        pub struct Models<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl Models<'_> {
            /// `GET /v1/models`: the deployed endpoints a chat request can name
            /// as its `model`.
            pub async fn list(&self) -> __Result<$crate::types::ModelList> {
                self.pa.run($crate::flows::models::list(self.pa.config())).await
            }
        }

        /// `pa.chat()`: OpenAI-compatible inference.
        #[derive(Clone, Copy, Debug)]
        pub struct Chat<'a> {
            pa: &'a $client,
        }

        impl<'a> Chat<'a> {
            /// `pa.chat().completions()`: `POST /v1/chat/completions`, whole or streamed.
            pub fn completions(&self) -> Completions<'a> {
                Completions { pa: self.pa }
            }
        }

        /// `pa.chat().completions()`: chat completions against a live endpoint,
        /// named by its id in the request's `model`. Every call is metered; the
        /// billing receipt is on the reply's `meta()`.
        #[derive(Clone, Copy, Debug)]
        pub struct Completions<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl Completions<'_> {
            /// One whole completion (`POST /v1/chat/completions`). A `"stream"` key
            /// in the request is ignored: use [`create_stream`](Self::create_stream).
            pub async fn create(
                &self,
                req: &$crate::types::ChatCompletionRequest,
            ) -> __Result<$crate::types::ChatCompletion> {
                self.pa.run($crate::flows::chat::create(self.pa.config(), req)).await
            }

            /// A streamed completion. Returns once the response headers arrive, so
            /// an HTTP error status is returned here, never as the first item; a
            /// stream is never retried once bytes have flowed.
            pub async fn create_stream(&self, req: &$crate::types::ChatCompletionRequest) -> __Result<ChatStream> {
                let (dec, body) = self.pa.run_stream($crate::flows::chat::create_stream(self.pa.config(), req)).await?;
                Ok(ChatStream { pull: Pull::new(dec, body) })
            }
        }

        /// `pa.endpoints()`: deploy and operate endpoints.
        #[derive(Clone, Copy, Debug)]
        pub struct Endpoints<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl<'a> Endpoints<'a> {
            /// Deploys a model for a task (`POST /v1/endpoints/deploy`). Returns once
            /// the server accepts it: read the progress events, or call
            /// [`DeployStream::wait`] for the live endpoint. Metered once live.
            pub async fn deploy(&self, req: &$crate::types::DeployRequest) -> __Result<DeployStream> {
                let (dec, body) = self.pa.run_stream($crate::flows::endpoints::deploy(self.pa.config(), req)).await?;
                Ok(DeployStream { pull: Pull::new(dec, body) })
            }
            /// Every endpoint the org can access, live or stopped.
            pub async fn list(&self) -> __Result<::std::vec::Vec<$crate::types::Endpoint>> {
                self.pa.run($crate::flows::endpoints::list(self.pa.config())).await
            }
            /// One endpoint by id; a 404 is [`ApiErrorKind::NotFound`]($crate::ApiErrorKind::NotFound).
            pub async fn retrieve(&self, id: &str) -> __Result<$crate::types::Endpoint> {
                self.pa.run($crate::flows::endpoints::retrieve(self.pa.config(), id)).await
            }
            /// Starts a stopped endpoint; returns the server's status JSON.
            pub async fn start(&self, id: &str) -> __Result<$crate::__private::Value> {
                self.pa.run($crate::flows::endpoints::start(self.pa.config(), id)).await
            }
            /// Stops (scales to zero) a live endpoint, which then costs nothing;
            /// returns the server's status JSON.
            pub async fn stop(&self, id: &str) -> __Result<$crate::__private::Value> {
                self.pa.run($crate::flows::endpoints::stop(self.pa.config(), id)).await
            }
            /// Removes an endpoint for good.
            pub async fn delete(&self, id: &str) -> __Result<()> {
                self.pa.run($crate::flows::endpoints::delete(self.pa.config(), id)).await
            }
            /// The metrics of one endpoint. Makes no request itself.
            pub fn metrics(&self, id: &str) -> Metrics<'a> {
                Metrics { pa: self.pa, id: id.to_owned() }
            }
        }

        /// `pa.endpoints().metrics(id)`: five read-only dimensions, each the
        /// server's JSON as sent. Query parameters (`window`, ...) are passed
        /// through: any `(key, value)` pairs of `AsRef<str>` and `ToString`.
        #[derive(Clone, Debug)]
        pub struct Metrics<'a> {
            pa: &'a $client,
            id: String,
        }

        #[$mode]
        impl Metrics<'_> {
            /// Any dimension, with query parameters.
            pub async fn get(
                &self,
                kind: $crate::types::MetricKind,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.pa.run($crate::flows::endpoints::metrics(self.pa.config(), &self.id, kind, params)).await
            }
            /// p50/p95/p99 latency and throughput.
            pub async fn performance(
                &self,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.get($crate::types::MetricKind::Performance, params).await
            }
            /// Availability over the window.
            pub async fn uptime(
                &self,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.get($crate::types::MetricKind::Uptime, params).await
            }
            /// Spend, and the savings against the frontier model the task names.
            pub async fn cost(
                &self,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.get($crate::types::MetricKind::Cost, params).await
            }
            /// Quality as judged over windows of live traffic.
            pub async fn quality(
                &self,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.get($crate::types::MetricKind::Quality, params).await
            }
            /// Request and token counts.
            pub async fn activity(
                &self,
                params: impl IntoIterator<Item = impl $crate::types::QueryParam> + Send,
            ) -> __Result<$crate::__private::Value> {
                self.get($crate::types::MetricKind::Activity, params).await
            }
        }

        /// `pa.tasks()`: the benchmark catalog.
        #[derive(Clone, Copy, Debug)]
        pub struct Tasks<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl Tasks<'_> {
            /// Every task of the benchmark catalog.
            pub async fn list(&self) -> __Result<::std::vec::Vec<$crate::types::Task>> {
                self.pa.run($crate::flows::tasks::list(self.pa.config())).await
            }
            /// One task by id, without example rows.
            pub async fn retrieve(&self, id: &str) -> __Result<$crate::types::Task> {
                self.pa.run($crate::flows::tasks::retrieve(self.pa.config(), id, None)).await
            }
            /// One task with up to `n` example rows, to see the row shape its
            /// eval sets take.
            pub async fn retrieve_with_examples(&self, id: &str, n: u32) -> __Result<$crate::types::Task> {
                self.pa.run($crate::flows::tasks::retrieve(self.pa.config(), id, Some(n))).await
            }
            /// Maps free-text intent ("pull totals out of invoices") to the five
            /// best-matching tasks, ranked.
            pub async fn match_intent(&self, query: &str) -> __Result<$crate::types::TaskMatch> {
                self.match_intent_top_k(query, $crate::flows::tasks::DEFAULT_TOP_K).await
            }
            /// Maps free-text intent to the top `k` tasks.
            pub async fn match_intent_top_k(&self, query: &str, k: u32) -> __Result<$crate::types::TaskMatch> {
                self.pa.run($crate::flows::tasks::match_intent(self.pa.config(), query, k)).await
            }
            /// The models benchmarked on a task, ranked, with quality and cost.
            pub async fn leaderboard(&self, id: &str) -> __Result<$crate::types::Leaderboard> {
                self.pa.run($crate::flows::tasks::leaderboard(self.pa.config(), id)).await
            }
            /// The model `DeployRequest::new(task)` would deploy (the leaderboard's
            /// recommendation), or `None` when the task has none.
            pub async fn recommended(&self, id: &str) -> __Result<::core::option::Option<String>> {
                self.pa.run($crate::flows::tasks::recommended(self.pa.config(), id)).await
            }
        }

        /// `pa.evals()`: evaluate models on your own data.
        #[derive(Clone, Copy, Debug)]
        pub struct Evals<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl<'a> Evals<'a> {
            /// The frontier models a run can compare against, annotated for `task`
            /// when given.
            pub async fn frontier_models(
                &self,
                task: ::core::option::Option<&str>,
            ) -> __Result<::std::vec::Vec<$crate::types::FrontierModel>> {
                self.pa.run($crate::flows::evals::frontier_models(self.pa.config(), task)).await
            }
            /// `pa.evals().sets()`: your rows, stored for runs.
            pub fn sets(&self) -> Sets<'a> {
                Sets { pa: self.pa }
            }
            /// `pa.evals().runs()`: models scored on a set.
            pub fn runs(&self) -> Runs<'a> {
                Runs { pa: self.pa }
            }
        }

        /// `pa.evals().sets()`: eval sets, your rows in the task's shape.
        #[derive(Clone, Copy, Debug)]
        pub struct Sets<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl Sets<'_> {
            /// Creates an eval set from rows, sent as JSONL in one multipart upload.
            pub async fn create(&self, req: &$crate::types::EvalSetCreate) -> __Result<$crate::types::EvalSet> {
                self.pa.run($crate::flows::evals::create_set(self.pa.config(), req)).await
            }
            /// Every eval set of the org.
            pub async fn list(&self) -> __Result<::std::vec::Vec<$crate::types::EvalSet>> {
                self.pa.run($crate::flows::evals::list_sets(self.pa.config())).await
            }
            /// One eval set by id.
            pub async fn retrieve(&self, id: &str) -> __Result<$crate::types::EvalSet> {
                self.pa.run($crate::flows::evals::retrieve_set(self.pa.config(), id)).await
            }
            /// Deletes an eval set.
            pub async fn delete(&self, id: &str) -> __Result<()> {
                self.pa.run($crate::flows::evals::delete_set(self.pa.config(), id)).await
            }
            /// Attaches a document to one row's blob field. Under 5 MiB it goes
            /// inline; larger, through a signed storage URL in three steps (the
            /// key is never sent to storage). A file is streamed from disk, never
            /// read whole into memory.
            pub async fn upload_document(
                &self,
                req: &$crate::types::UploadDocument,
            ) -> __Result<$crate::__private::Value> {
                let file_len = match $crate::flows::upload::file_to_measure(req) {
                    Some(path) => Some(self.pa.file_size(path).await?),
                    None => None,
                };
                self.pa.run($crate::flows::upload::upload_document(self.pa.config(), req, file_len)).await
            }
        }

        /// `pa.evals().runs()`: eval runs, models scored on a set.
        #[derive(Clone, Copy, Debug)]
        pub struct Runs<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl<'a> Runs<'a> {
            /// Starts a run. With inline rows it creates the set first; with a
            /// frontier choice it fetches the roster; with `.wait(..)` it polls
            /// until the run is terminal. Metered.
            pub async fn create(&self, req: &$crate::types::EvalRunCreate) -> __Result<$crate::types::EvalRun> {
                self.pa.run($crate::flows::runs::create(self.pa.config(), req)).await
            }
            /// The run, its status and its results so far.
            pub async fn retrieve(&self, id: &str) -> __Result<$crate::types::EvalRun> {
                self.pa.run($crate::flows::runs::retrieve(self.pa.config(), id)).await
            }
            /// Polls until the run is terminal, or fails with
            /// [`Error::WaitTimeout`]($crate::Error::WaitTimeout) (the run goes on
            /// server-side).
            pub async fn wait(
                &self,
                id: &str,
                options: $crate::types::WaitOptions,
            ) -> __Result<$crate::types::EvalRun> {
                self.pa.run($crate::flows::runs::wait(self.pa.config(), id, options)).await
            }
            /// Every polled snapshot of the run, until it is terminal: each poll
            /// waits the interval (plus a small jitter), and a run still not
            /// terminal at the wait's timeout ends with
            /// [`Error::WaitTimeout`]($crate::Error::WaitTimeout). Makes no request
            /// until the first item is asked for. [`wait`](Self::wait) is the same
            /// machine, keeping only the last snapshot.
            pub fn watch(&self, id: &str, options: $crate::types::WaitOptions) -> RunWatch<'a> {
                RunWatch { pull: WatchPull::new(self.pa, $crate::flows::watch::watch(self.pa.config(), id, options)) }
            }
        }

        /// `pa.raw()`: calls on any path under the base URL. Paths start with
        /// `/`; encode ids with [`path`](Self::path). Non-2xx answers are the same
        /// [`Error::Api`]($crate::Error::Api) as for typed calls; per-call options apply.
        #[derive(Clone, Copy, Debug)]
        pub struct Raw<'a> {
            pa: &'a $client,
        }

        #[$mode]
        impl Raw<'_> {
            /// `/`-joined, percent-encoded segments: `path(["v1", "endpoints", id])`.
            pub fn path<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, segments: I) -> String {
                $crate::flows::raw::path(segments)
            }
            /// GET `path` with query parameters, the JSON answer read as `T`
            /// (`serde_json::Value` for anything).
            pub async fn get<T: $crate::__private::DeserializeOwned + Send + 'static>(
                &self,
                path: &str,
                query: &[(&str, &str)],
            ) -> __Result<T> {
                self.pa.run($crate::flows::raw::json(self.pa.config(), $crate::Method::Get, path, query, None)).await
            }
            /// POST a JSON body (with an idempotency key), the answer read as `T`.
            pub async fn post<T: $crate::__private::DeserializeOwned + Send + 'static>(
                &self,
                path: &str,
                body: &(impl $crate::__private::Serialize + ?Sized + Sync),
            ) -> __Result<T> {
                let body = $crate::flows::raw::body(body)?;
                self.pa
                    .run($crate::flows::raw::json(self.pa.config(), $crate::Method::Post, path, &[], Some(&body)))
                    .await
            }
            /// PUT a JSON body, the answer read as `T`.
            pub async fn put<T: $crate::__private::DeserializeOwned + Send + 'static>(
                &self,
                path: &str,
                body: &(impl $crate::__private::Serialize + ?Sized + Sync),
            ) -> __Result<T> {
                let body = $crate::flows::raw::body(body)?;
                self.pa
                    .run($crate::flows::raw::json(self.pa.config(), $crate::Method::Put, path, &[], Some(&body)))
                    .await
            }
            /// DELETE `path`, the answer read as `T` (an empty body reads as `{}`).
            pub async fn delete<T: $crate::__private::DeserializeOwned + Send + 'static>(
                &self,
                path: &str,
            ) -> __Result<T> {
                self.pa.run($crate::flows::raw::json(self.pa.config(), $crate::Method::Delete, path, &[], None)).await
            }
            /// Any method, the 2xx response returned whole: status, headers, bytes.
            pub async fn send(
                &self,
                method: $crate::Method,
                path: &str,
                query: &[(&str, &str)],
                body: ::core::option::Option<&$crate::__private::Value>,
            ) -> __Result<$crate::flows::raw::RawResponse> {
                self.pa.run($crate::flows::raw::response(self.pa.config(), method, path, query, body)).await
            }
            /// POST a JSON body and read the answer as Server-Sent Events, each
            /// yielded as it arrives, until the body ends.
            pub async fn stream(
                &self,
                path: &str,
                body: &(impl $crate::__private::Serialize + ?Sized + Sync),
            ) -> __Result<EventStream> {
                let body = $crate::flows::raw::body(body)?;
                let (dec, live) = self.pa.run_stream($crate::flows::raw::stream(self.pa.config(), path, &body)).await?;
                Ok(EventStream { pull: Pull::new(dec, live) })
            }
        }

        /// The snapshots of an eval run until it is terminal (an `Iterator` on the
        /// blocking client, a `Stream` on the async one); from
        /// [`Runs::watch`].
        pub struct RunWatch<'a> {
            pull: WatchPull<'a>,
        }

        impl ::std::fmt::Debug for RunWatch<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("RunWatch")
            }
        }

        /// The Server-Sent Events of a raw stream (an `Iterator` on the blocking
        /// client, a `Stream` on the async one), each as sent, `data: [DONE]`
        /// included, until the body ends. A broken connection is an `Err` item.
        pub struct EventStream {
            pull: Pull<$crate::flows::raw::RawEventDecoder>,
        }

        impl EventStream {
            /// Metadata of the response.
            pub fn meta(&self) -> &$crate::types::ResponseMeta {
                $crate::stream::StreamDecoder::meta(self.pull.decoder())
            }
        }

        impl ::std::fmt::Debug for EventStream {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "EventStream(finished={})", $crate::stream::StreamDecoder::is_finished(self.pull.decoder()))
            }
        }

        /// A streamed chat completion: chunks in order, each yielded as soon as its
        /// bytes arrive (an `Iterator` on the blocking client, a `Stream` on the
        /// async one). A cut stream, a mid-stream `{"error": …}` object, a dropped
        /// connection or an idle timeout is an `Err` item, after which the stream
        /// ends. After `[DONE]` the connection goes back to the pool; dropping the
        /// stream early closes it.
        pub struct ChatStream {
            pull: Pull<$crate::stream::ChatStreamDecoder>,
        }

        impl ChatStream {
            /// Metadata of the response: request id and the billing receipt headers.
            pub fn meta(&self) -> &$crate::types::ResponseMeta {
                $crate::stream::StreamDecoder::meta(self.pull.decoder())
            }
        }

        #[$mode]
        impl ChatStream {
            /// Reads the rest of the stream and returns the whole text.
            pub async fn collect_text(mut self) -> __Result<String> {
                let mut text = String::new();
                while let Some(chunk) = self.pull.next_item().await {
                    text.push_str(chunk?.delta().unwrap_or_default());
                }
                Ok(text)
            }
        }

        impl ::std::fmt::Debug for ChatStream {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "ChatStream(finished={})", $crate::stream::StreamDecoder::is_finished(self.pull.decoder()))
            }
        }

        /// A deploy's progress: events in order, ending with `complete` (an
        /// `Iterator` on the blocking client, a `Stream` on the async one). An
        /// `error` event or a stream cut before `complete` is an `Err` item. Or
        /// skip the events and [`wait`](Self::wait) for the live endpoint.
        pub struct DeployStream {
            pull: Pull<$crate::stream::DeployStreamDecoder>,
        }

        impl DeployStream {
            /// Metadata of the response.
            pub fn meta(&self) -> &$crate::types::ResponseMeta {
                $crate::stream::StreamDecoder::meta(self.pull.decoder())
            }
        }

        #[$mode]
        impl DeployStream {
            /// Reads the rest of the events and returns the live endpoint; the
            /// first `Err` item (an `error` event, a cut stream) is returned instead.
            pub async fn wait(mut self) -> __Result<$crate::types::Endpoint> {
                while let Some(item) = self.pull.next_item().await {
                    item?;
                }
                self.pull.into_decoder().into_endpoint()
            }
        }

        impl ::std::fmt::Debug for DeployStream {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "DeployStream(finished={})", $crate::stream::StreamDecoder::is_finished(self.pull.decoder()))
            }
        }
    };
}
