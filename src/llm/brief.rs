//! A brief: what the language model is asked to write for one document, taken from the plan
//! and the templated rendering of that same document (same id, same seeded choices): doc
//! type, date, cast, world, the facts with their statements and rendered variants as hints,
//! a length target and, optionally, the templated document as a draft. For a document of a
//! derived condition the brief is an edit of its base's document as the model wrote it.

use crate::error::{Error, Result};
use crate::plan::{DocPlan, plan_doc};
use crate::render::{Renderer, doc_id};
use crate::spec::{Form, Spec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    /// The factpress document id.
    pub id: String,
    /// The provider's request id: the document id (with `-aN` from attempt 2), or a digest of
    /// it when that does not fit the providers' rules.
    pub custom_id: String,
    pub attempt: u32,
    pub condition: String,
    pub index: u64,
    pub doc_type: String,
    /// The template the templated version of the document was rendered from.
    pub template: String,
    pub date: String,
    pub cast: BTreeMap<String, BTreeMap<String, String>>,
    pub world: BTreeMap<String, String>,
    pub facts: Vec<BriefFact>,
    /// Words of the templated document.
    pub length_words: u64,
    pub guidance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<BriefFrame>,
    /// The templated document, to rewrite (`--draft`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<String>,
    /// For a derived condition: the base document to edit and what to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Edit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BriefFact {
    pub id: String,
    pub statement: String,
    /// `stated`, `implied` or `piece`.
    pub form: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub piece: Option<String>,
    /// The templated variant chosen for this document.
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BriefFrame {
    pub id: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// The base condition's document, as the model wrote it.
    pub base_id: String,
    pub base_condition: String,
    pub base_text: String,
    pub changes: Vec<Change>,
}

/// One change of an edit: `replace` fact `from` by `to`, `drop` fact `from`, `restate` it in
/// another form (`to`), or wrap the document in `frame`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<BriefFact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<BriefFact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<BriefFrame>,
}

/// The provider request id of a document's attempt: `^[a-zA-Z0-9_-]{1,64}$` (Anthropic's
/// rule, the stricter one), else `fp-` and a digest of it.
pub fn custom_id(id: &str, attempt: u32) -> String {
    let plain = if attempt <= 1 {
        id.to_string()
    } else {
        format!("{id}-a{attempt}")
    };
    let ok = (1..=64).contains(&plain.len())
        && plain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        plain
    } else {
        format!(
            "fp-{}",
            &hex::encode(Sha256::digest(plain.as_bytes()))[..32]
        )
    }
}

fn form_name(form: Form) -> &'static str {
    match form {
        Form::Stated => "stated",
        Form::Implied => "implied",
        Form::Piece(_) => "piece",
    }
}

/// Words in a text, as the length target counts them.
pub fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// The brief of document `index` of `condition`, attempt `attempt`.
pub fn build(
    renderer: &Renderer,
    seed: u64,
    condition: usize,
    index: u64,
    attempt: u32,
    draft: bool,
) -> Result<Brief> {
    let spec = renderer.spec();
    let plan = plan_doc(spec, seed, condition, index);
    let doc = renderer.render_doc(&plan)?;
    let cast = renderer
        .cast_texts(&plan)
        .map_err(|e| render_err(spec, &plan, e))?;
    let facts = plan
        .facts
        .iter()
        .zip(&doc.facts)
        .map(|(c, hint)| fact(spec, c.fact, c.form, hint.clone()))
        .collect();
    let dt = &spec.doc_types[plan.doc_type].id;
    let guidance = spec
        .llm
        .as_ref()
        .and_then(|l| l.doc_types.get(dt))
        .map(|d| d.guidance.clone())
        .unwrap_or_default();
    let id = doc_id(&spec.conditions[condition].id, index);
    Ok(Brief {
        custom_id: custom_id(&id, attempt),
        id,
        attempt,
        condition: spec.conditions[condition].id.clone(),
        index,
        doc_type: dt.clone(),
        template: doc.template.clone(),
        date: plan.date.format("%Y-%m-%d").to_string(),
        cast,
        world: renderer.world_values(),
        facts,
        length_words: words(&doc.text),
        guidance,
        frame: frame(spec, &plan),
        draft: draft.then(|| doc.text.clone()),
        edit: None,
    })
}

fn fact(spec: &Spec, f: usize, form: Form, hint: String) -> BriefFact {
    let fact = &spec.facts[f];
    BriefFact {
        id: fact.id.clone(),
        statement: fact.statement.clone(),
        form: form_name(form).into(),
        piece: match form {
            Form::Piece(p) => Some(fact.pieces[p].id.clone()),
            _ => None,
        },
        hint,
    }
}

fn frame(spec: &Spec, plan: &DocPlan) -> Option<BriefFrame> {
    plan.frame.map(|f| BriefFrame {
        id: spec.frames[f].id.clone(),
        description: spec.frames[f].description.clone(),
    })
}

fn render_err(spec: &Spec, plan: &DocPlan, e: minijinja::Error) -> Error {
    Error::Render {
        condition: spec.conditions[plan.condition].id.clone(),
        index: plan.index,
        location: crate::render::locate(spec, &e),
        source: e,
    }
}

/// The edit brief of document `index` of the derived `condition`: its own brief, with the
/// changes from its base's document (`base_text`, as the model wrote it) slot by slot.
pub fn edit(
    renderer: &Renderer,
    seed: u64,
    condition: usize,
    brief: &mut Brief,
    base_text: String,
) -> Result<()> {
    let spec = renderer.spec();
    let base = spec.conditions[condition]
        .like
        .expect("edit briefs are for derived conditions");
    let index = brief.index;
    let (plan, base_plan) = (
        plan_doc(spec, seed, condition, index),
        plan_doc(spec, seed, base, index),
    );
    let hints = renderer
        .render_facts(&base_plan)
        .map_err(|e| render_err(spec, &base_plan, e))?;
    let mut changes = Vec::new();
    for (c, hint) in base_plan.facts.iter().zip(hints) {
        let from = fact(spec, c.fact, c.form, hint);
        let now = plan
            .facts
            .iter()
            .zip(&brief.facts)
            .find(|(d, _)| d.slot == c.slot);
        let change = match now {
            None => Some(("drop", None)),
            Some((d, _)) if d.fact != c.fact => Some(("replace", now.map(|n| n.1.clone()))),
            Some((d, _)) if d.form != c.form => Some(("restate", now.map(|n| n.1.clone()))),
            Some(_) => None,
        };
        if let Some((kind, to)) = change {
            changes.push(Change {
                kind: kind.into(),
                from: Some(from),
                to,
                frame: None,
            });
        }
    }
    if plan.frame != base_plan.frame {
        changes.push(Change {
            kind: "frame".into(),
            from: None,
            to: None,
            frame: frame(spec, &plan),
        });
    }
    brief.edit = Some(Edit {
        base_id: doc_id(&spec.conditions[base].id, index),
        base_condition: spec.conditions[base].id.clone(),
        base_text,
        changes,
    });
    Ok(())
}
