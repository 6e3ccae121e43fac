//! Unicode lower case ([`char::to_lowercase`]) from a table of runs, for [`super::key`].
//!
//! Why not `char::to_lowercase`: its table (1,400-odd single code points with their lower
//! case, 8 bytes each, scattered and so hardly compressible) was 8.3 KB of the gzipped
//! CSV-only `.wasm` (issue 20, measured by building with ASCII-only folding). Nearly every
//! mapping belongs to a run: a block where each letter's lower case is a fixed distance away
//! (Latin-1 and Cyrillic `+32`), or every other code point maps to the next one (Latin
//! Extended-A's upper/lower pairs). 185 runs of 8 bytes hold all of them. The result is
//! `char::to_lowercase`'s for every code point: `the_table_is_char_to_lowercase` checks all of
//! them and prints the table to paste when a Rust upgrade brings a new Unicode version.

/// The only code point whose lower case is two characters: U+0130 (İ) → "i" + U+0307.
const DOTTED_CAPITAL_I: char = '\u{130}';

/// Runs sorted by start: `(start | (count - 1) << 21 | (step - 1) << 28, distance)`. The run
/// maps `start`, `start + step`, ... (`count` code points) each to itself plus `distance`.
const RUNS: [(u32, i32); 185] = [
    (0x03200041, 32),
    (0x02c000c0, 32),
    (0x00c000d8, 32),
    (0x12e00100, 1),
    (0x10400132, 1),
    (0x10e00139, 1),
    (0x12c0014a, 1),
    (0x00000178, -121),
    (0x10400179, 1),
    (0x00000181, 210),
    (0x10200182, 1),
    (0x00000186, 206),
    (0x00000187, 1),
    (0x00200189, 205),
    (0x0000018b, 1),
    (0x0000018e, 79),
    (0x0000018f, 202),
    (0x00000190, 203),
    (0x00000191, 1),
    (0x00000193, 205),
    (0x00000194, 207),
    (0x00000196, 211),
    (0x00000197, 209),
    (0x00000198, 1),
    (0x0000019c, 211),
    (0x0000019d, 213),
    (0x0000019f, 214),
    (0x104001a0, 1),
    (0x000001a6, 218),
    (0x000001a7, 1),
    (0x000001a9, 218),
    (0x000001ac, 1),
    (0x000001ae, 218),
    (0x000001af, 1),
    (0x002001b1, 217),
    (0x102001b3, 1),
    (0x000001b7, 219),
    (0x000001b8, 1),
    (0x000001bc, 1),
    (0x000001c4, 2),
    (0x000001c5, 1),
    (0x000001c7, 2),
    (0x000001c8, 1),
    (0x000001ca, 2),
    (0x110001cb, 1),
    (0x110001de, 1),
    (0x000001f1, 2),
    (0x102001f2, 1),
    (0x000001f6, -97),
    (0x000001f7, -56),
    (0x126001f8, 1),
    (0x00000220, -130),
    (0x11000222, 1),
    (0x0000023a, 10795),
    (0x0000023b, 1),
    (0x0000023d, -163),
    (0x0000023e, 10792),
    (0x00000241, 1),
    (0x00000243, -195),
    (0x00000244, 69),
    (0x00000245, 71),
    (0x10800246, 1),
    (0x10200370, 1),
    (0x00000376, 1),
    (0x0000037f, 116),
    (0x00000386, 38),
    (0x00400388, 37),
    (0x0000038c, 64),
    (0x0020038e, 63),
    (0x02000391, 32),
    (0x010003a3, 32),
    (0x000003cf, 8),
    (0x116003d8, 1),
    (0x000003f4, -60),
    (0x000003f7, 1),
    (0x000003f9, -7),
    (0x000003fa, 1),
    (0x004003fd, -130),
    (0x01e00400, 80),
    (0x03e00410, 32),
    (0x12000460, 1),
    (0x1340048a, 1),
    (0x000004c0, 15),
    (0x10c004c1, 1),
    (0x15e004d0, 1),
    (0x04a00531, 48),
    (0x04a010a0, 7264),
    (0x000010c7, 7264),
    (0x000010cd, 7264),
    (0x09e013a0, 38864),
    (0x00a013f0, 8),
    (0x00001c89, 1),
    (0x05401c90, -3008),
    (0x00401cbd, -3008),
    (0x19401e00, 1),
    (0x00001e9e, -7615),
    (0x15e01ea0, 1),
    (0x00e01f08, -8),
    (0x00a01f18, -8),
    (0x00e01f28, -8),
    (0x00e01f38, -8),
    (0x00a01f48, -8),
    (0x10601f59, -8),
    (0x00e01f68, -8),
    (0x00e01f88, -8),
    (0x00e01f98, -8),
    (0x00e01fa8, -8),
    (0x00201fb8, -8),
    (0x00201fba, -74),
    (0x00001fbc, -9),
    (0x00601fc8, -86),
    (0x00001fcc, -9),
    (0x00201fd8, -8),
    (0x00201fda, -100),
    (0x00201fe8, -8),
    (0x00201fea, -112),
    (0x00001fec, -7),
    (0x00201ff8, -128),
    (0x00201ffa, -126),
    (0x00001ffc, -9),
    (0x00002126, -7517),
    (0x0000212a, -8383),
    (0x0000212b, -8262),
    (0x00002132, 28),
    (0x01e02160, 16),
    (0x00002183, 1),
    (0x032024b6, 26),
    (0x05e02c00, 48),
    (0x00002c60, 1),
    (0x00002c62, -10743),
    (0x00002c63, -3814),
    (0x00002c64, -10727),
    (0x10402c67, 1),
    (0x00002c6d, -10780),
    (0x00002c6e, -10749),
    (0x00002c6f, -10783),
    (0x00002c70, -10782),
    (0x00002c72, 1),
    (0x00002c75, 1),
    (0x00202c7e, -10815),
    (0x16202c80, 1),
    (0x10202ceb, 1),
    (0x00002cf2, 1),
    (0x12c0a640, 1),
    (0x11a0a680, 1),
    (0x10c0a722, 1),
    (0x13c0a732, 1),
    (0x1020a779, 1),
    (0x0000a77d, -35332),
    (0x1080a77e, 1),
    (0x0000a78b, 1),
    (0x0000a78d, -42280),
    (0x1020a790, 1),
    (0x1120a796, 1),
    (0x0000a7aa, -42308),
    (0x0000a7ab, -42319),
    (0x0000a7ac, -42315),
    (0x0000a7ad, -42305),
    (0x0000a7ae, -42308),
    (0x0000a7b0, -42258),
    (0x0000a7b1, -42282),
    (0x0000a7b2, -42261),
    (0x0000a7b3, 928),
    (0x10e0a7b4, 1),
    (0x0000a7c4, -48),
    (0x0000a7c5, -42307),
    (0x0000a7c6, -35384),
    (0x1020a7c7, 1),
    (0x0000a7cb, -42343),
    (0x10e0a7cc, 1),
    (0x0000a7dc, -42561),
    (0x0000a7f5, 1),
    (0x0320ff21, 32),
    (0x04e10400, 40),
    (0x046104b0, 40),
    (0x01410570, 39),
    (0x01c1057c, 39),
    (0x00c1058c, 39),
    (0x00210594, 39),
    (0x06410c80, 64),
    (0x02a10d50, 32),
    (0x03e118a0, 32),
    (0x03e16e40, 32),
    (0x03016ea0, 27),
    (0x0421e900, 34),
];

