//! The crate's one hash function for tables keyed by the host's text (CSV cells, source ids):
//! a fixed, seedless multiply-rotate over the text a word at a time.
//!
//! Why not std's SipHash (`RandomState`): on keys of a few bytes it costs several times this,
//! and both its uses run once per row or invoice (see [`CellHasher`]). A lookup stays correct
//! whatever the hash (the tables compare the keys themselves), and no table hashed with it is
//! ever iterated into output, so runs stay deterministic. On wasm32-unknown-unknown, what the
//! package runs on, std has no randomness to seed `RandomState` with anyway: its keys come
//! from a stack and a heap address (`std::sys::random::unsupported::hashmap_random_keys`),
//! which a given build and call sequence repeat.
//!
//! What a seed would buy is resistance to keys chosen to collide (hash flooding), and this
//! hash, a few multiplications anyone can invert, gives none. Where the text can come from a
//! host's users (a tracking CSV uploaded to a backend that every user shares), the tables
//! bound the damage instead: the CSV key set stops probing at a limit and moves its keys to
//! an ordered map (`tracking_csv::keys`), and the verdict cache hashes only its first 64
//! values (`tracking_csv::categories`). Measured: 50,000 client keys crafted to share one run
//! of slots took 572 ms before the limit and 14 ms after (5 ms for 50,000 honest keys; a
//! million crafted keys would have taken minutes). A batch's source ids, the contact plan's
//! pairs and the settings' tracking mappings are the host's own identifiers and
//! configuration: a batch crafted by the host could slow only itself.

use std::hash::Hasher;

/// The hash of the host's text (the CSV validator's verdict cache and key set, a batch's
/// source ids): a word-at-a-time multiply-rotate with no seed (see the module's comment).
/// Measured: two lookups a row made the `BTreeMap` it replaced in the CSV validator (a chain
/// of string comparisons per lookup) about a tenth of the validator's instructions (issue 20);
/// a batch's duplicate-id set with SipHash cost ~350 instructions an invoice more (callgrind,
/// bench workload), see [`crate::exporter`].
#[derive(Default)]
pub(crate) struct CellHasher(u64);

impl Hasher for CellHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let word = <[u8; 8]>::try_from(w).unwrap_or_default();
            h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        for (t, b) in tail.iter_mut().zip(words.remainder()) {
            *t = *b;
        }
        let tail = u64::from_le_bytes(tail) ^ (bytes.len() as u64).rotate_left(56);
        self.0 = (h.rotate_left(5) ^ tail).wrapping_mul(K);
    }

    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        // Every bit of the key reaches the top bits (the table's control bytes) and the low
        // ones (its bucket index).
        let h = self.0 ^ (self.0 >> 33);
        let h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

/// A hash set of the host's text hashed with [`CellHasher`].
pub(crate) type TextSet<T> =
    std::collections::HashSet<T, std::hash::BuildHasherDefault<CellHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<CellHasher>::default().hash_one(s)
    }

    /// Equal text hashes equally; text that differs (in a byte, in length, by trailing zero
    /// bytes the last word pads with) almost never does, and a set of it answers exactly.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn text_hashes_apart() {
        let texts = [
            "",
            "\0",
            "\0\0",
            "a",
            "appt-1",
            "appt-10",
            "appt-1\0",
            "12345678",
            "123456789",
            "1234567\u{e9}",
        ];
        for (i, a) in texts.iter().enumerate() {
            assert_eq!(hash(a), hash(String::from(*a).as_str()));
            for b in texts.iter().skip(i + 1) {
                assert_ne!(hash(a), hash(b), "{a:?} {b:?}");
            }
        }
        let mut set = TextSet::default();
        for i in 0..10_000 {
            assert!(set.insert(format!("appt-{i}")));
        }
        assert!((0..10_000).all(|i| !set.insert(format!("appt-{i}"))));
        assert_eq!(set.len(), 10_000);
    }
}
