//! Calendar dates and payment terms.
//!
//! Xero document dates are calendar dates: requests carry `YYYY-MM-DD` (never a datetime,
//! whose offset can shift the day), responses carry `/Date(ms+0000)/` at UTC midnight. The
//! library reads no clock: every date comes from the input.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "IsoDate", type = "string"))]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// A date, if it exists in the calendar (years 1..=9999).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// Year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Month, 1-12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// Day of month.
    pub fn day(self) -> u32 {
        self.day
    }

    /// Parses exactly these forms, and nothing around them (no spaces, no trailing text):
    /// - `YYYY-MM-DD`;
    /// - `YYYY-MM-DDThh:mm:ss`, optionally with a fraction (`.fff`) and `Z` or `±hh:mm` (Xero's
    ///   `DateString`, and what `Date.toISOString()` gives): the date as written;
    /// - Xero's `/Date(ms+hhmm)/`.
    ///
    /// A time that is not a time of day (`T25:00:00`) makes the whole text no date.
    pub fn parse(text: &str) -> Option<Date> {
        if let Some(inner) = text
            .strip_prefix("/Date(")
            .and_then(|t| t.strip_suffix(")/"))
        {
            return Date::from_ms_date(inner);
        }
        let (date_part, time) = match text.split_at_checked(10) {
            Some((d, "")) => (d, None),
            Some((d, t)) => (d, Some(t.strip_prefix('T')?)),
            None => return None,
        };
        if let Some(t) = time {
            if !is_time_of_day(t) {
                return None;
            }
        }
        let mut parts = date_part.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4
            || m.len() != 2
            || d.len() != 2
            || !date_part.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
        {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// `ms+hhmm` (or `ms` alone) → the calendar date at that instant in that offset.
    fn from_ms_date(inner: &str) -> Option<Date> {
        let split = inner.get(1..)?.find(['+', '-']).map(|i| i + 1);
        let (ms, offset) = match split {
            Some(i) => (inner.get(..i)?, inner.get(i..)),
            None => (inner, None),
        };
        let ms: i64 = ms.parse().ok()?;
        let offset_ms: i64 = match offset {
            Some(o) if o.len() == 5 => {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let hh: i64 = o.get(1..3)?.parse().ok()?;
                let mm: i64 = o.get(3..5)?.parse().ok()?;
                sign * (hh * 60 + mm) * 60_000
            }
            Some(_) => return None,
            None => 0,
        };
        let days = (ms.checked_add(offset_ms)?).div_euclid(86_400_000);
        Date::from_days(days)
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if within years 1..=9999.
    pub fn from_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::new(
            i32::try_from(y).ok()?,
            u32::try_from(m).ok()?,
            u32::try_from(d).ok()?,
        )
    }

    /// The date `n` days later (or earlier for negative `n`).
    pub fn add_days(self, n: i64) -> Option<Date> {
        Date::from_days(self.to_days().checked_add(n)?)
    }

    /// Xero's `/Date(ms+0000)/` form of this date at UTC midnight.
    pub fn to_ms_date(self) -> String {
        format!("/Date({}+0000)/", self.to_days() * 86_400_000)
    }

    /// The first day of the month after this date's month.
    fn next_month(self) -> (i32, u32) {
        if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        }
    }

    /// Day `day` of the given month, clamped to the month's last day (day 31 in February →
    /// the 28th or 29th).
    fn clamped(year: i32, month: u32, day: u32) -> Option<Date> {
        Date::new(year, month, day.clamp(1, days_in_month(year, month)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// `YYYY-MM-DD` on the stack: dates are written for every document (request body, preview),
/// and going through the formatting machinery cost more than the rest of the date's work.
struct DateText([u8; 10]);

impl DateText {
    fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written (see `Date::text`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Date {
    /// The date as `YYYY-MM-DD`.
    fn text(&self) -> DateText {
        let mut buf = *b"0000-00-00";
        // Years are 1..=9999 (see `Date::new`), so four digits always suffice.
        for (value, at, width) in [
            (self.year.unsigned_abs(), 0, 4),
            (self.month, 5, 2),
            (self.day, 8, 2),
        ] {
            let mut v = value;
            for i in (at..at + width).rev() {
                if let Some(slot) = buf.get_mut(i) {
                    *slot = b'0' + (v % 10) as u8;
                }
                v /= 10;
            }
        }
        DateText(buf)
    }

    /// Appends `"YYYY-MM-DD"` (quoted) to a JSON buffer.
    ///
    /// Byte by byte rather than as a `&str`: the text is ASCII, and checking that it is UTF-8
    /// cost more than writing it (two or three dates in every body and preview).
    pub fn push_json(&self, out: &mut String) {
        out.reserve(12);
        out.push('"');
        self.push_text(out);
        out.push('"');
    }

    /// Appends `YYYY-MM-DD` (unquoted), byte by byte as [`Date::push_json`] does.
    pub fn push_text(&self, out: &mut String) {
        for b in self.text().0 {
            out.push(char::from(b));
        }
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text().as_str())
    }
}

/// Xero's four payment-term rules (`PaymentTermType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentTermType {
    /// n day(s) after the invoice date.
    #[serde(rename = "DAYSAFTERBILLDATE")]
    DaysAfterBillDate,
    /// n day(s) after the end of the invoice month.
    #[serde(rename = "DAYSAFTERBILLMONTH")]
    DaysAfterBillMonth,
    /// Day n of the invoice's month.
    #[serde(rename = "OFCURRENTMONTH")]
    OfCurrentMonth,
    /// Day n of the month after the invoice's.
    #[serde(rename = "OFFOLLOWINGMONTH")]
    OfFollowingMonth,
}

/// A payment term: a rule and its day number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerm {
    /// The day number (`Day` in Xero, 0–31).
    #[serde(rename = "Day", alias = "day")]
    pub day: u32,
    /// The rule.
    #[serde(rename = "Type", alias = "type")]
    pub kind: PaymentTermType,
}

impl PaymentTerm {
    /// The due date for an invoice dated `date`.
    ///
    /// The rules follow Xero's names (reference §8, DERIVED). Month-end clamping is our
    /// documented choice, as Xero does not document it (UNVERIFIED): "of the current/following
    /// month" with a day past the month's end gives the month's last day (day 31 of the
    /// following month from a January invoice → 28 or 29 February). Day 0 with a month rule is
    /// refused by Xero ("must be between 1 and 31"), so it yields `None` and the caller reports it.
    pub fn due_date(self, date: Date) -> Option<Date> {
        match self.kind {
            PaymentTermType::DaysAfterBillDate => date.add_days(i64::from(self.day)),
            PaymentTermType::DaysAfterBillMonth => {
                let month_end =
                    Date::new(date.year, date.month, days_in_month(date.year, date.month))?;
                month_end.add_days(i64::from(self.day))
            }
            PaymentTermType::OfCurrentMonth => {
                (1..=31).contains(&self.day).then_some(())?;
                Date::clamped(date.year, date.month, self.day)
            }
            PaymentTermType::OfFollowingMonth => {
                (1..=31).contains(&self.day).then_some(())?;
                let (y, m) = date.next_month();
                Date::clamped(y, m, self.day)
            }
        }
    }
}

/// `hh:mm:ss`, then optionally `.` and 1-9 digits, then optionally `Z` or `±hh:mm`, as a time
/// of day (`hh` < 24, `mm` and `ss` < 60; a leap second's 60 is refused, as Xero would).
/// Whether `text`, a date [`Date::parse`] reads, carries a time of day other than midnight in
/// UTC (`Z`, `+00:00`, `-00:00`): the form `Date.toISOString()` gives, whose date is UTC's and
/// may be a day off the host's own.
pub fn has_utc_time_of_day(text: &str) -> bool {
    let Some(t) = text.get(10..).and_then(|t| t.strip_prefix('T')) else {
        return false;
    };
    let clock = (t.strip_suffix('Z'))
        .or_else(|| t.strip_suffix("+00:00"))
        .or_else(|| t.strip_suffix("-00:00"));
    clock.is_some_and(|c| c.bytes().any(|b| matches!(b, b'1'..=b'9')))
}

fn is_time_of_day(t: &str) -> bool {
    let two = |s: &str, max: u8| {
        s.len() == 2
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u8>().is_ok_and(|v| v < max)
    };
    let clock = |s: &str| {
        let mut it = s.split(':');
        matches!((it.next(), it.next(), it.next(), it.next()),
            (Some(h), Some(m), Some(sec), None) if two(h, 24) && two(m, 60) && two(sec, 60))
    };
    let (main, zone) = match t.find(['Z', '+', '-']) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let zone_ok = match zone.as_bytes().first() {
        None => true,
        Some(b'Z') => zone.len() == 1,
        Some(_) => zone
            .get(1..)
            .and_then(|z| z.split_once(':'))
            .is_some_and(|(h, m)| two(h, 24) && two(m, 60)),
    };
    let (hms, fraction) = match main.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (main, None),
    };
    let fraction_ok = fraction
        .is_none_or(|f| (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    zone_ok && fraction_ok && clock(hms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// A date's JSON written byte by byte is what serde writes for it (its text quoted), for
    /// every day of years at both ends of the range and around today.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn json_is_the_quoted_text() {
        for start in ["0001-01-01", "1999-12-01", "2024-01-01", "9998-01-01"] {
            let first = d(start);
            let mut date = first;
            for _ in 0..500 {
                let mut ours = String::new();
                date.push_json(&mut ours);
                assert_eq!(ours, serde_json::to_string(&date).unwrap());
                assert_eq!(ours, format!("\"{}\"", date.text().as_str()));
                let Some(next) = date.add_days(1) else { break };
                date = next;
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn parses_the_three_forms() {
        // Reference §15 oracle 14.
        assert_eq!(d("/Date(1539993600000+0000)/"), d("2018-10-20"));
        assert_eq!(d("/Date(1546128000000+0000)/"), d("2018-12-30"));
        assert_eq!(d("/Date(1552262400000+0000)/"), d("2019-03-11"));
        assert_eq!(d("/Date(1552262400000)/"), d("2019-03-11"));
        assert_eq!(d("2018-10-20T00:00:00"), d("2018-10-20"));
        // An offset moves the calendar day (D-DATES: add the offset).
        assert_eq!(d("/Date(1419937200000+1300)/"), d("2014-12-31"));
        for bad in [
            "2024-02-30",
            "2024-2-3",
            "20240203",
            "2024-02-03 ",
            "/Date(x)/",
            "",
            "2024-13-01",
            // Regression: trailing text after the date, or a time that is no time of day, was
            // read as the date.
            "2024-01-15T25:00:00",
            "2024-01-15T",
            "2024-01-15Tnonsense",
            "2024-01-15T10:00",
            "2024-01-15T10:00:00 trailing",
            "2024-01-15T10:00:60",
            "2024-01-15T10:00:00.",
            "2024-01-15T10:00:00+5",
            "2024-01-15T10:00:00ZZ",
            "2024-01-15\n",
            " 2024-01-15",
            "2024-01-15x",
            "2024-01-1\u{e9}",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?}");
        }
        for good in [
            "2024-01-15T23:59:59",
            "2024-01-15T00:00:00.000Z",
            "2024-01-15T10:00:00.123456789",
            "2024-01-15T10:00:00+13:00",
            "2024-01-15T10:00:00-05:30",
        ] {
            assert_eq!(Date::parse(good), Some(d("2024-01-15")), "{good:?}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn ms_dates_round_trip() {
        // Oracle 15: formatMsDate("2019-03-11").
        assert_eq!(d("2019-03-11").to_ms_date(), "/Date(1552262400000+0000)/");
        for days in [-719_162, -1, 0, 1, 19_000, 2_932_896] {
            let date = Date::from_days(days).unwrap();
            assert_eq!(date.to_days(), days);
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn payment_terms_oracle_16() {
        let date = d("2024-01-15");
        let term = |day, kind| {
            PaymentTerm { day, kind }
                .due_date(date)
                .map(|d| d.to_string())
        };
        assert_eq!(
            term(30, PaymentTermType::DaysAfterBillDate).as_deref(),
            Some("2024-02-14")
        );
        assert_eq!(
            term(20, PaymentTermType::DaysAfterBillMonth).as_deref(),
            Some("2024-02-20")
        );
        assert_eq!(
            term(20, PaymentTermType::OfCurrentMonth).as_deref(),
            Some("2024-01-20")
        );
        assert_eq!(
            term(20, PaymentTermType::OfFollowingMonth).as_deref(),
            Some("2024-02-20")
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn month_end_clamping() {
        let term = |s: &str, day, kind| {
            PaymentTerm { day, kind }
                .due_date(d(s))
                .map(|d| d.to_string())
        };
        assert_eq!(
            term("2024-01-31", 31, PaymentTermType::OfFollowingMonth).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            term("2023-01-10", 31, PaymentTermType::OfFollowingMonth).as_deref(),
            Some("2023-02-28")
        );
        assert_eq!(
            term("2024-04-02", 31, PaymentTermType::OfCurrentMonth).as_deref(),
            Some("2024-04-30")
        );
        assert_eq!(
            term("2024-12-15", 5, PaymentTermType::OfFollowingMonth).as_deref(),
            Some("2025-01-05")
        );
        assert_eq!(term("2024-02-10", 0, PaymentTermType::OfCurrentMonth), None);
        assert_eq!(
            term("2024-02-10", 0, PaymentTermType::DaysAfterBillDate).as_deref(),
            Some("2024-02-10")
        );
    }
}
