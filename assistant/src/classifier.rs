//! The topic classifier: TF-IDF over word 1–2-grams and character 2–5-grams (inside word
//! boundaries), fed to a multinomial logistic regression trained with SGD, with a softmax
//! temperature fitted on held-out data so that its confidence is calibrated.
//!
//! Features are hashed (64-bit FNV-1a) rather than stored as strings, so extracting them allocates
//! almost nothing; only hashes seen in training are kept. The same code trains the production model
//! (`tandem-train`), the benchmark models (`tandem-eval`) and predicts at run time. Training is
//! deterministic (fixed seed). A trained model serialises to a compact binary form
//! ([`Classifier::to_bytes`]) that the engine ships inside the crate.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A labelled text: what the classifier trains and is evaluated on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The question as a shopper would type it.
    pub text: String,
    /// The topic (or intent) id.
    pub label: String,
}

impl Example {
    /// Builds an example from anything string-like.
    pub fn new(text: impl Into<String>, label: impl Into<String>) -> Self {
        Example { text: text.into(), label: label.into() }
    }
}

/// Training settings. The defaults are the ones measured best on the project set and the public
/// benchmarks (see the crate README).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// L2 penalty per example (the objective is mean loss + l2/2·|w|²).
    pub l2: f32,
    /// Initial SGD step; it decays linearly to zero over the run.
    pub learning_rate: f32,
    /// Seed for the shuffling order.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { epochs: 30, l2: 1e-5, learning_rate: 0.5, seed: 0x7a4d_e11e }
    }
}

/// A hasher for keys that are already good 64-bit hashes.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

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

