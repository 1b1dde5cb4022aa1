//! Conditions: plain ones (a list of facts) and derived ones (`like` another condition, with
//! `replace` and `drop`). Derivations may chain; unknown ids and cycles are errors with a
//! location. A derived condition keeps its root's fact slots, which is what makes document i
//! of every condition in a family the same document up to the changed facts.

use super::raw::RawCondition;
use super::validate::Ctx;
use super::{Condition, Fact};
use std::collections::BTreeMap;
use toml::Spanned;

pub(super) fn resolve(
    cx: &mut Ctx,
    raw: Vec<Spanned<RawCondition>>,
    facts: &[Fact],
    min_facts: i64,
) -> Vec<Condition> {
    if raw.is_empty() {
        cx.err(
            0..0,
            "the spec has no [[conditions]]: expected at least one",
            "add a [[conditions]] table",
        );
    }
    cx.unique("condition", raw.iter().map(|c| &c.get_ref().id));
    let ids: Vec<String> = raw
        .iter()
        .map(|c| c.get_ref().id.get_ref().clone())
        .collect();
    let fact_index = |id: &str| facts.iter().position(|f| f.id == id);
    let known_facts = || {
        let mut k: Vec<&str> = facts.iter().map(|f| f.id.as_str()).collect();
        k.sort_unstable();
        k.dedup();
        format!("known facts: {}", k.join(", "))
    };

    // First pass: each condition's own definition, with references checked.
    let mut out: Vec<Condition> = Vec::with_capacity(raw.len());
    let mut like_spans = Vec::with_capacity(raw.len());
    let mut ok = vec![true; raw.len()];
    for (ci, c) in raw.iter().enumerate() {
        let span = c.span();
        let c = c.get_ref();
        let cid = c.id.get_ref();
        cx.check_id("condition", &c.id);
        let mut cond = Condition {
            id: cid.clone(),
            description: c.description.clone(),
            slots: Vec::new(),
            root: ci,
            like: None,
            replace: Vec::new(),
            drop: Vec::new(),
        };
        match (&c.facts, &c.like) {
            (Some(list), None) => {
                let mut idx = Vec::new();
                for fid in list.get_ref() {
                    match fact_index(fid.get_ref()) {
                        Some(i) if idx.contains(&i) => cx.err(
                            fid.span(),
                            format!(
                                "fact `{}` is listed twice in condition `{cid}`",
                                fid.get_ref()
                            ),
                            "listed again",
                        ),
                        Some(i) => idx.push(i),
                        None => {
                            ok[ci] = false;
                            cx.diags.error_with_notes(
                                cx.file,
                                fid.span(),
                                format!("unknown fact id `{}` in condition `{cid}`", fid.get_ref()),
                                "expected the id of a [[facts]] entry",
                                vec![known_facts()],
                            );
                        }
                    }
                }
                if (idx.len() as i64) < min_facts && !facts.is_empty() {
                    cx.err(
                        list.span(),
                        format!(
                            "condition `{cid}` has {} facts but facts_per_doc.min is {min_facts}",
                            idx.len()
                        ),
                        "too few facts",
                    );
                }
                cond.slots = idx.into_iter().map(Some).collect();
                if c.replace.is_some() || c.drop.is_some() {
                    cx.err(span.clone(), format!("condition `{cid}`: `replace` and `drop` need `like = \"<base condition>\"`"), "no `like`");
                }
            }
            (None, Some(base)) => match ids.iter().position(|i| i == base.get_ref()) {
                Some(b) => cond.like = Some(b),
                None => {
                    ok[ci] = false;
                    cx.diags.error_with_notes(
                        cx.file,
                        base.span(),
                        format!(
                            "unknown condition `{}` in `like` of condition `{cid}`",
                            base.get_ref()
                        ),
                        "expected the id of another [[conditions]] entry",
                        vec![format!("conditions: {}", ids.join(", "))],
                    );
                }
            },
            (Some(_), Some(base)) => {
                ok[ci] = false;
                cx.err(
                    base.span(),
                    format!("condition `{cid}`: expected either `facts` or `like`, found both"),
                    "remove `facts` or `like`",
                );
            }
            (None, None) => {
                ok[ci] = false;
                cx.err(
                    span.clone(),
                    format!(
                        "condition `{cid}`: expected a `facts` list, or `like` another condition"
                    ),
                    "no facts",
                );
            }
        }
        for (from, to) in c.replace.iter().flat_map(|r| r.get_ref()) {
            let (f, t) = (fact_index(from.get_ref()), fact_index(to.get_ref()));
            for (name, found) in [(from, f), (to, t)] {
                if found.is_none() {
                    ok[ci] = false;
                    cx.diags.error_with_notes(
                        cx.file,
                        name.span(),
                        format!(
                            "unknown fact id `{}` in `replace` of condition `{cid}`",
                            name.get_ref()
                        ),
                        "expected the id of a [[facts]] entry",
                        vec![known_facts()],
                    );
                }
            }
            if let (Some(f), Some(t)) = (f, t) {
                cond.replace.push((f, t));
            }
        }
        for d in c.drop.iter().flat_map(|d| d.get_ref()) {
            match fact_index(d.get_ref()) {
                Some(i) => cond.drop.push(i),
                None => {
                    ok[ci] = false;
                    cx.diags.error_with_notes(
                        cx.file,
                        d.span(),
                        format!(
                            "unknown fact id `{}` in `drop` of condition `{cid}`",
                            d.get_ref()
                        ),
                        "expected the id of a [[facts]] entry",
                        vec![known_facts()],
                    );
                }
            }
        }
        like_spans.push(c.like.as_ref().map(|l| l.span()));
        out.push(cond);
    }

    // Second pass: resolve derivations in dependency order, reporting cycles once each.
    let mut state = vec![0u8; out.len()]; // 0 = new, 1 = in progress, 2 = resolved, 3 = failed
    for ci in 0..out.len() {
        resolve_one(
            cx,
            ci,
            &mut out,
            &mut state,
            &ok,
            &like_spans,
            facts,
            &mut Vec::new(),
        );
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn resolve_one(
    cx: &mut Ctx,
    ci: usize,
    out: &mut [Condition],
    state: &mut [u8],
    ok: &[bool],
    like_spans: &[Option<std::ops::Range<usize>>],
    facts: &[Fact],
    path: &mut Vec<usize>,
) -> bool {
    match state[ci] {
        2 => return true,
        3 => return false,
        1 => {
            let start = path.iter().position(|&p| p == ci).unwrap_or(0);
            let mut names: Vec<&str> = path[start..].iter().map(|&p| out[p].id.as_str()).collect();
            names.push(&out[ci].id);
            cx.err(
                like_spans[ci].clone().unwrap_or(0..0),
                format!(
                    "conditions derive from each other in a cycle: {}",
                    names.join(" -> ")
                ),
                "cycle closes here",
            );
            return false;
        }
        _ => {}
    }
    let Some(base) = out[ci].like else {
        state[ci] = if ok[ci] { 2 } else { 3 };
        return ok[ci];
    };
    state[ci] = 1;
    path.push(ci);
    let base_ok = resolve_one(cx, base, out, state, ok, like_spans, facts, path);
    path.pop();
    if !base_ok || !ok[ci] {
        state[ci] = 3;
        return false;
    }
    state[ci] = 2;
    let mut slots = out[base].slots.clone();
    let root = out[base].root;
    let id = out[ci].id.clone();
    let span = like_spans[ci].clone().unwrap_or(0..0);
    let present: BTreeMap<usize, usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(s, f)| f.map(|f| (f, s)))
        .collect();
    for &(from, to) in &out[ci].replace {
        match present.get(&from) {
            Some(&s) => {
                if present.contains_key(&to) && to != from {
                    cx.err(
                        span.clone(),
                        format!(
                            "condition `{id}`: replacement `{}` is already in its base `{}`",
                            facts[to].id, out[base].id
                        ),
                        "base named here",
                    );
                }
                slots[s] = Some(to);
            }
            None => cx.err(
                span.clone(),
                format!(
                    "condition `{id}`: cannot replace `{}`, which its base `{}` does not carry",
                    facts[from].id, out[base].id
                ),
                "base named here",
            ),
        }
    }
    for &d in &out[ci].drop {
        match present.get(&d) {
            Some(&s) => slots[s] = None,
            None => cx.err(
                span.clone(),
                format!(
                    "condition `{id}`: cannot drop `{}`, which its base `{}` does not carry",
                    facts[d].id, out[base].id
                ),
                "base named here",
            ),
        }
    }
    out[ci].slots = slots;
    out[ci].root = root;
    true
}
