//! Capacity: an estimate, read off the spec alone, of how many distinct documents each doc
//! type can produce. Lexical, not exact: each template is scanned for its choice points —
//! `pick('pool')` (× pool size), `pick_n('pool', n)` (× ordered choices of n), `chance(…)`
//! (× 2), `int(lo, hi)` with literal bounds (× hi − lo + 1), `g('rule')` and `#rule#` (× the
//! rule's expansions: the sum of its alternatives' own choice points), each distinct
//! `cast.member.field` (× its pool size), `{% include %}`d templates (× their own factor) —
//! and, when it uses `facts`, multiplied by the ordered fact sets a
//! document can carry, each fact by its variants and their own choice points. Dates and
//! document ids are left out: they make documents differ in bytes, not in wording. A choice
//! inside a loop counts once, so loops are underestimated. Capped at 1e18.

use crate::spec::Spec;
use regex::Regex;
use std::sync::LazyLock;

const CAP: f64 = 1e18;

static PICK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bpick\(\s*["']([^"']+)["']\s*\)"#).expect("static regex"));
static PICK_N: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bpick_n\(\s*["']([^"']+)["']\s*,\s*(\d+)\s*\)"#).expect("static regex")
});
static CHANCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bchance\(").expect("static regex"));
static INT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bint\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)").expect("static regex"));
static INCLUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\{%-?\s*include\s+["']([^"']+)["']"#).expect("static regex"));
static FACTS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bfacts\b").expect("static regex"));
static RULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bg\(\s*["']([^"']+)["']\s*\)|#([A-Za-z_][A-Za-z0-9_]*)(?:\.[a-z_]+)*#"#)
        .expect("static regex")
});
static CAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bcast\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)").expect("static regex")
});

/// How deep grammar rules are followed when counting.
const RULE_DEPTH: usize = 6;

/// Estimated distinct documents per doc type, in spec order.
pub fn capacity(spec: &Spec) -> Vec<(String, f64)> {
    let facts = spec
        .conditions
        .iter()
        .map(|c| fact_sets(spec, &c.facts().collect::<Vec<_>>()))
        .fold(1.0f64, f64::max);
    spec.doc_types
        .iter()
        .map(|d| {
            let total: f64 = d
                .templates
                .iter()
                .map(|t| {
                    let text = template_text(spec, t);
                    let uses_facts = text.is_some_and(|x| FACTS.is_match(x));
                    choices(spec, t, 0) * if uses_facts { facts } else { 1.0 }
                })
                .sum();
            (d.id.clone(), total.min(CAP))
        })
        .collect()
}

fn template_text<'a>(spec: &'a Spec, name: &str) -> Option<&'a str> {
    spec.templates
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.text.as_str())
}

/// The product of the choice points of template `name` and what it includes.
fn choices(spec: &Spec, name: &str, depth: usize) -> f64 {
    let Some(text) = template_text(spec, name) else {
        return 1.0;
    };
    let mut f = text_choices(spec, text);
    if depth < 8 {
        for cap in INCLUDE.captures_iter(text) {
            f *= choices(spec, &cap[1], depth + 1);
        }
    }
    f.min(CAP)
}

/// The choice points in one template or fact variant text.
fn text_choices(spec: &Spec, text: &str) -> f64 {
    text_choices_at(spec, text, 0)
}

/// Distinct expansions of grammar rule `name`: the sum over its alternatives of their own
/// choice points (rules inside rules are followed `RULE_DEPTH` deep).
fn rule_choices(spec: &Spec, name: &str, depth: usize) -> f64 {
    match spec.grammar.get(name) {
        Some(r) if depth < RULE_DEPTH => r
            .alternatives
            .iter()
            .map(|a| text_choices_at(spec, a, depth + 1))
            .sum::<f64>()
            .min(CAP),
        Some(r) => r.alternatives.len().max(1) as f64,
        None => 1.0,
    }
}

