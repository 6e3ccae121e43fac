//! Exact money: parsing the host's numbers and rounding as Xero does.
//!
//! Amounts are `rust_decimal::Decimal` end to end. A JS host may give a number as a string
//! (`"25.06"`) or as a JS number (`25.06`); a number is taken through its shortest decimal
//! representation (the text `String(25.06)` prints), never through float arithmetic. NaN,
//! ±Infinity and text that is not a number are not errors at parse time: they become [`Num::Invalid`]
//! so the caller can report them as issues with a path, alongside every other problem.
//!
//! [`totals`] holds Xero's per-line and per-document arithmetic: resolving needs it to tell an
//! invoice from a credit note, building to preview the totals, so it sits here, below both.

pub mod totals;
pub(crate) mod whole;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use crate::issues::{Issue, IssueCode};

/// Rounds half away from zero, as Xero does ("2.165 rounded up to 2.17").
///
/// `Decimal::round_dp` is banker's rounding (2.165 → 2.16), which is why it must never be used
/// for money here. Negative midpoints round symmetrically (−2.165 → −2.17); Xero does not
/// document them (reference §3.1 rule 3, UNVERIFIED), and symmetric is the safe choice because
/// a credit note of −x then mirrors an invoice of x.
pub fn round_half_away(value: Decimal, dp: u32) -> Decimal {
    round_small(value, dp)
        .unwrap_or_else(|| value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}

/// 10^n for n in 0..=19 (every power of ten a `u64` holds).
const POW10: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
];

/// [`round_half_away`] of a value whose mantissa fits in 64 bits, with one `u64` division:
/// the same `Decimal` (mantissa, scale, sign) `round_dp_with_strategy` gives, which works on
/// three 32-bit limbs (dividing, multiplying back, subtracting and comparing with a built-up
/// half). Why: a line's tax is rounded so on every line, ~175 instructions each (callgrind,
/// bench workload). `None` (the general path decides) when the mantissa is wider, the shift is
/// past 10^19, or the result is zero (whose sign `rust_decimal` settles).
fn round_small(value: Decimal, dp: u32) -> Option<Decimal> {
    let scale = value.scale();
    if scale <= dp {
        return Some(value); // what `round_dp_with_strategy` returns too
    }
    let m = u64::try_from(value.mantissa().unsigned_abs()).ok()?;
    let d = *POW10.get(usize::try_from(scale - dp).ok()?)?;
    let (q, rem) = (m / d, m % d);
    // Half away from zero: up when the remainder is at least half of `d` (2·rem ≥ d).
    let q = if rem >= d - rem { q + 1 } else { q };
    if q == 0 {
        return None;
    }
    let (lo, mid) = (q as u32, (q >> 32) as u32);
    Some(Decimal::from_parts(
        lo,
        mid,
        0,
        value.is_sign_negative(),
        dp,
    ))
}

/// Whether [`round_half_away`] gives the Decimal (its 16 bytes) `round_dp_with_strategy`
/// gives, on a value made from `data`: a mantissa from its first 12 bytes, then a scale, a
/// sign and the places to round to from the next three (`true` when `data` is shorter). For
/// the `amounts` fuzz target, on arbitrary values.
#[doc(hidden)]
pub fn round_agrees_with_general(data: &[u8]) -> bool {
    let (Some(m), Some(&[scale, sign, dp])) = (data.get(..12), data.get(12..15)) else {
        return true;
    };
    let mut wide = [0u8; 16];
    if let Some(low) = wide.get_mut(..12) {
        low.copy_from_slice(m);
    }
    let mantissa = i128::from_le_bytes(wide);
    let Ok(mut value) = Decimal::try_from_i128_with_scale(mantissa, u32::from(scale % 29)) else {
        return true;
    };
    value.set_sign_negative(sign & 1 == 1);
    rounds_as_general(value, u32::from(dp % 29))
}

/// [`round_half_away`] of `value` is `round_dp_with_strategy`'s Decimal, byte for byte.
fn rounds_as_general(value: Decimal, dp: u32) -> bool {
    let general = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    round_half_away(value, dp).serialize() == general.serialize()
}

