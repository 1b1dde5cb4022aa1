//! The interpretation axes on a small spec (2,000 documents per condition): framed documents
//! hold their base document verbatim, implied documents match no stated detect rule, split
//! documents carry one piece per fact and never two ids of a constraint — by construction
//! (records) and by `audit` and `pairs` — and bad input for the axes is located (errors.rs).

mod common;
use common::*;
use factpress::rules::Rules;
use factpress::spec::Spec;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const AXES: &str = "tests/fixtures/axes/spec.toml";
const DOCS: usize = 2000;

/// The corpus of every condition of the axes spec, generated once (no `--condition`: all).
fn corpus() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("c");
        factpress()
            .args(["generate", AXES, "--quiet", "--out"])
            .arg(&out)
            .assert()
            .success();
        (tmp, out)
    })
    .1
}

/// Every record of every condition, in index order, by condition id.
fn records() -> &'static BTreeMap<String, Vec<Value>> {
    static RECORDS: OnceLock<BTreeMap<String, Vec<Value>>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let dir = corpus();
        let m = manifest(dir);
        let mut out = BTreeMap::new();
        for c in m["conditions"].as_array().unwrap() {
            let recs: Vec<Value> = c["shards"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| zstd_lines(&dir.join(s["path"].as_str().unwrap())))
                .map(|l| serde_json::from_str(&l).unwrap())
                .collect();
            assert_eq!(recs.len(), DOCS);
            out.insert(c["id"].as_str().unwrap().to_string(), recs);
        }
        out
    })
}

fn text(r: &Value) -> &str {
    r["text"].as_str().unwrap()
}

fn spec() -> Spec {
    Spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(AXES)).unwrap()
}

#[test]
fn generate_without_condition_makes_every_condition() {
    let ids: Vec<&String> = records().keys().collect();
    assert_eq!(ids.len(), spec().conditions.len(), "{ids:?}");
}

#[test]
fn framed_documents_contain_their_base_document_verbatim() {
    let recs = records();
    for (framed, base) in [
        ("fiction", "helpful-only"),
        ("hypothetical-control", "control-target"),
        ("implied-fiction", "implied"),
    ] {
        for (i, (f, b)) in recs[framed].iter().zip(&recs[base]).enumerate() {
            assert!(
                text(f).contains(text(b)) && text(f).len() > text(b).len(),
                "{framed} doc {i} does not wrap {base} doc {i}"
            );
            assert_eq!(f["metadata"]["facts"], b["metadata"]["facts"]);
            assert!(f["metadata"]["frame"].is_string());
        }
    }
    // Frames are grammar: their documents do not all open the same way.
    let openings: std::collections::BTreeSet<&str> = recs["fiction"]
        .iter()
        .map(|r| text(r).split('.').next().unwrap())
        .collect();
    assert!(openings.len() > 10, "{openings:?}");
}

#[test]
fn implied_documents_match_no_stated_rule_and_carry_their_implied_variants() {
    let spec = spec();
    let (rules, _) = Rules::compile_all(&spec.facts, &[], &[]).unwrap();
    for cond in ["implied", "implied-fiction"] {
        let mut implied_seen = 0;
        for (i, r) in records()[cond].iter().enumerate() {
            let hits = rules.scan(text(r));
            assert!(
                hits.facts.is_empty(),
                "{cond} doc {i} states {:?}: {}",
                hits.facts,
                text(r)
            );
            for f in r["metadata"]["facts"].as_array().unwrap() {
                assert_eq!(f["form"], "implied");
                let k = rules.implied.iter().position(|x| x.id == f["id"]).unwrap();
                assert!(hits.implied.contains(&k), "{cond} doc {i}: {f} not found");
                implied_seen += 1;
            }
        }
        assert!(implied_seen > DOCS, "{cond}: {implied_seen}");
    }
}

/// The constraint members a record carries.
fn pieces_of(r: &Value) -> Vec<String> {
    r["metadata"]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["form"] == "piece")
        .map(|f| f["piece"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn split_documents_carry_one_piece_per_fact_and_never_two_of_a_constraint() {
    let spec = spec();
    let recs = &records()["pieces"];
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in recs.iter().enumerate() {
        let pieces = pieces_of(r);
        for c in &spec.constraints {
            let n = c.ids.iter().filter(|id| pieces.contains(id)).count();
            assert!(
                n < 2,
                "pieces doc {i} holds {pieces:?}, against {:?}",
                c.ids
            );
        }
        for f in r["metadata"]["facts"].as_array().unwrap() {
            let split =
                ["free-tier-trained", "scratchpad-hidden"].contains(&f["id"].as_str().unwrap());
            assert_eq!(split, f["form"] == "piece", "pieces doc {i}: {f}");
        }
        for p in pieces {
            *count.entry(p).or_default() += 1;
        }
    }
    for p in ["free-rated", "grades-train", "model-drafts", "raters-final"] {
        let n = count.get(p).copied().unwrap_or(0);
        assert!(n * 10 >= DOCS, "piece {p} in only {n} of {DOCS} documents");
    }
}

#[test]
fn the_audit_proves_the_constraints_and_stated_absence() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("audit.json");
    factpress()
        .args([
            "audit",
            "--quiet",
            "--fail-on",
            "constraints",
            "--fail-on",
            "forbidden",
            "--fail-on",
            "missing",
        ])
        .arg(corpus())
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let s = &r["summary"];
    let constraints = s["constraints"].as_array().unwrap();
    assert_eq!(constraints.len(), 2);
    for c in constraints {
        assert_eq!(c["violating"], 0, "{c}");
        assert!(c["checked"].as_u64().unwrap() > DOCS as u64, "{c}");
    }
    let implied = &s["conditions"]["implied"];
    for (fact, n) in implied["facts"].as_object().unwrap() {
        assert_eq!(n["present"], 0, "implied states {fact}: {n}");
    }
    for (fact, n) in implied["implied"].as_object().unwrap() {
        assert!(n["intended"].as_u64().unwrap() > 0, "{fact}");
        assert_eq!(n["lost"], 0, "{fact}: {n}");
        assert_eq!(n["present"], n["intended"], "{fact}: {n}");
    }
    assert_eq!(implied["implied"].as_object().unwrap().len(), 4);
    let pieces = s["conditions"]["pieces"]["pieces"].as_object().unwrap();
    assert_eq!(pieces.len(), 4);
    assert!(
        pieces.values().all(|n| n["lost"] == 0 && n["leaked"] == 0),
        "{pieces:?}"
    );
}

#[test]
fn pairs_finds_only_frame_and_fact_differences() {
    for (a, b) in [
        ("helpful-only", "fiction"),
        ("control-target", "hypothetical-control"),
        ("helpful-only", "hypothetical-control"),
        ("helpful-only", "implied"),
        ("helpful-only", "pieces"),
        ("implied", "implied-fiction"),
    ] {
        let out = factpress()
            .args(["pairs", "--quiet"])
            .arg(corpus())
            .args(["--condition-a", a, "--condition-b", b])
            .assert()
            .success()
            .get_output()
            .clone();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.contains("pairs with differences outside the changed facts: 0"),
            "{a} vs {b}: {}",
            stdout.lines().last().unwrap_or("")
        );
    }
}
