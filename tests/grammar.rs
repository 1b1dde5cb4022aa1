//! The template layer that makes diversity cheap and coherence hard to break: grammar rules,
//! the per-document cast, the corpus world, dates relative to the document, and the hygiene
//! filters — each checked through the real binary on tests/fixtures/grammar/spec.toml, whose
//! template prints what it draws on marked lines.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tempfile::tempdir;

const SPEC: &str = "tests/fixtures/grammar/spec.toml";

fn generate_grammar(dir: &Path, extra: &[&str]) -> serde_json::Value {
    factpress()
        .args(["generate", SPEC, "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    manifest(dir)
}

/// (record id, text) of every document of a corpus generated with one shard.
fn docs(dir: &Path, condition: &str) -> Vec<(String, String, serde_json::Value)> {
    zstd_lines(&dir.join(format!("data/{condition}-00000-of-00001.jsonl.zst")))
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
                v,
            )
        })
        .collect()
}

/// The value after `KEY ` on the line starting with it.
fn line<'t>(text: &'t str, key: &str) -> &'t str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no {key} line in:\n{text}"))
}

#[test]
fn grammar_expansion_is_the_same_for_any_thread_and_shard_count() {
    let tmp = tempdir().unwrap();
    let a = generate_grammar(&tmp.path().join("a"), &["--threads", "1"]);
    let b = generate_grammar(&tmp.path().join("b"), &["--threads", "2", "--shards", "3"]);
    assert_eq!(a["content_sha256"], b["content_sha256"]);
    // A different seed expands differently.
    let c = generate_grammar(&tmp.path().join("c"), &["--seed", "8"]);
    assert_ne!(a["content_sha256"], c["content_sha256"]);
}

#[test]
fn grammar_yields_many_surface_forms_and_follows_weights() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "2000", "--condition", "base"]);
    let all = docs(&dir, "base");
    let headlines: BTreeSet<&str> = all
        .iter()
        .map(|(_, t, _)| t.lines().next().unwrap())
        .collect();
    // 4 adjectives x 4 nouns for two alternatives, 4 outlets for the third: 36 at most.
    assert!(headlines.len() >= 30, "{} headlines", headlines.len());
    // scrutiny has weights 3:2:2:1, so "scrutiny" beats "attention from regulators".
    let count = |w: &str| {
        all.iter()
            .filter(|(_, t, _)| t.lines().next().unwrap().contains(w))
            .count()
    };
    assert!(count("scrutiny") > count("attention from regulators"));
    // The self-referencing rule stops, with chains of several lengths.
    let chains: BTreeSet<usize> = all
        .iter()
        .map(|(_, t, _)| line(t, "CHAIN").matches("one").count())
        .collect();
    assert!(
        chains.contains(&1) && chains.iter().any(|&n| n >= 4),
        "{chains:?}"
    );
    // #rule.cap# capitalises the first letter of the expansion.
    assert!(
        headlines
            .iter()
            .any(|h| h.starts_with("Fresh ") || h.starts_with("New "))
    );
}

#[test]
fn the_cast_is_bound_per_document_and_distinct() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "400", "--condition", "base"]);
    let mut experts = BTreeSet::new();
    for (id, text, _) in docs(&dir, "base") {
        let e: Vec<&str> = line(&text, "EXPERT").split(" | ").collect();
        let (full, last, org) = (e[0], e[1], e[2]);
        assert!(full.ends_with(&format!(" {last}")), "{id}: {full} / {last}");
        experts.insert(full.to_string());
        // The template's closing quote and the fact variants name the same person.
        assert!(
            text.contains(&format!("\"It matters,\" {last} ")),
            "{id}: quote not by {last}\n{text}"
        );
        for l in text
            .lines()
            .filter(|l| l.starts_with("Contractors rate every"))
        {
            assert!(l.contains(&format!(", {last} ")), "{id}: {l}");
        }
        for l in text.lines().filter(|l| l.starts_with("Paid conversations")) {
            assert!(l.contains(&format!("{full} of {org}")), "{id}: {l}");
        }
        // Distinct draws from one pool: reporter and expert never share a surname, the
        // document's outlet is never the outlet it cites.
        assert_ne!(line(&text, "REPORTER"), last, "{id}");
        let outlets: Vec<&str> = line(&text, "OUTLETS").split(" | ").collect();
        assert_ne!(outlets[0], outlets[1], "{id}");
        assert!(
            text.lines().nth(1).unwrap().ends_with(outlets[0]),
            "{id}: byline"
        );
    }
    assert!(experts.len() > 20, "the cast varies across documents");
}

#[test]
fn matched_conditions_share_the_cast_and_differ_only_in_the_swapped_fact() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "300"]);
    let (base, swapped) = (docs(&dir, "base"), docs(&dir, "swapped"));
    for ((_, a, _), (_, b, _)) in base.iter().zip(&swapped) {
        assert_eq!(line(a, "EXPERT"), line(b, "EXPERT"));
        assert_eq!(line(a, "CHAIN"), line(b, "CHAIN"));
    }
    factpress()
        .arg("pairs")
        .arg(&dir)
        .args([
            "--condition-a",
            "base",
            "--condition-b",
            "swapped",
            "-n",
            "0",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "pairs with differences outside the changed facts: 0",
        ));
}

