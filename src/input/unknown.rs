//! Keys the caller wrote that the API does not know: found while the input is read, never
//! ignored. A misspelt setting (`kind` for `invoiceType`, `clinician` for `clinicians`) would
//! otherwise export something else without a word.
//!
//! How: serde's derived `Deserialize` of a struct tells its deserializer the struct's field
//! names (`deserialize_struct(name, FIELDS, ..)`) and reads the value of a key it does not
//! know as `IgnoredAny`. `Watch` wraps a deserializer, remembers the field names of the
//! struct being read and the key just read, and records a [`Found`] whenever a value is
//! ignored: the path in the caller's terms, the key, and the closest known name. It changes
//! nothing that is read, and costs little: keys are borrowed from the input, paths built only for what is found.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use crate::issues::Path;

/// One unknown key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where, e.g. `settings.dueDate.rul` or `invoices[3].lines[0].servce`.
    pub path: Path,
    /// The key as written.
    pub key: String,
    /// The known name closest to it, if one is close enough to be the one meant.
    pub suggestion: Option<&'static str>,
}

impl Found {
    /// `"`key` is not a known setting; did you mean `x`?"`-style text for messages.
    pub fn describe(&self, what: &str) -> String {
        let key = crate::money::shown(&self.key);
        match self.suggestion {
            Some(s) => format!("\"{key}\" is not a {what} this library knows: did you mean \"{s}\"? It was not used."),
            None => format!("\"{key}\" is not a {what} this library knows, so it was not used. Check the spelling against the documentation."),
        }
    }
}

/// What a watched read found: the unknown keys, and where the first value that did not fit
/// its type is (so a misfit is reported at `settings.dueDate.rule`, not at a line and column
/// of JSON text the caller never wrote).
#[derive(Debug, Default)]
pub struct Log {
    found: RefCell<Vec<Found>>,
    misfit: RefCell<Option<Path>>,
}

impl Log {
    /// The unknown keys, in the order they were read.
    pub fn into_found(self) -> Vec<Found> {
        self.found.into_inner()
    }

    /// Where the read failed, when a value did not fit its type.
    pub fn misfit(&self) -> Option<Path> {
        self.misfit.borrow().clone()
    }

    /// The unknown keys read before a failure, for its message: a misspelt required key
    /// (`categroy`) fails as the missing one (`category`), and the key written is the clue.
    fn unknown_said(&self) -> String {
        let found = self.found.borrow();
        found.iter().fold(String::new(), |mut out, f| {
            use std::fmt::Write;
            let _ = write!(out, "; `{}` is not a known key", f.path.as_str());
            if let Some(s) = f.suggestion {
                let _ = write!(out, ": did you mean \"{s}\"?");
            }
            out
        })
    }

    /// Records `seg` as the misfit unless a deeper one was recorded already (errors travel
    /// outwards, so the first recorded is the innermost).
    fn failed_at(&self, seg: &Seg<'_>) {
        let mut misfit = self.misfit.borrow_mut();
        if misfit.is_none() {
            *misfit = Some(seg.path());
        }
    }
}

/// Where the watch is: a chain of keys and indices up to the root, rendered into a [`Path`]
/// only when something is found (a path per value would be an allocation per key).
#[derive(Clone, Copy)]
enum Seg<'a> {
    Root(&'a Path),
    Key(&'a Seg<'a>, &'a str),
    Index(&'a Seg<'a>, usize),
}

impl Seg<'_> {
    fn path(&self) -> Path {
        match self {
            Seg::Root(p) => (*p).clone(),
            Seg::Key(parent, key) => parent.path().field(key),
            Seg::Index(parent, i) => parent.path().index(*i),
        }
    }
}

/// Where the watch is in the input, and the field names of the struct being read there.
#[derive(Clone, Copy)]
struct Place<'a> {
    seg: &'a Seg<'a>,
    fields: &'static [&'static str],
}

