//! The rules' parsing, matching and normalisation.

use super::*;

fn rules(text: &str) -> (Rules, Problems) {
    let mut p = Problems::default();
    let r = Rules::parse(text, "xx/rules.txt", &mut p, &["hardship", "dispute"]);
    (r, p)
}

const BASE: &str = "[normalize]\ncannot => cant\n~ae => a\nim => i am\n[always hardship]\ncan't afford\nlost my job.\n~diagnose\n[always dispute]\nbroken | website, app.\nstore * ignor\n[person]\nperson\n[contact]\ntalk\n[identity]\nare you\n[identity-words]\nbot\n[anger]\nuseless\n[crisis]\nend it all\n";

/// Every replacement looked for in turn on the current text: what `replace` must equal.
fn replace_each_in_turn(r: &Rules, mut out: String) -> String {
    for (from, to) in &r.replacements {
        for _ in 0..8 {
            if !out.contains(from.as_str()) {
                break;
            }
            out = out.replace(from.as_str(), to);
        }
    }
    out
}

#[test]
fn replacements_found_in_one_pass_give_what_each_in_turn_gives() {
    // The second rule applies to what the first wrote, the third to what the second wrote; the
    // fourth's text is removed by the first before its turn.
    let (r, p) = rules("[normalize]\ncannot => can not\ncan not => cant\ncant => unable\nnot => never\n~xy => yx\n~yy => z\n");
    assert!(p.0.iter().all(|p| p.line == 0), "only the missing sections are reported: {:?}", p.0);
    assert_eq!(r.prepare("I cannot pay, not now"), " i unable pay never now ");
    assert_eq!(r.prepare("xyy"), " zx ", "a rule repeats on its own output (xyy, yxy, yyx), the next sees it (zx)");
    for text in ["I cannot pay, not now", "xyy yy", "xxyy", "cannot cannot not", "nothing here", ""] {
        let padded = format!(" {text} ");
        assert_eq!(r.replace(padded.clone()), replace_each_in_turn(&r, padded), "{text}");
    }
    // The packs' own rules and training phrases, every locale.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packs");
    let mut checked = 0;
    for pack in std::fs::read_dir(&root).unwrap().flatten() {
        for locale in std::fs::read_dir(pack.path()).into_iter().flatten().flatten() {
            let (Ok(rules_txt), Ok(training)) = (std::fs::read_to_string(locale.path().join("rules.txt")), std::fs::read_to_string(locale.path().join("training.txt"))) else { continue };
            let mut p = Problems::default();
            let r = Rules::parse(&rules_txt, "rules.txt", &mut p, &[]);
            for line in training.lines().chain(rules_txt.lines()) {
                let mut norm = String::new();
                crate::classifier::normalize(&fold(line), &mut norm);
                let padded = format!(" {norm} ");
                assert_eq!(r.replace(padded.clone()), replace_each_in_turn(&r, padded), "{}: {line}", locale.path().display());
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "the packs' phrases were read ({checked})");
}

#[test]
fn patterns_match_at_word_starts_with_gaps_exceptions_and_folding() {
    let (r, p) = rules(BASE);
    assert!(p.0.is_empty(), "{:?}", p.0);
    let hits = |t: &str| r.sensitive_hits(&r.read(t)).into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(hits("I cannot afford it"), ["hardship"]);
    assert_eq!(hits("I CAN'T AFFORD it"), ["hardship"]);
    assert_eq!(r.prepare("Im at the time"), " i am at the time ", "whole-word replacements leave other words alone");
    assert_eq!(r.prepare("gekuendigt"), " gekuendigt ");
    assert_eq!(r.prepare("Raeder"), " rader ", "~ replaces inside words");
    assert!(hits("I lost my jobs list").is_empty(), "a final . ends the word");
    assert_eq!(hits("the lamp is broken"), ["dispute"]);
    assert!(hits("your website is broken").is_empty());
    assert_eq!(hits("the store keeps ignoring me"), ["dispute"]);
    assert!(hits("restore ignored").is_empty(), "parts start at word starts");
    assert_eq!(hits("eine krebsdiagnose"), ["hardship"], "~ matches inside words");
    let (gap, _) = rules("[always hardship]\nlost. * job\n[always dispute]\nx\n[person]\np\n[contact]\nc\n[identity]\ni\n[anger]\na\n");
    assert_eq!(gap.sensitive_hits(&gap.read("I lost job")), ["hardship"], "a whole word then the next part, side by side");
    assert!(r.asks_for_person(&r.read("can I talk to a person")));
    assert!(!r.asks_for_person(&r.read("are you a person?")));
    assert!(r.asks_identity(&r.read("are you a bot")));
    assert!(r.crisis(&r.read("I want to end it all")));
}

#[test]
fn folding_covers_accents_and_arabic_forms() {
    assert_eq!(fold("Nächste Größe"), "Nachste Grosse");
    assert_eq!(fold("أريد إلغاء"), "اريد الغاء");
    assert_eq!(fold("مَدْرَسَة"), "مدرسه");
    assert_eq!(fold("١٢٣"), "123");
}

#[test]
fn mistakes_are_reported_with_their_line() {
    let (_, p) = rules("[always hardship]\nok\n[always weather]\nrain\n[sometimes]\nx\n[person]\n* *\n[normalize]\nhab => habe hab\n");
    let lines: Vec<(usize, &str)> = p.0.iter().map(|x| (x.line, x.message.as_str())).collect();
    assert!(lines.iter().any(|(l, m)| *l == 3 && m.contains("not an always-a-person topic")), "{lines:?}");
    assert!(lines.iter().any(|(l, m)| *l == 5 && m.contains("unknown section")), "{lines:?}");
    assert!(lines.iter().any(|(l, m)| *l == 8 && m.contains("empty part")), "{lines:?}");
    assert!(lines.iter().any(|(_, m)| m.contains("no [always dispute]")), "{lines:?}");
    assert!(lines.iter().any(|(l, m)| *l == 10 && m.contains("replaced again")), "{lines:?}");
}
