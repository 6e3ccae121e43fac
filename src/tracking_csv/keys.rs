//! The set of client keys seen so far, for the duplicate check: key text in blocks plus an
//! open-addressing hash table, far smaller than a `BTreeSet<String>` on a million keys.

use std::collections::BTreeMap;
use std::hash::Hasher;

use crate::hasher::CellHasher;

/// Client keys seen so far: their text in blocks, an entry per key, and an open-addressing
/// hash table, so a million keys cost their bytes plus about 16 bytes each (8 for the entry,
/// 8 for its half-empty table slots; a `BTreeSet<String>` costs several times that).
///
/// The text and the entries live in fixed-size blocks that are never moved (issue 20): a
/// `Vec` that doubles copies itself and leaves the old copy behind as a hole that wasm's
/// memory never gives back, and with the text, the entries and the table all doubling at the
/// same key counts those holes were a third of a large file's added memory (0.51× the file).
/// Only the first block of each grows by doubling, so a small file stays small; only the
/// table still doubles, and the blocks that come after fill the hole it leaves.
///
/// An entry is where its key starts in the text (all blocks' text end to end) and the row it
/// was first seen on, both 32 bits; a key ends where the next one starts. A table slot is 32
/// bits: the entry's index in the low bits, the top bits of its key's hash in the rest, so
/// probing rarely touches the keys themselves and a new key costs one random memory access.
/// The hash has no seed: runs are deterministic. Without a seed, keys can be chosen to
/// collide (a client-key column crafted so that every key lands on the same run of slots:
/// each new key then probes all the keys before it, and a file of n such keys takes n²/2
/// probes, minutes for a million rows in a backend shared by every user). So a probe is
/// never allowed past [`PROBE_LIMIT`] slots: the first that would go further moves every key
/// into an ordered map ([`KeySet::ordered`]), which no choice of keys slows down. Honest keys
/// never get there (see the constant).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct KeySet {
    /// Key text; a key never spans two blocks (one longer than a block gets its own).
    text: Vec<String>,
    /// Where each block of `text` starts in the text end to end.
    text_starts: Vec<u32>,
    text_len: u32,
    /// (start in the text, row first seen) in blocks of `ENTRY_BLOCK` entries.
    entries: Vec<Vec<(u32, u32)>>,
    len: usize,
    /// 0 = empty, else hash tag << `bits` | (entry index + 1). Length 0 or 2^`bits`, at most
    /// half full.
    table: Vec<u32>,
    bits: u32,
    /// A key came before the one added just ahead of it (byte order). Until then no key can
    /// repeat any but the last, so no table is built: a file sorted by its key (as exports from
    /// a database usually are) is checked with one comparison per row and no table at all.
    unsorted: bool,
    /// Every key (→ its entry) once a probe ran past [`PROBE_LIMIT`]; then `table` is empty.
    /// (`String` keys, as the tracking columns' maps have: one copy of the map's code in the
    /// CSV build's `.wasm`, where a second key type added 3 KB gzipped.)
    ordered: Option<BTreeMap<String, u32>>,
}

/// Slots a probe may visit before the set stops trusting the hash. With the table at most
/// half full, the longest probe of a million random keys is about 30 slots (simulated: linear
/// probing into 2^21 slots), and the chance of a longer one falls geometrically with its
/// length, so 1,024 is reached only by keys chosen to collide.
const PROBE_LIMIT: usize = 1024;

/// Where a probe for a key ended.
enum Probe {
    /// The key is there, as this entry.
    Found(usize),
    /// The key is not there; this empty slot is where it goes.
    Empty(usize),
    /// Gave up at [`PROBE_LIMIT`] (or the table is empty).
    TooLong,
}

/// Bytes of key text per block after the first (1 MiB: a million 8-byte keys take 8).
const TEXT_BLOCK: usize = 1 << 20;
/// Entries per block (512 KiB of them): a power of two, so an index splits with a shift.
const ENTRY_BITS: u32 = 16;
const ENTRY_BLOCK: usize = 1 << ENTRY_BITS;

