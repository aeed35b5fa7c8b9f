//! The pack's trained models: one topic classifier per locale (temperature and abstention
//! threshold chosen on cross-validation of that locale's phrases) and the language identifier.
//! Trained from the pack at start, or loaded from a file written by `pack build` when that file
//! carries the pack's fingerprint; a stale file is refused.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::classifier::{argmax, softmax, Classifier, Example, TrainConfig};
use crate::eval::cross_val_scores;
use crate::langid::LanguageId;
use crate::pack::Pack;

/// A wrong answer costs this many abstentions when the threshold is chosen.
pub const WRONG_COST: f64 = 3.0;

const MAGIC: &[u8; 8] = b"TNDMPCK1";

/// The file `pack build` writes inside the pack folder.
pub const BUILD_FILE: &str = "build/models.bin";

/// Trained models for every locale of a pack.
#[derive(Clone, Debug)]
pub struct Models {
    /// Locale code → topic classifier, in the pack's order.
    pub topics: Vec<(String, Classifier)>,
    pub language: LanguageId,
    /// The pack fingerprint these were trained for.
    pub fingerprint: u64,
}

/// What training found, per locale.
#[derive(Clone, Debug)]
pub struct TrainReport {
    pub locale: String,
    pub phrases: usize,
    pub cv_accuracy: f64,
    pub threshold: f32,
    pub temperature: f32,
}

/// Trains a calibrated topic classifier: temperature and abstention threshold from 5-fold
/// cross-validation (never from test questions).
pub fn train_topics(examples: &[Example]) -> (Classifier, f64) {
    let cfg = TrainConfig::default();
    let mut model = Classifier::train(examples, &cfg);
    let labels = model.labels().to_vec();
    let held = cross_val_scores(examples, 5, &cfg, &labels);
    let t = model.fit_temperature(&held);
    let unknown = model.label_index("unknown");
    let probs: Vec<(Vec<f32>, usize)> = held
        .iter()
        .map(|(s, y)| {
            let mut p = s.clone();
            softmax(&mut p, t);
            (p, *y)
        })
        .collect();
    let mut best = (f64::INFINITY, 0.0f32);
    for k in 0..100 {
        let th = k as f32 / 100.0;
        let (mut wrong, mut lost) = (0usize, 0usize);
        for (p, y) in &probs {
            let b = argmax(p);
            let answered = p[b] >= th && Some(b) != unknown;
            if answered && b != *y {
                wrong += 1;
            }
            if !answered && b == *y && Some(*y) != unknown {
                lost += 1;
            }
        }
        let cost = WRONG_COST * wrong as f64 + lost as f64;
        if cost < best.0 {
            best = (cost, th);
        }
    }
    model.set_threshold(best.1);
    let acc = probs.iter().filter(|(p, y)| argmax(p) == *y).count() as f64 / probs.len().max(1) as f64;
    // What runs is what a saved file would hold (weights quantised), so both paths answer alike.
    let model = Classifier::from_bytes(&model.to_bytes()).expect("a model reads back what it wrote");
    (model, acc)
}

impl Models {
    /// Trains every model of the pack.
    pub fn train(pack: &Pack) -> (Models, Vec<TrainReport>) {
        let mut topics = Vec::new();
        let mut reports = Vec::new();
        for l in &pack.locales {
            let examples: Vec<Example> = l.training.iter().map(|p| p.example.clone()).collect();
            let (mut model, acc) = train_topics(&examples);
            model.set_data_fingerprint(pack.fingerprint);
            reports.push(TrainReport { locale: l.code.clone(), phrases: examples.len(), cv_accuracy: acc, threshold: model.threshold(), temperature: model.temperature() });
            topics.push((l.code.clone(), model));
        }
        let language = LanguageId::train(pack);
        (Models { topics, language, fingerprint: pack.fingerprint }, reports)
    }

    /// Serialises the models with the pack fingerprint.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        let mut put = |name: &str, bytes: Vec<u8>| {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&bytes);
        };
        put("#language", self.language.classifier().to_bytes());
        for (code, m) in &self.topics {
            put(code, m.to_bytes());
        }
        out
    }

    /// Reads models written by [`Models::to_bytes`] for this pack; refuses another fingerprint.
    pub fn from_bytes(bytes: &[u8], pack: &Pack) -> Result<Models, String> {
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err("not a Tandem pack build (bad magic)".into());
        }
        let fp = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
        if fp != pack.fingerprint {
            return Err(format!("stale: built for pack fingerprint {fp:016x}, the pack is now {:016x}; run `tandem-server pack build`", pack.fingerprint));
        }
        let mut r = Reader { bytes, at: 16 };
        let mut parts = Vec::new();
        while r.at < bytes.len() {
            let n = u32::from_le_bytes(r.take(4)?.try_into().expect("4")) as usize;
            let name = String::from_utf8(r.take(n)?.to_vec()).map_err(|_| "bad name in pack build")?;
            let len = u64::from_le_bytes(r.take(8)?.try_into().expect("8")) as usize;
            parts.push((name, Classifier::from_bytes(r.take(len)?)?));
        }
        let mut language = None;
        let mut topics = Vec::new();
        for (name, m) in parts {
            if name == "#language" {
                language = Some(LanguageId::from_classifier(m, pack));
            } else {
                topics.push((name, m));
            }
        }
        let language = language.ok_or("pack build without a language model")?;
        if topics.iter().map(|(c, _)| c.as_str()).ne(pack.locales.iter().map(|l| l.code.as_str())) {
            return Err("pack build is for other locales".into());
        }
        Ok(Models { topics, language, fingerprint: fp })
    }

    /// The models for `pack`: from its build file when that is fresh, else trained now (and the
    /// build file written when the folder allows). Returns how they were obtained and how long it took.
    pub fn for_pack(pack: &Pack) -> (Models, Origin, Duration) {
        let started = Instant::now();
        let path = pack.dir.join(BUILD_FILE);
        let stale = match std::fs::read(&path) {
            Ok(bytes) => match Models::from_bytes(&bytes, pack) {
                Ok(m) => return (m, Origin::Loaded, started.elapsed()),
                Err(e) => Some(e),
            },
            Err(_) => None,
        };
        let (models, _) = Models::train(pack);
        let saved = models.save(&path).is_ok();
        (models, Origin::Trained { stale, saved }, started.elapsed())
    }

    /// Writes the build file atomically (a temporary file, then a rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, self.to_bytes())?;
        std::fs::rename(&tmp, path)
    }

    /// The topic classifier of `locale`.
    pub fn topics(&self, locale: &str) -> &Classifier {
        self.topics.iter().find(|(c, _)| c == locale).map(|(_, m)| m).unwrap_or(&self.topics[0].1)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self.bytes.get(self.at..self.at.saturating_add(n)).ok_or("truncated pack build")?;
        self.at += n;
        Ok(s)
    }
}

/// How the models were obtained at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// From a fresh `pack build` file.
    Loaded,
    /// Trained from the pack; `stale` says why a build file was refused, `saved` whether one was written.
    Trained { stale: Option<String>, saved: bool },
}
