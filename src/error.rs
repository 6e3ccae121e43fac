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

    /// Wraps a deserialisation failure of `argument`, in the caller's terms.
    pub fn from_serde(code: ErrorCode, argument: &str, err: impl std::fmt::Display) -> Self {
        let text = err.to_string();
        let said = in_callers_terms(&text);
        Error::new(
            code,
            argument,
            format!("`{argument}` could not be read: {said}"),
        )
    }
}

/// serde says what it found and expected in Rust's terms ("invalid type: sequence, expected
/// struct SourceInvoice", "expected u32"), which the JS caller never wrote: it wrote, or should
/// have written, an array, an object or a whole number.
const JS_TERMS: [(&str, &str); 14] = [
    ("invalid type: map", "invalid type: object"),
    ("invalid type: sequence", "invalid type: array"),
    ("invalid type: floating point", "invalid type: number"),
    ("expected a map", "expected an object"),
    ("expected a sequence", "expected an array"),
    ("expected u8", "expected a whole number"),
    ("expected u16", "expected a whole number"),
    ("expected u32", "expected a whole number"),
    ("expected u64", "expected a whole number"),
    ("expected usize", "expected a whole number"),
    ("expected i8", "expected a whole number"),
    ("expected i16", "expected a whole number"),
    ("expected i32", "expected a whole number"),
    ("expected i64", "expected a whole number"),
];

/// `message` with serde's Rust terms replaced by the JS caller's ([`JS_TERMS`], and a
/// struct's name by "an object").
pub(crate) fn in_callers_terms(message: &str) -> std::borrow::Cow<'_, str> {
    let rust_said =
        |m: &str| m.contains("expected struct ") || JS_TERMS.iter().any(|(r, _)| m.contains(r));
    if !rust_said(message) {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((head, tail)) = rest.split_once("expected struct ") {
        out.push_str(head);
        out.push_str("expected an object");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    }
    out.push_str(rest);
    for (rust, js) in JS_TERMS {
        if out.contains(rust) {
            out = out.replace(rust, js);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Result with the misuse error.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn rust_type_names_are_not_said_to_the_caller() {
        let e = Error::from_serde(
            ErrorCode::InvalidInput,
            "invoices",
            "`invoices[0]`: invalid type: sequence, expected struct SourceInvoice",
        );
        assert_eq!(
            e.message,
            "`invoices` could not be read: `invoices[0]`: invalid type: array, expected an object"
        );
        assert_eq!(
            in_callers_terms("invalid type: map, expected a sequence"),
            "invalid type: object, expected an array"
        );
        assert_eq!(
            in_callers_terms("invalid value: integer `-1`, expected u32 at line 1"),
            "invalid value: integer `-1`, expected a whole number at line 1"
        );
        assert_eq!(
            in_callers_terms("invalid type: null, expected struct SyncOptions at the end"),
            "invalid type: null, expected an object at the end"
        );
        assert_eq!(
            in_callers_terms("missing field `status`"),
            "missing field `status`"
        );
    }
}