type FeatureIndex = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
fn fnv_step(h: u64, x: u32) -> u64 {
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
const WORD: u8 = 0;
const CHAR: u8 = 1;

/// Appends the raw hashed features of `text` (with repeats) to `out`.
fn raw_features(text: &str, norm: &mut String, chars: &mut Vec<char>, out: &mut Vec<(u64, u8)>) {
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
struct Scratch {
    norm: String,
    chars: Vec<char>,
    raw: Vec<(u64, u8)>,
}

/// A sparse feature vector: (feature index, value), sorted by index.
type Sparse = Vec<(u32, f32)>;

/// Counts the known features of `text` and weights them: (1 + ln tf) · idf, then an L2 norm per
/// group.
fn vectorize(text: &str, index: &FeatureIndex, idf: &[f32], scratch: &mut Scratch) -> Sparse {
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

/// A small deterministic random generator (xorshift64*), for shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// The probabilities of one prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Calibrated probability of each label, in [`Classifier::labels`] order.
    pub probs: Vec<f32>,
    /// Index of the most likely label.
    pub best: usize,
}

impl Prediction {
    /// Probability of the most likely label: the classifier's calibrated confidence.
    pub fn confidence(&self) -> f32 {
        self.probs[self.best]
    }
}

/// A trained topic classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    labels: Vec<String>,
    keys: Vec<u64>,
    index: FeatureIndex,
    idf: Vec<f32>,
    /// Row-major: feature × label.
    weights: Vec<f32>,
    bias: Vec<f32>,
    temperature: f32,
    threshold: f32,
    /// Fingerprint of the training data, to tell a stale shipped model.
    data_fingerprint: u64,
}

impl Classifier {
    /// Trains on `examples`. Labels are ordered by first appearance.
    pub fn train(examples: &[Example], cfg: &TrainConfig) -> Classifier {
        let mut labels: Vec<String> = Vec::new();
        let mut label_ix: HashMap<&str, usize> = HashMap::new();
        let ys: Vec<usize> = examples
            .iter()
            .map(|e| {
                *label_ix.entry(e.label.as_str()).or_insert_with(|| {
                    labels.push(e.label.clone());
                    labels.len() - 1
                })
            })
            .collect();
        // Vocabulary and document frequencies.
        let mut index = FeatureIndex::default();
        let mut keys: Vec<u64> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut scratch = Scratch::default();
        let mut seen: Vec<u32> = Vec::new();
        for e in examples {
            scratch.raw.clear();
            raw_features(&e.text, &mut scratch.norm, &mut scratch.chars, &mut scratch.raw);
            seen.clear();
            for &(h, _) in &scratch.raw {
                let i = *index.entry(h).or_insert_with(|| {
                    keys.push(h);
                    df.push(0);
                    (keys.len() - 1) as u32
                });
                seen.push(i);
            }
            seen.sort_unstable();
            seen.dedup();
            for &i in &seen {
                df[i as usize] += 1;
            }
        }
        let n = examples.len() as f32;
        let idf: Vec<f32> = df.iter().map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0).collect();
        let xs: Vec<Sparse> = examples.iter().map(|e| vectorize(&e.text, &index, &idf, &mut scratch)).collect();
        let (weights, bias) = sgd(&xs, &ys, labels.len(), keys.len(), cfg);
        Classifier { labels, keys, index, idf, weights, bias, temperature: 1.0, threshold: 0.0, data_fingerprint: 0 }
    }

    /// The labels, in the order of [`Prediction::probs`].
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Index of a label.
    pub fn label_index(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// Number of features kept from training.
    pub fn feature_count(&self) -> usize {
        self.keys.len()
    }

    /// The softmax temperature applied to the scores (fitted by [`Classifier::fit_temperature`]).
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Sets the softmax temperature.
    pub fn set_temperature(&mut self, t: f32) {
        self.temperature = t;
    }

    /// The confidence below which the engine abstains (chosen when training; 0 when unset).
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Sets the abstention threshold.
    pub fn set_threshold(&mut self, t: f32) {
        self.threshold = t;
    }

    /// Fingerprint of the data the model was trained on (see [`fingerprint`]); 0 when unset.
    pub fn data_fingerprint(&self) -> u64 {
        self.data_fingerprint
    }

    /// Records the fingerprint of the training data.
    pub fn set_data_fingerprint(&mut self, f: u64) {
        self.data_fingerprint = f;
    }

    /// Raw (untempered) scores for each label.
    pub fn scores(&self, text: &str) -> Vec<f32> {
        let mut scratch = Scratch::default();
        let x = vectorize(text, &self.index, &self.idf, &mut scratch);
        let c = self.labels.len();
        let mut s = self.bias.clone();
        for &(j, v) in &x {
            let row = &self.weights[j as usize * c..(j as usize + 1) * c];
            for (sc, w) in s.iter_mut().zip(row) {
                *sc += v * w;
            }
        }
        s
    }

    /// Calibrated label probabilities for `text`.
    pub fn predict(&self, text: &str) -> Prediction {
        let mut p = self.scores(text);
        softmax(&mut p, self.temperature);
        let best = argmax(&p);
        Prediction { probs: p, best }
    }

    /// Fits the softmax temperature that minimises the negative log-likelihood of held-out
    /// `(scores, gold label index)` pairs, and sets it. Returns the temperature.
    pub fn fit_temperature(&mut self, held_out: &[(Vec<f32>, usize)]) -> f32 {
        self.temperature = fit_temperature(held_out);
        self.temperature
    }

    /// Serialises the model (little-endian; weights quantised to 8 bits per row).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"TNDM1\0");
        b.extend_from_slice(&self.data_fingerprint.to_le_bytes());
        b.extend_from_slice(&self.temperature.to_le_bytes());
        b.extend_from_slice(&self.threshold.to_le_bytes());
        b.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for l in &self.labels {
            b.extend_from_slice(&(l.len() as u32).to_le_bytes());
            b.extend_from_slice(l.as_bytes());
        }
        for x in &self.bias {
            b.extend_from_slice(&x.to_le_bytes());
        }
        let c = self.labels.len();
        b.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for (f, key) in self.keys.iter().enumerate() {
            b.extend_from_slice(&key.to_le_bytes());
            b.extend_from_slice(&self.idf[f].to_le_bytes());
            let row = &self.weights[f * c..(f + 1) * c];
            let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
            b.extend_from_slice(&scale.to_le_bytes());
            for w in row {
                let q = if scale > 0.0 { (w / scale).round().clamp(-127.0, 127.0) as i8 } else { 0 };
                b.push(q as u8);
            }
        }
        b
    }

    /// Reads a model written by [`Classifier::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, String> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(6)? != b"TNDM1\0" {
            return Err("not a Tandem model (bad magic)".into());
        }
        let data_fingerprint = r.u64()?;
        let temperature = r.f32()?;
        let threshold = r.f32()?;
        let c = r.u32()? as usize;
        let mut labels = Vec::with_capacity(c);
        for _ in 0..c {
            let len = r.u32()? as usize;
            labels.push(String::from_utf8(r.take(len)?.to_vec()).map_err(|e| e.to_string())?);
        }
        let mut bias = Vec::with_capacity(c);
        for _ in 0..c {
            bias.push(r.f32()?);
        }
        let nf = r.u32()? as usize;
        let mut keys = Vec::with_capacity(nf);
        let mut idf = Vec::with_capacity(nf);
        let mut weights = Vec::with_capacity(nf * c);
        let mut index = FeatureIndex::with_capacity_and_hasher(nf, Default::default());
        for f in 0..nf {
            let key = r.u64()?;
            keys.push(key);
            index.insert(key, f as u32);
            idf.push(r.f32()?);
            let scale = r.f32()?;
            weights.extend(r.take(c)?.iter().map(|&q| f32::from(q as i8) * scale));
        }
        if r.at != bytes.len() {
            return Err("trailing bytes after the model".into());
        }
        Ok(Classifier { labels, keys, index, idf, weights, bias, temperature, threshold, data_fingerprint })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self.b.get(self.at..self.at + n).ok_or("model file is truncated")?;
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
}

