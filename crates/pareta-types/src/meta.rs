//! Metadata of the HTTP response a record came from.

/// What the response headers said beyond the body: the request id to quote in bug
/// reports and, on chat completions, the billing receipt.
///
/// ```
/// use pareta_types::ResponseMeta;
/// let meta = ResponseMeta::from_headers([("x-request-id", "req_1"), ("x-pareta-billed", "120")]);
/// assert_eq!(meta.request_id(), Some("req_1"));
/// assert_eq!(meta.billed_micro_usd(), Some(120));
/// ```
#[derive(Clone, Default)]
pub struct ResponseMeta(
    // Boxed, and absent when empty: every record carries one, and a stream's
    // chunks (which carry none) are moved once per token.
    Option<Box<Fields>>,
);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Fields {
    request_id: Option<String>,
    billed_micro_usd: Option<i64>,
    frontier_would_have_cost_micro_usd: Option<i64>,
    idempotent_replay: bool,
    attempts: Option<u32>,
    elapsed: Option<std::time::Duration>,
}

const EMPTY: Fields = Fields {
    request_id: None,
    billed_micro_usd: None,
    frontier_would_have_cost_micro_usd: None,
    idempotent_replay: false,
    attempts: None,
    elapsed: None,
};

impl PartialEq for ResponseMeta {
    fn eq(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

impl Eq for ResponseMeta {}

impl std::fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.fields();
        f.debug_struct("ResponseMeta")
            .field("request_id", &m.request_id)
            .field("billed_micro_usd", &m.billed_micro_usd)
            .field("frontier_would_have_cost_micro_usd", &m.frontier_would_have_cost_micro_usd)
            .field("idempotent_replay", &m.idempotent_replay)
            .field("attempts", &m.attempts)
            .field("elapsed", &m.elapsed)
            .finish()
    }
}

impl ResponseMeta {
    /// Reads the metadata from response headers (names compared case-insensitively).
    pub fn from_headers<'a, I, K, V>(headers: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str> + 'a,
        V: AsRef<str> + 'a,
    {
        let mut meta = Fields::default();
        for (name, value) in headers {
            let (name, value) = (name.as_ref(), value.as_ref().trim());
            if name.eq_ignore_ascii_case("x-request-id") {
                meta.request_id = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-pareta-billed") {
                meta.billed_micro_usd = value.parse().ok();
            } else if name.eq_ignore_ascii_case("x-pareta-frontier-would-have-cost") {
                meta.frontier_would_have_cost_micro_usd = value.parse().ok();
            } else if name.eq_ignore_ascii_case("x-idempotent-replay") {
                meta.idempotent_replay = value.eq_ignore_ascii_case("true");
            }
        }
        if meta == EMPTY { ResponseMeta(None) } else { ResponseMeta(Some(Box::new(meta))) }
    }

    fn fields(&self) -> &Fields {
        self.0.as_deref().unwrap_or(&EMPTY)
    }

    /// The same metadata with the call's attempts (1, or more after retries)
    /// and elapsed time, from first send to this response.
    pub fn with_call(mut self, attempts: u32, elapsed: std::time::Duration) -> Self {
        let fields = self.0.get_or_insert_with(Box::default);
        fields.attempts = Some(attempts);
        fields.elapsed = Some(elapsed);
        self
    }

    /// How many HTTP attempts the call took (1 without retries); `None` for a
    /// record that did not come from an SDK call.
    pub fn attempts(&self) -> Option<u32> {
        self.fields().attempts
    }

    /// How long the call took, from its first attempt to this response,
    /// backoff included; `None` for a record that did not come from an SDK call.
    pub fn elapsed(&self) -> Option<std::time::Duration> {
        self.fields().elapsed
    }

    /// The `x-request-id` header: quote it in support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.fields().request_id.as_deref()
    }

    /// `X-Pareta-Billed`: micro-USD charged for this call (0 on an idempotent replay).
    pub fn billed_micro_usd(&self) -> Option<i64> {
        self.fields().billed_micro_usd
    }

    /// `X-Pareta-Frontier-Would-Have-Cost`: what the frontier baseline would have
    /// charged for the same call, in micro-USD.
    pub fn frontier_would_have_cost_micro_usd(&self) -> Option<i64> {
        self.fields().frontier_would_have_cost_micro_usd
    }

    /// True when the server answered from its idempotency cache (a retried call that
    /// had already succeeded), so nothing was billed twice.
    pub fn is_idempotent_replay(&self) -> bool {
        self.fields().idempotent_replay
    }
}
