//! The streaming [`Validator`]: csv-core pushed chunk by chunk (a chunk may end anywhere), a
//! byte order mark, empty lines counted as spreadsheet rows, the quote parity that finds a
//! stray quote, and the line break given to the last line that finds a quoted field never
//! closed (csv-core ends the record at it otherwise). Each complete record goes to `rows.rs`.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use csv_core::{ReadRecordResult, Reader};

use crate::input::snapshot::Snapshot;

use super::categories::{active_categories, TrackingState};
use super::header::HeaderState;
use super::keys::KeySet;
use super::record::{Fields, IssueSink, Quotes};
use super::rows::Rows;
use super::{Options, Progress, Report, BOM};

/// The parser's state: csv-core's reader and the current record's bytes.
struct Parser {
    reader: Reader,
    /// The current record's field bytes (`out_len` used), grown as needed.
    out: Vec<u8>,
    out_len: usize,
    /// Where each field of the current record ends in `out` (`ends_len` used).
    ends: Vec<usize>,
    ends_len: usize,
    /// Whether the current record has consumed an odd number of `"` so far.
    odd_quotes: bool,
    /// Between records: csv-core skips empty lines silently, so they are counted here to keep
    /// row numbers equal to a spreadsheet's.
    at_record_start: bool,
    /// The last line-break byte seen was a CR (a following LF completes it).
    after_cr: bool,
    /// Empty lines since the last record.
    blank_lines: u64,
    /// csv-core has consumed nothing of the current record: a quote-free line may bypass it.
    fresh: bool,
    /// Where each field of a line read without csv-core ends (at its comma or line break).
    line_ends: Vec<usize>,
    /// The first bytes while a byte order mark is still possible.
    head: Option<Vec<u8>>,
    bytes: u64,
}

impl Parser {
    /// Between records, counts the empty lines at the start of `input` (csv-core skips them
    /// silently) and returns how many bytes they take; `at_record_start` ends at the first
    /// other byte.
    fn count_blank_lines(&mut self, input: &[u8]) -> usize {
        let mut start = 0;
        if self.at_record_start {
            for b in input {
                match b {
                    b'\n' if self.after_cr => self.after_cr = false,
                    b'\n' => self.blank_lines += 1,
                    b'\r' => {
                        self.blank_lines += 1;
                        self.after_cr = true;
                    }
                    _ => {
                        self.at_record_start = false;
                        break;
                    }
                }
                start += 1;
            }
        }
        start
    }
}

/// Streaming validation: push chunks, then finish.
///
/// ```
/// use xero_export::tracking_csv::{Options, Validator};
/// use xero_export::{Snapshot, SnapshotInput};
///
/// let input: SnapshotInput = serde_json::from_str(r#"{"trackingCategories": [
///     {"Name": "Location", "Status": "ACTIVE", "Options": [{"Name": "North", "Status": "ACTIVE"}]},
///     {"Name": "Team", "Status": "ACTIVE", "Options": [{"Name": "Sales", "Status": "ACTIVE"}]}]}"#).unwrap();
/// let mut v = Validator::new(Snapshot::new(input), Options::default());
/// v.push(b"Client ID,Xero Tracking Category 1,Xero Tracking Category 2\nc1,No");
/// v.push(b"rth,Sales\nc2,Nrth,None\n");
/// let report = v.finish();
/// assert_eq!((report.rows_read, report.rows_valid, report.rows_failing), (2, 1, 1));
/// assert!(report.issues[0].message.contains("Did you mean \"North\"?"));
/// ```
pub struct Validator<S: Borrow<Snapshot>> {
    parser: Parser,
    rows: Rows<S>,
}

impl<S: Borrow<Snapshot>> Validator<S> {
    /// A validator against `snapshot` (owned, or borrowed as `&Snapshot`).
    pub fn new(snapshot: S, options: Options) -> Self {
        let [a, b] = active_categories(snapshot.borrow());
        let issues = IssueSink {
            kept: Vec::new(),
            max: options.max_issues,
            total: 0,
            errors: 0,
            by_code: BTreeMap::new(),
            row_key: String::new(),
        };
        Validator {
            parser: Parser {
                reader: Reader::new(),
                out: vec![0; 1024],
                out_len: 0,
                ends: vec![0; 16],
                ends_len: 0,
                odd_quotes: false,
                at_record_start: true,
                after_cr: false,
                blank_lines: 0,
                fresh: true,
                line_ends: Vec::with_capacity(16),
                head: Some(Vec::with_capacity(3)),
                bytes: 0,
            },
            rows: Rows {
                snapshot,
                options,
                header: HeaderState::Pending,
                tracking: [TrackingState::new(a), TrackingState::new(b)],
                row: 0,
                rows_read: 0,
                rows_valid: 0,
                rows_failing: 0,
                issues,
                keys: KeySet::default(),
                assigned: Vec::new(),
            },
        }
    }