/// Keys beyond this many are not checked for duplicates (a table of 2^31 slots; no file a
/// browser can hold gets near it), nor keys past 4 GiB of key text or past row 2^32 − 1 (what
/// an entry's 32 bits hold; wasm's memory ends at 4 GiB anyway).
const MAX_KEYS: usize = 1 << 30;

/// The cells' hash (no seed: runs are deterministic), so the key set and the verdict cache
/// share one function.
fn hash_key(bytes: &[u8]) -> u64 {
    let mut h = CellHasher::default();
    h.write(bytes);
    h.finish()
}

impl KeySet {
    fn entry(&self, entry: usize) -> Option<(u32, u32)> {
        let block = self.entries.get(entry >> ENTRY_BITS)?;
        block.get(entry & (ENTRY_BLOCK - 1)).copied()
    }

    pub(super) fn key(&self, entry: usize) -> &str {
        let Some((start, _)) = self.entry(entry) else {
            return "";
        };
        let end = self
            .entry(entry.saturating_add(1))
            .map_or(self.text_len, |next| next.0);
        // The block holding `start`: the last one starting at or before it.
        let block = self.text_starts.partition_point(|s| *s <= start);
        let Some(i) = block.checked_sub(1) else {
            return "";
        };
        let (Some(text), Some(base)) = (self.text.get(i), self.text_starts.get(i)) else {
            return "";
        };
        match (start.checked_sub(*base), end.checked_sub(*base)) {
            (Some(from), Some(to)) => text.get(from as usize..to as usize).unwrap_or_default(),
            _ => "",
        }
    }

    pub(super) fn row(&self, entry: usize) -> u64 {
        self.entry(entry).map_or(0, |e| u64::from(e.1))
    }

    /// The tag of `hash` at the current table size (the hash's top 32 - `bits` bits).
    fn tag(&self, hash: u64) -> u32 {
        ((hash >> 32) as u32).checked_shr(self.bits).unwrap_or(0)
    }

    /// Where `key` (with `hash`) is or would go.
    fn find(&self, key: &str, hash: u64) -> Probe {
        let Some(mask) = self.table.len().checked_sub(1) else {
            return Probe::TooLong;
        };
        let low = (mask as u32).max(1);
        let tag = self.tag(hash);
        let mut i = (hash as usize) & mask;
        for _ in 0..PROBE_LIMIT.min(self.table.len()) {
            let Some(&slot) = self.table.get(i) else {
                break;
            };
            if slot == 0 {
                return Probe::Empty(i);
            }
            if slot.checked_shr(self.bits).unwrap_or(0) == tag {
                let entry = ((slot & low) as usize).wrapping_sub(1);
                if self.key(entry) == key {
                    return Probe::Found(entry);
                }
            }
            i = (i + 1) & mask;
        }
        Probe::TooLong
    }

    /// A table slot's value for `entry`, whose key has `hash`.
    fn slot(&self, hash: u64, entry: usize) -> u32 {
        self.tag(hash).checked_shl(self.bits).unwrap_or(0) | (entry as u32 + 1)
    }

    fn place(&mut self, slot: usize, hash: u64, entry: usize) {
        let value = self.slot(hash, entry);
        if let Some(s) = self.table.get_mut(slot) {
            *s = value;
        }
    }

    /// Adds `key` first seen on `row`: its entry, or the row it was first seen on.
    pub(super) fn insert(&mut self, key: &str, row: u64) -> Result<usize, u64> {
        let entry = self.len;
        let start = self.text_len;
        let (Ok(row32), Ok(len)) = (u32::try_from(row), u32::try_from(key.len())) else {
            return Ok(usize::MAX);
        };
        if entry >= MAX_KEYS || start.checked_add(len).is_none() {
            return Ok(usize::MAX);
        }
        if !self.unsorted {
            if let Some(result) = self.insert_in_order(key, start, len, row32) {
                return result;
            }
        }
        if self.ordered.is_none() && (entry + 1) * 2 > self.table.len() && !self.grow() {
            self.order();
        }
        if self.ordered.is_none() {
            let hash = hash_key(key.as_bytes());
            match self.find(key, hash) {
                Probe::Found(existing) => return Err(self.row(existing)),
                Probe::Empty(slot) => {
                    self.push(key, start, len, row32);
                    self.place(slot, hash, entry);
                    return Ok(entry);
                }
                Probe::TooLong => self.order(),
            }
        }
        match self.ordered.as_ref().and_then(|o| o.get(key)) {
            Some(&existing) => Err(self.row(existing as usize)),
            None => {
                self.push(key, start, len, row32);
                if let Some(ordered) = self.ordered.as_mut() {
                    ordered.insert(key.into(), entry as u32);
                }
                Ok(entry)
            }
        }
    }

