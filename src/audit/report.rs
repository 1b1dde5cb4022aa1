//! What an audit tells: the running totals (`Summary`, order-independent sums), one JSON entry
//! per input line for the `--report` file, and the human summary table. Formats only; the
//! caller decides where the text goes.

pub use super::forms::ConstraintCount;
use super::overlap::{Against, Run};
use super::scan::DocFindings;
use crate::rules::{Rules, Span};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The totals of an audit.
#[derive(Debug, Serialize, Deserialize)]
pub struct Summary {
    pub documents: u64,
    pub text_bytes: u64,
    pub text_chars: u64,
    /// Lines that were skipped (not JSON, no text field, ...); each is in the report.
    pub malformed: u64,
    /// Whether intended facts were known (a factpress corpus folder).
    pub intended_known: bool,
    pub facts: Vec<FactCount>,
    pub forbidden: Vec<ForbiddenCount>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overlap: Option<OverlapSummary>,
    /// Facts without `all`/`any` rules, which cannot be detected and were not audited.
    pub undetectable_facts: Vec<String>,
    /// For factpress corpora: per condition, its documents and, per fact that any of them
    /// intended or carries, intended / present / leaked / lost — so that a fact of another
    /// condition showing up ("leaked") is visible condition by condition.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub conditions: BTreeMap<String, ConditionCount>,
    /// Per fact with `implied_detect`: documents that intended it implied / carry it by those
    /// rules. (Its stated presence is in `facts`: in an implied corpus, expected 0.)
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub implied: Vec<FactCount>,
    /// Per detectable piece, by its detect rules.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub pieces: Vec<FactCount>,
    /// Per `[[constraints]]` entry: documents that hold two of its members by their detect
    /// rules (expected 0).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub constraints: Vec<ConstraintCount>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConditionCount {
    pub documents: u64,
    /// By fact id; facts no document of the condition intended or carries are left out.
    pub facts: BTreeMap<String, StatusCount>,
    /// As `facts`, for implied variants (by fact id) and pieces (by piece id).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub implied: BTreeMap<String, StatusCount>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub pieces: BTreeMap<String, StatusCount>,
    /// Documents violating each constraint (by its id), where it applies.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub constraints: BTreeMap<String, ConstraintCount>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StatusCount {
    pub intended: u64,
    pub present: u64,
    pub leaked: u64,
    pub lost: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FactCount {
    pub id: String,
    /// Documents that intended the fact (null when unknown).
    pub intended: Option<u64>,
    /// Documents that carry it by its detect rules.
    pub present: u64,
    /// Present but not intended.
    pub leaked: Option<u64>,
    /// Intended but not present.
    pub lost: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ForbiddenCount {
    pub id: String,
    pub description: String,
    /// The conditions the class applies to; absent when it applies to every document.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub conditions: Vec<String>,
    /// Documents with at least one match.
    pub documents: u64,
    pub matches: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct OverlapSummary {
    pub ngram: usize,
    pub against_texts: usize,
    /// Documents sharing a run of at least `ngram` words with an `--against` text.
    pub documents_over: u64,
    /// Those runs, counted once per document span.
    pub runs_over: u64,
    /// The longest shared run in the corpus (0 when none reached `min_words`).
    pub longest_words: usize,
    pub longest_doc: Option<String>,
}

impl Summary {
    pub fn new(rules: &Rules, against: Option<&Against>, intended_known: bool) -> Summary {
        let known = |v| intended_known.then_some(v);
        Summary {
            documents: 0,
            text_bytes: 0,
            text_chars: 0,
            malformed: 0,
            intended_known,
            facts: rules
                .facts
                .iter()
                .map(|f| FactCount {
                    id: f.id.clone(),
                    intended: known(0),
                    present: 0,
                    leaked: known(0),
                    lost: known(0),
                })
                .collect(),
            forbidden: rules
                .forbidden
                .iter()
                .map(|f| ForbiddenCount {
                    id: f.id.clone(),
                    description: f.description.clone(),
                    conditions: f.conditions.clone(),
                    documents: 0,
                    matches: 0,
                })
                .collect(),
            overlap: against.map(|a| OverlapSummary {
                ngram: a.ngram,
                against_texts: a.texts.len(),
                documents_over: 0,
                runs_over: 0,
                longest_words: 0,
                longest_doc: None,
            }),
            undetectable_facts: Vec::new(),
            conditions: BTreeMap::new(),
            implied: rules
                .implied
                .iter()
                .map(|f| FactCount::new(&f.id, intended_known))
                .collect(),
            pieces: rules
                .pieces
                .iter()
                .map(|f| FactCount::new(&f.id, intended_known))
                .collect(),
            constraints: rules
                .constraints
                .iter()
                .map(|c| ConstraintCount {
                    id: c.id.clone(),
                    ..Default::default()
                })
                .collect(),
        }
    }

    /// Adds one document's findings; `condition` is its condition in a factpress corpus.
    pub fn add(&mut self, d: &DocFindings, condition: Option<&str>) {
        self.add_forms(d, condition);
        self.documents += 1;
        self.text_bytes += d.bytes as u64;
        self.text_chars += d.chars as u64;
        if let (Some(c), Some(_)) = (condition, &d.intended) {
            let entry = self.conditions.entry(c.to_string()).or_default();
            entry.documents += 1;
            for (f, status) in fact_statuses(d) {
                let n = entry.facts.entry(self.facts[f].id.clone()).or_default();
                match status {
                    "intended" => {
                        n.intended += 1;
                        n.present += 1;
                    }
                    "leaked" => {
                        n.present += 1;
                        n.leaked += 1;
                    }
                    _ => {
                        n.intended += 1;
                        n.lost += 1;
                    }
                }
            }
        }
        for (f, status) in fact_statuses(d) {
            self.facts[f].count(status);
        }
        let mut seen = vec![false; self.forbidden.len()];
        for h in &d.forbidden {
            let c = &mut self.forbidden[h.class];
            c.matches += 1;
            if !std::mem::replace(&mut seen[h.class], true) {
                c.documents += 1;
            }
        }
        if let Some(o) = &mut self.overlap {
            if !d.overlap.over.is_empty() {
                o.documents_over += 1;
                o.runs_over += d.overlap.over.len() as u64;
            }
            if let Some(l) = &d.overlap.longest
                && l.words > o.longest_words
            {
                o.longest_words = l.words;
                o.longest_doc = Some(d.id.clone());
            }
        }
    }

    /// Whether some intended fact did not survive rendering in some document; for inputs
    /// without intended facts, whether some fact is present in no document at all.
    pub fn missing(&self) -> bool {
        if self.intended_known {
            self.facts.iter().any(|f| f.lost.unwrap_or(0) > 0)
        } else {
            self.facts.iter().any(|f| f.present == 0)
        }
    }

    pub fn forbidden_hits(&self) -> bool {
        self.forbidden.iter().any(|f| f.documents > 0)
    }

    pub fn overlap_hits(&self) -> bool {
        self.overlap.as_ref().is_some_and(|o| o.documents_over > 0)
    }

    /// The human summary: a table per fact, a table per forbidden class, the overlap line.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let dash = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        let w = self
            .facts
            .iter()
            .map(|f| f.id.len())
            .chain(self.forbidden.iter().map(|f| f.id.len()))
            .chain([15])
            .max()
            .unwrap_or(15);
        let _ = writeln!(
            s,
            "audited {} document(s), {:.2} MB of text; {} malformed line(s) skipped",
            self.documents,
            self.text_bytes as f64 / 1e6,
            self.malformed
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<w$}  {:>8}  {:>8}  {:>8}  {:>8}",
            "fact", "intended", "present", "leaked", "lost"
        );
        for f in &self.facts {
            let _ = writeln!(
                s,
                "{:<w$}  {:>8}  {:>8}  {:>8}  {:>8}",
                f.id,
                dash(f.intended),
                f.present,
                dash(f.leaked),
                dash(f.lost)
            );
        }
        for id in &self.undetectable_facts {
            let _ = writeln!(s, "{id:<w$}  (no detect rules: not audited)");
        }
        self.forms_table(&mut s, w);
        if self.conditions.len() > 1 {
            let _ = writeln!(s);
            for (c, n) in &self.conditions {
                let list = |pick: fn(&StatusCount) -> u64| {
                    let v: Vec<String> = n
                        .facts
                        .iter()
                        .filter(|(_, x)| pick(x) > 0)
                        .map(|(f, x)| format!("{f} ({})", pick(x)))
                        .collect();
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        v.join(", ")
                    }
                };
                let violating: u64 = n.constraints.values().map(|x| x.violating).sum();
                let _ = writeln!(
                    s,
                    "condition {c}: {} document(s); leaked: {}; lost: {}{}",
                    n.documents,
                    list(|x| x.leaked),
                    list(|x| x.lost),
                    if n.constraints.is_empty() {
                        String::new()
                    } else {
                        format!("; constraint violations: {violating}")
                    }
                );
            }
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<w$}  {:>9}  {:>8}",
            "forbidden class", "documents", "matches"
        );
        for f in &self.forbidden {
            let only = if f.conditions.is_empty() {
                String::new()
            } else {
                format!("  (in {} only)", f.conditions.join(", "))
            };
            let _ = writeln!(
                s,
                "{:<w$}  {:>9}  {:>8}{only}",
                f.id, f.documents, f.matches
            );
        }
        if let Some(o) = &self.overlap {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "overlap with {} --against text(s): {} document(s) share {}+ words in a row ({} run(s)); longest shared run: {}",
                o.against_texts,
                o.documents_over,
                o.ngram,
                o.runs_over,
                match &o.longest_doc {
                    Some(id) => format!("{} words, in {id}", o.longest_words),
                    None => "none".to_string(),
                }
            );
        }
        s
    }
}

