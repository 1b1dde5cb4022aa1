//! Template patterns that break matched conditions, found lexically so that `check` can warn
//! before a corpus is generated (the `pairs` error after generation is much harder to read):
//! text printed around each fact inside the `facts` loop (a "- " bullet: it goes away with
//! a dropped fact, so the documents then differ outside the fact's text), seeded calls inside
//! that loop (a dropped fact shifts every later draw), and `doc.id` / `doc.condition` (which
//! differ between conditions by definition). Warnings, not errors: a spec without derived
//! conditions may do all of this safely.

use crate::spec::Spec;
use regex::Regex;
use std::sync::LazyLock;

static FOR_FACTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{%-?\s*for\s+([A-Za-z_]\w*)\s+in\s+facts\b[^%]*-?%\}").expect("static regex")
});
static FOR_OR_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%-?\s*(for|endfor)\b[^%]*-?%\}").expect("static regex"));
static SEEDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(pick|pick_n|chance|int|date|ago|g)\s*\(").expect("static regex")
});
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}").expect("static regex"));
static DOC_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdoc\.(id|condition)\b").expect("static regex"));

/// Warnings for every template and fact variant of `spec`, as `file:line: message`.
pub(super) fn warnings(spec: &Spec) -> Vec<String> {
    let derived = spec.conditions.iter().any(|c| c.like.is_some());
    if !derived {
        return Vec::new();
    }
    let mut out = Vec::new();
    for t in &spec.templates {
        let at = |offset: usize| format!("{}:{}", t.path.display(), line_of(&t.text, offset));
        for m in DOC_ID.find_iter(&t.text) {
            out.push(format!(
                "{}: `{}` differs between matched conditions, so their documents differ outside the changed facts",
                at(m.start()),
                m.as_str()
            ));
        }
        for (var, body, start) in facts_loops(&t.text) {
            for m in SEEDED.find_iter(body) {
                out.push(format!(
                    "{}: a seeded call (`{}…)`) inside the facts loop draws once per fact: where a derived condition drops a fact, every later draw in the document shifts",
                    at(start + m.start()),
                    m.as_str()
                ));
            }
            let bare = TAG.replace_all(body, "");
            let decoration: String = bare.split_whitespace().collect::<Vec<_>>().join(" ");
            if !decoration.is_empty() {
                out.push(format!(
                    "{}: text around each fact inside the facts loop (`{decoration}`) is printed once per fact: where a derived condition drops a fact it disappears with it, outside the fact's text; print only `{{{{ {var}.text }}}}` in the loop",
                    at(start)
                ));
            }
        }
    }
    for f in &spec.facts {
        if f.variants.iter().any(|v| DOC_ID.is_match(v)) {
            out.push(format!(
                "{}: fact `{}` uses `doc.id` or `doc.condition`, which differ between matched conditions",
                spec.path.display(),
                f.id
            ));
        }
    }
    out
}

/// The body of every `{% for X in facts %}` loop: (X, body, byte offset of the body).
fn facts_loops(text: &str) -> Vec<(String, &str, usize)> {
    let mut out = Vec::new();
    for cap in FOR_FACTS.captures_iter(text) {
        let open = cap.get(0).expect("match");
        let start = open.end();
        let mut depth = 1;
        let mut end = text.len();
        for t in FOR_OR_END.captures_iter(&text[start..]) {
            depth += if &t[1] == "for" { 1 } else { -1 };
            if depth == 0 {
                end = start + t.get(0).expect("match").start();
                break;
            }
        }
        out.push((cap[1].to_string(), &text[start..end], start));
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::facts_loops;

    #[test]
    fn loop_bodies_are_found_with_nesting() {
        let t = "a {% for f in facts if f.id %}- {{ f.text }}{% for x in y %}{% endfor %}\n{% endfor %} b";
        let loops = facts_loops(t);
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].0, "f");
        assert_eq!(loops[0].1, "- {{ f.text }}{% for x in y %}{% endfor %}\n");
    }
}
