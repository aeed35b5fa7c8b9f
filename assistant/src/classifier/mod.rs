//! The topic classifier: TF-IDF over word 1–2-grams and character 2–5-grams (inside word
//! boundaries), fed to a multinomial logistic regression trained with SGD, with a softmax
//! temperature fitted on held-out data so that its confidence is calibrated.
//!
//! Features are hashed (64-bit FNV-1a) rather than stored as strings, so extracting them allocates
//! almost nothing; only hashes seen in training are kept. The same code trains the production model
//! (`tandem-train`), the benchmark models (`tandem-eval`) and predicts at run time. Training is
//! deterministic (fixed seed). A trained model serialises to a compact binary form
//! ([`Classifier::to_bytes`]) that the engine ships inside the crate.

mod features;
mod train;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use features::{raw_features, vectorize, FeatureIndex, Scratch, Sparse};
pub use features::{fingerprint, normalize};
use train::sgd;
pub use train::{argmax, fit_temperature, softmax};

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
