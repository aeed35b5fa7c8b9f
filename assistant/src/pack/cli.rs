//! `pack check` and `pack build`, shared by `tandem-pack` and `tandem-server pack`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use super::{Pack, Severity};
use crate::model::{Models, BUILD_FILE};

/// Runs `check` or `build` on the pack in `dir`, printing to stdout/stderr.
pub fn run(cmd: &str, dir: &Path) -> ExitCode {
    let started = Instant::now();
    let (pack, problems) = Pack::load(dir);
    for p in &problems {
        eprintln!("{}: {p}", dir.display());
    }
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    let warnings = problems.len() - errors;
    let Some(pack) = pack else {
        eprintln!("{}: {errors} error(s), {warnings} warning(s): the pack cannot be used", dir.display());
        return ExitCode::FAILURE;
    };
    let phrases: usize = pack.locales.iter().map(|l| l.training.len()).sum();
    let eval: usize = pack.locales.iter().map(|l| l.eval.len()).sum();
    println!(
        "{}: {} for {} ({}), locales {}, {phrases} training phrases, {eval} test questions, {warnings} warning(s); read in {} ms",
        dir.display(),
        "ok",
        pack.provider,
        pack.currency,
        pack.locale_codes().join(", "),
        started.elapsed().as_millis()
    );
    if cmd == "build" {
        let started = Instant::now();
        let (models, reports) = Models::train(&pack);
        for r in &reports {
            println!(
                "  {}: {} phrases, cross-validated accuracy {:.1}%, temperature {:.2}, threshold {:.2}",
                r.locale,
                r.phrases,
                r.cv_accuracy * 100.0,
                r.temperature,
                r.threshold
            );
        }
        let path = pack.dir.join(BUILD_FILE);
        if let Err(e) = models.save(&path) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("trained in {} ms; wrote {} (fingerprint {:016x})", started.elapsed().as_millis(), path.display(), pack.fingerprint);
    }
    ExitCode::SUCCESS
}
