//! Open enums for the server's vocabularies: the values the spec documents, plus
//! `Other(String)` for anything new.
//!
//! An unknown value never fails a parse and round-trips exactly: `"provisioning"`
//! reads as `EndpointStatus::Other("provisioning")` and writes back as
//! `"provisioning"`. Equality and hashing go by the wire string, so
//! `EndpointStatus::from("live") == EndpointStatus::Live`, and every enum compares
//! with a `&str` directly.
//!
//! ```
//! use pareta_types::RunStatus;
//!
//! let describe = |s: &RunStatus| match s {
//!     RunStatus::Completed => "done".to_owned(),
//!     RunStatus::Failed => "failed".to_owned(),
//!     RunStatus::Queued | RunStatus::Running | RunStatus::Evaluating => "in progress".to_owned(),
//!     other => format!("new status {other}"),
//! };
//! assert_eq!(describe(&RunStatus::from("running")), "in progress");
//! assert_eq!(describe(&RunStatus::from("paused")), "new status paused");
//! assert_eq!(RunStatus::from("paused").as_str(), "paused");
//! assert!(RunStatus::Completed == "completed");
//! // Each enum dereferences to its wire string: `Option<RunStatus>::as_deref()` is an
//! // `Option<&str>`.
//! assert_eq!(Some(RunStatus::Queued).as_deref(), Some("queued"));
//! ```

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not name, kept exactly as the server sent it.
            Other(String),
        }

        impl $name {
            /// Every value the spec documents, in its order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s,
                }
            }

            /// True for a value this version does not name.
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Other(s),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        /// Dereferences to the wire string, so `status.as_deref()` on an
        /// `Option<$name>` gives an `Option<&str>`.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            /// Any string reads (unknown ones as `Other`); a non-string is an error
            /// here, and reads as `None` in a response record's field.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

open_enum! {
    /// An endpoint's `status`.
    pub enum EndpointStatus {
        /// Serving inference.
        Live = "live",
        /// Cold-starting or deploying.
        Starting = "starting",
        /// Stopped; `start` it to serve again.
        Stopped = "stopped",
    }
}

open_enum! {
    /// An eval run's `status`. `completed` and `failed` are terminal.
    pub enum RunStatus {
        /// Accepted, not started.
        Queued = "queued",
        /// Running the candidates.
        Running = "running",
        /// Scoring the outputs.
        Evaluating = "evaluating",
        /// Finished with results.
        Completed = "completed",
        /// Finished without results; see `error_detail`.
        Failed = "failed",
    }
}

impl RunStatus {
    /// True for `completed` and `failed`, after which a run never changes.
    pub fn is_terminal(&self) -> bool {
        matches!(self, RunStatus::Completed | RunStatus::Failed)
    }
}

open_enum! {
    /// Whether a model is an open model (served by Pareta under a per-task alias) or a
    /// frontier vendor model: `LeaderboardEntry::kind`, `EvalResult::kind`.
    pub enum ModelKind {
        /// An open-weights model, named by its per-task alias.
        Open = "open",
        /// A vendor (frontier) model, named by its vendor id.
        Frontier = "frontier",
    }
}

open_enum! {
    /// How confident an intent match is in a candidate.
    pub enum MatchConfidence {
        /// A strong match.
        High = "high",
        /// A plausible match.
        Medium = "medium",
        /// A weak match.
        Low = "low",
    }
}

open_enum! {
    /// Which strategy answered an intent match.
    pub enum Matcher {
        /// Keyword matching.
        Keyword = "keyword",
        /// Embedding (semantic) matching.
        Semantic = "semantic",
    }
}

open_enum! {
    /// The SSE event name of a deploy event.
    pub enum DeployEventName {
        /// Progress: `{"stage", "pct"}`.
        Progress = "progress",
        /// The deploy finished: `{"endpoint": {...}}`.
        Complete = "complete",
        /// The deploy failed: `{"message", ...}`.
        Error = "error",
    }
}

open_enum! {
    /// The role of a chat message.
    pub enum Role {
        /// Instructions for the model.
        System = "system",
        /// The person talking to the model.
        User = "user",
        /// The model.
        Assistant = "assistant",
        /// A tool result.
        Tool = "tool",
    }
}

open_enum! {
    /// Why a choice stopped generating.
    pub enum FinishReason {
        /// A natural stop or a stop sequence.
        Stop = "stop",
        /// The token limit.
        Length = "length",
        /// The model called tools.
        ToolCalls = "tool_calls",
        /// Content was filtered.
        ContentFilter = "content_filter",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn known_values_map_and_unknown_ones_round_trip_exactly() {
        for s in EndpointStatus::KNOWN {
            assert_eq!(&EndpointStatus::from(s.as_str()), s);
            assert!(!s.is_other());
        }
        for wire in ["provisioning", "Live", " live", ""] {
            let s: EndpointStatus = serde_json::from_value(serde_json::json!(wire)).unwrap();
            assert_eq!(s, EndpointStatus::Other(wire.to_owned()));
            assert_eq!(serde_json::to_value(&s).unwrap(), serde_json::json!(wire));
            assert_eq!(s.to_string(), wire);
        }
        assert_eq!(FinishReason::from("tool_calls"), FinishReason::ToolCalls);
        assert_eq!("content_filter".parse::<FinishReason>().unwrap(), FinishReason::ContentFilter);
    }

    #[test]
    fn equality_and_hash_go_by_the_wire_string() {
        assert_eq!(Role::Other("user".into()), Role::User);
        let set: HashSet<Role> = [Role::User, Role::Other("user".into()), Role::from("critic")].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert!(Role::Assistant == "assistant");
        assert!(RunStatus::Failed.is_terminal() && !RunStatus::from("cancelled").is_terminal());
    }

    #[test]
    fn request_side_deserialize_rejects_non_strings() {
        assert!(serde_json::from_value::<Role>(serde_json::json!(3)).is_err());
    }
}
