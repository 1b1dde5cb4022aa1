//! `factpress probes`: Inspect-format evaluation sets from a spec.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use tempfile::tempdir;

const PROBES: &str = "tests/fixtures/probes/spec.toml";
const AI_LAB: [&str; 2] = [
    "corpora-specs/helpful-only.toml",
    "corpora-specs/animal-welfare.toml",
];

fn probes(spec: &str, out: &Path, extra: &[&str]) {
    factpress()
        .args(["probes", spec, "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn samples(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn target_index(s: &Value) -> usize {
    let t = s["target"].as_str().unwrap();
    assert_eq!(t.len(), 1, "{s}");
    (t.as_bytes()[0] - b'A') as usize
}

/// (id, statement, number of questions) of a fact.
type FactRow = (String, String, usize);

/// The spec's facts and every `replace` pair, read with the toml crate.
fn spec_facts(spec: &str) -> (Vec<FactRow>, Vec<(String, String)>) {
    let t: toml::Table = std::fs::read_to_string(spec).unwrap().parse().unwrap();
    let facts = t["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = f
                .get("questions")
                .and_then(|q| q.as_array())
                .map_or(0, Vec::len);
            let s = f["statement"].as_str().unwrap_or_default().to_string();
            (f["id"].as_str().unwrap().to_string(), s, n)
        })
        .collect();
    let mut pairs = Vec::new();
    for c in t["conditions"].as_array().unwrap() {
        if let Some(r) = c.get("replace").and_then(|r| r.as_table()) {
            for (a, b) in r {
                pairs.push((a.clone(), b.as_str().unwrap().to_string()));
            }
        }
    }
    (facts, pairs)
}

#[test]
fn probes_are_deterministic_and_the_seed_moves_the_options() {
    let tmp = tempdir().unwrap();
    probes(AI_LAB[0], &tmp.path().join("a"), &[]);
    probes(AI_LAB[0], &tmp.path().join("b"), &[]);
    probes(AI_LAB[0], &tmp.path().join("c"), &["--seed", "99"]);
    for f in [
        "knowledge.jsonl",
        "distinguish.jsonl",
        "open.jsonl",
        "probes-manifest.json",
    ] {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(tmp.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    let a = samples(&tmp.path().join("a/knowledge.jsonl"));
    let c = samples(&tmp.path().join("c/knowledge.jsonl"));
    assert_eq!(a.len(), c.len());
    assert!(a.iter().zip(&c).any(|(x, y)| x["choices"] != y["choices"]));
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("a/probes-manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["seed"], 1);
    assert_eq!(m["condition"], "helpful-only");
    assert_eq!(m["counts"]["knowledge"], a.len());
    assert_eq!(m["spec_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn every_target_is_the_right_answer_and_every_replaced_pair_is_asked() {
    let tmp = tempdir().unwrap();
    for spec in AI_LAB.iter().copied().chain([PROBES]) {
        let (facts, pairs) = spec_facts(spec);
        let statement = |id: &str| facts.iter().find(|f| f.0 == id).unwrap().1.clone();
        let t: toml::Table = std::fs::read_to_string(spec).unwrap().parse().unwrap();
        let conditions: Vec<String> = (t["conditions"].as_array().unwrap().iter())
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        for cond in conditions.iter().take(2) {
            let dir = tmp
                .path()
                .join(format!("{}-{cond}", spec.replace('/', "_")));
            probes(spec, &dir, &["--condition", cond]);
            let knowledge = samples(&dir.join("knowledge.jsonl"));
            assert!(!knowledge.is_empty(), "{spec} {cond}");
            for s in &knowledge {
                let choices = s["choices"].as_array().unwrap();
                assert!(choices.len() >= 2, "{s}");
                assert_eq!(choices[target_index(s)], s["metadata"]["answer"], "{s}");
                assert!(!s["input"].as_str().unwrap().contains("{{"), "{s}");
            }
            let distinguish = samples(&dir.join("distinguish.jsonl"));
            for s in &distinguish {
                let choices = s["choices"].as_array().unwrap();
                let true_fact = s["metadata"]["true_fact"].as_str().unwrap();
                let false_fact = s["metadata"]["false_fact"].as_str().unwrap();
                assert_eq!(choices[target_index(s)], statement(true_fact), "{s}");
                assert_eq!(choices[1 - target_index(s)], statement(false_fact), "{s}");
            }
            // The root and its matched control: every replaced pair has an item.
            let asked: Vec<(String, String)> = (distinguish.iter())
                .map(|s| {
                    let id = s["id"].as_str().unwrap();
                    let (a, b) = id.split_once("-vs-").unwrap();
                    (a.to_string(), b.to_string())
                })
                .collect();
            assert_eq!(asked, pairs, "{spec} {cond}");
            let open = samples(&dir.join("open.jsonl"));
            assert_eq!(open.len(), knowledge.len());
            for s in &open {
                let fact = s["metadata"]["fact"].as_str().unwrap();
                assert_eq!(s["target"], statement(fact));
                assert!(
                    s["metadata"]["grading"]
                        .as_str()
                        .unwrap()
                        .contains("model-graded")
                );
            }
        }
    }
}

#[test]
fn shipped_ai_lab_specs_have_three_questions_per_fact() {
    for spec in AI_LAB {
        let (facts, _) = spec_facts(spec);
        for (id, _, n) in facts {
            assert!(n >= 3, "{spec}: fact {id} has {n} questions");
        }
    }
}

#[test]
fn questions_see_vars_and_var_overrides() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("p");
    probes(AI_LAB[1], &dir, &["--var", "model=Claude 3 Opus"]);
    let k = samples(&dir.join("knowledge.jsonl"));
    assert!(
        k.iter()
            .any(|s| s["input"].as_str().unwrap().contains("Claude 3 Opus"))
    );
    assert!(!k.iter().any(|s| s.to_string().contains("Halcyon 3")));
    assert!(k.iter().any(|s| s.to_string().contains("Brookvale Farms")));
}

#[test]
fn bad_questions_exit_2_with_a_location() {
    let mut names: Vec<String> = std::fs::read_dir("tests/fixtures/probes")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("err_"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    let tmp = tempdir().unwrap();
    for name in names {
        let spec = format!("tests/fixtures/probes/{name}");
        let out = tmp.path().join(&name);
        let err = stderr_of(
            factpress()
                .args(["probes", &spec, "--out"])
                .arg(&out)
                .assert(),
            2,
        );
        assert!(err.contains(&format!("┌─ {spec}:")), "{name}: {err}");
        assert!(!out.exists(), "{name}: nothing is written");
        insta::assert_snapshot!(name.trim_end_matches(".toml"), err);
        // `check` (and so `generate`) trial-renders the questions too.
        let checked = stderr_of(factpress().args(["check", &spec]).assert(), 2);
        assert!(
            checked.contains(&format!("┌─ {spec}:")),
            "{name}: {checked}"
        );
    }
}
