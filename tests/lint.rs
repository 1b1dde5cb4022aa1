//! End-to-end tests of `factpress lint` on the real binary and of `factpress::lint::lint`:
//! planted seams of every class (`tests/fixtures/lint/planted.jsonl`), well-written prose that
//! must give none (`clean.jsonl`, written for this test, not generated), malformed lines,
//! thread-count independence, exit codes, and a generated factpress corpus whose seams are
//! traced back to the template and spec lines that planted them.

mod common;
use common::*;
use factpress::lint::{Class, DocContext, lint};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::tempdir;

const PLANTED: &str = "tests/fixtures/lint/planted.jsonl";
const CLEAN: &str = "tests/fixtures/lint/clean.jsonl";
const SPEC: &str = "tests/fixtures/lint/spec/spec.toml";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written"))
        .expect("report is JSON")
}

/// Runs `factpress lint` with `args` and `--json`; returns (exit code, stdout, report).
fn lint_json(dir: &Path, args: &[&str]) -> (i32, String, Option<Value>) {
    let report = dir.join("lint.json");
    let out = factpress()
        .arg("lint")
        .args(args)
        .arg("--json")
        .arg(&report)
        .arg("--quiet")
        .output()
        .expect("runs");
    let json = report.exists().then(|| read_json(&report));
    (
        out.status.code().expect("exited"),
        String::from_utf8(out.stdout).unwrap(),
        json,
    )
}

/// The text of line `line` (1-based) of a JSONL fixture, characters `span`.
fn seam_text(file: &str, line: u64, span: &Value) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let record: Value = serde_json::from_str(text.lines().nth(line as usize - 1).unwrap()).unwrap();
    let doc = record["text"].as_str().unwrap();
    let (s, e) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
    doc.chars()
        .skip(s as usize)
        .take((e - s) as usize)
        .collect()
}

#[test]
fn planted_seams_are_all_found_with_their_class_and_line() {
    let tmp = tempdir().unwrap();
    let (code, stdout, report) = lint_json(tmp.path(), &[PLANTED]);
    assert_eq!(code, 0, "{stdout}");
    let report = report.unwrap();
    let got: BTreeSet<(u64, String, String)> = report["seams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let line = s["line"].as_u64().unwrap();
            (
                line,
                s["class"].as_str().unwrap().to_string(),
                seam_text(PLANTED, line, &s["span"]),
            )
        })
        .collect();
    let want: BTreeSet<(u64, String, String)> = [
        (1, "article", "a 83-page"),
        (1, "article", "an California"),
        (2, "doubled-word", "the the"),
        (3, "punctuation", ", —"),
        (4, "dangling-lead-in", "The report makes three points:"),
        (5, "template-leftover", "{{"),
        (5, "template-leftover", "}}"),
        (6, "unbalanced-quote", "“"),
        (7, "lowercase-start", "the"),
        (8, "fused-heading", "strategy A decision"),
        (9, "group-quote", ",' said three former employees"),
        (10, "orphan-attribution", "Corrigan added"),
        (11, "self-citation", "reviewed by Signal Monitor"),
        (12, "quarter-date", "Third-Quarter 2024 Earnings"),
        (13, "date-order", "↳ old_hand | 15 hours ago"),
        (16, "self-citation", "reviewed by the Ledger"),
    ]
    .into_iter()
    .map(|(l, c, t)| (l, c.to_string(), t.to_string()))
    .collect();
    assert_eq!(got, want);
    // Every class is planted at least once.
    let classes: BTreeSet<&str> = got.iter().map(|(_, c, _)| c.as_str()).collect();
    assert_eq!(classes.len(), Class::ALL.len());

    // Ids: the record's, else FILE:LINE; the template from metadata; the reasons.
    let seams = report["seams"].as_array().unwrap();
    let at = |line: u64| seams.iter().find(|s| s["line"] == line).unwrap();
    assert_eq!(at(7)["id"], format!("{PLANTED}:7"));
    assert_eq!(at(1)["id"], "article");
    assert_eq!(at(12)["template"], "earnings.j2");
    assert_eq!(at(1)["template"], Value::Null);
    assert_eq!(at(1)["source"], Value::Null);
    assert!(at(12)["note"].as_str().unwrap().contains("2024-09-05"));
    assert!(at(16)["note"].as_str().unwrap().contains("(metadata)"));
    assert!(at(11)["note"].as_str().unwrap().contains("(byline)"));

    let s = &report["summary"];
    assert_eq!(s["documents"], 15);
    assert_eq!(s["malformed"], 1);
    assert_eq!(s["seams"], 16);
    assert_eq!(s["documents_with_seams"], 14);
    let article = &s["classes"][0];
    assert_eq!(article["class"], "article");
    assert_eq!(article["documents"], 1);
    assert_eq!(article["seams"], 2);
    assert_eq!(article["examples"].as_array().unwrap().len(), 2);
    assert!(stdout.contains("linted 15 document(s)"), "{stdout}");
    assert!(stdout.contains("quarter-date"), "{stdout}");
}