/// Reads `T` from `de`, recording every unknown key under `root` into `found`.
pub fn read<'de, T, D>(de: D, root: &Path, found: &Log) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let root = Seg::Root(root);
    T::deserialize(Watch {
        de,
        at: Place {
            seg: &root,
            fields: &[],
        },
        found,
        parent: &[],
    })
}

/// [`read`] under `root[index]`, the path built only if something is found there (an element
/// of a batch: building `invoices[9999]` for every invoice read cost more than the watch).
pub fn read_element<'de, T, D>(de: D, root: &Path, index: usize, found: &Log) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let root = Seg::Root(root);
    let element = Seg::Index(&root, index);
    T::deserialize(Watch {
        de,
        at: Place {
            seg: &element,
            fields: &[],
        },
        found,
        parent: &[],
    })
}

/// Reads `T` from JSON text under `root`, with every unknown key it holds: a value of the
/// wrong type fails with its path in the caller's terms (`settings.dueDate.rule: invalid
/// type…`), not a line and column of JSON text the caller never wrote.
pub fn read_json<T: de::DeserializeOwned>(
    json: &str,
    root: &Path,
) -> Result<(T, Vec<Found>), serde_json::Error> {
    let log = Log::default();
    let mut de = serde_json::Deserializer::from_str(json);
    let value: T = read(&mut de, root, &log).map_err(|e| match log.misfit() {
        Some(at) => de::Error::custom(format_args!(
            "`{}`: {}{}",
            at.as_str(),
            crate::input::source::without_position(&e.to_string()),
            log.unknown_said()
        )),
        // A field missing at the top (`tenantId`, written `tenantid`): the unknown key is the
        // clue there too. Syntax errors keep their kind (and say nothing of keys).
        None if e.is_data() && !log.found.borrow().is_empty() => de::Error::custom(format_args!(
            "{}{}",
            crate::input::source::without_position(&e.to_string()),
            log.unknown_said()
        )),
        None => e,
    })?;
    de.end()?;
    Ok((value, log.into_found()))
}

/// [`read`] with a seed.
pub fn read_seed<'de, S, D>(seed: S, de: D, root: &Path, found: &Log) -> Result<S::Value, D::Error>
where
    S: DeserializeSeed<'de>,
    D: Deserializer<'de>,
{
    let root = Seg::Root(root);
    seed.deserialize(Watch {
        de,
        at: Place {
            seg: &root,
            fields: &[],
        },
        found,
        parent: &[],
    })
}

/// A deserializer that watches for ignored values.
struct Watch<'a, D> {
    de: D,
    at: Place<'a>,
    found: &'a Log,
    /// The field names of the struct this value is a field of (empty elsewhere): when that
    /// struct reads the value as ignored, its key is one the struct does not know.
    parent: &'static [&'static str],
}

impl<'a, D> Watch<'a, D> {
    /// A watch over a value that is no struct's field.
    fn new(de: D, at: Place<'a>, found: &'a Log) -> Self {
        Watch {
            de,
            at,
            found,
            parent: &[],
        }
    }
}

/// The visitor it hands on, so maps and sequences inside are watched too.
struct Seen<'a, V> {
    visitor: V,
    at: Place<'a>,
    found: &'a Log,
}

macro_rules! forward_plain {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(visitor)
        }
    )*};
}

macro_rules! forward_deserialize {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let Watch { de, at, found, .. } = self;
            de.$method(Seen { visitor, at, found })
        }
    )*};
}

/// Calls `$m!` with every `deserialize_*` method of a value that holds nothing inside it (no
/// key to watch below it), except strings and identifiers (which the key reader watches): the
/// watch forwards them without wrapping the visitor, so reading a scalar costs nothing extra
/// and adds no code for a wrapped visitor.
macro_rules! scalars {
    ($m:ident) => {
        $m!(
            deserialize_bool,
            deserialize_i8,
            deserialize_i16,
            deserialize_i32,
            deserialize_i64,
            deserialize_i128,
            deserialize_u8,
            deserialize_u16,
            deserialize_u32,
            deserialize_u64,
            deserialize_u128,
            deserialize_f32,
            deserialize_f64,
            deserialize_char,
            deserialize_bytes,
            deserialize_byte_buf,
            deserialize_unit
        );
    };
}