/// The lower case of `c`: one character, and the second of U+0130's two.
pub(super) fn lower(c: char) -> (char, Option<char>) {
    if c.is_ascii() {
        return (c.to_ascii_lowercase(), None);
    }
    if c == DOTTED_CAPITAL_I {
        return ('i', Some('\u{307}'));
    }
    (in_runs(c), None)
}

/// `c` moved by the run holding it, or `c` itself.
fn in_runs(c: char) -> char {
    let cp = u32::from(c);
    let after = RUNS.partition_point(|&(packed, _)| packed & 0x1F_FFFF <= cp);
    let Some(&(packed, distance)) = after.checked_sub(1).and_then(|i| RUNS.get(i)) else {
        return c;
    };
    let start = packed & 0x1F_FFFF;
    let count = ((packed >> 21) & 0x7F) + 1;
    let step = (packed >> 28) + 1;
    let offset = cp - start;
    if offset % step != 0 || offset / step >= count {
        return c;
    }
    cp.checked_add_signed(distance)
        .and_then(char::from_u32)
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::lower;

    /// The runs `char::to_lowercase` implies, as the text of [`super::RUNS`].
    fn runs_text() -> String {
        let mut runs: Vec<(u32, u32, u32, i64)> = Vec::new();
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let l: Vec<char> = c.to_lowercase().collect();
            if l.len() != 1 || l[0] == c {
                continue;
            }
            let (cp, d) = (
                u32::from(c),
                i64::from(u32::from(l[0])) - i64::from(u32::from(c)),
            );
            if let Some(last) = runs.last_mut() {
                let end = last.0 + (last.1 - 1) * last.2;
                if last.3 == d && last.1 == 1 && (cp - last.0 == 1 || cp - last.0 == 2) {
                    (last.1, last.2) = (2, cp - last.0);
                    continue;
                }
                if last.3 == d && last.1 > 1 && cp == end + last.2 {
                    last.1 += 1;
                    continue;
                }
            }
            runs.push((cp, 1, 1, d));
        }
        let mut out = String::new();
        for (i, (start, count, step, d)) in runs.iter().enumerate() {
            let packed = start | ((count - 1) << 21) | ((step - 1) << 28);
            out.push_str(if i % 4 == 0 { "\n    " } else { " " });
            out.push_str(&format!("(0x{packed:08x}, {d}),"));
        }
        format!("{} runs:{out}", runs.len())
    }

    #[test]
    fn the_table_is_char_to_lowercase() {
        let wrong: Vec<char> = (0..=0x10_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| {
                let (a, b) = lower(c);
                !c.to_lowercase().eq([Some(a), b].into_iter().flatten())
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{} code points differ (first {:?}); the table for this Unicode version is {}",
            wrong.len(),
            wrong.first(),
            runs_text()
        );
    }
}
