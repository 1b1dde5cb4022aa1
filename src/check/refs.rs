//! Names a template text refers to that the spec does not define: pools in `pick('…')` and
//! `pick_n('…', n)`, grammar rules in `g('…')`, cast members and fields in `cast.m.f`. Found
//! lexically, so every branch is checked, not only those a trial render takes. Only literal
//! names are checked (`pick('forum_' ~ kind)` is left to the trial renders).

use crate::spec::Spec;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// One unknown reference: where in the text, and what to say.
pub(super) struct Unknown {
    pub range: Range<usize>,
    pub message: String,
    pub label: &'static str,
    pub notes: Vec<String>,
}

/// A literal first argument that is the whole argument (not `'a' ~ b`).
static POOL_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bpick(?:_n)?\(\s*["']([^"']*)["']\s*[,)]"#).expect("static regex")
});
static RULE_CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bg\(\s*["']([^"']*)["']\s*\)"#).expect("static regex"));
static CAST_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bcast\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?")
        .expect("static regex")
});

pub(super) fn unknown(spec: &Spec, text: &str) -> Vec<Unknown> {
    let mut out = Vec::new();
    for cap in POOL_CALL.captures_iter(text) {
        let m = cap.get(1).expect("group 1");
        if !spec.pools.contains_key(m.as_str()) {
            out.push(Unknown {
                range: m.range(),
                message: format!("unknown pool `{}`", m.as_str()),
                label: "no such pool",
                notes: vec![names("the spec's pools are", spec.pools.keys())],
            });
        }
    }
    for cap in RULE_CALL.captures_iter(text) {
        let m = cap.get(1).expect("group 1");
        if !spec.grammar.contains_key(m.as_str()) {
            out.push(Unknown {
                range: m.range(),
                message: format!("unknown grammar rule `{}`", m.as_str()),
                label: "no such rule",
                notes: vec![names("the spec's [grammar] rules are", spec.grammar.keys())],
            });
        }
    }
    for cap in CAST_REF.captures_iter(text) {
        let member = cap.get(1).expect("group 1");
        let Some(m) = spec.cast.iter().find(|c| c.name == member.as_str()) else {
            out.push(Unknown {
                range: member.range(),
                message: format!("unknown cast member `{}`", member.as_str()),
                label: "no such member",
                notes: vec![names(
                    "the spec's [cast] members are",
                    spec.cast.iter().map(|c| &c.name),
                )],
            });
            continue;
        };
        if let Some(field) = cap.get(2) {
            let has = |f: &str| m.fields.iter().any(|(n, _)| n == f);
            let derived = field.as_str() == "name" && has("first") && has("last");
            if !has(field.as_str()) && !derived {
                let mut known: Vec<&String> = m.fields.iter().map(|(n, _)| n).collect();
                let name = "name".to_string();
                if has("first") && has("last") && !has("name") {
                    known.push(&name);
                }
                out.push(Unknown {
                    range: field.range(),
                    message: format!("cast member `{}` has no field `{}`", m.name, field.as_str()),
                    label: "no such field",
                    notes: vec![names("its fields are", known.into_iter())],
                });
            }
        }
    }
    out
}

fn names<'a>(what: &str, it: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = it.map(String::as_str).collect();
    format!(
        "{what}: {}",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    )
}
