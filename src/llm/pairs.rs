//! `factpress pairs` on ingested corpora: document i of condition A against document i of
//! condition B, as the model wrote them (pairs with a rejected side are skipped and counted).
//! Reports, per pair, the share of words changed outside the sentences of the facts that
//! differ (an edit brief's changes, else the facts one condition carries and the other not),
//! and how many pairs exceed the `[llm] pairs_max_change` recorded in B's briefs. Read-only.

use super::change::{Change, outside};
use super::ingest::corpus_texts;
use super::layers::final_briefs;
use crate::error::{Error, Result};
use crate::generate::{Choices, Selection};
use crate::manifest::Manifest;
use crate::rules::Rules;
use std::collections::BTreeMap;
use std::path::Path;

/// One compared pair.
#[derive(Debug, Clone)]
pub struct LlmPair {
    pub a: String,
    pub b: String,
    pub facts: Vec<String>,
    pub change: Change,
    /// B wraps A in a frame: measured by A's words B removed ([`Change::share_for`]).
    pub frame: bool,
}

/// Every pair, the threshold, and the documents without a partner.
#[derive(Debug, Clone)]
pub struct LlmPairs {
    pub pairs: Vec<LlmPair>,
    pub unmatched: u64,
    pub max_change: Option<f64>,
}

/// Whether the folder is an ingested corpus.
pub fn is_ingested(dir: &Path) -> bool {
    Manifest::read(dir).is_ok_and(|m| m.llm.is_some())
}

/// Compares condition `ca` of `a` with condition `cb` of `b`.
pub fn compare(a: &Path, ca: &str, b: &Path, cb: &str) -> Result<LlmPairs> {
    let m = Manifest::read(b)?;
    let choices = Choices {
        conditions: vec![],
        docs: Some(m.docs_per_condition.max(1)),
        seed: Some(m.seed),
        vars: m.var_overrides.clone(),
        ..Choices::default()
    };
    let sel = Selection::resolve(&b.join("source").join(&m.spec), &choices)?;
    let spec = &sel.spec;
    let (Some(ka), Some(kb)) = (spec.condition(ca), spec.condition(cb)) else {
        return Err(Error::Usage(format!(
            "{}: the spec has no condition `{ca}` or `{cb}`",
            b.display()
        )));
    };
    let fa: Vec<&str> = ka.facts().map(|f| spec.facts[f].id.as_str()).collect();
    let fb: Vec<&str> = kb.facts().map(|f| spec.facts[f].id.as_str()).collect();
    let differ: Vec<String> = fa
        .iter()
        .filter(|f| !fb.contains(f))
        .chain(fb.iter().filter(|f| !fa.contains(f)))
        .map(|s| s.to_string())
        .collect();
    let (rules, _) = Rules::compile_all(&spec.facts, &spec.forbidden, &spec.constraints)?;
    let edits: BTreeMap<String, (Vec<String>, bool)> = final_briefs(b)?
        .0
        .into_iter()
        .filter_map(|l| {
            let e = l.brief.edit?;
            let ids = super::change::edited_ids(&e)
                .into_iter()
                .map(String::from)
                .collect();
            let frame = e.changes.iter().any(|c| c.kind == "frame");
            Some((l.brief.id, (ids, frame)))
        })
        .collect();
    let (_, ta) = corpus_texts(a)?;
    let (_, tb) = corpus_texts(b)?;
    let prefix = |c: &str| format!("{c}-");
    let (pa, pb) = (prefix(ca), prefix(cb));
    let mut pairs = Vec::new();
    let mut unmatched = 0;
    for (id, text) in ta.iter().filter(|(id, _)| id.starts_with(&pa)) {
        let rest = &id[pa.len()..];
        let other = format!("{pb}{rest}");
        let Some(tb_text) = tb.get(&other) else {
            unmatched += 1;
            continue;
        };
        let (facts, frame) = edits
            .get(&other)
            .cloned()
            .unwrap_or_else(|| (differ.clone(), false));
        let ids: Vec<&str> = facts.iter().map(String::as_str).collect();
        pairs.push(LlmPair {
            a: id.clone(),
            b: other,
            change: outside(&rules, &ids, text, tb_text),
            facts,
            frame,
        });
    }
    unmatched += tb
        .keys()
        .filter(|k| k.starts_with(&pb) && !ta.contains_key(&format!("{pa}{}", &k[pb.len()..])))
        .count() as u64;
    let max_change = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(b.join("briefs/manifest.json")).unwrap_or_default(),
    )
    .ok()
    .and_then(|v| v["pairs_max_change"].as_f64());
    Ok(LlmPairs {
        pairs,
        unmatched,
        max_change,
    })
}