    /// Moves every key into [`KeySet::ordered`] and drops the table.
    fn order(&mut self) {
        let mut ordered = BTreeMap::new();
        self.for_each_key(|entry, key| {
            ordered.insert(key.into(), entry as u32);
        });
        self.ordered = Some(ordered);
        self.table = Vec::new();
    }

    /// While every key so far came after the one before it, only the last can be equal: adds
    /// `key` if it comes after it too, or says it repeats it. `None` when `key` breaks the order
    /// (from then on the table is used).
    fn insert_in_order(
        &mut self,
        key: &str,
        start: u32,
        len: u32,
        row: u32,
    ) -> Option<Result<usize, u64>> {
        let entry = self.len;
        match self.last_key().map(|last| last.cmp(key)) {
            None | Some(std::cmp::Ordering::Less) => {
                self.push(key, start, len, row);
                Some(Ok(entry))
            }
            Some(std::cmp::Ordering::Equal) => Some(Err(self.row(entry.wrapping_sub(1)))),
            Some(std::cmp::Ordering::Greater) => {
                self.unsorted = true;
                None
            }
        }
    }

    /// The last key added: always at the end of the last block of text.
    fn last_key(&self) -> Option<&str> {
        let (start, _) = self.entry(self.len.checked_sub(1)?)?;
        let from = start.checked_sub(*self.text_starts.last()?)?;
        self.text.last()?.get(from as usize..)
    }

    /// Stores `key` as the next entry, first seen on `row`.
    fn push(&mut self, key: &str, start: u32, len: u32, row: u32) {
        self.push_entry((start, row));
        self.push_text(key, start);
        self.text_len = start.saturating_add(len);
    }

    /// Appends an entry: to the last block while it has room, else to a new full-size block.
    fn push_entry(&mut self, value: (u32, u32)) {
        match self.entries.last_mut() {
            Some(block) if block.len() < ENTRY_BLOCK => block.push(value),
            _ => {
                let mut block = Vec::with_capacity(if self.len == 0 { 0 } else { ENTRY_BLOCK });
                block.push(value);
                self.entries.push(block);
            }
        }
        self.len += 1;
    }

    /// Appends a key's text at `start`: to the last block if it fits in a block's size, else
    /// to a new block of that size (or of the key's, when longer).
    fn push_text(&mut self, key: &str, start: u32) {
        match self.text.last_mut() {
            Some(block) if block.len() + key.len() <= TEXT_BLOCK => block.push_str(key),
            _ => {
                let first = self.text.is_empty();
                let mut block =
                    String::with_capacity(if first { 0 } else { TEXT_BLOCK.max(key.len()) });
                block.push_str(key);
                self.text.push(block);
                self.text_starts.push(start);
            }
        }
    }

    /// Makes the table the smallest power of two at least twice the keys plus one (at least
    /// 64 slots) and puts every key in it: doubling it as keys come, or building it at once
    /// when the first key out of order arrives. `false`, leaving the table as it was, when a
    /// key's probe would pass [`PROBE_LIMIT`].
    fn grow(&mut self) -> bool {
        let before = self.bits;
        self.bits = self.bits.max(6);
        while (1usize << self.bits) < (self.len + 1) * 2 {
            self.bits += 1;
        }
        let size = 1usize << self.bits;
        let mut table = vec![0; size];
        let mask = size - 1;
        let mut fits = true;
        self.for_each_key(|entry, key| {
            let hash = hash_key(key.as_bytes());
            // Keys are distinct, so the first empty slot of the probe is the place.
            let mut i = (hash as usize) & mask;
            let mut probes = 0;
            while fits && table.get(i).is_some_and(|s| *s != 0) {
                i = (i + 1) & mask;
                probes += 1;
                fits = probes < PROBE_LIMIT;
            }
            if let (true, Some(slot)) = (fits, table.get_mut(i)) {
                *slot = self.slot(hash, entry);
            }
        });
        match fits {
            true => self.table = table,
            false => self.bits = before,
        }
        fits
    }

