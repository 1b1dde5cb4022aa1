//! `factpress probes SPEC --out DIR`: build one condition's evaluation sets and write them.

use crate::cli::ProbesArgs;
use factpress::generate::{Choices, Selection};

pub fn run(a: ProbesArgs) -> anyhow::Result<u8> {
    let choices = Choices {
        conditions: a.condition.into_iter().collect(),
        seed: a.seed,
        vars: a.vars.into_iter().collect(),
        ..Choices::default()
    };
    let mut sel = Selection::resolve(&a.spec, &choices)?;
    sel.conditions.truncate(1);
    let renderer = sel.renderer()?;
    let probes = factpress::probes::build(&sel, &renderer)?;
    let m = factpress::probes::write(&sel, &probes, &a.out)?;
    if !a.quiet {
        eprintln!(
            "wrote probes for condition {} to {}: {} knowledge, {} distinguish, {} open (seed {})",
            m.condition,
            a.out.display(),
            probes.knowledge.len(),
            probes.distinguish.len(),
            probes.open.len(),
            m.seed
        );
    }
    Ok(0)
}