fn text_choices_at(spec: &Spec, text: &str, depth: usize) -> f64 {
    let size = |p: &str| {
        spec.pools
            .get(p)
            .map_or(1.0, |p| p.values.len().max(1) as f64)
    };
    let mut f = 1.0f64;
    for cap in PICK.captures_iter(text) {
        f *= size(&cap[1]);
    }
    for cap in PICK_N.captures_iter(text) {
        let (n, k) = (size(&cap[1]), cap[2].parse::<f64>().unwrap_or(1.0));
        f *= permutations(n, k);
    }
    f *= 2f64.powi(CHANCE.find_iter(text).count() as i32);
    for cap in RULE.captures_iter(text) {
        let name = cap.get(1).or(cap.get(2)).map_or("", |m| m.as_str());
        f = (f * rule_choices(spec, name, depth)).min(CAP);
    }
    let mut seen = std::collections::BTreeSet::new();
    for cap in CAST.captures_iter(text) {
        let (m, field) = (&cap[1], &cap[2]);
        if !seen.insert((m.to_string(), field.to_string())) {
            continue;
        }
        let source = spec
            .cast
            .iter()
            .find(|c| c.name == m)
            .and_then(|c| c.fields.iter().find(|(f, _)| f == field))
            .map(|(_, s)| s.clone());
        f *= match source {
            Some(crate::spec::CastSource::Pool(p)) => size(&p),
            Some(crate::spec::CastSource::Rule(r)) => rule_choices(spec, &r, depth),
            None => 1.0,
        };
    }
    for cap in INT.captures_iter(text) {
        let (lo, hi) = (cap[1].parse::<f64>(), cap[2].parse::<f64>());
        if let (Ok(lo), Ok(hi)) = (lo, hi) {
            f *= (hi - lo + 1.0).max(1.0);
        }
    }
    f.min(CAP)
}

fn permutations(n: f64, k: f64) -> f64 {
    let mut p = 1.0;
    let mut i = 0.0;
    while i < k && i < n {
        p *= n - i;
        i += 1.0;
    }
    p
}

/// Ordered fact lists a document of a condition can carry, each fact weighted by its variants
/// and their choice points: Σₖ k!·eₖ(w), eₖ the elementary symmetric polynomial.
fn fact_sets(spec: &Spec, facts: &[usize]) -> f64 {
    let w: Vec<f64> = facts
        .iter()
        .map(|&f| {
            spec.facts[f]
                .variants
                .iter()
                .map(|v| text_choices(spec, v))
                .sum::<f64>()
        })
        .collect();
    let n = w.len();
    let mut e = vec![0.0f64; n + 1];
    e[0] = 1.0;
    for &x in &w {
        for k in (1..=n).rev() {
            e[k] = (e[k] + e[k - 1] * x).min(CAP);
        }
    }
    let (lo, hi) = (
        (spec.facts_per_doc.0 as usize).min(n),
        (spec.facts_per_doc.1 as usize).min(n),
    );
    let mut total = 0.0;
    let mut fact = 1.0;
    for (k, ek) in e.iter().enumerate().take(hi + 1) {
        if k > 0 {
            fact *= k as f64;
        }
        if k >= lo {
            total += fact * ek;
        }
    }
    total.clamp(1.0, CAP)
}

/// Formats an estimate for people: `3.2e7`, or the integer below 1e6.
pub fn human(x: f64) -> String {
    if x < 1e6 {
        format!("{}", x.round() as u64)
    } else {
        format!("{x:.1e}")
    }
}

/// Warnings for a run of `docs` documents per condition: a doc type whose expected share of
/// the documents exceeds a tenth of its capacity.
pub fn warnings(spec: &Spec, docs: u64) -> Vec<String> {
    let total_weight: u64 = spec.doc_types.iter().map(|d| d.weight).sum::<u64>().max(1);
    capacity(spec)
        .into_iter()
        .zip(&spec.doc_types)
        .filter(|((_, cap), d)| docs as f64 * d.weight as f64 / total_weight as f64 > cap / 10.0)
        .map(|((id, cap), _)| {
            format!(
                "doc type {id} can produce about {} distinct documents; --docs {docs} is near or above it",
                human(cap)
            )
        })
        .collect()
}