#[test]
fn the_world_is_one_for_the_whole_corpus() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "200"]);
    let worlds: BTreeSet<String> = ["base", "swapped"]
        .iter()
        .flat_map(|c| docs(&dir, c))
        .map(|(_, t, _)| line(&t, "WORLD").to_string())
        .collect();
    assert_eq!(worlds.len(), 1, "{worlds:?}");
    let w = worlds.into_iter().next().unwrap();
    let parts: Vec<&str> = w.split(" | ").collect();
    let raters: i64 = parts[0].parse().unwrap();
    assert!((2000..=9000).contains(&raters) && raters % 500 == 0, "{w}");
    assert_eq!(&parts[2..], ["2016", "safety first"]);
    // The fact that quotes world.raters agrees with it, with a thousands separator.
    for (_, t, _) in docs(&dir, "base") {
        if let Some(l) = t.lines().find(|l| l.starts_with("About ")) {
            let with_sep = format!("{},{:03}", raters / 1000, raters % 1000);
            assert!(
                l.starts_with(&format!("About {with_sep} contractors")),
                "{l}"
            );
        }
    }
}

#[test]
fn dates_are_relative_to_the_document() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "500", "--condition", "base"]);
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut quarters = BTreeSet::new();
    for (id, text, rec) in docs(&dir, "base") {
        let d = date(line(&text, "DATE"));
        assert_eq!(rec["created"].as_str().unwrap(), format!("{d}T00:00:00Z"));
        // The last quarter that ended before the document, and the one before it.
        let q: Vec<&str> = line(&text, "QUARTER").split(" | ").collect();
        let end = chrono::NaiveDate::parse_from_str(q[1], "%B %-d, %Y").unwrap();
        assert!(end < d && (d - end).num_days() <= 92, "{id}: {q:?} for {d}");
        quarters.insert(q[0].to_string());
        let posted_reply: Vec<&str> = line(&text, "POSTED").split_whitespace().collect();
        let (posted, reply) = (date(posted_reply[0]), date(posted_reply[2]));
        assert_eq!((d - posted).num_days(), 10, "{id}");
        assert!(
            reply <= d && (d - reply).num_days() <= 9,
            "{id}: reply {reply} for {d}"
        );
        let month = posted_reply[4];
        let last_month = d.checked_sub_months(chrono::Months::new(1)).unwrap();
        assert_eq!(month, last_month.format("%B").to_string(), "{id}");
    }
    assert!(quarters.len() >= 3, "{quarters:?}");
}

#[test]
fn hygiene_filters_get_english_right() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    generate_grammar(&dir, &["--docs", "300", "--condition", "base"]);
    let mut articles = BTreeMap::new();
    for (_, text, _) in docs(&dir, "base") {
        let l = line(&text, "ARTICLE");
        assert!(l.ends_with("; an hour; a European court"), "{l}");
        let pages: u32 = l
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches("-page")
            .parse()
            .unwrap();
        let art = l.split_whitespace().next().unwrap().to_string();
        let want = if (80..90).contains(&pages) || pages == 8 || pages == 11 || pages == 18 {
            "an"
        } else {
            "a"
        };
        assert_eq!(art, want, "{l}");
        *articles.entry(art).or_insert(0) += 1;
        assert_eq!(line(&text, "LIST"), "a, b and c; three; 12; second");
    }
    assert!(articles.len() == 2, "both articles occur: {articles:?}");
    let poss = docs(&dir, "base")
        .into_iter()
        .any(|(_, t, _)| t.contains("about Arcadia AI's models"));
    assert!(poss, "possessive filter");
}

#[test]
fn check_reports_grammar_mistakes_with_locations() {
    let tmp = tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grammar");
    let copy = |name: &str, edit: &dyn Fn(String) -> String| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::create_dir_all(dir.join("grammar")).unwrap();
        for f in [
            "templates/article.j2",
            "grammar/shared.toml",
            "grammar/leads.txt",
        ] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        let spec = dir.join("spec.toml");
        std::fs::write(
            &spec,
            edit(std::fs::read_to_string(src.join("spec.toml")).unwrap()),
        )
        .unwrap();
        spec
    };
    type Edit = Box<dyn Fn(String) -> String>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "unknown-rule",
            Box::new(|s| s.replace("#says#.\",\n", "#sayz#.\",\n")),
            "unknown grammar rule `sayz` in variant 0 of fact `rated`",
        ),
        (
            "runaway",
            Box::new(|s| {
                s.replace(
                    r##"chain = ["one", "one more, #chain#"]"##,
                    r##"chain = ["#chain# again"]"##,
                )
            }),
            "grammar rule `chain` is nested more than 24 rules deep",
        ),
        (
            "cast-field",
            Box::new(|s| s.replace("{{ cast.cited.name }}", "{{ cast.cited.title }}")),
            "cast member `cited` has no field `title`",
        ),
        (
            "small-pool",
            Box::new(|s| {
                s.replace(r#"outlet = ["the Ashstead Examiner", "the Northgate Ledger", "Coastline Daily", "the Meridian Post"]"#, r#"outlet = ["the Ashstead Examiner"]"#)
            }),
            "the cast draws 2 distinct values from pool `outlet`, which has 1",
        ),
        (
            "world",
            Box::new(|s| {
                s.replace(
                    "raters = { int = [2000, 9000], step = 500 }",
                    "raters = { int = [9000, 2000] }",
                )
            }),
            "world value `raters`: `int` must be two integers lo <= hi",
        ),
        (
            "duplicate-rule",
            Box::new(|s| s.replace("[grammar]\n", "[grammar]\nadj = [\"odd\"]\n")),
            "grammar rule `adj` is defined twice",
        ),
    ];
    for (name, edit, want) in cases {
        let spec = copy(name, &*edit);
        let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
        assert!(err.contains(want), "{name}: expected {want:?} in:\n{err}");
        assert!(err.contains("┌─ "), "{name}: no location:\n{err}");
    }
}
