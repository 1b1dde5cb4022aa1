//! Seeded per-document choices: doc type, template, facts, variants and date, and, for a
//! condition that implies or splits facts, how each fact is conveyed. Pure: the plan of
//! document i depends only on the spec, the seed, the condition and i.

use crate::rng::doc_rng;
use crate::spec::{Directness, Form, Member, Spec};
use chrono::{Days, NaiveDate};

/// Everything decided about one document before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocPlan {
    /// Index into `Spec::conditions`.
    pub condition: usize,
    pub index: u64,
    /// Index into `Spec::doc_types`.
    pub doc_type: usize,
    /// Index into the doc type's `templates`.
    pub template: usize,
    /// Chosen facts, in the order they appear in the document.
    pub facts: Vec<FactChoice>,
    pub date: NaiveDate,
    /// The frame (index into `Spec::frames`) the document is wrapped in.
    pub frame: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactChoice {
    /// Index into `Spec::facts`.
    pub fact: usize,
    /// Index into the variants of the fact's `form`.
    pub variant: usize,
    /// Position of the fact in the condition's fact list; keys the fact's render stream.
    pub slot: usize,
    /// Stated, implied or one of its pieces.
    pub form: Form,
}

impl FactChoice {
    /// A stated fact.
    pub fn stated(fact: usize, variant: usize, slot: usize) -> FactChoice {
        FactChoice {
            fact,
            variant,
            slot,
            form: Form::Stated,
        }
    }
}

/// The RNG family of a condition: the id its random streams are keyed by — its root
/// condition's id, so that derived conditions share every random choice with their base.
pub fn family(spec: &Spec, condition: usize) -> &str {
    &spec.conditions[spec.conditions[condition].root].id
}

/// Plans document `index` of `condition`: the root condition's plan, with the condition's
/// replaced facts swapped in at the same slots (same variant index, modulo the counterpart's
/// variant count) and its dropped facts left out.
pub fn plan_doc(spec: &Spec, seed: u64, condition: usize, index: u64) -> DocPlan {
    let cond = &spec.conditions[condition];
    let root = &spec.conditions[cond.root];
    let mut rng = doc_rng(seed, family(spec, condition), "plan", index);
    let weights: Vec<u64> = spec.doc_types.iter().map(|d| d.weight).collect();
    let doc_type = rng.weighted(&weights);
    let template = rng.below(spec.doc_types[doc_type].templates.len() as u64) as usize;
    let n = root.slots.len() as i64;
    let (lo, hi) = (
        i64::from(spec.facts_per_doc.0).min(n),
        i64::from(spec.facts_per_doc.1).min(n),
    );
    let k = rng.between(lo, hi.max(lo)) as usize;
    let slots = rng.distinct(root.slots.len(), k);
    let root_choices: Vec<FactChoice> = slots
        .into_iter()
        .map(|slot| {
            let fact = root.slots[slot].expect("root conditions have every slot");
            let variant = rng.below(spec.facts[fact].variants.len() as u64) as usize;
            FactChoice::stated(fact, variant, slot)
        })
        .collect();
    let mut facts: Vec<(FactChoice, usize)> = root_choices
        .into_iter()
        .filter_map(|c| {
            let fact = cond.slots[c.slot]?;
            let form = if cond.split.contains(&fact) {
                let pieces = spec.facts[fact].pieces.len() as u64;
                let mut r = doc_rng(
                    seed,
                    family(spec, condition),
                    &format!("piece/{}", c.slot),
                    index,
                );
                Form::Piece(r.below(pieces) as usize)
            } else if cond.directness == Directness::Implied {
                Form::Implied
            } else {
                Form::Stated
            };
            Some((
                FactChoice {
                    fact,
                    variant: c.variant % spec.facts[fact].texts(form).len(),
                    slot: c.slot,
                    form,
                },
                c.variant,
            ))
        })
        .collect();
    if !spec.constraints.is_empty() {
        keep_apart(spec, &mut facts);
    }
    let facts = facts.into_iter().map(|(c, _)| c).collect();
    let offset = rng.between(spec.doc_dates.0, spec.doc_dates.1);
    DocPlan {
        condition,
        index,
        doc_type,
        template,
        facts,
        date: shift(spec.anchor_date, offset),
        frame: cond.frame,
    }
}

/// What a planned fact is, for the constraints.
fn member(c: &FactChoice) -> Member {
    match c.form {
        Form::Piece(p) => Member::Piece(c.fact, p),
        _ => Member::Fact(c.fact),
    }
}

/// Whether some constraint forbids `a` and `b` in one document.
fn apart(spec: &Spec, a: Member, b: Member) -> bool {
    a != b
        && spec
            .constraints
            .iter()
            .any(|k| k.members.contains(&a) && k.members.contains(&b))
}

/// Enforces `[[constraints]]`: in plan order, a fact or piece that a constraint keeps apart
/// from one already in the document is replaced by the next piece of its fact that is not
/// (pieces in turn from the drawn one), or left out when there is none. `facts` holds each
/// choice with the root's variant index, from which a new piece's index is taken.
fn keep_apart(spec: &Spec, facts: &mut Vec<(FactChoice, usize)>) {
    let mut kept: Vec<Member> = Vec::new();
    facts.retain_mut(|(c, root_variant)| {
        let options: Vec<Form> = match c.form {
            Form::Piece(p) => {
                let n = spec.facts[c.fact].pieces.len();
                (0..n).map(|k| Form::Piece((p + k) % n)).collect()
            }
            form => vec![form],
        };
        for form in options {
            let candidate = FactChoice {
                form,
                variant: *root_variant % spec.facts[c.fact].texts(form).len(),
                ..*c
            };
            let m = member(&candidate);
            if !kept.iter().any(|&k| apart(spec, k, m)) {
                kept.push(m);
                *c = candidate;
                return true;
            }
        }
        false
    });
}

/// `date` moved by `days` (saturating at chrono's limits).
pub fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    let r = if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    r.unwrap_or(date)
}