/// Each fact a document concerns, with its status: `present` (no intended facts known),
/// `intended` (intended and present), `leaked` (present, not intended) or `lost` (intended,
/// not present); by fact index.
fn fact_statuses(d: &DocFindings) -> Vec<(usize, &'static str)> {
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    match &d.intended {
        None => out.extend(d.present.iter().map(|(f, _)| (*f, "present"))),
        Some(intended) => {
            for (f, _) in &d.present {
                let s = if intended.contains(f) {
                    "intended"
                } else {
                    "leaked"
                };
                out.push((*f, s));
            }
            for f in intended {
                if !d.present.iter().any(|(p, _)| p == f) {
                    out.push((*f, "lost"));
                }
            }
            out.sort_unstable();
        }
    }
    out
}

#[derive(Serialize)]
struct DocEntry<'a> {
    id: &'a str,
    file: &'a str,
    line: u64,
    facts: Vec<FactEntry<'a>>,
    forbidden: Vec<ForbiddenEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overlap: Option<OverlapEntry<'a>>,
}

#[derive(Serialize)]
struct FactEntry<'a> {
    fact: &'a str,
    status: &'static str,
    spans: &'a [Span],
}

#[derive(Serialize)]
struct ForbiddenEntry<'a> {
    class: &'a str,
    pattern: usize,
    span: Span,
    text: &'a str,
}