/// Index of the largest value.
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// In-place softmax of `v / t`.
pub fn softmax(v: &mut [f32], t: f32) {
    let max = v.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = ((*x - max) / t).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

fn nll(held_out: &[(Vec<f32>, usize)], t: f32) -> f64 {
    let mut total = 0.0f64;
    let mut p = Vec::new();
    for (s, y) in held_out {
        p.clear();
        p.extend_from_slice(s);
        softmax(&mut p, t);
        total -= f64::from(p[*y].max(1e-12)).ln();
    }
    total
}

/// The temperature in [0.02, 20] minimising held-out negative log-likelihood (golden-section
/// search on log t).
pub fn fit_temperature(held_out: &[(Vec<f32>, usize)]) -> f32 {
    if held_out.is_empty() {
        return 1.0;
    }
    let (mut a, mut b) = ((0.02f32).ln(), (20f32).ln());
    let g = 0.618_034f32;
    for _ in 0..40 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(held_out, c.exp()) < nll(held_out, d.exp()) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp()
}

/// Multinomial logistic regression by SGD with L2 (lazy weight scaling) and a linearly decaying
/// step. Returns (feature × label weights, biases).
fn sgd(xs: &[Sparse], ys: &[usize], c: usize, nf: usize, cfg: &TrainConfig) -> (Vec<f32>, Vec<f32>) {
    let mut w = vec![0f32; nf * c];
    let mut b = vec![0f32; c];
    let mut scale = 1.0f32;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = Rng(cfg.seed | 1);
    let total = (cfg.epochs * xs.len()).max(1) as f32;
    let mut t = 0usize;
    let mut g = vec![0f32; c];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let eta = cfg.learning_rate * (1.0 - t as f32 / total).max(1e-4);
            g.copy_from_slice(&b);
            for &(j, v) in &xs[i] {
                let f = v * scale;
                let row = &w[j as usize * c..(j as usize + 1) * c];
                for (gc, wc) in g.iter_mut().zip(row) {
                    *gc += f * wc;
                }
            }
            softmax(&mut g, 1.0);
            g[ys[i]] -= 1.0;
            scale *= 1.0 - eta * cfg.l2;
            let step = eta / scale;
            for &(j, v) in &xs[i] {
                let f = step * v;
                let row = &mut w[j as usize * c..(j as usize + 1) * c];
                for (wc, gc) in row.iter_mut().zip(&g) {
                    *wc -= f * gc;
                }
            }
            for (bc, gc) in b.iter_mut().zip(&g) {
                *bc -= eta * gc;
            }
            if scale < 1e-4 {
                for x in w.iter_mut() {
                    *x *= scale;
                }
                scale = 1.0;
            }
            t += 1;
        }
    }
    for x in w.iter_mut() {
        *x *= scale;
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_case_digits_and_punctuation() {
        let mut s = String::new();
        normalize("Where's my REFUND for FP-1001?!", &mut s);
        assert_eq!(s, "wheres my refund for fp 0");
    }

    #[test]
    fn learns_a_toy_problem_and_round_trips() {
        let data: Vec<Example> = [
            ("when is my next payment", "pay"),
            ("next instalment date", "pay"),
            ("when do I pay next", "pay"),
            ("where is my refund", "refund"),
            ("refund not received yet", "refund"),
            ("has my money come back", "refund"),
        ]
        .iter()
        .map(|(t, l)| Example::new(*t, *l))
        .collect();
        let m = Classifier::train(&data, &TrainConfig { epochs: 50, ..TrainConfig::default() });
        assert_eq!(m.labels()[m.predict("when is my payment due").best], "pay");
        assert_eq!(m.labels()[m.predict("refund still not here").best], "refund");
        let back = Classifier::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.labels(), m.labels());
        let (a, b) = (m.predict("my refund"), back.predict("my refund"));
        assert_eq!(a.best, b.best);
        assert!((a.confidence() - b.confidence()).abs() < 0.02);
    }

    #[test]
    fn temperature_fit_sharpens_underconfident_scores() {
        // Scores that are always right but timid: the fitted temperature is below 1.
        let held: Vec<(Vec<f32>, usize)> = (0..20).map(|i| (vec![0.5, 0.0, 0.0], if i < 19 { 0 } else { 1 })).collect();
        assert!(fit_temperature(&held) < 1.0);
    }
}