/// Two-decimal money rounding (Xero's summary values are always 2 dp).
pub fn round2(value: Decimal) -> Decimal {
    round_half_away(value, 2)
}

/// The value with exactly `dp` decimal places, for display (`40` → `"40.00"`).
///
/// Only used on values already rounded to at most `dp` places, so no rounding happens here.
pub fn fixed(value: Decimal, dp: u32) -> String {
    text(at_places(value, dp))
}

/// `value` rounded (half away from zero) and rescaled to exactly `dp` places.
///
/// A value already at `dp` places (a line's amount and tax, most unit amounts) is returned as
/// it is, which is what rounding and rescaling it give: the two calls were 0.8k instructions
/// an invoice of display data (callgrind, bench workload: display 86.6k → 85.5k, bodies
/// 71.7k → 71.5k).
fn at_places(value: Decimal, dp: u32) -> Decimal {
    if value.scale() == dp {
        return value;
    }
    let mut v = round_half_away(value, dp);
    v.rescale(dp);
    v
}

/// [`fixed`] as inline text (no allocation: money up to 23 characters, which every amount Xero
/// accepts is).
pub fn fixed_text(value: Decimal, dp: u32) -> crate::Text {
    text_inline(at_places(value, dp))
}

/// The exact decimal text of `value` at its own scale (`20.10` stays `20.10`).
///
/// Written from the mantissa with integer arithmetic: amounts are formatted for every line of
/// every document, and `Decimal`'s `Display` goes through the general formatting machinery.
pub fn text(value: Decimal) -> String {
    Digits::new().format(value).to_owned()
}

/// [`text`] as inline text (no allocation up to 23 characters).
pub fn text_inline(value: Decimal) -> crate::Text {
    // From the ASCII bytes as characters: no UTF-8 check (display lines hold six amounts).
    Digits::new()
        .fill(value)
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

/// Appends [`text`] of `value` to `out` (request bodies are written straight into one buffer).
///
/// Byte by byte rather than as a `&str`: the digits are ASCII, and checking that they are
/// UTF-8 cost more than writing them (amounts are written for every line of every body).
pub fn push_text(out: &mut String, value: Decimal) {
    let mut digits = Digits::new();
    let bytes = digits.fill(value);
    out.reserve(bytes.len());
    for &b in bytes {
        out.push(char::from(b));
    }
}

/// Appends [`fixed`] of `value` to `out`.
pub fn push_fixed(out: &mut String, value: Decimal, dp: u32) {
    push_text(out, at_places(value, dp));
}

/// A stack buffer a decimal's text is written into, last digit first.
struct Digits {
    /// A u128 mantissa has at most 39 digits, plus the leading `0`, the point and the sign.
    buf: [u8; 48],
    start: usize,
}

impl Digits {
    fn new() -> Digits {
        Digits {
            buf: [0; 48],
            start: 48,
        }
    }

    fn put(&mut self, b: u8) {
        if let Some(slot) = self.start.checked_sub(1).and_then(|i| self.buf.get_mut(i)) {
            *slot = b;
            self.start -= 1;
        }
    }

    /// The text of `value`: at least one digit before the point, `scale` digits after it.
    fn format(&mut self, value: Decimal) -> &str {
        // Only ASCII digits, '.' and '-' are written.
        std::str::from_utf8(self.fill(value)).unwrap_or_default()
    }

    /// [`Digits::format`] as bytes (ASCII).
    fn fill(&mut self, value: Decimal) -> &[u8] {
        let scale = value.scale();
        let mantissa = value.mantissa();
        let mut wide = mantissa.unsigned_abs();
        let mut written = 0;
        // Digits beyond 64 bits (rare) with u128 arithmetic, the rest with u64 (much cheaper,
        // notably in wasm, where a u128 division is a library call).
        while wide > u128::from(u64::MAX) {
            // The remainder of a division by 10 is a single digit.
            self.put(b'0' + (wide % 10) as u8);
            wide /= 10;
            written += 1;
            if written == scale {
                self.put(b'.');
            }
        }
        let mut n = u64::try_from(wide).unwrap_or_default();
        loop {
            self.put(b'0' + (n % 10) as u8);
            n /= 10;
            written += 1;
            if written == scale {
                self.put(b'.');
            }
            if n == 0 && written > scale {
                break;
            }
        }
        if mantissa < 0 {
            self.put(b'-');
        }
        self.buf.get(self.start..).unwrap_or_default()
    }
}

/// ISO 4217 currencies with no minor unit (exponent 0) that can be priced in: yen, won and the
/// others a payer cannot pay a fraction of.
const ZERO_DECIMAL_CURRENCIES: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Whether `code` (any case) is an ISO 4217 currency without decimals.
pub fn is_zero_decimal_currency(code: &str) -> bool {
    let code = code.trim();
    ZERO_DECIMAL_CURRENCIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(code))
}

