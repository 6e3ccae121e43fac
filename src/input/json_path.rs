//! Where in a JSON text a serde_json error happened, as a path in the caller's terms
//! (`snapshot.contacts[0]`).
//!
//! Why: the snapshot (and the other arguments read without the path watch of
//! [`crate::input::unknown`]) fails with serde_json's "at line 1 column 15", a position in the
//! text `JSON.stringify` wrote, which the caller never saw. Reading them through the watch
//! says the path, but costs a second copy of every deserializer (+25.9 KB gzipped of `.wasm`,
//! measured and reverted, CHANGELOG). This scans the text once more, on the error path only,
//! up to the byte serde_json stopped at, keeping the stack of keys and indexes. It only
//! tokenises (strings, brackets, commas, colons); it never judges the JSON, which serde_json
//! already read that far. Fuzzed (`json_path`): never panics, on any text and any position.

use crate::issues::Path;

/// Which byte the error's position names. serde_json reports the last byte it read (the end
/// of a scalar it did not expect, the `}` of an object missing a field), except for a container
/// it did not expect: that it only peeked at, so its bracket is the byte after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The byte at the position.
    Read,
    /// The byte after it.
    Peeked,
}

impl Side {
    /// The side serde_json's `message` (as serde_json says it, before
    /// [`crate::error::in_callers_terms`]) is told at.
    pub fn of(message: &str) -> Side {
        let peeked = ["invalid type: map", "invalid type: sequence"];
        if peeked.iter().any(|m| message.starts_with(m)) {
            Side::Peeked
        } else {
            Side::Read
        }
    }
}

/// serde_json's error `e` reading `text` (the argument `root`) as the caller would say it: its
/// message without the position in the text, after the path of the value it is about
/// (`` `snapshot.contacts[0]`: invalid type: … ``). A message a reader already gave a path
/// (it starts with one in backticks) keeps its own.
pub fn misfit(text: &str, e: &serde_json::Error, root: &str) -> String {
    let full = e.to_string();
    let message = crate::input::source::without_position(&full);
    if message.starts_with('`') {
        return message.into_owned();
    }
    let path =
        offset(text, e.line(), e.column()).and_then(|at| path_at(text, at, Side::of(&full), root));
    match path {
        Some(p) => format!("`{}`: {message}", p.as_str()),
        None => message.into_owned(),
    }
}

/// The 0-based byte offset of serde_json's 1-based `line` and byte `column` in `text`: the
/// last byte it read (its column counts the bytes of the line read so far).
pub fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = match line {
        0 => return None,
        1 => 0,
        _ => {
            let newline = text.bytes().enumerate().filter(|(_, b)| *b == b'\n');
            newline.map(|(i, _)| i + 1).nth(line - 2)?
        }
    };
    start.checked_add(column)?.checked_sub(1)
}

/// The path (under `root`) of the value serde_json's error at byte `at` of `text` names, or
/// `None` where the scan cannot tell (a position past the text, or between values). A position
/// in a key (serde_json's "duplicate field") names that member.
pub fn path_at(text: &str, at: usize, side: Side, root: &str) -> Option<Path> {
    let target = match side {
        Side::Read => at,
        Side::Peeked => at.checked_add(1)?,
    };
    let bytes = text.as_bytes();
    if target >= bytes.len() {
        return None;
    }
    let mut scan = Scan::default();
    let mut i = 0;
    while i <= target {
        let b = *bytes.get(i)?;
        let next = match b {
            b'"' => string_end(bytes, i),
            b'{' | b'[' | b'}' | b']' | b',' | b':' => i + 1,
            b' ' | b'\t' | b'\n' | b'\r' => i + 1,
            _ => scalar_end(bytes, i),
        };
        if target < next {
            return scan.path_of(b, text.get(i..next)?, root);
        }
        scan.step(b, text.get(i..next)?);
        i = next;
    }
    None
}

/// One open container: an object with the key of its member being read, or an array with the
/// index of its element.
enum Frame {
    Object { key: Option<String>, in_key: bool },
    Array { index: usize },
}

#[derive(Default)]
struct Scan {
    stack: Vec<Frame>,
}

