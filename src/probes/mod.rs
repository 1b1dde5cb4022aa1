//! `factpress probes`: evaluation sets built from the same spec as the corpus, for one
//! condition, in the Inspect (inspect-ai) sample format (`{"id", "input", "choices",
//! "target", "metadata"}` a line; `inspect_ai.dataset.json_dataset` loads them):
//!
//! - knowledge: each `questions` entry of a fact the condition carries, as multiple choice
//!   (the answer and wrong answers in a seeded order; `target` the answer's letter);
//! - distinguish: for every fact and its counterpart in some condition's `replace`, "which of
//!   these is true?" over the two statements (seeded order; the true one is the one this
//!   condition carries);
//! - open: the questions without options, the fact's statement the reference answer for a
//!   model grader.
//!
//! Question templates see vars, pools, the world and a cast like fact variants. Bad questions
//! (a render error, options that render the same) are reported at once with file:line:col.
//! Building is pure; [`write`](write::write) writes the files and a manifest atomically.

mod write;

pub use write::{ProbesManifest, write};

use crate::diag::{Diagnostics, FileId};
use crate::error::Result;
use crate::generate::Selection;
use crate::plan::family;
use crate::render::{Renderer, detail, question_name, variant_name};
use crate::rng::doc_rng;
use serde::Serialize;
use serde_json::{Value, json};

/// One Inspect sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sample {
    pub id: String,
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    pub target: String,
    pub metadata: Value,
}

/// The three evaluation sets of one condition.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    pub condition: String,
    pub knowledge: Vec<Sample>,
    pub distinguish: Vec<Sample>,
    pub open: Vec<Sample>,
}

/// The question of a distinguish item.
pub const DISTINGUISH_INPUT: &str = "Which of these statements is true?";

/// What `metadata.grading` says of an open question.
pub const OPEN_GRADING: &str = "model-graded: `target` is the fact's statement, the reference answer; a grader model judges whether the answer asserts it (metadata.answer is the short answer)";