/// Number of decimal places actually used (trailing zeros do not count: `"2.50"` has 1).
pub fn decimal_places(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// Why a host number could not be taken as a decimal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumError {
    /// NaN or ±Infinity.
    NotFinite,
    /// Text that is not a decimal number; the text is kept for the message.
    NotANumber(String),
    /// A number, but beyond what any Xero amount or quantity can be (more than 28 significant
    /// digits, or an exponent past 10²⁸ or below 10⁻²⁸); the text is kept for the message.
    OutOfRange(String),
}

/// A number from the host: an exact decimal, or why it is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "DecimalInput", type = "string | number"))]
pub enum Num {
    /// The exact value.
    Value(Decimal),
    /// Not a usable number; reported as an issue by whoever reads the field.
    Invalid(NumError),
}

impl Num {
    /// The value, if valid.
    pub fn value(&self) -> Option<Decimal> {
        match self {
            Num::Value(v) => Some(*v),
            Num::Invalid(_) => None,
        }
    }

    /// Parses decimal text: optional sign, digits, optional fraction, optional exponent
    /// (`1e+21` is how JS prints large numbers). Surrounding whitespace is not accepted:
    /// `" 12"` is more likely a mistake than an amount.
    pub fn parse(text: &str) -> Num {
        match parse_number(text) {
            Parsed::Value(v) => Num::Value(v),
            Parsed::OutOfRange => Num::Invalid(NumError::OutOfRange(text.to_owned())),
            Parsed::NotANumber => Num::Invalid(NumError::NotANumber(text.to_owned())),
        }
    }

    /// Checks the value against a field's decimal places and reports an issue if invalid.
    ///
    /// Returns the value when usable. `field` names the field for people ("quantity").
    pub fn check(
        &self,
        path: &str,
        field: &str,
        max_dp: u32,
        issues: &mut Vec<Issue>,
    ) -> Option<Decimal> {
        self.check_at(|| path.to_owned(), field, max_dp, issues)
    }

    /// [`Num::check`] with the path built only when there is something to report.
    pub fn check_at(
        &self,
        path: impl FnOnce() -> String,
        field: &str,
        max_dp: u32,
        issues: &mut Vec<Issue>,
    ) -> Option<Decimal> {
        match self {
            Num::Invalid(NumError::NotFinite) => {
                issues.push(Issue::error(
                    IssueCode::NumberNotFinite,
                    path(),
                    format!("The {field} is not a finite number (NaN or Infinity). Send a decimal such as \"12.50\"."),
                ));
                None
            }
            Num::Invalid(NumError::NotANumber(text)) => {
                let text = shown(text);
                issues.push(Issue::error(
                    IssueCode::NumberInvalid,
                    path(),
                    format!("The {field} \"{text}\" is not a decimal number. Use digits with a dot, e.g. \"1234.50\", without thousands separators or currency symbols."),
                ));
                None
            }
            Num::Invalid(NumError::OutOfRange(text)) if beyond_by_places(text) => {
                issues.push(Issue::error(
                    IssueCode::TooManyDecimals,
                    path(),
                    format!("The {field} {} has more decimal places than any amount can hold; Xero accepts at most {max_dp}. Round it in your application so the amount you show is the amount Xero stores.", shown(text)),
                ));
                None
            }
            Num::Invalid(NumError::OutOfRange(text)) => {
                let text = shown(text);
                issues.push(Issue::error(
                    IssueCode::NumberOutOfRange,
                    path(),
                    format!("The {field} {text} is out of range: Xero accepts amounts up to 9,999,999,999.99. Check the value in your application."),
                ));
                None
            }
            // Its scale bounds its decimal places (normalising only lowers it): within the
            // limit, nothing to normalise (two a line, callgrind, bench input).
            Num::Value(v) if v.scale() <= max_dp => Some(*v),
            Num::Value(v) => {
                let dp = decimal_places(*v);
                if dp > max_dp {
                    issues.push(Issue::error(
                        IssueCode::TooManyDecimals,
                        path(),
                        format!("The {field} {v} has {dp} decimal places; Xero accepts at most {max_dp}. Round it in your application so the amount you show is the amount Xero stores."),
                    ));
                    None
                } else {
                    Some(*v)
                }
            }
        }
    }
}

