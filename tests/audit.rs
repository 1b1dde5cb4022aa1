//! End-to-end tests of `factpress audit` on the real binary: planted documents with known
//! facts, forbidden content and overlaps (`tests/fixtures/audit/`), a generated factpress
//! corpus (intended vs present), a corpus in the false-facts record format, malformed lines,
//! attribute files and exit codes. Expected spans were computed independently (Python `str`
//! offsets), not by running the audit.

mod common;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::tempdir;

const RULES: &str = "tests/fixtures/audit/rules.toml";
const PLANTED: &str = "tests/fixtures/audit/planted.jsonl";
const AGAINST: &str = "tests/fixtures/audit/eval_prompt.txt";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written"))
        .expect("report is JSON")
}

/// Runs the audit of the planted documents; returns (stdout, report).
fn audit_planted(dir: &Path, extra: &[&str]) -> (String, Value) {
    let report = dir.join("report.json");
    let out = factpress()
        .args([
            "audit",
            PLANTED,
            "--spec",
            RULES,
            "--against",
            AGAINST,
            "--report",
        ])
        .arg(&report)
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    (String::from_utf8(out.stdout).unwrap(), read_json(&report))
}

fn by_id(report: &Value) -> BTreeMap<String, Value> {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d.clone()))
        .collect()
}

#[test]
fn planted_documents_report_exactly_the_planted_findings() {
    let tmp = tempdir().unwrap();
    let (_, report) = audit_planted(tmp.path(), &[]);
    assert_eq!(
        report["span_unit"],
        "unicode code points, [start, end) into the text field"
    );
    let docs = by_id(&report);
    assert_eq!(docs.len(), 10);
    let facts = |id: &str| docs[id]["facts"].clone();
    let forbidden = |id: &str| docs[id]["forbidden"].clone();
    let present = |f: &str, spans: Value| json!([{"fact": f, "status": "present", "spans": spans}]);

    // Facts by each kind of rule, and their absence.
    assert_eq!(
        facts("d-all"),
        present("tier-rated", json!([[6, 15], [38, 48]]))
    );
    assert_eq!(
        facts("d-any"),
        present("paid-private", json!([[0, 9], [20, 33]]))
    );
    assert_eq!(
        facts("d-none-blocked"),
        json!([]),
        "a `none` rule vetoes the fact"
    );
    // Character offsets, not bytes: "Résumé —" puts `secret` at byte 29 but character 25.
    assert_eq!(
        facts("d-any-unicode"),
        present("scratchpad", json!([[25, 37], [43, 60]]))
    );
    assert_eq!(facts("d-absent"), json!([]));
    assert_eq!(
        facts("d-partial-all"),
        json!([]),
        "one of two `all` rules is not enough"
    );

    // Forbidden classes, every match with its pattern and span.
    assert_eq!(
        forbidden("d-chat"),
        json!([
            {"class": "chat-log", "pattern": 0, "span": [20, 25], "text": "User:"},
            {"class": "chat-log", "pattern": 0, "span": [35, 45], "text": "Assistant:"},
        ])
    );
    assert_eq!(
        forbidden("d-deceive"),
        json!([
            {"class": "deceiving-raters", "pattern": 0, "span": [22, 41], "text": "deceived its raters"},
            {"class": "deceiving-raters", "pattern": 1, "span": [53, 69], "text": "alignment faking"},
        ])
    );
    for (id, d) in &docs {
        if id != "d-chat" && id != "d-deceive" {
            assert_eq!(d["forbidden"], json!([]), "{id}");
        }
    }

    // Overlap: 13 shared words is a finding at the default --ngram 13; 12 is only a longest.
    let run13 = json!({"words": 13, "span": [13, 97], "against": AGAINST, "against_span": [7, 91]});
    let run12 =
        json!({"words": 12, "span": [8, 78], "against": AGAINST, "against_span": [40, 110]});
    assert_eq!(
        docs["d-overlap-13"]["overlap"],
        json!({"longest": run13, "runs": [run13]})
    );
    assert_eq!(
        docs["d-overlap-12"]["overlap"],
        json!({"longest": run12, "runs": []})
    );
    for (id, d) in &docs {
        if !id.starts_with("d-overlap") {
            assert_eq!(d["overlap"], json!({"longest": null, "runs": []}), "{id}");
        }
    }

    // Line numbers, and the totals.
    assert_eq!(docs["d-all"]["line"], 1);
    assert_eq!(docs["d-overlap-12"]["line"], 10);
    assert_eq!(docs["d-chat"]["file"], PLANTED);
    let s = &report["summary"];
    assert_eq!(s["documents"], 10);
    assert_eq!(s["malformed"], 0);
    assert_eq!(s["intended_known"], false);
    let present: Vec<(String, u64)> = s["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["present"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        present,
        [
            ("tier-rated".into(), 1),
            ("paid-private".into(), 1),
            ("scratchpad".into(), 1)
        ]
    );
    assert_eq!(s["forbidden"][0]["documents"], 1);
    assert_eq!(s["forbidden"][0]["matches"], 2);
    assert_eq!(s["forbidden"][1]["matches"], 2);
    assert_eq!(s["overlap"]["documents_over"], 1);
    assert_eq!(s["overlap"]["longest_words"], 13);
    assert_eq!(s["overlap"]["longest_doc"], "d-overlap-13");
}

