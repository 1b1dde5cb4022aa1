//! `factpress sample SPEC`: print documents exactly as `generate` would write them at those
//! indices, with a header naming each one's plan.

use crate::cli::ChoiceArgs;
use factpress::Error;
use factpress::generate::Selection;
use factpress::plan::plan_doc;
use factpress::render::doc_id;
use std::io::Write;
use std::path::Path;

pub fn run(
    spec: &Path,
    n: usize,
    doc_type: Option<&str>,
    start: u64,
    c: &ChoiceArgs,
) -> anyhow::Result<u8> {
    let sel = Selection::resolve(spec, &super::choices(c))?;
    let s = &sel.spec;
    let want = match doc_type {
        Some(id) => Some(s.doc_types.iter().position(|d| d.id == id).ok_or_else(|| {
            let known: Vec<&str> = s.doc_types.iter().map(|d| d.id.as_str()).collect();
            Error::Usage(format!(
                "--doc-type {id}: the spec has no such doc type (it has: {})",
                known.join(", ")
            ))
        })?),
        None => None,
    };
    let renderer = sel.renderer()?;
    factpress::check::check(&renderer)?;
    let cond = sel.conditions[0];
    let mut stdout = std::io::stdout().lock();
    let mut printed = 0;
    for i in start..sel.docs {
        if printed == n {
            break;
        }
        let plan = plan_doc(s, sel.seed, cond, i);
        if want.is_some_and(|d| d != plan.doc_type) {
            continue;
        }
        let doc = renderer.render_doc(&plan)?;
        let facts: Vec<String> = plan
            .facts
            .iter()
            .map(|f| format!("{}#{}", s.facts[f.fact].id, f.variant))
            .collect();
        let header = format!(
            "=== {} | {} | {} | {} | facts: {} ===",
            doc_id(&s.conditions[cond].id, i),
            s.doc_types[plan.doc_type].id,
            doc.template,
            plan.date,
            facts.join(", ")
        );
        if writeln!(stdout, "{header}\n{}\n", doc.text).is_err() {
            return Ok(0); // stdout closed (e.g. piped into head): not an error
        }
        printed += 1;
    }
    if printed < n {
        eprintln!(
            "note: found {printed} of {n} requested documents among indices {start}..{}",
            sel.docs
        );
    }
    Ok(0)
}