    /// Calls `f` with every entry and its key, in order, walking the blocks once (a rehash
    /// through [`KeySet::key`] would search for each key's block: measured 15 % slower).
    fn for_each_key(&self, mut f: impl FnMut(usize, &str)) {
        let mut starts = self.entries.iter().flatten().map(|e| e.0).peekable();
        let mut block = 0;
        let mut entry = 0;
        while let Some(start) = starts.next() {
            let end = starts.peek().copied().unwrap_or(self.text_len);
            while self.text_starts.get(block + 1).is_some_and(|s| *s <= start) {
                block += 1;
            }
            let base = self.text_starts.get(block).copied().unwrap_or(0);
            let range = start.saturating_sub(base) as usize..end.saturating_sub(base) as usize;
            let text = self.text.get(block).map_or("", String::as_str);
            f(entry, text.get(range).unwrap_or_default());
            entry += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys chosen to collide (every one on the same slot of every table up to 4,096 slots)
    /// are still checked exactly, and the set stops probing at [`PROBE_LIMIT`] and moves them
    /// to the ordered map instead of probing every key before each new one (n²/2 in all).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn keys_chosen_to_collide_move_to_the_ordered_map() {
        let colliding: Vec<String> = (0u64..)
            .map(|i| format!("k{i}"))
            .filter(|k| hash_key(k.as_bytes()) & 0xfff == 0)
            .take(1500)
            .collect();
        let mut keys = KeySet::default();
        for (row, key) in colliding.iter().enumerate() {
            assert_eq!(keys.insert(key, row as u64 + 2), Ok(row));
        }
        assert!(keys.ordered.is_some() && keys.table.is_empty());
        for (row, key) in colliding.iter().enumerate().step_by(7) {
            assert_eq!(keys.insert(key, 1), Err(row as u64 + 2), "{key}");
        }
        assert_eq!(keys.insert("new", 9), Ok(1500));
        assert_eq!(keys.key(1499), colliding[1499]);
        assert_eq!(keys.key(1500), "new");
    }

    /// Honest keys, even 200,000 of them in no order, never get near the probe limit.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn honest_keys_keep_the_table() {
        let mut keys = KeySet::default();
        for i in 0..200_000u64 {
            let key = format!("C{:07}", (i * 7919) % 200_000);
            assert_eq!(keys.insert(&key, i + 2), Ok(i as usize));
        }
        assert!(keys.ordered.is_none() && keys.table.len() >= 400_000);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn key_set_grows_and_finds_duplicates() {
        let mut keys = KeySet::default();
        for i in 0..5000u64 {
            assert_eq!(keys.insert(&format!("C{i:07}"), i + 2), Ok(i as usize));
        }
        for i in (0..5000u64).step_by(97) {
            assert_eq!(keys.insert(&format!("C{i:07}"), 9), Err(i + 2));
        }
        assert_eq!(keys.key(42), "C0000042");
        assert_eq!(keys.key(4999), "C0004999");
        assert_eq!(keys.key(5000), "");
        assert_eq!(keys.row(4999), 5001);
        assert!(keys.table.len().is_power_of_two() && keys.table.len() >= 10000);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn keys_of_any_length_end_where_the_next_begins() {
        let mut keys = KeySet::default();
        let texts = ["", "a", "é", "C1", "", "long key with spaces", "a"];
        let mut rows = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            rows.push(keys.insert(t, i as u64 + 2));
        }
        // The second "" and "a" are duplicates of rows 2 and 3.
        assert_eq!(rows[4], Err(2));
        assert_eq!(rows[6], Err(3));
        let stored: Vec<&str> = (0..5).map(|e| keys.key(e)).collect();
        assert_eq!(stored, ["", "a", "é", "C1", "long key with spaces"]);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn keys_are_found_across_block_boundaries() {
        // Enough keys to fill more than one block of entries and of text, an empty key and a
        // key longer than a block among them, each read back and found again as a duplicate.
        let long = "L".repeat(TEXT_BLOCK + 3);
        let key_of = |i: usize| match i {
            40_001 => String::new(), // at the start of a block, after the long key
            40_000 => long.clone(),
            _ => format!("client-{i:09}"), // 16 bytes
        };
        let count = ENTRY_BLOCK + 5000;
        let mut keys = KeySet::default();
        for i in 0..count {
            assert_eq!(keys.insert(&key_of(i), i as u64 + 2), Ok(i), "key {i}");
        }
        assert!(keys.entries.len() == 2 && keys.text.len() >= 3);
        // Every full block was allocated once at its size, never moved by doubling.
        assert_eq!(keys.entries[1].capacity(), ENTRY_BLOCK);
        assert!(keys.text[1..].iter().all(|b| b.capacity() >= TEXT_BLOCK));
        for i in 0..count {
            assert_eq!(keys.key(i), key_of(i), "key {i}");
            assert_eq!(keys.row(i), i as u64 + 2);
            assert_eq!(keys.insert(&key_of(i), 1), Err(i as u64 + 2), "key {i}");
        }
        assert_eq!(keys.key(count), "");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn sorted_and_unsorted_keys_find_the_same_duplicates_as_a_map() {
        // Sequences sorted, reversed, sorted then broken late, and scrambled, with repeats of
        // the last key, of early keys after the order breaks, and of keys that are prefixes.
        let scrambled = |n: u64, seed: u64| -> Vec<String> {
            let mut x = seed;
            (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    format!("k{}", (x >> 33) % (n / 2 + 1))
                })
                .collect()
        };
        let sorted: Vec<String> = (0..3000).map(|i| format!("C{i:05}")).collect();
        let mut broken = sorted.clone();
        broken.extend(["C00010", "B", "C02999", "C03000", "C0300", "C03000"].map(String::from));
        let with_repeats: Vec<String> = (0..2000)
            .map(|i| format!("C{:05}", i / 3))
            .chain(["C0", "C", ""].map(String::from))
            .collect();
        let sequences = [
            sorted.clone(),
            sorted.iter().rev().cloned().collect(),
            broken,
            with_repeats,
            scrambled(5000, 7),
            scrambled(300, 1),
        ];
        for keys in sequences {
            let mut set = KeySet::default();
            let mut map = std::collections::BTreeMap::new();
            for (i, key) in keys.iter().enumerate() {
                let row = i as u64 + 2;
                let want = match map.get(key.as_str()) {
                    Some(first) => Err(*first),
                    None => {
                        map.insert(key.as_str(), row);
                        Ok(map.len() - 1)
                    }
                };
                assert_eq!(set.insert(key, row), want, "{key} on row {row}");
            }
            let stored: Vec<&str> = (0..map.len()).map(|e| set.key(e)).collect();
            let mut seen = std::collections::BTreeSet::new();
            let firsts: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .filter(|k| seen.insert(*k))
                .collect();
            assert_eq!(stored, firsts);
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_sorted_file_builds_no_table() {
        let mut keys = KeySet::default();
        for i in 0..10_000u64 {
            assert_eq!(keys.insert(&format!("C{i:07}"), i + 2), Ok(i as usize));
        }
        assert_eq!(keys.insert("C0009999", 1), Err(10_001));
        assert!(keys.table.is_empty());
        // The first key out of order builds it, and earlier keys are found through it.
        assert_eq!(keys.insert("C0000042", 1), Err(44));
        assert!(keys.table.len() >= 20_002);
        assert_eq!(keys.insert("B", 3), Ok(10_000));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_row_beyond_32_bits_is_not_checked_rather_than_wrapped() {
        let mut keys = KeySet::default();
        assert_eq!(keys.insert("C1", 2), Ok(0));
        assert_eq!(keys.insert("C2", u64::from(u32::MAX) + 1), Ok(usize::MAX));
        assert_eq!(keys.insert("C2", 7), Ok(1));
        assert_eq!(keys.row(1), 7);
    }
}