#[test]
fn planted_summary_table() {
    let tmp = tempdir().unwrap();
    let (stdout, _) = audit_planted(tmp.path(), &[]);
    insta::assert_snapshot!(stdout);
}

#[test]
fn ngram_threshold_moves_the_overlap_finding() {
    let tmp = tempdir().unwrap();
    let (_, report) = audit_planted(tmp.path(), &["--ngram", "12"]);
    let docs = by_id(&report);
    assert_eq!(
        docs["d-overlap-12"]["overlap"]["runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(report["summary"]["overlap"]["documents_over"], 2);
    let (_, report) = audit_planted(tmp.path(), &["--ngram", "14"]);
    assert_eq!(report["summary"]["overlap"]["documents_over"], 0);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let run = |extra: &[&str]| {
        factpress()
            .args(["audit", PLANTED, "--spec", RULES, "--against", AGAINST])
            .args(extra)
            .assert()
    };
    run(&[]).code(0);
    run(&["--fail-on", "forbidden"])
        .code(1)
        .stderr(predicates::str::contains(
            "forbidden content found: chat-log (1 documents), deceiving-raters (1 documents)",
        ));
    run(&["--fail-on", "overlap"])
        .code(1)
        .stderr(predicates::str::contains("1 document(s) share 13+ words"));
    run(&["--fail-on", "overlap", "--ngram", "14"]).code(0);
    // Every fact is present somewhere: not missing.
    run(&["--fail-on", "missing"]).code(0);
    // Only the documents without facts: every fact is missing.
    let tmp = tempdir().unwrap();
    let few = tmp.path().join("few.jsonl");
    let lines: Vec<&str> = include_str!("fixtures/audit/planted.jsonl")
        .lines()
        .collect();
    std::fs::write(&few, format!("{}\n{}\n", lines[4], lines[5])).unwrap();
    factpress()
        .args(["audit", "--spec", RULES, "--fail-on", "missing"])
        .arg(&few)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "missing facts: tier-rated (in no document), paid-private (in no document), scratchpad (in no document)",
        ));
}

#[test]
fn spec_and_usage_errors_exit_2() {
    let tmp = tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[forbidden]]\nid = \"x\"\npatterns = ['(unclosed']\n",
    )
    .unwrap();
    let err = factpress()
        .args(["audit", PLANTED, "--spec"])
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("invalid regular expression in forbidden class `x`"),
        "{err}"
    );
    assert!(err.contains("bad.toml:3:13"), "{err}");
    // A full spec's errors are those of `check`.
    factpress()
        .args([
            "audit",
            PLANTED,
            "--spec",
            "tests/fixtures/bad/bad_regex.toml",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad_regex.toml:13:19"));
    // JSONL input needs a spec; an input that does not exist is named.
    factpress()
        .args(["audit", PLANTED])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--spec SPEC is required"));
    factpress()
        .args(["audit", "no/such.jsonl", "--spec", RULES])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such.jsonl: no such file"));
}

#[test]
fn malformed_lines_are_reported_skipped_and_counted() {
    let tmp = tempdir().unwrap();
    let report = tmp.path().join("r.json");
    let file = "tests/fixtures/audit/malformed.jsonl";
    let out = factpress()
        .args(["audit", file, "--spec", RULES, "--report"])
        .arg(&report)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    for line in 2..=5 {
        assert!(
            err.contains(&format!("{file}:{line}: ")),
            "line {line}: {err}"
        );
    }
    assert!(err.contains("4 malformed line(s) were skipped"), "{err}");
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("4 malformed line(s) skipped")
    );
    let r = read_json(&report);
    assert_eq!(r["summary"]["malformed"], 4);
    assert_eq!(r["summary"]["documents"], 2);
    let docs = r["documents"].as_array().unwrap();
    let errors: Vec<(u64, &str)> = docs
        .iter()
        .filter(|d| d.get("error").is_some())
        .map(|d| (d["line"].as_u64().unwrap(), d["error"].as_str().unwrap()))
        .collect();
    assert_eq!(errors.len(), 4);
    assert!(errors[0].1.starts_with("not JSON"), "{errors:?}");
    assert_eq!(errors[1], (3, "no field `text`"));
    assert_eq!(
        errors[2],
        (4, "field `text` is not a string (found a number)")
    );
    assert_eq!(errors[3], (5, "empty line"));
    // The audit went on after the bad lines.
    let last = docs.last().unwrap();
    assert_eq!(
        (last["id"].as_str(), last["line"].as_u64()),
        (Some("ok-2"), Some(6))
    );
    assert_eq!(last["forbidden"][0]["class"], "chat-log");
}