#[test]
fn well_written_prose_has_no_seams() {
    let text = std::fs::read_to_string(CLEAN).unwrap();
    let mut paragraphs = 0;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let doc = record["text"].as_str().unwrap();
        paragraphs += doc.split("\n\n").filter(|p| p.len() > 120).count();
        let ctx = DocContext {
            date: record["created"]
                .as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d[..10], "%Y-%m-%d").ok()),
            ..DocContext::default()
        };
        let seams = lint(doc, &ctx);
        assert!(seams.is_empty(), "{}: {seams:#?}", record["id"]);
    }
    assert!(paragraphs >= 30, "only {paragraphs} paragraphs of prose");
    let tmp = tempdir().unwrap();
    let (code, stdout, report) = lint_json(tmp.path(), &[CLEAN, "--fail-on-seams"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report.unwrap()["seams"], serde_json::json!([]));
}

#[test]
fn the_report_is_identical_for_one_and_two_threads() {
    let tmp = tempdir().unwrap();
    let bytes = |threads: &str| {
        let out = tmp.path().join(format!("lint-{threads}.json"));
        factpress()
            .args([
                "lint",
                PLANTED,
                CLEAN,
                "--quiet",
                "--threads",
                threads,
                "--json",
            ])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(&out).unwrap()
    };
    assert_eq!(bytes("1"), bytes("2"));
}

#[test]
fn malformed_lines_are_skipped_and_counted_or_stop_the_lint_with_strict() {
    let tmp = tempdir().unwrap();
    let (_, _, report) = lint_json(tmp.path(), &[PLANTED]);
    let report = report.unwrap();
    assert_eq!(
        report["malformed"],
        serde_json::json!([{"file": PLANTED, "line": 14,
            "error": "not JSON: EOF while parsing a value at line 1 column 25"}])
    );
    let err = stderr_of(factpress().args(["lint", PLANTED, "--quiet"]).assert(), 0);
    assert!(err.contains(&format!("{PLANTED}:14: not JSON")), "{err}");
    assert!(err.contains("1 malformed line(s) were skipped"), "{err}");

    let json = tmp.path().join("strict.json");
    let err = stderr_of(
        factpress()
            .args(["lint", PLANTED, "--quiet", "--strict", "--json"])
            .arg(&json)
            .assert(),
        3,
    );
    assert!(err.contains("line 14"), "{err}");
    assert!(!json.exists(), "a failed lint leaves no report");
}

#[test]
fn exit_codes_and_class_filter() {
    let err = stderr_of(
        factpress()
            .args(["lint", PLANTED, "--quiet", "--fail-on-seams"])
            .assert(),
        1,
    );
    assert!(
        err.contains("lint failed: 16 seam(s) in 14 document(s)"),
        "{err}"
    );
    stderr_of(
        factpress()
            .args(["lint", "tests/fixtures/lint/missing.jsonl"])
            .assert(),
        2,
    );
    stderr_of(
        factpress()
            .args(["lint", PLANTED, "--class", "no-such-class"])
            .assert(),
        2,
    );
    let tmp = tempdir().unwrap();
    let (code, stdout, report) = lint_json(
        tmp.path(),
        &[PLANTED, "--class", "article", "--class", "date-order"],
    );
    assert_eq!(code, 0);
    let report = report.unwrap();
    let classes: BTreeSet<&str> = report["seams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, BTreeSet::from(["article", "date-order"]));
    assert_eq!(report["summary"]["classes"].as_array().unwrap().len(), 2);
    assert!(!stdout.contains("doubled-word"), "{stdout}");
}

#[test]
fn a_factpress_corpus_names_templates_and_the_lines_that_planted_its_seams() {
    let tmp = tempdir().unwrap();
    for format in ["dolma", "text"] {
        let dir = tmp.path().join(format);
        factpress()
            .args(["generate", SPEC, "--quiet", "--format", format, "--out"])
            .arg(&dir)
            .assert()
            .success();
        let (code, stdout, report) = lint_json(tmp.path(), &[dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{stdout}");
        let report = report.unwrap();
        let got: BTreeSet<(String, String, String)> = report["seams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["class"].as_str().unwrap().to_string(),
                    s["template"].as_str().unwrap().to_string(),
                    s["source"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String)> = [
            ("article", "planted.j2", "source/templates/planted.j2:1"),
            ("doubled-word", "planted.j2", "source/spec.toml:24"),
            (
                "self-citation",
                "planted.j2",
                "source/templates/planted.j2:6",
            ),
        ]
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
        assert_eq!(got, want, "{format}");
        assert_eq!(report["summary"]["documents_with_seams"], 12, "{format}");
        assert!(
            stdout.contains("source/templates/planted.j2:1")
                && stdout.contains("in planted.j2 (12)"),
            "{stdout}"
        );
    }
    // The test corpus of the other suites is clean.
    let mini = tmp.path().join("mini");
    generate(&mini, &[]);
    let (code, _, report) = lint_json(tmp.path(), &[mini.to_str().unwrap(), "--fail-on-seams"]);
    assert_eq!(code, 0);
    assert_eq!(report.unwrap()["summary"]["documents"], 400);
}