impl Serialize for Num {
    /// As exact decimal text; an invalid value as the text it came from (NaN as `"NaN"`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Num::Value(v) => s.collect_str(v),
            Num::Invalid(NumError::NotFinite) => s.serialize_str("NaN"),
            Num::Invalid(NumError::NotANumber(t) | NumError::OutOfRange(t)) => s.serialize_str(t),
        }
    }
}

impl From<Decimal> for Num {
    fn from(value: Decimal) -> Self {
        Num::Value(value)
    }
}

/// Parses decimal text exactly; `None` when it is not a number or does not fit a Decimal.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    match parse_number(text) {
        Parsed::Value(v) => Some(v),
        Parsed::OutOfRange | Parsed::NotANumber => None,
    }
}

/// What a host's number text is.
enum Parsed {
    Value(Decimal),
    /// Well-formed, but no Decimal holds it exactly.
    OutOfRange,
    NotANumber,
}

/// At most this many characters of a caller's value are echoed in a message: a 1 MB quantity
/// must not make a 1 MB message.
const SHOWN_CHARS: usize = 40;

/// `text` for a message: itself when short, else its start, an ellipsis and its length.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters)",
            text.get(..cut).unwrap_or_default(),
            text.chars().count()
        )),
    }
}

fn parse_number(text: &str) -> Parsed {
    if let Some(value) = plain_decimal(text) {
        return Parsed::Value(value);
    }
    parse_general(text)
}

/// Every number text [`plain_decimal`] leaves: exponents, `+`, `.5`, zero, long digit runs and
/// text that is no number at all.
fn parse_general(text: &str) -> Parsed {
    if !is_number_text(text) {
        return Parsed::NotANumber;
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_or(Parsed::OutOfRange, Parsed::Value)
}

/// Digits of a [`plain_decimal`] at most: 18 always fit an `i64` mantissa (and a Decimal's 96 bits).
const PLAIN_DIGITS: usize = 18;

/// The shape nearly every host amount has, `-?digits(.digits)?` with at most [`PLAIN_DIGITS`]
/// digits and not zero, read in one pass: the same Decimal (mantissa, scale and sign) as
/// [`parse_general`] gives, which checks the text's shape and then scans it again digit by digit
/// (each line's amounts are read with this: that was a tenth of reading an invoice). `None` for
/// any other text, left to [`parse_general`]; zero too, whose sign is its to decide.
fn plain_decimal(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    let (negative, unsigned) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // Digits plus at most one point: longer text is longer than PLAIN_DIGITS digits anyway.
    if unsigned.len() > PLAIN_DIGITS + 1 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut point = None;
    for (i, &b) in unsigned.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa.checked_mul(10)?.checked_add(i64::from(digit))?;
        } else if b == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let scale = match point {
        // At least one digit on each side of the point, at most PLAIN_DIGITS in all.
        Some(p) if p > 0 && p + 1 < unsigned.len() => unsigned.len() - p - 1,
        None if unsigned.len() <= PLAIN_DIGITS => 0,
        _ => return None,
    };
    if mantissa == 0 {
        return None;
    }
    let signed = if negative {
        mantissa.checked_neg()?
    } else {
        mantissa
    };
    Decimal::try_new(signed, u32::try_from(scale).ok()?).ok()
}