    /// Reads the next chunk. Chunks may split a row, a quoted field or a UTF-8 character
    /// anywhere; only complete rows are validated, the rest waits for the next chunk.
    ///
    /// Leading byte order marks are dropped, however many (a file saved twice by a tool that
    /// adds one each time has two), before csv-core sees anything: it would drop one more only
    /// when a chunk holds all three of its bytes, so the report depended on where chunks ended.
    pub fn push(&mut self, chunk: &[u8]) {
        self.parser.bytes += chunk.len() as u64;
        let mut rest = chunk;
        while let Some(head) = self.parser.head.as_mut() {
            let take = BOM.len().saturating_sub(head.len()).min(rest.len());
            let (first, after) = rest.split_at_checked(take).unwrap_or((rest, &[]));
            head.extend_from_slice(first);
            rest = after;
            if !BOM.starts_with(head.as_slice()) {
                let head = self.parser.head.take().unwrap_or_default();
                self.feed(&head, false);
            } else if head.len() == BOM.len() {
                head.clear(); // a whole mark: dropped; another may follow
            } else {
                return; // still undecided: the chunk ended inside a mark
            }
        }
        self.feed(rest, false);
    }

    /// How far the validation has got.
    pub fn progress(&self) -> Progress {
        self.rows.progress(self.parser.bytes)
    }

    /// Reads the last row (a file need not end with a line break) and returns the report.
    ///
    /// The last line is read as though the file ended with a line break, so it is read as
    /// every other line is: csv-core ends the record there unless a quoted field is still open
    /// (the break then joins that field, as the file's own final break would have). Quote
    /// parity alone cannot tell the two apart (`a"b`, a stray quote read literally, and `"ab`,
    /// never closed, both have one quote; `a"b,"c` is open with two), and csv-core does not
    /// say which state it is in (its `Clone` loses the parsing tables, so it cannot be asked
    /// on a copy).
    pub fn finish(mut self) -> Report {
        if let Some(head) = self.parser.head.take() {
            self.feed(&head, false);
        }
        self.feed(b"\n", false);
        self.feed(&[], true);
        self.rows.finish(self.parser.bytes)
    }

    /// Runs csv-core over `input`; `eof` marks the end of the file (then `input` is empty).
    /// A line without quotes that is whole in `input` is read here instead when csv-core holds
    /// nothing of it (`fresh`): csv-core's state after a record (EndRecord, or CRLF after a
    /// CR) reads what follows as its start-of-record state does, so records it never saw
    /// leave it as correct as before.
    fn feed(&mut self, mut input: &[u8], eof: bool) {
        let p = &mut self.parser;
        loop {
            // csv-core takes empty input as the end of the file: only pass it at the end.
            if input.is_empty() && !eof {
                return;
            }
            let start = p.count_blank_lines(input);
            if p.fresh && !p.at_record_start {
                let line = input.get(start..).unwrap_or_default();
                let found = unquoted_line(line, &mut p.line_ends);
                // Only UTF-8 lines: on others, csv-core's output (the fields back to back) may
                // be valid where the line is not, and the report says which fields are not.
                if let Some((Ok(text), terminator)) =
                    found.map(|(bytes, t)| (std::str::from_utf8(bytes), t))
                {
                    let fields = Fields::separated(text, &p.line_ends);
                    self.rows.record(fields, p.blank_lines, Quotes::Balanced);
                    p.after_cr = terminator == b'\r';
                    p.blank_lines = 0;
                    p.at_record_start = true;
                    input = line.get(text.len() + 1..).unwrap_or_default();
                    continue;
                }
            }
            let out = p.out.get_mut(p.out_len..).unwrap_or_default();
            let ends = p.ends.get_mut(p.ends_len..).unwrap_or_default();
            let (result, nin, nout, nend) = p.reader.read_record(input, out, ends);
            let (used, rest) = input.split_at_checked(nin).unwrap_or((input, &[]));
            p.odd_quotes ^= odd_quotes(used);
            input = rest;
            p.out_len += nout;
            p.ends_len += nend;
            p.fresh &= nin == 0;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return,
                ReadRecordResult::OutputFull => {
                    let size = p.out.len() * 2;
                    p.out.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = p.ends.len() * 2;
                    p.ends.resize(size, 0);
                }
                ReadRecordResult::Record => {
                    let bytes = p.out.get(..p.out_len).unwrap_or_default();
                    let ends = p.ends.get(..p.ends_len).unwrap_or_default();
                    let fields = Fields::new(bytes, ends);
                    // `finish` gave the last line a line break: a record still unended at the
                    // end of the file is a quoted field that took it in, never closed.
                    let quotes = match (eof, p.odd_quotes) {
                        (true, _) => Quotes::Unclosed,
                        (false, true) => Quotes::Stray,
                        (false, false) => Quotes::Balanced,
                    };
                    self.rows.record(fields, p.blank_lines, quotes);
                    p.fresh = true;
                    // The record's own line break: a CR may be completed by the next LF.
                    p.after_cr = used.last() == Some(&b'\r');
                    p.blank_lines = 0;
                    p.at_record_start = true;
                    p.out_len = 0;
                    p.ends_len = 0;
                    p.odd_quotes = false;
                }
            }
        }
    }
}