#[derive(Serialize)]
struct OverlapEntry<'a> {
    longest: Option<RunEntry<'a>>,
    runs: Vec<RunEntry<'a>>,
}

#[derive(Serialize)]
struct RunEntry<'a> {
    words: usize,
    span: Span,
    against: &'a str,
    against_span: Span,
}

fn run_entry<'a>(r: &Run, against: &'a Against) -> RunEntry<'a> {
    RunEntry {
        words: r.words,
        span: r.span,
        against: &against.texts[r.against].name,
        against_span: r.against_span,
    }
}

/// The report entry of one document (one line of JSON, no newline).
pub fn doc_entry(
    d: &DocFindings,
    file: &str,
    line: u64,
    rules: &Rules,
    against: Option<&Against>,
) -> String {
    let facts = fact_statuses(d)
        .into_iter()
        .map(|(f, status)| FactEntry {
            fact: &rules.facts[f].id,
            status,
            spans: d
                .present
                .iter()
                .find(|(p, _)| *p == f)
                .map_or(&[][..], |(_, s)| s.as_slice()),
        })
        .collect();
    let forbidden = d
        .forbidden
        .iter()
        .zip(&d.forbidden_text)
        .map(|(h, text)| ForbiddenEntry {
            class: &rules.forbidden[h.class].id,
            pattern: h.pattern,
            span: h.span,
            text,
        })
        .collect();
    let overlap = against.map(|a| OverlapEntry {
        longest: d.overlap.longest.as_ref().map(|r| run_entry(r, a)),
        runs: d.overlap.over.iter().map(|r| run_entry(r, a)).collect(),
    });
    serde_json::to_string(&DocEntry {
        id: &d.id,
        file,
        line,
        facts,
        forbidden,
        overlap,
    })
    .expect("report entries serialise")
}

/// The report entry of a line that was skipped.
pub fn malformed_entry(file: &str, line: u64, message: &str) -> String {
    json!({"file": file, "line": line, "error": message}).to_string()
}