/// Whether [`plain_decimal`] agrees with [`parse_general`] on `text`: the same value, scale and
/// sign (the Decimal's 16 bytes) whenever it reads it. For the `amounts` fuzz target and the
/// property test, which try it on arbitrary text.
#[doc(hidden)]
pub fn plain_agrees_with_general(text: &str) -> bool {
    match (plain_decimal(text), parse_general(text)) {
        (None, _) => true,
        (Some(fast), Parsed::Value(general)) => fast.serialize() == general.serialize(),
        (Some(_), Parsed::OutOfRange | Parsed::NotANumber) => false,
    }
}

/// Whether number text no Decimal holds is beyond it by its places rather than its size: its
/// magnitude is below 10^28 (a Decimal's whole part holds that), so what no Decimal holds is
/// its fraction (`5e-324`, a float's residue `5.551115123125783e-17`, 30 places).
fn beyond_by_places(text: &str) -> bool {
    let unsigned = text.trim_start_matches(['-', '+']);
    let (mantissa, exponent) = unsigned.split_once(['e', 'E']).unwrap_or((unsigned, "0"));
    // An exponent past i64 is past any Decimal either way: its sign says which way.
    let exponent = exponent
        .parse::<i64>()
        .unwrap_or(if exponent.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let whole = whole.trim_start_matches('0');
    // Where the first significant digit is: the whole part's digits, or minus the zeros that
    // start the fraction.
    let zeros = fraction.len() - fraction.trim_start_matches('0').len();
    let position = if whole.is_empty() {
        -i64::try_from(zeros).unwrap_or(i64::MAX)
    } else {
        i64::try_from(whole.len()).unwrap_or(i64::MAX)
    };
    position.saturating_add(exponent) <= 28
}

/// Optional sign, digits, optional fraction, optional exponent; nothing else.
fn is_number_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    {
        let mut i = 0;
        if matches!(bytes.first(), Some(b'-' | b'+')) {
            i += 1;
        }
        let int_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let mut digits = i - int_start;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            let frac_start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            digits += i - frac_start;
        }
        let mut ok = digits > 0;
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'-' | b'+')) {
                i += 1;
            }
            let exp_start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            ok &= i > exp_start;
        }
        ok && i == bytes.len()
    }
}

/// The shortest decimal text of a float, as JS prints it, then parsed exactly.
///
/// This is the single place a float is touched. From the package, JS numbers arrive as the
/// text `JSON.stringify` wrote (their shortest round-trip form) and never reach here; a Rust
/// caller whose deserializer hands over a float gets the same treatment: the decimal the user
/// typed (`0.1`, not `0.1000000000000000055…`), no arithmetic on the float.
fn num_from_js_number(value: f64) -> Num {
    if !value.is_finite() {
        return Num::Invalid(NumError::NotFinite);
    }
    // Rust's Display for f64 prints the shortest representation that round-trips, without
    // an exponent, which is exactly what `Decimal::from_str_exact` reads.
    let text = value.to_string();
    Num::parse(&text)
}

/// The one reading of a host number (also used by the CSV export's cells, which are text,
/// booleans or numbers).
pub(crate) struct NumVisitor;

/// The key the JS entry uses for a number that is not finite.
pub const NON_FINITE_TOKEN: &str = "$nonFinite";

