//! Provider packs as data: a second pack changes what the assistant says with no code change, the
//! server's support hours reach every sentence that states them, and `pack check` reports each
//! class of mistake with its file and line.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use tandem_assistant::pack::Severity;
use tandem_assistant::{account, Assistant, Context, Pack, Problem, SupportHours};

fn lumen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/packs/lumen")
}

fn lumen() -> &'static Assistant {
    static E: OnceLock<Assistant> = OnceLock::new();
    E.get_or_init(|| {
        let (pack, problems) = Pack::load(lumen_dir());
        Assistant::new(pack.unwrap_or_else(|| panic!("{problems:?}")))
    })
}

fn demo() -> &'static Assistant {
    static E: OnceLock<Assistant> = OnceLock::new();
    E.get_or_init(Assistant::demo)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn ask(engine: &Assistant, q: &str, hours: &str, identified: bool) -> String {
    let acc = account::demo_account(today());
    let ctx = Context { today: today(), history: &[], account: identified.then_some(&acc).into(), locale: "en", hours: hours.parse().unwrap() };
    let r = engine.reply(q, &ctx);
    format!("{} {:?}", r.text, r.blocks)
}

#[test]
fn the_second_pack_gives_its_own_provider_s_answers() {
    let fee = ask(lumen(), "how much is the late fee", "always", false);
    assert!(fee.contains("£5.00") && fee.contains("7 days") && fee.contains("20%"), "{fee}");
    assert!(!fee.contains('€') && !fee.contains("10 days"), "{fee}");
    let demo_fee = ask(demo(), "how much is the late fee", "always", false);
    assert!(demo_fee.contains("€7.00") && demo_fee.contains("10 days"), "{demo_fee}");

    let hi = ask(lumen(), "hello", "always", false);
    assert!(hi.contains("Lumen Credit") && !hi.contains("Fjord"), "{hi}");

    // Account amounts are written in the pack's format; an order's extension uses its numbers.
    let ext = ask(lumen(), "can I extend my due date?", "always", true);
    assert!(ext.contains("by 14 days to 12/12/2026"), "{ext}");
    assert!(ext.contains("https://app.lumen.example/orders/FP-1001/extend"), "{ext}");
    let refund = ask(lumen(), "how long do refunds take", "always", false);
    assert!(refund.contains("3–5 business days"), "{refund}");
}

#[test]
fn support_hours_from_the_server_reach_every_sentence_that_states_them() {
    for engine in [demo(), lumen()] {
        let r = ask(engine, "can I talk to a human", "09:00-17:00", false);
        assert!(r.contains("09:00") && r.contains("17:00"), "{r}");
        assert!(!r.contains("08:00") && !r.contains("22:00"), "{r}");
        let r = ask(engine, "are you a bot?", "always", false);
        assert!(r.contains("around the clock"), "{r}");
    }
    let voice = demo().voice("de", "10:30-18:00".parse::<SupportHours>().unwrap());
    assert!(voice.server("outside_hours", &[]).contains("10:30–18:00"), "{}", voice.server("outside_hours", &[]));
}

