//! Misuse: input that does not fit the types at all.
//!
//! Expected problems are [`crate::Issue`]s. This error is for the other channel: a call that
//! cannot even be interpreted (a number where an object belongs, an unknown enum value in the
//! settings, JSON that does not parse). The binding turns it into a JS `Error` whose `name` is
//! `XeroExportError`, with `code` and `details`.

use serde::Serialize;

/// The stable code of a thrown error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// An argument does not have the documented shape.
    InvalidInput,
    /// A JSON string argument does not parse as JSON.
    InvalidJson,
    /// The settings do not have the documented shape or contradict themselves.
    InvalidSettings,
    /// The reference snapshot does not have the shape of Xero's GET bodies.
    InvalidSnapshot,
    /// The call is not allowed in the object's current state.
    InvalidState,
    /// A saved run state is not one: not JSON, truncated, or changed since it was saved.
    StateCorrupt,
    /// A saved run state belongs elsewhere: another tenant, or other work or snapshot.
    StateForeign,
    /// A saved run state has a newer format version than this library reads.
    StateVersion,
    /// A bug in the library trapped the wasm instance; the JS entry replaced the instance.
    /// Thrown by the JS entry only.
    Internal,
    /// The object was made before an internal error replaced the instance. JS entry only.
    InstanceReset,
    /// The object was used after `free()`. JS entry only.
    UsedAfterFree,
    /// A browser entry was called before `await init()`. JS entry only.
    NotInitialised,
}

impl ErrorCode {
    /// The code as text (`"INVALID_INPUT"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::InvalidSettings => "INVALID_SETTINGS",
            ErrorCode::InvalidSnapshot => "INVALID_SNAPSHOT",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::StateCorrupt => "STATE_CORRUPT",
            ErrorCode::StateForeign => "STATE_FOREIGN",
            ErrorCode::StateVersion => "STATE_VERSION",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::InstanceReset => "INSTANCE_RESET",
            ErrorCode::UsedAfterFree => "USED_AFTER_FREE",
            ErrorCode::NotInitialised => "NOT_INITIALISED",
        }
    }
}

/// A misuse error: which argument, and why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct Error {
    /// Stable code.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Which argument (e.g. `invoices`, `settings`, `snapshot.Accounts`).
    pub argument: String,
}

impl Error {
    /// A new error for `argument`.
    pub fn new(code: ErrorCode, argument: &str, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            argument: argument.to_owned(),
        }
    }

    /// Wraps a deserialisation failure of `argument`.
    pub fn from_serde(code: ErrorCode, argument: &str, err: impl std::fmt::Display) -> Self {
        Error::new(
            code,
            argument,
            format!("`{argument}` could not be read: {err}"),
        )
    }
}

/// Result with the misuse error.
pub type Result<T> = std::result::Result<T, Error>;