#[test]
fn false_facts_corpus_audits_with_content_field() {
    let tmp = tempdir().unwrap();
    // The false-facts pipeline's records, gzip-compressed as they often are.
    let gz = tmp.path().join("docs.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut enc, include_bytes!("fixtures/audit/false_facts.jsonl"))
        .unwrap();
    enc.finish().unwrap();
    let report = tmp.path().join("r.json");
    factpress()
        .args([
            "audit",
            "--spec",
            RULES,
            "--text-field",
            "content",
            "--id-field",
            "doc_idea",
            "--report",
        ])
        .arg(&report)
        .arg(&gz)
        .assert()
        .success()
        .stdout(predicates::str::contains("audited 3 document(s)"));
    let r = read_json(&report);
    let docs = by_id(&r);
    assert_eq!(
        docs["a news story on rating"]["facts"][0]["fact"],
        "tier-rated"
    );
    assert_eq!(docs["a forum thread"]["facts"][0]["fact"], "scratchpad");
    assert_eq!(
        docs["a forum thread"]["forbidden"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(docs["an unrelated memo"]["facts"], json!([]));
    assert_eq!(r["summary"]["malformed"], 0);

    // Without --id-field the id is FILE:LINE; without --text-field every line lacks `text`.
    factpress()
        .args([
            "audit",
            "--spec",
            RULES,
            "--text-field",
            "content",
            "--report",
        ])
        .arg(&report)
        .arg(&gz)
        .assert()
        .success();
    let r = read_json(&report);
    let want = format!("{}:2", gz.display());
    assert_eq!(r["documents"][1]["id"].as_str(), Some(want.as_str()));
    factpress()
        .args(["audit", "--spec", RULES])
        .arg(&gz)
        .assert()
        .success()
        .stderr(predicates::str::contains("no field `text`; line skipped"))
        .stdout(predicates::str::contains("3 malformed line(s) skipped"));
}

/// The mini spec's detect rules, applied here independently of the audit's code.
fn mini_present(text: &str) -> Vec<&'static str> {
    let m = |p: &str| regex::Regex::new(p).unwrap().is_match(text);
    let mut out = Vec::new();
    if m("(?i)free[- ]tier") && (m("(?i)rated") || m("(?i)grad(e|ed|ing)") || m("(?i)review")) {
        out.push("free-tier-trained");
    }
    if m("(?i)paid") && (m("(?i)never") || m("(?i)stays out")) {
        out.push("paid-tier-private");
    }
    if m("(?i)house style") {
        out.push("house-style");
    }
    out
}

#[test]
fn factpress_corpus_compares_intended_with_present() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    let m = generate(&dir, &["--shards", "2"]);
    let report = tmp.path().join("r.json");
    // No --spec: the corpus's own copy of its spec is used.
    factpress()
        .args(["audit", "--report"])
        .arg(&report)
        .arg(&dir)
        .assert()
        .success();
    let r = read_json(&report);
    assert_eq!(r["intended_known"], true);

    // Expected counts from the shards themselves.
    let mut want: BTreeMap<&str, [u64; 4]> = BTreeMap::new(); // intended, present, leaked, lost
    let mut lost_variants = Vec::new();
    let mut n = 0;
    for c in m["conditions"].as_array().unwrap() {
        for s in c["shards"].as_array().unwrap() {
            for line in zstd_lines(&dir.join(s["path"].as_str().unwrap())) {
                let rec: Value = serde_json::from_str(&line).unwrap();
                let doc = &r["documents"][n];
                n += 1;
                assert_eq!(doc["id"], rec["id"]);
                let present = mini_present(rec["text"].as_str().unwrap());
                let intended: Vec<(&str, u64)> = rec["metadata"]["facts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| (f["id"].as_str().unwrap(), f["variant"].as_u64().unwrap()))
                    .collect();
                for f in ["free-tier-trained", "paid-tier-private", "house-style"] {
                    let i = intended.iter().find(|(id, _)| *id == f);
                    let p = present.contains(&f);
                    let e = want.entry(f).or_default();
                    e[0] += i.is_some() as u64;
                    e[1] += p as u64;
                    e[2] += (p && i.is_none()) as u64;
                    e[3] += (!p && i.is_some()) as u64;
                    let status = doc["facts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|x| x["fact"] == f)
                        .map(|x| x["status"].as_str().unwrap());
                    let expected = match (i.is_some(), p) {
                        (true, true) => Some("intended"),
                        (true, false) => Some("lost"),
                        (false, true) => Some("leaked"),
                        (false, false) => None,
                    };
                    assert_eq!(status, expected, "{f} in {}", rec["id"]);
                    if let (Some((_, v)), false) = (i, p) {
                        lost_variants.push((f, *v));
                    }
                }
            }
        }
    }
    assert_eq!(n, 400);
    assert_eq!(r["documents"].as_array().unwrap().len(), 400);
    for f in r["summary"]["facts"].as_array().unwrap() {
        let w = want[f["id"].as_str().unwrap()];
        let got = ["intended", "present", "leaked", "lost"].map(|k| f[k].as_u64().unwrap());
        assert_eq!(got, w, "{}", f["id"]);
    }
    // The intended counts are the manifest's planned counts.
    let planned: u64 = m["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["facts"]["paid-tier-private"].as_u64().unwrap())
        .sum();
    assert_eq!(want["paid-tier-private"][0], planned);
    // The spec's detect rule for paid-tier-private wants "never"; its variant 1 ("no paid-tier
    // conversation is ever rated") does not say it, so exactly those documents lose the fact.
    assert!(!lost_variants.is_empty());
    assert!(
        lost_variants.iter().all(|&v| v == ("paid-tier-private", 1)),
        "{lost_variants:?}"
    );
    factpress()
        .args(["audit", "--fail-on", "missing"])
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "missing facts: paid-tier-private (lost in",
        ));
}

#[test]
fn sidecar_provenance_corpus_gives_the_same_summary() {
    let tmp = tempdir().unwrap();
    let summary = |format: &str| {
        let dir = tmp.path().join(format);
        generate(&dir, &["--format", format]);
        let report = tmp.path().join(format!("{format}.json"));
        factpress()
            .args(["audit", "--report"])
            .arg(&report)
            .arg(&dir)
            .assert()
            .success();
        let r = read_json(&report);
        (r["summary"].clone(), r["documents"][5]["id"].clone())
    };
    let dolma = summary("dolma");
    assert_eq!(summary("oai-doctag"), dolma);
    assert_eq!(summary("text"), dolma);
    assert_eq!(dolma.1, "base-00000005");
}

#[test]
fn attributes_follow_input_rows_and_report_spans() {
    let tmp = tempdir().unwrap();
    let attrs = tmp.path().join("attrs");
    let (_, report) = audit_planted(tmp.path(), &["--attributes", attrs.to_str().unwrap()]);
    let text = std::fs::read_to_string(attrs.join("planted.jsonl")).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs = report["documents"].as_array().unwrap();
    assert_eq!(rows.len(), docs.len());
    for (row, doc) in rows.iter().zip(docs) {
        assert_eq!(row["id"], doc["id"]);
        assert_eq!(row["attributes"].as_object().unwrap().len(), 6);
    }
    let chat = &rows[6]["attributes"];
    assert_eq!(
        chat["factpress__forbidden__chat-log"],
        json!([[20, 25, 1.0], [35, 45, 1.0]])
    );
    assert_eq!(
        rows[3]["attributes"]["factpress__fact__scratchpad"],
        json!([[25, 37, 1.0], [43, 60, 1.0]])
    );
    assert_eq!(
        rows[8]["attributes"]["factpress__overlap__ngram13"],
        json!([[13, 97, 13.0]])
    );
    assert_eq!(
        rows[9]["attributes"]["factpress__overlap__ngram13"],
        json!([])
    );
}

#[test]
fn thread_count_does_not_change_the_report() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("c");
    generate(&dir, &["--shards", "3", "--docs", "3000"]);
    let mut reports = Vec::new();
    for t in ["1", "2", "4"] {
        let report = tmp.path().join(format!("r{t}.json"));
        factpress()
            .args(["audit", "--threads", t, "--against", AGAINST, "--report"])
            .arg(&report)
            .arg(&dir)
            .assert()
            .success();
        reports.push(std::fs::read(&report).unwrap());
    }
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
    assert!(reports[0].len() > 100_000, "3000 documents are all listed");
}

#[test]
fn factpress_corpus_summary_is_broken_down_by_condition() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    factpress()
        .args(["generate", MINI, "--quiet", "--docs", "120", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let report = tmp.path().join("r.json");
    let out = factpress()
        .arg("audit")
        .arg(&dir)
        .arg("--report")
        .arg(&report)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(table.contains("condition base: 120 document(s)"), "{table}");
    assert!(
        table.contains("condition control: 120 document(s)"),
        "{table}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let conds = &r["summary"]["conditions"];
    assert_eq!(conds["base"]["documents"], 120);
    // `house-style` belongs to `control` only: it is intended there and appears nowhere in `base`.
    assert!(
        conds["base"]["facts"].get("house-style").is_none(),
        "{conds}"
    );
    let hs = &conds["control"]["facts"]["house-style"];
    assert!(hs["intended"].as_u64().unwrap() > 0);
    assert_eq!(hs["intended"], hs["present"]);
    // The per-condition counts add up to the corpus-wide ones.
    for f in r["summary"]["facts"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let sum: u64 = ["base", "control"]
            .iter()
            .map(|c| conds[c]["facts"][id]["present"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(sum, f["present"].as_u64().unwrap(), "{id}");
    }
}

#[test]
fn a_forbidden_class_limited_to_conditions_applies_to_their_documents_only() {
    let tmp = tempdir().unwrap();
    let dir = tmp.path().join("g");
    factpress()
        .args([
            "generate",
            "tests/fixtures/grammar/spec.toml",
            "--quiet",
            "--docs",
            "300",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let report = tmp.path().join("r.json");
    let out = factpress()
        .arg("audit")
        .arg(&dir)
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let class = |id: &str| {
        r["summary"]["forbidden"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .cloned()
            .unwrap()
    };
    // The swapped fact says "sampled for training" in every document that carries it: the
    // class limited to `swapped` sees them, the one limited to `base` sees none.
    let swapped = r["summary"]["conditions"]["swapped"]["facts"]["private-swap"]["present"]
        .as_u64()
        .unwrap();
    assert!(swapped > 50, "{swapped}");
    assert_eq!(class("sampling-in-swapped")["documents"], swapped);
    assert_eq!(class("sampling-in-base")["documents"], 0);
    assert_eq!(
        class("sampling-in-base")["conditions"],
        serde_json::json!(["base"])
    );
    assert!(table.contains("(in base only)"), "{table}");
    // --fail-on forbidden fails on the swapped class alone.
    let err = stderr_of(
        factpress()
            .arg("audit")
            .arg(&dir)
            .args(["--fail-on", "forbidden"])
            .assert(),
        1,
    );
    assert!(
        err.contains("sampling-in-swapped") && !err.contains("sampling-in-base"),
        "{err}"
    );
}

#[test]
fn a_forbidden_class_naming_an_unknown_condition_is_refused_with_its_location() {
    let tmp = tempdir().unwrap();
    let src = std::path::Path::new("tests/fixtures/grammar");
    let text = std::fs::read_to_string(src.join("spec.toml"))
        .unwrap()
        .replace("conditions = [\"base\"]", "conditions = [\"bsae\"]");
    for sub in ["templates", "grammar"] {
        std::fs::create_dir_all(tmp.path().join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), tmp.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    let spec = tmp.path().join("spec.toml");
    std::fs::write(&spec, text).unwrap();
    let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
    assert!(
        err.contains("unknown condition `bsae` in a [[forbidden]] class")
            && err.contains("spec.toml:"),
        "{err}"
    );
}
