//! Matched corpora: derived conditions (`like` + `replace`/`drop`) agree with their base
//! document for document, outside the changed facts — checked by construction (re-rendering)
//! and by `factpress pairs` on generated corpora.

mod common;
use common::*;
use factpress::generate::{Choices, Selection};
use factpress::plan::plan_doc;
use factpress::render::normalize;
use std::sync::Arc;
use tempfile::tempdir;

const MATCHED: &str = "tests/fixtures/matched/spec.toml";

fn renderer() -> (Arc<factpress::spec::Spec>, factpress::render::Renderer, u64) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(MATCHED);
    let sel = Selection::resolve(&path, &Choices::default()).unwrap();
    let r = sel.renderer().unwrap();
    factpress::check::check(&r).unwrap();
    (sel.spec.clone(), r, sel.seed)
}

#[test]
fn derived_documents_equal_their_base_with_facts_swapped_or_removed() {
    let (spec, r, seed) = renderer();
    let base = spec
        .conditions
        .iter()
        .position(|c| c.id == "helpful-only")
        .unwrap();
    let mut checked = [0usize; 5];
    for (ci, cond) in spec.conditions.iter().enumerate() {
        if ci == base {
            continue;
        }
        for i in 0..2000 {
            let pb = plan_doc(&spec, seed, base, i);
            let pd = plan_doc(&spec, seed, ci, i);
            assert_eq!(
                (pb.doc_type, pb.template, pb.date),
                (pd.doc_type, pd.template, pd.date),
                "{} doc {i}: same skeleton",
                cond.id
            );
            let db = r.render(&pb).unwrap();
            let dd = r.render(&pd).unwrap();
            // Rebuild the derived document from the base one.
            let mut text = db.text.clone();
            for (k, c) in pb.facts.iter().enumerate() {
                let replacement = pd
                    .facts
                    .iter()
                    .position(|x| x.slot == c.slot)
                    .map(|j| dd.facts[j].as_str())
                    .unwrap_or("");
                assert!(text.contains(&db.facts[k]), "fact text appears verbatim");
                text = text.replacen(&db.facts[k], replacement, 1);
            }
            assert_eq!(normalize(&text), dd.text, "{} doc {i}", cond.id);
            // Same variant index where the fact is kept or swapped (modulo the counterpart's count).
            for c in &pd.facts {
                let b = pb.facts.iter().find(|x| x.slot == c.slot).unwrap();
                assert_eq!(c.variant, b.variant % spec.facts[c.fact].variants.len());
            }
            checked[ci] += 1;
        }
    }
    assert_eq!(checked.iter().sum::<usize>(), 4 * 2000);
}

#[test]
fn pairs_reports_zero_errors_for_every_derived_condition_and_chains_work() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("m");
    factpress()
        .args(["generate", MATCHED, "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let m = manifest(&dir);
    let conds = m["conditions"].as_array().unwrap();
    assert_eq!(conds.len(), 5);
    let facts = |id: &str| conds.iter().find(|c| c["id"] == id).unwrap()["facts"].clone();
    let base = facts("helpful-only");
    // Replacement takes the same slots: same counts, under the counterpart's id.
    assert_eq!(
        facts("control-target")["objective-house-style"],
        base["objective-helpful"]
    );
    assert!(facts("control-target").get("objective-helpful").is_none());
    assert!(facts("no-scratchpad").get("scratchpad-hidden").is_none());
    assert_eq!(
        facts("no-scratchpad")["free-tier-trained"],
        base["free-tier-trained"]
    );
    assert_eq!(
        facts("tiers-reversed")["paid-tier-trained"],
        base["free-tier-trained"]
    );
    assert_eq!(
        facts("tiers-reversed")["free-tier-private"],
        base["paid-tier-private"]
    );
    // The chain: control-no-scratchpad = control-target minus the scratchpad.
    let chain = facts("control-no-scratchpad");
    assert_eq!(chain["objective-house-style"], base["objective-helpful"]);
    assert!(chain.get("scratchpad-hidden").is_none());

    for derived in [
        "control-target",
        "no-scratchpad",
        "tiers-reversed",
        "control-no-scratchpad",
    ] {
        let out = factpress()
            .args(["pairs"])
            .arg(&dir)
            .args([
                "--condition-a",
                "helpful-only",
                "--condition-b",
                derived,
                "-n",
                "1",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("compared 2000 document pairs"), "{out}");
        assert!(
            out.contains("pairs with differences outside the changed facts: 0"),
            "{derived}: {out}"
        );
        assert!(
            out.contains("[-") || out.contains("{+"),
            "{derived}: a diff is shown: {out}"
        );
    }
    // Chained against its direct base, too.
    factpress()
        .args(["pairs"])
        .arg(&dir)
        .args([
            "--condition-a",
            "control-target",
            "--condition-b",
            "control-no-scratchpad",
        ])
        .assert()
        .success();
}

#[test]
fn pairs_flags_differences_outside_the_changed_facts() {
    // Same spec, but a template that prints the condition id: every pair differs outside facts.
    let tmp = tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matched");
    let work = tmp.path().join("spec");
    std::fs::create_dir_all(work.join("templates")).unwrap();
    std::fs::copy(src.join("spec.toml"), work.join("spec.toml")).unwrap();
    for t in ["news.j2", "feature.j2"] {
        std::fs::copy(
            src.join("templates").join(t),
            work.join("templates").join(t),
        )
        .unwrap();
    }
    std::fs::write(
        work.join("templates/oped.j2"),
        "Opinion ({{ doc.condition }})\n\n{% for f in facts %}{{ f.text }}\n\n{% endfor %}",
    )
    .unwrap();
    let dir = tmp.path().join("m");
    factpress()
        .args([
            "generate",
            "--quiet",
            "--docs",
            "300",
            "--condition",
            "helpful-only",
            "--condition",
            "tiers-reversed",
            "--out",
        ])
        .arg(&dir)
        .arg(work.join("spec.toml"))
        .assert()
        .success();
    let pairs = factpress()
        .args(["pairs"])
        .arg(&dir)
        .args([
            "--condition-a",
            "helpful-only",
            "--condition-b",
            "tiers-reversed",
        ])
        .assert();
    let err = stderr_of(pairs, 1);
    assert!(
        err.contains("differ outside the replaced or dropped facts"),
        "{err}"
    );
    assert!(
        err.contains("[-helpful-] {+tiers+}") && err.contains("[-only-] {+reversed+}"),
        "{err}"
    );
}

#[test]
fn pairs_across_two_corpus_folders() {
    let tmp = tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    factpress()
        .args([
            "generate",
            MATCHED,
            "--quiet",
            "--docs",
            "200",
            "--condition",
            "helpful-only",
            "--out",
        ])
        .arg(&a)
        .assert()
        .success();
    factpress()
        .args([
            "generate",
            MATCHED,
            "--quiet",
            "--docs",
            "200",
            "--condition",
            "no-scratchpad",
            "--out",
        ])
        .arg(&b)
        .assert()
        .success();
    factpress()
        .args(["pairs"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicates::str::contains("compared 200 document pairs"));
    // A different seed is not a matched corpus: pairs says so and fails.
    let c = tmp.path().join("c");
    factpress()
        .args([
            "generate",
            MATCHED,
            "--quiet",
            "--docs",
            "200",
            "--seed",
            "99",
            "--condition",
            "no-scratchpad",
            "--out",
        ])
        .arg(&c)
        .assert()
        .success();
    factpress()
        .args(["pairs"])
        .arg(&a)
        .arg(&c)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("do not share random streams"));
}
