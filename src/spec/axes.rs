//! The three axes a derived condition can move along besides `replace` and `drop`: a frame
//! around its documents (`[[frames]]`, `frame = "id"`), how directly its facts are conveyed
//! (`implied` variants, `directness = "implied"`), and facts in pieces (`pieces`, `split`),
//! with the `[[constraints]]` that keep pieces apart. Checks them and resolves what each
//! condition inherits from its base; every problem is located. Decides nothing per document:
//! that is `plan`'s business.

use super::raw::{RawCondition, RawConstraint, RawFrame, RawPiece};
use super::validate::{Ctx, check_template_exists, validate_detect};
use super::{Condition, Constraint, Directness, Fact, Frame, Member, Piece, TemplateSource};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// Texts and their spans.
pub(super) fn spanned_texts(list: Vec<Spanned<String>>) -> (Vec<String>, Vec<Range<usize>>) {
    list.into_iter()
        .map(|v| (v.get_ref().clone(), v.span()))
        .unzip()
}

/// A non-empty list of variant texts (`what` names the key, for the error).
pub(super) fn texts(
    cx: &mut Ctx,
    what: &str,
    fact: &str,
    list: Spanned<Vec<Spanned<String>>>,
) -> (Vec<String>, Vec<Range<usize>>) {
    if list.get_ref().is_empty() {
        cx.err(
            list.span(),
            format!("fact `{fact}` has an empty `{what}` list: expected at least one variant"),
            "empty list",
        );
    }
    spanned_texts(list.into_inner())
}

/// A fact's `pieces`: valid ids, at least two, each with variants and detect rules that compile.
pub(super) fn pieces(cx: &mut Ctx, fact: &str, raw: Vec<Spanned<RawPiece>>) -> Vec<Piece> {
    if raw.len() == 1 {
        cx.err(
            raw[0].span(),
            format!("fact `{fact}` has one piece: expected none, or at least two"),
            "a fact in one piece is the fact",
        );
    }
    raw.into_iter()
        .map(|p| {
            let p = p.into_inner();
            cx.check_id("piece", &p.id);
            let (variants, variant_spans) = texts(
                cx,
                &format!("variants` of piece `{}", p.id.get_ref()),
                fact,
                p.variants,
            );
            Piece {
                detect: validate_detect(cx, p.id.get_ref(), p.detect),
                id_span: p.id.span(),
                id: p.id.into_inner(),
                variants,
                variant_spans,
            }
        })
        .collect()
}

/// `[[frames]]`: unique valid ids and templates that exist.
pub(super) fn frames(
    cx: &mut Ctx,
    raw: Vec<Spanned<RawFrame>>,
    templates: &[TemplateSource],
    templates_dir: &Path,
) -> Vec<Frame> {
    cx.unique("frame", raw.iter().map(|f| &f.get_ref().id));
    raw.into_iter()
        .map(|f| {
            let f = f.into_inner();
            cx.check_id("frame", &f.id);
            check_template_exists(cx, &f.template, templates, templates_dir);
            Frame {
                id: f.id.into_inner(),
                description: f.description,
                template: f.template.into_inner(),
            }
        })
        .collect()
}

/// Every id a constraint may name: facts and their pieces, in spec order.
fn members(facts: &[Fact]) -> Vec<(&str, Member)> {
    let mut out = Vec::new();
    for (fi, f) in facts.iter().enumerate() {
        out.push((f.id.as_str(), Member::Fact(fi)));
        for (pi, p) in f.pieces.iter().enumerate() {
            out.push((p.id.as_str(), Member::Piece(fi, pi)));
        }
    }
    out
}

/// `[[constraints]]`: at least two known ids each (facts or pieces); piece ids are unique
/// among facts and pieces, so an id names one thing.
pub(super) fn constraints(
    cx: &mut Ctx,
    raw: Vec<Spanned<RawConstraint>>,
    facts: &[Fact],
) -> Vec<Constraint> {
    let known = members(facts);
    for (i, (id, m)) in known.iter().enumerate() {
        if let Member::Piece(fi, pi) = m
            && known
                .iter()
                .enumerate()
                .any(|(j, (k, _))| j != i && k == id)
        {
            cx.err(
                facts[*fi].pieces[*pi].id_span.clone(),
                format!("piece id `{id}` is also the id of another fact or piece: expected ids unique among facts and pieces"),
                "here",
            );
        }
    }
    let mut out = Vec::new();
    for c in raw {
        let c = c.into_inner();
        let list = c.never_together;
        if list.get_ref().len() < 2 {
            cx.err(
                list.span(),
                "a constraint needs at least two ids in `never_together`",
                "fewer than two",
            );
        }
        let mut con = Constraint {
            ids: Vec::new(),
            members: Vec::new(),
        };
        for id in list.get_ref() {
            match known.iter().find(|(k, _)| k == id.get_ref()) {
                Some((_, m)) => {
                    con.ids.push(id.get_ref().clone());
                    con.members.push(*m);
                }
                None => {
                    let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
                    cx.diags.error_with_notes(
                        cx.file,
                        id.span(),
                        format!("unknown id `{}` in a [[constraints]] entry", id.get_ref()),
                        "expected the id of a fact or of a piece",
                        vec![format!("facts and pieces: {}", names.join(", "))],
                    );
                }
            }
        }
        out.push(con);
    }
    out
}

