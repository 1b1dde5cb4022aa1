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
    let refs = Refs {
        ids: raw
            .iter()
            .map(|c| c.get_ref().id.get_ref().clone())
            .collect(),
        facts,
    };
    // First pass: each condition's own definition, with references checked.
    let mut out: Vec<Condition> = Vec::with_capacity(raw.len());
    let mut like_spans = Vec::with_capacity(raw.len());
    let mut ok = vec![true; raw.len()];
    for (ci, c) in raw.iter().enumerate() {
        let (cond, fine) = own_definition(cx, ci, c, &refs, min_facts);
        ok[ci] = fine;
        like_spans.push(c.get_ref().like.as_ref().map(|l| l.span()));
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

/// What condition definitions may refer to: other conditions (by id) and facts.
struct Refs<'a> {
    ids: Vec<String>,
    facts: &'a [Fact],
}

impl Refs<'_> {
    fn fact(&self, id: &str) -> Option<usize> {
        self.facts.iter().position(|f| f.id == id)
    }

    fn known_facts(&self) -> String {
        let mut k: Vec<&str> = self.facts.iter().map(|f| f.id.as_str()).collect();
        k.sort_unstable();
        k.dedup();
        format!("known facts: {}", k.join(", "))
    }

    /// Looks up a fact named in `what` of condition `cid`; an unknown id is reported.
    fn fact_or_report(
        &self,
        cx: &mut Ctx,
        id: &Spanned<String>,
        what: &str,
        cid: &str,
    ) -> Option<usize> {
        let found = self.fact(id.get_ref());
        if found.is_none() {
            cx.diags.error_with_notes(
                cx.file,
                id.span(),
                format!(
                    "unknown fact id `{}` in {what}condition `{cid}`",
                    id.get_ref()
                ),
                "expected the id of a [[facts]] entry",
                vec![self.known_facts()],
            );
        }
        found
    }
}

/// Condition `ci` as written: its own facts or its base, its replacements and drops. The
/// flag is false when a reference is unknown (so derivation is not attempted).
fn own_definition(
    cx: &mut Ctx,
    ci: usize,
    raw: &Spanned<RawCondition>,
    refs: &Refs,
    min_facts: i64,
) -> (Condition, bool) {
    let span = raw.span();
    let c = raw.get_ref();
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
        frame: None,
        directness: Default::default(),
        split: Vec::new(),
    };
    let mut ok = true;
    match (&c.facts, &c.like) {
        (Some(list), None) => {
            let (slots, fine) = fact_list(cx, list, cid, refs, min_facts);
            cond.slots = slots;
            ok &= fine;
            if c.replace.is_some() || c.drop.is_some() {
                cx.err(
                    span.clone(),
                    format!(
                        "condition `{cid}`: `replace` and `drop` need `like = \"<base condition>\"`"
                    ),
                    "no `like`",
                );
            }
        }
        (None, Some(base)) => match refs.ids.iter().position(|i| i == base.get_ref()) {
            Some(b) => cond.like = Some(b),
            None => {
                ok = false;
                cx.diags.error_with_notes(
                    cx.file,
                    base.span(),
                    format!(
                        "unknown condition `{}` in `like` of condition `{cid}`",
                        base.get_ref()
                    ),
                    "expected the id of another [[conditions]] entry",
                    vec![format!("conditions: {}", refs.ids.join(", "))],
                );
            }
        },
        (Some(_), Some(base)) => {
            ok = false;
            cx.err(
                base.span(),
                format!("condition `{cid}`: expected either `facts` or `like`, found both"),
                "remove `facts` or `like`",
            );
        }
        (None, None) => {
            ok = false;
            cx.err(
                span.clone(),
                format!("condition `{cid}`: expected a `facts` list, or `like` another condition"),
                "no facts",
            );
        }
    }
    for (from, to) in c.replace.iter().flat_map(|r| r.get_ref()) {
        let f = refs.fact_or_report(cx, from, "`replace` of ", cid);
        let t = refs.fact_or_report(cx, to, "`replace` of ", cid);
        match (f, t) {
            (Some(f), Some(t)) => cond.replace.push((f, t)),
            _ => ok = false,
        }
    }
    for d in c.drop.iter().flat_map(|d| d.get_ref()) {
        match refs.fact_or_report(cx, d, "`drop` of ", cid) {
            Some(i) => cond.drop.push(i),
            None => ok = false,
        }
    }
    (cond, ok)
}

/// A root condition's `facts` list: known, listed once, at least `facts_per_doc.min`.
fn fact_list(
    cx: &mut Ctx,
    list: &Spanned<Vec<Spanned<String>>>,
    cid: &str,
    refs: &Refs,
    min_facts: i64,
) -> (Vec<Option<usize>>, bool) {
    let mut ok = true;
    let mut idx = Vec::new();
    for fid in list.get_ref() {
        match refs.fact(fid.get_ref()) {
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
                ok = false;
                refs.fact_or_report(cx, fid, "", cid);
            }
        }
    }
    if (idx.len() as i64) < min_facts && !refs.facts.is_empty() {
        cx.err(
            list.span(),
            format!(
                "condition `{cid}` has {} facts but facts_per_doc.min is {min_facts}",
                idx.len()
            ),
            "too few facts",
        );
    }
    (idx.into_iter().map(Some).collect(), ok)
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
