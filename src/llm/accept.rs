//! Whether a model's document does what its brief asked: the intended facts detected (by the
//! spec's detect rules, in the form asked), no fact the condition does not carry, no
//! forbidden class, no constraint broken, no refusal, not truncated, the `extract_tag`
//! present, and for an edit, little change outside the edited facts. Pure: text in, reasons
//! out.

use super::brief::Brief;
use super::results::Status;
use crate::error::Result;
use crate::rules::{RuleRef, Rules};
use crate::spec::Spec;
use regex::Regex;

/// Phrases of a model declining or talking about itself instead of writing the document.
const REFUSALS: &[&str] = &[
    r"(?i)\bI can(?:no|')t (?:help|assist|write|create|produce|comply)",
    r"(?i)\bI(?: a|')m (?:sorry|unable|not able)\b[^.]{0,40}\b(?:can(?:no|')t|unable|not able)",
    r"(?i)\bI (?:won't|will not) (?:be able to )?(?:help|write|create)",
    r"(?i)\bas an AI(?: language model| assistant)?\b",
];

pub struct Checker<'s> {
    spec: &'s Spec,
    rules: Rules,
    refusals: Vec<Regex>,
    tag: Option<(String, String)>,
    max_change: Option<f64>,
}

/// The document a message holds, or why there is none.
pub fn extract(text: &str, tag: Option<&(String, String)>) -> Option<String> {
    let t = match tag {
        None => text,
        Some((open, close)) => {
            let start = text.find(open.as_str())? + open.len();
            let end = start + text[start..].find(close.as_str())?;
            &text[start..end]
        }
    };
    let t = crate::render::normalize(t.trim());
    (!t.is_empty()).then_some(t)
}

impl<'s> Checker<'s> {
    pub fn new(
        spec: &'s Spec,
        extract_tag: Option<&str>,
        max_change: Option<f64>,
    ) -> Result<Checker<'s>> {
        let (rules, _) = Rules::compile_all(&spec.facts, &spec.forbidden, &spec.constraints)?;
        let extra = spec
            .llm
            .as_ref()
            .map(|l| l.refusals.clone())
            .unwrap_or_default();
        let refusals = REFUSALS
            .iter()
            .map(|s| s.to_string())
            .chain(extra)
            .map(|p| Regex::new(&p).expect("checked when the spec was loaded"))
            .collect();
        Ok(Checker {
            spec,
            rules,
            refusals,
            tag: extract_tag.map(|t| (format!("<{t}>"), format!("</{t}>"))),
            max_change,
        })
    }

    /// The document text (when there is one) and every reason to reject it.
    pub fn check(&self, brief: &Brief, status: &Status) -> (Option<String>, Vec<String>) {
        let m = match status {
            Status::Failed { kind, message } if message.is_empty() => {
                return (None, vec![kind.clone()]);
            }
            Status::Failed { kind, message } => return (None, vec![format!("{kind}: {message}")]),
            Status::Message(m) => m,
        };
        let mut reasons = Vec::new();
        if m.truncated() {
            reasons.push(format!("truncated (finish reason {})", m.finish_reason));
        }
        let Some(text) = extract(&m.text, self.tag.as_ref()) else {
            reasons.push(match &self.tag {
                Some((open, close)) => format!("no text inside {open}…{close}"),
                None => "empty message".into(),
            });
            return (None, reasons);
        };
        if let Some(r) = self.refusals.iter().find_map(|r| r.find(&text)) {
            reasons.push(format!("refusal: {:?}", r.as_str()));
        }
        self.rules_reasons(brief, &text, &mut reasons);
        if let (Some(max), Some(edit)) = (self.max_change, &brief.edit) {
            let ids = super::change::edited_ids(edit);
            let frame = edit.changes.iter().any(|c| c.kind == "frame");
            let change = super::change::outside(&self.rules, &ids, &edit.base_text, &text);
            let share = change.share_for(frame);
            if share > max {
                reasons.push(match frame {
                    true => format!(
                        "changed {:.1}% of the base document's words outside the edited facts (pairs_max_change {:.1}%; a frame may only add)",
                        share * 100.0,
                        max * 100.0
                    ),
                    false => format!(
                        "changed {:.1}% of words outside the edited facts (pairs_max_change {:.1}%)",
                        share * 100.0,
                        max * 100.0
                    ),
                });
            }
        }
        (Some(text), reasons)
    }

    fn rules_reasons(&self, brief: &Brief, text: &str, reasons: &mut Vec<String>) {
        let hits = self.rules.scan(text);
        let r = &self.rules;
        let found = |id: &str| hits.facts.iter().any(|(i, _)| r.facts[*i].id == id);
        for f in &brief.facts {
            let (ok, what) = match (f.form.as_str(), &f.piece) {
                ("implied", _) => match r.implied.iter().position(|x| x.id == f.id) {
                    Some(i) => (hits.implied.contains(&i), "implied fact"),
                    None => (true, ""),
                },
                ("piece", Some(p)) => match r.pieces.iter().position(|x| &x.id == p) {
                    Some(i) => (hits.pieces.contains(&i), "piece"),
                    None => (true, ""),
                },
                _ if r.facts.iter().any(|x| x.id == f.id) => (found(&f.id), "fact"),
                _ => (true, ""),
            };
            if !ok {
                let id = f.piece.as_deref().unwrap_or(&f.id);
                reasons.push(format!("missing {what} `{id}`"));
            }
            if f.form != "stated" && found(&f.id) {
                reasons.push(format!(
                    "states fact `{}`, which this document should carry only {}",
                    f.id,
                    if f.form == "implied" {
                        "implied"
                    } else {
                        "in pieces"
                    }
                ));
            }
        }
        let carried: Vec<&str> = self
            .spec
            .condition(&brief.condition)
            .map(|c| c.facts().map(|f| self.spec.facts[f].id.as_str()).collect())
            .unwrap_or_default();
        for (i, _) in &hits.facts {
            let id = &r.facts[*i].id;
            if !carried.contains(&id.as_str()) {
                reasons.push(format!(
                    "carries fact `{id}`, which condition `{}` does not",
                    brief.condition
                ));
            }
        }
        let mut classes: Vec<usize> = hits
            .forbidden
            .iter()
            .map(|h| h.class)
            .filter(|&c| r.forbidden_applies(c, Some(&brief.condition)))
            .collect();
        classes.dedup();
        classes.sort();
        classes.dedup();
        for c in classes {
            reasons.push(format!("forbidden `{}`", r.forbidden[c].id));
        }
        for k in &r.constraints {
            let present = k
                .members
                .iter()
                .flatten()
                .filter(|m| match m {
                    RuleRef::Fact(i) => hits.facts.iter().any(|(f, _)| f == i),
                    RuleRef::Piece(i) => hits.pieces.contains(i),
                })
                .count();
            if present >= 2 {
                reasons.push(format!("constraint `{}` broken", k.id));
            }
        }
    }
}