/// serde_json's private key for numbers kept as text (feature `arbitrary_precision`).
const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a decimal string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        Ok(Num::parse(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num::Value(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num::Value(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(num_from_js_number(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
        // serde_json with arbitrary_precision hands numbers over as a one-entry map whose
        // value is the exact text of the number.
        match map.next_key::<NumKey>()? {
            Some(NumKey::Number) => {
                let text: String = map.next_value()?;
                Ok(Num::parse(&text))
            }
            // JSON has no NaN or ±Infinity: the package's JS entry writes a JS number that is not
            // finite as `{"$nonFinite": "NaN"}` so that it is reported, not mistaken for null.
            Some(NumKey::NonFinite) => {
                let _: IgnoredAny = map.next_value()?;
                Ok(Num::Invalid(NumError::NotFinite))
            }
            Some(NumKey::Other) | None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

/// The key of a map read as a number, told apart where it lies: read as a `String` (as it
/// was), it cost an allocation for every JSON number with a fraction or an exponent.
pub(crate) enum NumKey {
    /// serde_json's key for a number kept as text.
    Number,
    /// [`NON_FINITE_TOKEN`].
    NonFinite,
    /// Any other key: the map is not a number.
    Other,
}

impl<'de> Deserialize<'de> for NumKey {
    /// Read as `String` reads itself (`deserialize_string`, the same expectation and errors),
    /// without keeping the text.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(NumKeyVisitor)
    }
}

/// [`NumKey`]'s visitor: `String`'s, comparing instead of copying.
struct NumKeyVisitor;

impl<'de> Visitor<'de> for NumKeyVisitor {
    type Value = NumKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<NumKey, E> {
        Ok(match v {
            JSON_NUMBER_TOKEN => NumKey::Number,
            NON_FINITE_TOKEN => NumKey::NonFinite,
            _ => NumKey::Other,
        })
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<NumKey, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(de::Error::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumVisitor)
    }
}

/// Deserialises a Decimal from a number or string, failing (misuse) on anything invalid.
///
/// For Xero's own data (snapshot, responses), where a malformed amount means the input is
/// not a Xero body at all.
pub fn de_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    match Num::deserialize(deserializer)? {
        Num::Value(v) => Ok(v),
        Num::Invalid(NumError::NotFinite) => Err(de::Error::custom("number is not finite")),
        Num::Invalid(NumError::NotANumber(t)) => Err(de::Error::custom(format!(
            "\"{}\" is not a decimal number",
            shown(&t)
        ))),
        Num::Invalid(NumError::OutOfRange(t)) => Err(de::Error::custom(format!(
            "{} is out of range for an amount",
            shown(&t)
        ))),
    }
}

/// Like [`de_decimal`] for optional fields (`null` or absent → `None`).
pub fn de_opt_decimal<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    match Option::<Num>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Num::Value(v)) => Ok(Some(v)),
        Some(Num::Invalid(NumError::NotFinite)) => Err(de::Error::custom("number is not finite")),
        Some(Num::Invalid(NumError::NotANumber(t))) => Err(de::Error::custom(format!(
            "\"{}\" is not a decimal number",
            shown(&t)
        ))),
        Some(Num::Invalid(NumError::OutOfRange(t))) => Err(de::Error::custom(format!(
            "{} is out of range for an amount",
            shown(&t)
        ))),
    }
}

/// Parses a decimal from text the library itself controls (tests, constants).
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The `u64` fast path of [`round_half_away`] gives the general rounding's very Decimal
    /// (mantissa, scale, sign; zeros and negative zeros included) around every midpoint, at
    /// every scale and number of places, up to and past 64-bit mantissas.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn round_small_is_the_general_rounding() {
        assert!(POW10.windows(2).all(|w| w[1] == w[0] * 10));
        let max = i128::from(u64::MAX);
        let mut mantissas: Vec<i128> = (0..=120).collect();
        for base in [
            1_000,
            5_000,
            15_000,
            2_013 * 150_000,
            10_i128.pow(18),
            10_i128.pow(19),
            max / 2,
            max,
        ] {
            mantissas.extend(base - 6..=base + 6);
        }
        mantissas.extend([max + 1, max * 10 + 5, 10_i128.pow(27) + 5]);
        for m in mantissas.into_iter().filter(|m| *m >= 0) {
            for scale in 0..=28 {
                for negative in [false, true] {
                    let Ok(mut v) = Decimal::try_from_i128_with_scale(m, scale) else {
                        continue;
                    };
                    v.set_sign_negative(negative);
                    for dp in 0..=28 {
                        assert!(rounds_as_general(v, dp), "{v:?} at {dp}");
                    }
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn rounding_is_half_away_from_zero_not_bankers() {
        // Reference §15 oracle 2 (C-ROUND).
        assert_eq!(round2(d("2.165")), d("2.17"));
        assert_eq!(round2(d("2.164")), d("2.16"));
        assert_eq!(round2(d("1.105")), d("1.11"));
        assert_eq!(round2(d("-2.165")), d("-2.17"));
        assert_eq!(round_half_away(d("0.06125"), 4), d("0.0613"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn js_numbers_go_through_their_shortest_text() {
        assert_eq!(num_from_js_number(0.1), Num::Value(d("0.1")));
        assert_eq!(num_from_js_number(25.06), Num::Value(d("25.06")));
        assert_eq!(
            num_from_js_number(1e21),
            Num::Value(d("1000000000000000000000"))
        );
        assert_eq!(
            num_from_js_number(f64::NAN),
            Num::Invalid(NumError::NotFinite)
        );
        assert_eq!(
            num_from_js_number(f64::INFINITY),
            Num::Invalid(NumError::NotFinite)
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn text_parsing_is_strict_and_exact() {
        assert_eq!(parse_decimal("12.50"), Some(d("12.50")));
        assert_eq!(parse_decimal("-0.5"), Some(d("-0.5")));
        assert_eq!(parse_decimal("+3"), Some(d("3")));
        assert_eq!(parse_decimal("1e+21"), Some(d("1000000000000000000000")));
        assert_eq!(parse_decimal(".5"), Some(d("0.5")));
        for bad in ["", "1,000", "abc", " 1", "1.2.3", "e5", "-", "NaN", "1e"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    /// The one-pass reading of plain amounts gives the general path's Decimal byte for byte
    /// (scale and sign included), and leaves every other shape to it.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn plain_amounts_read_as_the_general_path_does() {
        for t in [
            "25.06",
            "-25.06",
            "1",
            "-1",
            "0.5",
            "007.50",
            "20.10",
            "-0.001",
            "123456789012345678",
            "-123456789012345678",
            "12345678901234567.8",
            "0.00000000000000001",
            "9999999999.99",
        ] {
            let fast = plain_decimal(t).unwrap();
            assert_eq!(
                fast.serialize(),
                Decimal::from_str_exact(t).unwrap().serialize(),
                "{t}"
            );
            assert!(plain_agrees_with_general(t), "{t}");
        }
        for t in [
            "",
            "-",
            ".",
            "0",
            "-0",
            "0.00",
            "-0.00",
            "+1",
            ".5",
            "5.",
            "-.5",
            "1e5",
            "1.2.3",
            "1,000",
            " 1",
            "1 ",
            "--1",
            "1234567890123456789",
            "0.000000000000000001",
            "١",
        ] {
            assert_eq!(plain_decimal(t), None, "{t:?}");
            assert!(plain_agrees_with_general(t), "{t:?}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn json_numbers_stay_exact() {
        let n: Num = serde_json::from_str("87.7400000000000000001").unwrap();
        assert_eq!(n, Num::Value(d("87.7400000000000000001")));
        let n: Num = serde_json::from_str("\"2.165\"").unwrap();
        assert_eq!(n, Num::Value(d("2.165")));
        let n: Num = serde_json::from_str(r#"{"$nonFinite": "-Infinity"}"#).unwrap();
        assert_eq!(n, Num::Invalid(NumError::NotFinite));
        assert!(serde_json::from_str::<Num>(r#"{"other": 1}"#).is_err());
        // The number's map key is compared without being copied; the errors stay word for word.
        for (json, message) in [
            (
                r#"{"other": 1}"#,
                "invalid type: map, expected a number or a decimal string at line 1 column 8",
            ),
            (
                "{}",
                "invalid type: map, expected a number or a decimal string at line 1 column 2",
            ),
        ] {
            assert_eq!(
                serde_json::from_str::<Num>(json).unwrap_err().to_string(),
                message
            );
        }
        let n: Num = serde_json::from_str("-1.5e-3").unwrap();
        assert_eq!(n, Num::Value(d("-0.0015")));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn check_reports_each_problem_as_an_issue() {
        let mut issues = Vec::new();
        assert_eq!(
            Num::parse("1.234").check("p", "unit amount", 2, &mut issues),
            None
        );
        assert_eq!(
            Num::parse("x").check("p", "unit amount", 2, &mut issues),
            None
        );
        assert_eq!(
            Num::Invalid(NumError::NotFinite).check("p", "unit amount", 2, &mut issues),
            None
        );
        assert_eq!(
            Num::parse("1.50").check("p", "unit amount", 1, &mut issues),
            Some(d("1.50"))
        );
        let codes: Vec<_> = issues.iter().map(|i| i.code).collect();
        assert_eq!(
            codes,
            [
                IssueCode::TooManyDecimals,
                IssueCode::NumberInvalid,
                IssueCode::NumberNotFinite
            ]
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn fixed_pads_to_the_places_asked() {
        for t in [
            "0",
            "0.00",
            "-0.5",
            "20.10",
            "-1234567.8901",
            "0.0612",
            "9999999999.99",
            "79228162514264337593543950335",
            "-0.000000001",
        ] {
            assert_eq!(text(d(t)), d(t).to_string(), "{t}");
        }
        assert_eq!(fixed(d("40"), 2), "40.00");
        assert_eq!(fixed(d("87.74"), 2), "87.74");
        assert_eq!(fixed(d("-0.5"), 2), "-0.50");
    }

    /// A value already at its places is what rounding and rescaling it give, sign and all.
    #[test]
    fn a_value_at_its_places_is_kept_as_it_is() {
        for t in ["0.00", "-0.00", "12.34", "-12.35", "0.0001", "-7.1250", "5"] {
            let v = d(t);
            let dp = v.scale();
            let mut slow = round_half_away(v, dp);
            slow.rescale(dp);
            let fast = at_places(v, dp);
            assert_eq!(fast.serialize(), slow.serialize(), "{t}");
        }
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    fn message(num: &Num) -> (IssueCode, String) {
        let mut issues = Vec::new();
        assert_eq!(num.check("x", "quantity", 4, &mut issues), None);
        let i = issues.pop().unwrap();
        (i.code, i.message)
    }

    /// Regression: numbers too large for any amount said "not a decimal number", and echoed
    /// the whole value however long.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn well_formed_but_too_large_is_out_of_range() {
        for text in [
            "1e400",
            "1e308",
            &"9".repeat(40),
            "79228162514264337593543950336",
            "-1.5e29",
        ] {
            let (code, msg) = message(&Num::parse(text));
            assert_eq!(code, IssueCode::NumberOutOfRange, "{text}");
            assert!(msg.contains("out of range"), "{msg}");
        }
        assert_eq!(
            message(&num_from_js_number(1e308)).0,
            IssueCode::NumberOutOfRange
        );
        assert_eq!(message(&Num::parse("1,000")).0, IssueCode::NumberInvalid);
        let (code, msg) = message(&Num::parse(&"x".repeat(1_000_000)));
        assert_eq!(code, IssueCode::NumberInvalid);
        assert!(msg.len() < 300, "a {}-byte message", msg.len());
        assert!(msg.contains("(1000000 characters)"), "{msg}");
    }

    /// Regression: a number too small or too precise for any Decimal (a JS float residue such
    /// as `0.1 * 3 - 0.3`, `5e-324`, more than 28 places) was "out of range: Xero accepts
    /// amounts up to 9,999,999,999.99", which says the amount is too large. Its problem is its
    /// decimal places: `TOO_MANY_DECIMALS`, saying how many the field takes.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn too_small_or_too_precise_is_too_many_decimals() {
        for num in [
            Num::parse("5.551115123125783e-17"),
            Num::parse("5e-324"),
            Num::parse("-1E-30"),
            Num::parse("1.00000000000000000000000000000001"),
            Num::parse("1234567890123456789012345678.91"),
            num_from_js_number(5e-324),
        ] {
            let (code, msg) = message(&num);
            assert_eq!(code, IssueCode::TooManyDecimals, "{num:?}");
            assert!(msg.contains("at most 4"), "{msg}");
            assert!(!msg.contains("9,999,999,999.99"), "{msg}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn shown_cuts_on_a_character_boundary() {
        assert_eq!(shown("short"), "short");
        let long = "é".repeat(100);
        let s = shown(&long);
        assert!(
            s.starts_with(&"é".repeat(40)) && s.ends_with("… (100 characters)"),
            "{s}"
        );
    }
}
