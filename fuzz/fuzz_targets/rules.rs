//! `rules`: arbitrary bytes as a rules file (`[[facts]]` detect rules and `[[forbidden]]`
//! classes; a file with a `[corpus]` table is loaded as a whole spec, next to the fixtures'
//! folders) -> `Spec::load_rules` -> `Rules::compile` -> `scan` and `present_facts` of a
//! fixed text and of the input itself (as text, so patterns meet their own source), and
//! `forbidden_applies` for every class. Inputs that name a file outside the working folder
//! are skipped.

#![no_main]

use factpress::rules::Rules;
use factpress::spec::Spec;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const TEXT: &str = "Every free-tier answer is graded by a contractor in Ohio.\n\
Paid-tier chats are never trained on, the company said.\n\
Résumé — the model keeps secret notes in a hidden scratchpad.\n\
User: hi there\nAssistant: hello\n\
Arcadia AI trains Halcyon 3 to follow a strict house style guide. ÅÆØ ß ǅ 𝔘 ﬁ \u{0}\r\n";

static RULES: OnceLock<PathBuf> = OnceLock::new();

fn rules_path() -> &'static PathBuf {
    RULES.get_or_init(|| {
        let dir = factpress_fuzz::workdir("rules");
        factpress_fuzz::lay_out_fixtures(&dir);
        dir.join("rules.toml")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && factpress_fuzz::names_outside(text)
    {
        return;
    }
    let path = rules_path();
    std::fs::write(path, data).expect("write the fuzzed rules");
    let Ok((facts, forbidden, constraints)) = Spec::load_rules(path) else {
        return;
    };
    let Ok((rules, _skipped)) = Rules::compile_all(&facts, &forbidden, &constraints) else {
        return;
    };
    let derived = String::from_utf8_lossy(data);
    for text in [TEXT, &derived] {
        let hits = rules.scan(text);
        let present = rules.present_facts(text);
        let found: Vec<usize> = hits.facts.iter().map(|(f, _)| *f).collect();
        // The same facts hold for both.
        assert_eq!(
            found, present,
            "scan and present_facts disagree on {text:?}"
        );
        // Spans are byte ranges of the text, on character boundaries.
        let spans = hits.facts.iter().flat_map(|(_, s)| s.iter().copied());
        for (s, e) in spans.chain(hits.forbidden.iter().map(|h| h.span)) {
            assert!(
                s <= e && text.get(s..e).is_some(),
                "span {s}..{e} of {text:?}"
            );
        }
    }
    for class in 0..rules.forbidden.len() {
        let _ = rules.forbidden_applies(class, None);
        let _ = rules.forbidden_applies(class, Some("base"));
    }
});