/// What a condition says about the axes, as written, kept before the conditions are resolved.
pub(super) struct RawAxes {
    frame: Option<Spanned<String>>,
    directness: Option<Spanned<String>>,
    split: Vec<Spanned<String>>,
    /// Where the condition's id is written (errors about what it inherits point there).
    id_span: Range<usize>,
}

pub(super) fn condition_axes(raw: &[Spanned<RawCondition>]) -> Vec<RawAxes> {
    raw.iter()
        .map(|c| {
            let c = c.get_ref();
            RawAxes {
                frame: c.frame.clone(),
                directness: c.directness.clone(),
                split: c
                    .split
                    .as_ref()
                    .map(|s| s.get_ref().clone())
                    .unwrap_or_default(),
                id_span: c.id.span(),
            }
        })
        .collect()
}

/// A condition's own frame, directness and split, checked (`None` where unknown).
struct Own {
    frame: Option<usize>,
    directness: Option<Directness>,
    split: Vec<usize>,
}

fn own(cx: &mut Ctx, a: &RawAxes, cid: &str, facts: &[Fact], frames: &[Frame]) -> Own {
    let frame = a.frame.as_ref().and_then(|f| {
        let found = frames.iter().position(|x| &x.id == f.get_ref());
        if found.is_none() {
            let ids: Vec<&str> = frames.iter().map(|x| x.id.as_str()).collect();
            cx.diags.error_with_notes(
                cx.file,
                f.span(),
                format!("unknown frame `{}` in condition `{cid}`", f.get_ref()),
                "expected the id of a [[frames]] entry",
                vec![if ids.is_empty() {
                    "the spec has no [[frames]]".to_string()
                } else {
                    format!("frames: {}", ids.join(", "))
                }],
            );
        }
        found
    });
    let directness = a.directness.as_ref().and_then(|d| match d.get_ref().as_str() {
        "stated" => Some(Directness::Stated),
        "implied" => Some(Directness::Implied),
        other => {
            cx.err(
                d.span(),
                format!(
                    "invalid directness in condition `{cid}`: expected \"stated\" or \"implied\", found {other:?}"
                ),
                "not a directness",
            );
            None
        }
    });
    let mut split = Vec::new();
    for s in &a.split {
        match facts.iter().position(|f| &f.id == s.get_ref()) {
            Some(fi) if facts[fi].pieces.is_empty() => cx.err(
                s.span(),
                format!(
                    "condition `{cid}` splits fact `{}`, which has no `pieces`",
                    s.get_ref()
                ),
                "expected a fact with `pieces = [...]`",
            ),
            Some(fi) => split.push(fi),
            None => cx.err(
                s.span(),
                format!(
                    "unknown fact id `{}` in `split` of condition `{cid}`",
                    s.get_ref()
                ),
                "expected the id of a [[facts]] entry with pieces",
            ),
        }
    }
    Own {
        frame,
        directness,
        split,
    }
}

/// Gives every condition its frame, directness and split: its own, else its base's (split is
/// the union along the chain), then checks that what it carries can be conveyed that way.
pub(super) fn resolve_axes(
    cx: &mut Ctx,
    raw: &[RawAxes],
    conditions: &mut [Condition],
    facts: &[Fact],
    frames: &[Frame],
) {
    let owns: Vec<Own> = raw
        .iter()
        .zip(conditions.iter())
        .map(|(a, c)| own(cx, a, &c.id, facts, frames))
        .collect();
    for ci in 0..conditions.len().min(owns.len()) {
        // Walk the `like` chain (bounded: cycles were reported when resolving conditions).
        let (mut frame, mut directness, mut split) = (None, None, Vec::new());
        let mut at = Some(ci);
        for _ in 0..=conditions.len() {
            let Some(c) = at else { break };
            frame = frame.or(owns[c].frame);
            directness = directness.or(owns[c].directness);
            split.extend(&owns[c].split);
            at = conditions[c].like;
        }
        split.sort_unstable();
        split.dedup();
        let cond = &mut conditions[ci];
        cond.frame = frame;
        cond.directness = directness.unwrap_or_default();
        let carried: Vec<usize> = cond.facts().collect();
        for &s in &split {
            if !carried.contains(&s) && !cond.slots.is_empty() {
                let span = raw[ci]
                    .split
                    .iter()
                    .find(|x| x.get_ref() == &facts[s].id)
                    .map_or(raw[ci].id_span.clone(), |x| x.span());
                cx.err(
                    span,
                    format!(
                        "condition `{}` splits fact `{}`, which it does not carry",
                        cond.id, facts[s].id
                    ),
                    "not carried",
                );
            }
        }
        if cond.directness == Directness::Implied {
            let missing: Vec<&str> = carried
                .iter()
                .filter(|f| facts[**f].implied.is_empty() && !split.contains(f))
                .map(|&f| facts[f].id.as_str())
                .collect();
            if !missing.is_empty() {
                let span = raw[ci]
                    .directness
                    .as_ref()
                    .map_or(raw[ci].id_span.clone(), |d| d.span());
                cx.err(
                    span,
                    format!(
                        "condition `{}` is implied, but fact(s) {} have no `implied` variants",
                        cond.id,
                        missing.join(", ")
                    ),
                    "every fact it carries needs `implied = [...]`",
                );
            }
        }
        cond.split = split;
    }
}