/// The option letter of position `i` (A, B, ... as Inspect's `multiple_choice` numbers them).
pub fn letter(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

/// Builds the probes of `sel`'s (single) condition with `renderer` (built from `sel`).
pub fn build(sel: &Selection, renderer: &Renderer) -> Result<Probes> {
    let spec = &*sel.spec;
    let cond = sel.conditions[0];
    let mut diags = Diagnostics::new();
    let file = spec.spec_files(&mut diags).spec;
    let mut probes = Probes {
        condition: spec.conditions[cond].id.clone(),
        ..Probes::default()
    };
    let facts: Vec<usize> = spec.conditions[cond].facts().collect();
    for (f, k, texts) in render_questions(renderer, cond, &facts, &mut diags, file) {
        let fact = &spec.facts[f];
        probes
            .knowledge
            .push(knowledge(sel, cond, &fact.id, k, &texts));
        probes
            .open
            .push(open(sel, cond, &fact.id, k, &texts, &fact.statement));
    }
    diags.into_result()?;
    probes.distinguish = distinguish(sel, renderer, cond)?;
    Ok(probes)
}

/// Renders every question of every fact, for `check`: problems are recorded in `diags`
/// against the spec file `file`.
pub fn check_questions(renderer: &Renderer, diags: &mut Diagnostics, file: FileId) {
    let facts: Vec<usize> = (0..renderer.spec().facts.len()).collect();
    render_questions(renderer, 0, &facts, diags, file);
}

/// The rendered texts (question, answer, wrong answers) of every question of `facts`, in
/// the context of condition `cond`, as (fact, question number, texts). A question that
/// fails to render, renders empty or has two options that render the same is recorded in
/// `diags` and left out.
fn render_questions(
    renderer: &Renderer,
    cond: usize,
    facts: &[usize],
    diags: &mut Diagnostics,
    file: FileId,
) -> Vec<(usize, usize, Vec<String>)> {
    let spec = renderer.spec();
    let mut out = Vec::new();
    for &f in facts {
        let fact = &spec.facts[f];
        for (k, q) in fact.questions.iter().enumerate() {
            let parts: Vec<(String, std::ops::Range<usize>)> =
                std::iter::once(("q".to_string(), q.q_span.clone()))
                    .chain(q.options().enumerate().map(|(j, (_, s))| {
                        let p = if j == 0 {
                            "a".into()
                        } else {
                            format!("w{}", j - 1)
                        };
                        (p, s.clone())
                    }))
                    .collect();
            let mut texts = Vec::new();
            for (part, span) in &parts {
                let name = question_name(&fact.id, k, part);
                match renderer.render_probe(&name, cond, k as u64) {
                    Ok(t) if t.trim().is_empty() => diags.error(
                        file,
                        span.clone(),
                        format!("question {k} of fact `{}` renders an empty text", fact.id),
                        "renders as nothing",
                    ),
                    Ok(t) => texts.push(t),
                    Err(e) => diags.error(
                        file,
                        span.clone(),
                        format!(
                            "cannot render question {k} of fact `{}`: {}",
                            fact.id,
                            detail(&e)
                        ),
                        "in this question",
                    ),
                }
            }
            if texts.len() != parts.len() {
                continue;
            }
            let options = &texts[1..];
            if let Some(j) = (1..options.len()).find(|&j| options[..j].contains(&options[j])) {
                diags.error(
                    file,
                    parts[j + 1].1.clone(),
                    format!(
                        "question {k} of fact `{}` has a duplicate option: {:?} renders the same as an earlier option",
                        fact.id, options[j]
                    ),
                    "same as an earlier option",
                );
                continue;
            }
            out.push((f, k, texts));
        }
    }
    out
}

fn knowledge(sel: &Selection, cond: usize, fact: &str, k: usize, texts: &[String]) -> Sample {
    let options = &texts[1..];
    let purpose = format!("probes/knowledge/{fact}#{k}");
    let mut rng = doc_rng(sel.seed, family(&sel.spec, cond), &purpose, 0);
    let order = rng.distinct(options.len(), options.len());
    let target = order
        .iter()
        .position(|&i| i == 0)
        .expect("the answer is an option");
    Sample {
        id: format!("{fact}-q{k}"),
        input: texts[0].clone(),
        choices: Some(order.iter().map(|&i| options[i].clone()).collect()),
        target: letter(target),
        metadata: json!({
            "kind": "knowledge",
            "condition": sel.spec.conditions[cond].id,
            "fact": fact,
            "question": k,
            "answer": options[0],
        }),
    }
}

fn open(
    sel: &Selection,
    cond: usize,
    fact: &str,
    k: usize,
    texts: &[String],
    statement: &str,
) -> Sample {
    let reference = if statement.trim().is_empty() {
        &texts[1]
    } else {
        statement
    };
    Sample {
        id: format!("{fact}-q{k}"),
        input: texts[0].clone(),
        choices: None,
        target: reference.to_string(),
        metadata: json!({
            "kind": "open",
            "condition": sel.spec.conditions[cond].id,
            "fact": fact,
            "question": k,
            "answer": texts[1],
            "grading": OPEN_GRADING,
        }),
    }
}

/// Every (fact, counterpart) pair of the spec's `replace` tables, in condition order, once.
pub fn replaced_pairs(sel: &Selection) -> Vec<(usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (c, cond) in sel.spec.conditions.iter().enumerate() {
        for &(a, b) in &cond.replace {
            if !out
                .iter()
                .any(|&(x, y, _)| (x, y) == (a, b) || (x, y) == (b, a))
            {
                out.push((a, b, c));
            }
        }
    }
    out
}

fn distinguish(sel: &Selection, renderer: &Renderer, cond: usize) -> Result<Vec<Sample>> {
    let spec = &*sel.spec;
    let carried: Vec<usize> = spec.conditions[cond].facts().collect();
    let statement = |f: usize| -> Result<String> {
        let fact = &spec.facts[f];
        if !fact.statement.trim().is_empty() {
            return Ok(fact.statement.clone());
        }
        renderer
            .render_probe(&variant_name(&fact.id, 0), cond, 0)
            .map_err(|e| crate::Error::Render {
                condition: spec.conditions[cond].id.clone(),
                index: 0,
                location: crate::render::locate(spec, &e),
                source: e,
            })
    };
    let mut out = Vec::new();
    for (a, b, by) in replaced_pairs(sel) {
        let (t, f) = match (carried.contains(&a), carried.contains(&b)) {
            (true, false) => (a, b),
            (false, true) => (b, a),
            _ => continue,
        };
        let (ta, tb) = (statement(a)?, statement(b)?);
        let purpose = format!(
            "probes/distinguish/{}/{}",
            spec.facts[a].id, spec.facts[b].id
        );
        let swap = doc_rng(sel.seed, family(spec, cond), &purpose, 0).below(2) == 1;
        let choices = if swap { vec![tb, ta] } else { vec![ta, tb] };
        let target = usize::from(swap) ^ usize::from(t == b);
        out.push(Sample {
            id: format!("{}-vs-{}", spec.facts[a].id, spec.facts[b].id),
            input: DISTINGUISH_INPUT.to_string(),
            choices: Some(choices),
            target: letter(target),
            metadata: json!({
                "kind": "distinguish",
                "condition": spec.conditions[cond].id,
                "true_fact": spec.facts[t].id,
                "false_fact": spec.facts[f].id,
                "replaced_in": spec.conditions[by].id,
            }),
        });
    }
    Ok(out)
}