/// A copy of a pack in a temporary folder, with `edit` applied to one of its files.
fn broken(src: &Path, file: &str, edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, Vec<Problem>) {
    let dir = tempfile::tempdir().unwrap();
    copy(src, dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    let (pack, problems) = Pack::load(dir.path());
    assert!(pack.is_none(), "a pack with an error must not load");
    (dir, problems.into_iter().filter(|p| p.severity == Severity::Error).collect())
}

fn copy(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            if e.file_name() == "build" {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("{needle} not found"))
}

fn has(problems: &[Problem], file: &str, line: usize, words: &str) -> bool {
    problems.iter().any(|p| p.file == file && p.line == line && p.message.contains(words))
}

#[test]
fn a_template_missing_in_one_locale_is_reported_with_where_the_first_locale_has_it() {
    let en = std::fs::read_to_string(Pack::demo_dir().join("en/replies.toml")).unwrap();
    let en_line = line_of(&en, "goodbye = ");
    let (_d, problems) = broken(&Pack::demo_dir(), "sv/replies.toml", |t| t.lines().filter(|l| !l.starts_with("goodbye =")).collect::<Vec<_>>().join("\n"));
    let sv = std::fs::read_to_string(Pack::demo_dir().join("sv/replies.toml")).unwrap();
    let header = line_of(&sv, "[say]");
    assert!(has(&problems, "sv/replies.toml", header, &format!("missing template [say] goodbye (en/replies.toml:{en_line} has it)")), "{problems:?}");
}

#[test]
fn an_unknown_placeholder_is_reported_at_its_line() {
    let (_d, problems) = broken(&lumen_dir(), "en/replies.toml", |t| t.replace("next_payment = \"Your next payment is {amount}", "next_payment = \"Your next payment is {amonut}"));
    let text = std::fs::read_to_string(lumen_dir().join("en/replies.toml")).unwrap();
    let line = line_of(&text, "next_payment = \"Your next payment is");
    assert!(has(&problems, "en/replies.toml", line, "unknown placeholder {amonut}"), "{problems:?}");
}

#[test]
fn a_number_referenced_but_not_defined_is_reported() {
    let (_d, problems) = broken(&lumen_dir(), "en/articles.toml", |t| t.replace("{grace_days} days after its due date", "{grace_period} days after its due date"));
    let text = std::fs::read_to_string(lumen_dir().join("en/articles.toml")).unwrap();
    let line = line_of(&text, "days after its due date");
    assert!(has(&problems, "en/articles.toml", line, "unknown placeholder {grace_period}"), "{problems:?}");
    let (_d, problems) = broken(&lumen_dir(), "pack.toml", |t| t.replace("grace_days = 7\n", ""));
    assert!(problems.iter().any(|p| p.file == "pack.toml" && p.message.contains("no grace_days")), "{problems:?}");
}

#[test]
fn a_cited_article_that_does_not_exist_is_reported() {
    let (_d, problems) = broken(&lumen_dir(), "pack.toml", |t| t.replace("late_fee = [\"late-fee\"]", "late_fee = [\"late-fees\"]"));
    let text = std::fs::read_to_string(lumen_dir().join("pack.toml")).unwrap();
    let line = line_of(&text, "late_fee = [\"late-fee\"]");
    assert!(has(&problems, "pack.toml", line, "cites article 'late-fees'"), "{problems:?}");
    let (_d, problems) = broken(&lumen_dir(), "en/articles.toml", |t| t.replace("[refunds]", "[refund-policy]"));
    assert!(problems.iter().any(|p| p.file == "en/articles.toml" && p.message.contains("kb/refunds")), "{problems:?}");
}

#[test]
fn a_topic_without_training_phrases_in_a_locale_is_reported() {
    let (_d, problems) = broken(&Pack::demo_dir(), "de/training.txt", |t| {
        let mut out = Vec::new();
        let mut skip = false;
        for l in t.lines() {
            if l.trim().starts_with('[') {
                skip = l.trim() == "[legal]";
            }
            if !skip {
                out.push(l);
            }
        }
        out.join("\n")
    });
    assert!(has(&problems, "de/training.txt", 0, "topic [legal] has no training phrases in de"), "{problems:?}");
}

#[test]
fn broken_files_are_reported_with_their_line() {
    let (_d, problems) = broken(&lumen_dir(), "en/replies.toml", |t| t.replacen("thanks = \"", "thanks = ", 1));
    let text = std::fs::read_to_string(lumen_dir().join("en/replies.toml")).unwrap();
    assert!(problems.iter().any(|p| p.file == "en/replies.toml" && p.line == line_of(&text, "thanks = \"")), "{problems:?}");
    let (_d, problems) = broken(&lumen_dir(), "en/rules.txt", |t| t.replace("[always legal]", "[always lawyers]"));
    assert!(problems.iter().any(|p| p.file == "en/rules.txt" && p.message.contains("not an always-a-person topic")), "{problems:?}");
    assert!(problems.iter().any(|p| p.file == "en/rules.txt" && p.message.contains("no [always legal]")), "{problems:?}");
    let (_d, problems) = broken(&lumen_dir(), "en/training.txt", |t| t.replace("[greeting]", "[greetings]"));
    let text = std::fs::read_to_string(lumen_dir().join("en/training.txt")).unwrap();
    assert!(has(&problems, "en/training.txt", line_of(&text, "[greeting]"), "unknown topic [greetings]"), "{problems:?}");
}

#[test]
fn a_stale_build_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy(&lumen_dir(), dir.path());
    let (pack, _) = Pack::load(dir.path());
    let pack = pack.unwrap();
    let (models, _) = tandem_assistant::model::Models::train(&pack);
    let bytes = models.to_bytes();
    assert!(tandem_assistant::model::Models::from_bytes(&bytes, &pack).is_ok());
    // One more training phrase: the pack's fingerprint changes and the old models are refused.
    let path = dir.path().join("en/training.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("[thanks]\n", "[thanks]\ncheers mate\n")).unwrap();
    let (changed, _) = Pack::load(dir.path());
    let err = tandem_assistant::model::Models::from_bytes(&bytes, &changed.unwrap()).unwrap_err();
    assert!(err.contains("stale"), "{err}");
}