/// The four `deserialize_*` methods that take a name or a length, forwarded to `$de` with the
/// visitor as `$wrapped` (the same for the watch and the key reader).
macro_rules! forward_named {
    ($this:ident, $v:ident => $de:expr, $wrapped:expr) => {
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            $v: V,
        ) -> Result<V::Value, D::Error> {
            let $this = self;
            $de.deserialize_unit_struct(name, $wrapped)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            $v: V,
        ) -> Result<V::Value, D::Error> {
            let $this = self;
            $de.deserialize_newtype_struct(name, $wrapped)
        }

        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            len: usize,
            $v: V,
        ) -> Result<V::Value, D::Error> {
            let $this = self;
            $de.deserialize_tuple(len, $wrapped)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            len: usize,
            $v: V,
        ) -> Result<V::Value, D::Error> {
            let $this = self;
            $de.deserialize_tuple_struct(name, len, $wrapped)
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Watch<'_, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_option,
        deserialize_seq,
        deserialize_map
    );
    forward_plain!(deserialize_str, deserialize_string, deserialize_identifier);
    scalars!(forward_plain);

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        if !self.parent.is_empty() {
            let seg = self.at.seg;
            let key = match seg {
                Seg::Key(_, key) => *key,
                _ => "",
            };
            self.found.found.borrow_mut().push(Found {
                path: seg.path(),
                key: key.to_owned(),
                suggestion: suggest_key(key, self.parent),
            });
        }
        self.de.deserialize_ignored_any(visitor)
    }

    forward_named!(this, visitor => this.de, Seen { visitor, at: this.at, found: this.found });

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let Watch { de, at, found, .. } = self;
        let at = Place { fields, ..at };
        de.deserialize_struct(name, fields, Seen { visitor, at, found })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // Enums here are unit variants (a setting's value); internally tagged ones are read
        // through `deserialize_any` and deny unknown keys themselves.
        self.de.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Seen<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit!(
        visit_bool: bool, visit_i8: i8, visit_i16: i16, visit_i32: i32, visit_i64: i64,
        visit_i128: i128, visit_u8: u8, visit_u16: u16, visit_u32: u32, visit_u64: u64,
        visit_u128: u128, visit_f32: f32, visit_f64: f64, visit_char: char, visit_str: &str,
        visit_borrowed_str: &'de str, visit_string: String, visit_bytes: &[u8],
        visit_borrowed_bytes: &'de [u8], visit_byte_buf: Vec<u8>
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        let Seen { visitor, at, found } = self;
        visitor.visit_some(Watch::new(d, at, found))
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        let Seen { visitor, at, found } = self;
        visitor.visit_newtype_struct(Watch::new(d, at, found))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let Seen { visitor, at, found } = self;
        // serde's derived structs also take an array, field by field in declaration order:
        // `preview(invoices, [false])` would quietly mean `{lines: false}`. A struct is
        // written as an object; an array where one belongs is a value of the wrong type.
        if !at.fields.is_empty() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &visitor));
        }
        visitor.visit_seq(Items {
            seq,
            seg: at.seg,
            index: 0,
            found,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let Seen { visitor, at, found } = self;
        visitor.visit_map(Keys {
            map,
            at,
            key: Cow::Borrowed(""),
            found,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// A sequence's elements, each watched at `seg[index]`.
struct Items<'a, A> {
    seq: A,
    seg: &'a Seg<'a>,
    index: usize,
    found: &'a Log,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Items<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let seg = Seg::Index(self.seg, self.index);
        self.index += 1;
        let found = self.found;
        self.seq.next_element_seed(Element {
            seed,
            seg: &seg,
            found,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// Deserializes an element under its own place.
struct Element<'a, T> {
    seed: T,
    seg: &'a Seg<'a>,
    found: &'a Log,
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Element<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<T::Value, D::Error> {
        let at = Place {
            seg: self.seg,
            fields: &[],
        };
        let found = self.found;
        let seg = self.seg;
        self.seed
            .deserialize(Watch::new(de, at, found))
            .inspect_err(|_| found.failed_at(seg))
    }
}

/// A map's entries: the key is remembered (borrowed from the input when it can be), and its
/// value watched at `path.key`.
struct Keys<'a, 'de, A> {
    map: A,
    at: Place<'a>,
    key: Cow<'de, str>,
    found: &'a Log,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Keys<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(KeySeed {
            seed,
            key: &mut self.key,
        })
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let Keys {
            map,
            at,
            key,
            found,
        } = self;
        let seg = Seg::Key(at.seg, key);
        map.next_value_seed(Value {
            seed,
            seg: &seg,
            found,
            fields: at.fields,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A map value: watched, and recorded if the struct reading it ignores it (see [`Watch`]).
struct Value<'a, T> {
    seed: T,
    seg: &'a Seg<'a>,
    found: &'a Log,
    fields: &'static [&'static str],
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Value<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<T::Value, D::Error> {
        let Value {
            seed,
            seg,
            found,
            fields,
        } = self;
        let watch = Watch {
            de,
            at: Place { seg, fields: &[] },
            found,
            parent: fields,
        };
        seed.deserialize(watch)
            .inspect_err(|_| found.failed_at(seg))
    }
}

/// Reads a map key, remembering it for the value's path.
struct KeySeed<'k, 'de, K> {
    seed: K,
    key: &'k mut Cow<'de, str>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, 'de, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDe { de, key: self.key })
    }
}

/// The key's deserializer: every way a key is read records its text.
struct KeyDe<'k, 'de, D> {
    de: D,
    key: &'k mut Cow<'de, str>,
}

macro_rules! forward_key {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(KeyVisitor { visitor, key: self.key })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, 'de, D> {
    type Error = D::Error;

    forward_key!(
        deserialize_any,
        deserialize_str,
        deserialize_string,
        deserialize_identifier
    );
    forward_plain!(
        deserialize_ignored_any,
        deserialize_option,
        deserialize_seq,
        deserialize_map
    );
    scalars!(forward_plain);

    forward_named!(this, visitor => this.de, visitor);

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(name, variants, visitor)
    }
}

/// Records the key's text, then hands it on.
struct KeyVisitor<'k, 'de, V> {
    visitor: V,
    key: &'k mut Cow<'de, str>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        *self.key = Cow::Owned(v.to_owned()); // an escaped key: rare
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        *self.key = Cow::Borrowed(v);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        *self.key = Cow::Owned(v.clone());
        self.visitor.visit_string(v)
    }
}

/// The did-you-mean for an unknown key among a struct's `fields`: the options' rule
/// ([`crate::tracking_csv::suggest`], a third of the length), else, as a struct has few fields
/// and a key is a word the caller meant, a field the key begins or ends (`lineEnd` for
/// `lineEnding`, at least four characters shared) or one two edits away from a key of five
/// characters or more (`bodys` for `bodies`).
fn suggest_key(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    if let Some(s) = crate::tracking_csv::suggest(key, fields.iter().copied()) {
        return Some(s);
    }
    let typed = key.to_ascii_lowercase();
    let n = typed.chars().count();
    if !(4..=60).contains(&n) {
        return None;
    }
    let prefix = fields.iter().find(|f| {
        let f = f.to_ascii_lowercase();
        f.starts_with(&typed) || (f.len() >= 4 && typed.starts_with(&f))
    });
    if prefix.is_some() || n < 5 {
        return prefix.copied();
    }
    let typed: Vec<char> = typed.chars().collect();
    fields.iter().copied().find(|f| {
        let f: Vec<char> = f.to_ascii_lowercase().chars().collect();
        crate::tracking_csv::edit_distance(&typed, &f) <= 2
    })
}
