//! Features: text normalised, word 1–2-grams and character 2–5-grams hashed with FNV-1a, and the
//! TF-IDF vector of a text over the features seen in training.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are already good 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(super) type FeatureIndex = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

pub(super) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
pub(super) const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
pub(super) fn fnv_step(h: u64, x: u32) -> u64 {
    let mut h = h;
    for b in x.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// FNV-1a over the bytes of a string, used to fingerprint training data.
pub fn fingerprint(data: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for b in data.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Lower-cases, drops apostrophes, turns every other non-alphanumeric character into a space and
/// every run of digits into a single `0`.
pub fn normalize(text: &str, out: &mut String) {
    out.clear();
    let mut last_space = true;
    let mut last_digit = false;
    for ch in text.chars() {
        if ch == '\'' || ch == '’' || ch == '`' {
            continue;
        }
        if ch.is_ascii_digit() {
            if !last_digit {
                out.push('0');
            }
            last_digit = true;
            last_space = false;
            continue;
        }
        last_digit = false;
        if ch.is_alphanumeric() || ch == '€' {
            for l in ch.to_lowercase() {
                out.push(l);
            }
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
}

/// Feature groups, each L2-normalised on its own (as two stacked TF-IDF vectorisers would be).
pub(super) const WORD: u8 = 0;
pub(super) const CHAR: u8 = 1;

/// Appends the raw hashed features of `text` (with repeats) to `out`.
pub(super) fn raw_features(text: &str, norm: &mut String, chars: &mut Vec<char>, out: &mut Vec<(u64, u8)>) {
    normalize(&crate::pack::fold(text), norm);
    let mut prev_word: Option<u64> = None;
    for word in norm.split(' ').filter(|w| !w.is_empty()) {
        // Word unigram and bigram.
        let mut wh = fnv_step(FNV_OFFSET, 'w' as u32);
        for ch in word.chars() {
            wh = fnv_step(wh, ch as u32);
        }
        out.push((wh, WORD));
        if let Some(p) = prev_word {
            out.push((fnv_step(fnv_step(p, 'b' as u32), (wh >> 32) as u32) ^ (wh & 0xffff_ffff), WORD));
        }
        prev_word = Some(wh);
        // Character n-grams of " word ".
        chars.clear();
        chars.push(' ');
        chars.extend(word.chars());
        chars.push(' ');
        for i in 0..chars.len() {
            let mut h = fnv_step(FNV_OFFSET, 'c' as u32);
            for (n, &ch) in chars[i..].iter().take(5).enumerate() {
                h = fnv_step(h, ch as u32);
                if n >= 1 {
                    out.push((h, CHAR));
                }
            }
        }
    }
}

/// Reusable scratch space for feature extraction.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) norm: String,
    pub(super) chars: Vec<char>,
    pub(super) raw: Vec<(u64, u8)>,
}

/// A sparse feature vector: (feature index, value), sorted by index.
pub(super) type Sparse = Vec<(u32, f32)>;

/// Counts the known features of `text` and weights them: (1 + ln tf) · idf, then an L2 norm per
/// group.
pub(super) fn vectorize(text: &str, index: &FeatureIndex, idf: &[f32], scratch: &mut Scratch) -> Sparse {
    scratch.raw.clear();
    raw_features(text, &mut scratch.norm, &mut scratch.chars, &mut scratch.raw);
    let mut known: Vec<(u32, u8)> =
        scratch.raw.iter().filter_map(|&(h, g)| index.get(&h).map(|&i| (i, g))).collect();
    known.sort_unstable();
    let mut out: Sparse = Vec::with_capacity(known.len());
    let mut groups: Vec<u8> = Vec::with_capacity(known.len());
    let mut k = 0;
    while k < known.len() {
        let (idx, g) = known[k];
        let mut tf = 0;
        while k < known.len() && known[k].0 == idx {
            tf += 1;
            k += 1;
        }
        out.push((idx, (1.0 + (tf as f32).ln()) * idf[idx as usize]));
        groups.push(g);
    }
    for group in [WORD, CHAR] {
        let norm: f32 = out.iter().zip(&groups).filter(|(_, &g)| g == group).map(|((_, v), _)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for ((_, v), _) in out.iter_mut().zip(&groups).filter(|(_, &g)| g == group) {
                *v /= norm;
            }
        }
    }
    out
}
