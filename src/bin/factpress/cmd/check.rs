//! `factpress check SPEC`: build the renderer, run every check, print what was looked at.

use crate::cli::ChoiceArgs;
use crate::ui::Terminal;
use factpress::generate::Selection;
use factpress::observe::Observer;
use std::path::Path;

pub fn run(spec: &Path, c: &ChoiceArgs) -> anyhow::Result<u8> {
    let sel = Selection::resolve(spec, &super::choices(c))?;
    let renderer = sel.renderer()?;
    let report = factpress::check::check(&renderer)?;
    let ui = Terminal::new(false);
    report.warnings.iter().for_each(|w| ui.warn(w));
    super::capacity_warnings(&ui, &sel);
    let s = &sel.spec;
    println!(
        "ok: {} — {} facts, {} pools, {} grammar rules, {} doc types, {} templates, {} conditions; trial-rendered {} template(s), {} fact variant(s) and {} grammar alternative(s)",
        s.path.display(),
        s.facts.len(),
        s.pools.len(),
        s.grammar.len(),
        s.doc_types.len(),
        s.templates.len(),
        s.conditions.len(),
        report.templates_rendered,
        report.variants_rendered,
        report.alternatives_rendered
    );
    Ok(0)
}