/// The record at the start of `input` when csv-core would read it without any state: a line
/// with no `"`, ended by a CR or LF within `input`. Returns its bytes (without the line break)
/// and the line break, with each field's end in `ends` (at its comma, the last at the line
/// break). csv-core's own reading costs about as much as all the checks of a row together
/// (issue 20); every other record (quoted fields, a line not complete in this chunk, the last
/// line of a file without a line break) still goes through csv-core, and the fuzz target
/// `csv_push` compares the reports of chunkings that split records differently.
fn unquoted_line<'a>(input: &'a [u8], ends: &mut Vec<usize>) -> Option<(&'a [u8], u8)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7F;
    ends.clear();
    // Eight bytes at a time: the bytes below `,` (0x2C), which include every byte that
    // matters here (`,` `"` CR LF), are looked at one by one; the rest are skipped (the byte
    // loop alone cost ~7 instructions a byte natively, a quarter of a row).
    let mut words = input.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or_default());
        // The high bit of each byte at or above 0x2D (its low seven bits plus 0x53 carry into
        // bit 7, never beyond) or at or above 0x80; inverted, the bytes below 0x2D.
        let mut low = !(((x & LOW7) + ONES * 0x53) | x) & !LOW7;
        while low != 0 {
            let i = at + (low.trailing_zeros() / 8) as usize;
            if let Some(found) = line_byte(input, i, ends) {
                return found;
            }
            low &= low - 1;
        }
        at += 8;
    }
    for i in at..input.len() {
        if let Some(found) = line_byte(input, i, ends) {
            return found;
        }
    }
    None
}

/// One byte of [`unquoted_line`]'s scan: `None` to go on, else its answer.
#[inline(always)]
fn line_byte<'a>(
    input: &'a [u8],
    i: usize,
    ends: &mut Vec<usize>,
) -> Option<Option<(&'a [u8], u8)>> {
    match *input.get(i)? {
        b',' => ends.push(i),
        // A line break first is an empty line, which csv-core skips: not a record here.
        b'\n' | b'\r' if i == 0 => return Some(None),
        b @ (b'\n' | b'\r') => {
            ends.push(i);
            return Some(input.get(..i).map(|line| (line, b)));
        }
        b'"' => return Some(None),
        _ => {}
    }
    None
}

/// Whether `bytes` holds an odd number of `"`, eight bytes at a time (wasm has no vector
/// instructions by default, so the plain byte loop costs a few percent of the throughput).
fn odd_quotes(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const QUOTES: u64 = ONES * b'"' as u64;
    const LOW7: u64 = ONES * 0x7F;
    // The quote bits of every word XORed together: the parity of their total count is the
    // parity of this one word's, so one popcount per call instead of one per word.
    let mut parity = 0u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or_default()) ^ QUOTES;
        // The high bit of each byte of x that is zero, i.e. each quote (exact: no carries
        // cross bytes because the low seven bits are added separately).
        parity ^= !(((x & LOW7) + LOW7) | x | LOW7);
    }
    let mut odd = parity.count_ones();
    for b in words.remainder() {
        odd ^= u32::from(*b == b'"');
    }
    odd & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time reading `unquoted_line` must match.
    fn unquoted_line_by_bytes(input: &[u8]) -> Option<(Vec<usize>, u8)> {
        let mut ends = Vec::new();
        for (i, b) in input.iter().enumerate() {
            match *b {
                b',' => ends.push(i),
                b'\n' | b'\r' if i == 0 => return None,
                b'\n' | b'\r' => {
                    ends.push(i);
                    return Some((ends, *b));
                }
                b'"' => return None,
                _ => {}
            }
        }
        None
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn unquoted_lines_are_found_eight_bytes_at_a_time_as_byte_by_byte() {
        let mut ends = Vec::new();
        for len in 1..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    for fill in [b'a', b' ', 0xE9] {
                        let mut line = vec![fill; len];
                        line[at] = b;
                        line.extend_from_slice(if len % 2 == 0 { b"\r\n" } else { b",x" });
                        let got = unquoted_line(&line, &mut ends)
                            .map(|(bytes, t)| (bytes.len(), ends.clone(), t));
                        let want =
                            unquoted_line_by_bytes(&line).map(|(e, t)| (*e.last().unwrap(), e, t));
                        assert_eq!(got, want, "{line:?}");
                    }
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn quote_parity_counts_every_quote() {
        let text = br#"a"b""c,"d"e"f""g"h""#;
        for start in 0..text.len() {
            for end in start..=text.len() {
                let slice = &text[start..end];
                let want = slice.iter().filter(|b| **b == b'"').count() % 2 == 1;
                assert_eq!(odd_quotes(slice), want, "{start}..{end}");
            }
        }
        assert!(!odd_quotes(&[b'"' ^ 0x80; 16])); // bytes differing only in the high bit
        assert!(odd_quotes(&[
            0xA2,
            b'"',
            0x22 | 0x40,
            0,
            0xFF,
            0x21,
            0x23,
            0x02,
            0x12
        ]));
    }
}
