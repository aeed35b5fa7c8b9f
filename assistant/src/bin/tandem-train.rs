//! `tandem-train`: trains the shipped topic model from `data/train.csv` and writes `data/model.bin`.
//!
//! ```text
//! cargo run -p tandem-assistant --release --bin tandem-train -- [--data FILE] [--out FILE]
//! ```
//! The softmax temperature and the abstention threshold are chosen on 5-fold cross-validation of
//! the training phrases (never on the test questions). The threshold minimises
//! `WRONG_COST · wrong answers + abstentions on questions it would have got right`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tandem_assistant::classifier::{argmax, fingerprint, softmax, Classifier, TrainConfig};
use tandem_assistant::eval::{cross_val_scores, expected_calibration_error, parse_labelled};

/// A wrong answer costs this many abstentions.
const WRONG_COST: f64 = 3.0;

fn main() -> ExitCode {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut data = manifest.join("data/train.csv");
    let mut out = manifest.join("data/model.bin");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--data", Some(v)) => data = PathBuf::from(v),
            ("--out", Some(v)) => out = PathBuf::from(v),
            _ => {
                eprintln!("usage: tandem-train [--data FILE] [--out FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let text = match std::fs::read_to_string(&data) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("tandem-train: cannot read {}: {e}", data.display());
            return ExitCode::from(2);
        }
    };
    let examples = match parse_labelled(&text) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tandem-train: {}: {e}", data.display());
            return ExitCode::from(2);
        }
    };
    let cfg = TrainConfig::default();
    let mut model = Classifier::train(&examples, &cfg);
    let labels = model.labels().to_vec();
    let held = cross_val_scores(&examples, 5, &cfg, &labels);
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
    let mut best = (f64::INFINITY, 0.0f32, 0usize, 0usize);
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
            best = (cost, th, wrong, lost);
        }
    }
    model.set_threshold(best.1);
    model.set_data_fingerprint(fingerprint(&text));
    let acc = probs.iter().filter(|(p, y)| argmax(p) == *y).count() as f64 / probs.len() as f64;
    println!("{} phrases, {} topics, {} features", examples.len(), labels.len(), model.feature_count());
    println!("5-fold cross-validation: accuracy {:.1}%, ECE {:.3} at temperature {t:.3}", acc * 100.0, expected_calibration_error(&probs));
    println!("threshold {:.2}: {} wrong answers, {} right answers lost to abstention (cross-validated)", best.1, best.2, best.3);
    let bytes = model.to_bytes();
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("tandem-train: cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    ExitCode::SUCCESS
}