impl Scan {
    /// Moves past the token `b` (`token` its text).
    fn step(&mut self, b: u8, token: &str) {
        match b {
            b'{' => self.stack.push(Frame::Object {
                key: None,
                in_key: true,
            }),
            b'[' => self.stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                self.stack.pop();
            }
            b',' => match self.stack.last_mut() {
                Some(Frame::Object { in_key, .. }) => *in_key = true,
                Some(Frame::Array { index }) => *index = index.saturating_add(1),
                None => {}
            },
            b'"' => {
                if let Some(Frame::Object { key, in_key }) = self.stack.last_mut() {
                    if *in_key {
                        *key = serde_json::from_str(token).ok();
                        *in_key = false;
                    }
                }
            }
            _ => {}
        }
    }

    /// The path of the value the token `b` (text `token`) at the target byte belongs to.
    fn path_of(&mut self, b: u8, token: &str, root: &str) -> Option<Path> {
        match b {
            // A closing bracket belongs to the container it closes: its path is its parent's.
            b'}' | b']' => {
                self.stack.pop();
            }
            b'"' => self.step(b, token),
            b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' => return None,
            _ => {}
        }
        let mut path = Path::root(root);
        for frame in &self.stack {
            path = match frame {
                Frame::Object { key: Some(k), .. } => member(&path, k),
                Frame::Object { key: None, .. } => return None,
                Frame::Array { index } => path.index(*index),
            };
        }
        Some(path)
    }
}

/// `path.key` for a key a JS caller writes as an identifier, else `path["key"]`.
fn member(path: &Path, key: &str) -> Path {
    let mut chars = key.chars();
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == '$';
    let plain = chars.next().is_some_and(ident_start)
        && chars.all(|c| ident_start(c) || c.is_ascii_digit());
    if plain {
        path.field(key)
    } else {
        path.key(key)
    }
}

/// The byte after the string starting at `start` (its closing quote's next), or the text's end.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The byte after the number or literal starting at `start`.
fn scalar_end(bytes: &[u8], start: usize) -> usize {
    let rest = bytes.get(start + 1..).unwrap_or_default();
    let len = rest
        .iter()
        .position(|b| b",:{}[]\" \t\n\r".contains(b))
        .unwrap_or(rest.len());
    start + 1 + len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's own error for `text` read as `T`, and the path it is turned into.
    fn path_of_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let e = serde_json::from_str::<T>(text).unwrap_err();
        let message = e.to_string();
        let at = offset(text, e.line(), e.column()).unwrap();
        path_at(text, at, Side::of(&message), "x")
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| format!("no path ({message})"))
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Contact {
        #[serde(rename = "Name")]
        name: String,
        #[serde(rename = "Count", default)]
        count: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Snap {
        contacts: Vec<Contact>,
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn each_kind_of_misfit_is_said_at_the_value_it_is_about() {
        let cases = [
            // A struct read from an array takes its fields in order: `1` is the Name.
            (r#"{"contacts":[[1]]}"#, "x.contacts[0][0]"),
            (r#"{"contacts":[{"Name":"a"},[]]}"#, "x.contacts[1]"),
            (
                r#"{"contacts":[{"Name":"a"},{"Name":5}]}"#,
                "x.contacts[1].Name",
            ),
            (
                r#"{"contacts":[{"Name":"a"},{"Name":"b","Count":-1}]}"#,
                "x.contacts[1].Count",
            ),
            (
                r#"{"contacts":[{"Name":"a"},{"Count":1}]}"#,
                "x.contacts[1]",
            ),
            (
                r#"{"contacts":[{"Name":{"a":[1,2]}}]}"#,
                "x.contacts[0].Name",
            ),
            (r#"{"contacts":[{"Name":null}]}"#, "x.contacts[0].Name"),
            (r#"{"contacts":[{"Name":true }]}"#, "x.contacts[0].Name"),
            (r#"{"contacts":"all"}"#, "x.contacts"),
            (r#"{"contacts":7}"#, "x.contacts"),
            (r#"[]"#, "x"),
            (r#""snap""#, "x"),
            (
                "{\n \"contacts\" : [ {\"Name\":\n [] } ]\n}",
                "x.contacts[0].Name",
            ),
            (
                r#"{"a b":1,"contacts":[{"Name":"\"}\"","Count":"1"}]}"#,
                "x.contacts[0].Count",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(path_of_error::<Snap>(text), want, "{text}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn keys_that_are_not_identifiers_are_quoted() {
        let text = r#"{"the list":{"é":[0,{"x":1}]}}"#;
        let at = text.find("{\"x\"").unwrap();
        let path = path_at(text, at, Side::Read, "x").unwrap();
        assert_eq!(path.as_str(), r#"x["the list"]["é"][1]"#);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn positions_outside_the_text_or_between_values_have_no_path() {
        assert_eq!(offset("{}", 0, 1), None);
        assert_eq!(offset("{}", 3, 1), None);
        assert_eq!(offset("{}\n[]", 2, 1), Some(3));
        assert!(path_at("{}", 9, Side::Read, "x").is_none());
        assert!(path_at("{}", 1, Side::Peeked, "x").is_none());
        assert!(path_at(r#"{"a": 1}"#, 4, Side::Read, "x").is_none());
        assert!(path_at(r#"{"a": 1}"#, 5, Side::Read, "x").is_none());
        let key = path_at(r#"{"a": 1}"#, 3, Side::Read, "x").unwrap();
        assert_eq!(key.as_str(), "x.a");
    }
}
