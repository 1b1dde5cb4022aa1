//! Finds the fact texts inside the documents of a factpress corpus, by re-rendering each
//! document's fact variants from the corpus's own `source/` (cheap: variants only, not the
//! document template). The 8-gram statistics use the parts of a document outside its facts,
//! so that template boilerplate is measured apart from the facts that are meant to repeat;
//! the per-fact surface diversity counts the distinct rendered texts of each fact.

use crate::corpus::Source;
use crate::plan::plan_doc;
use crate::render::Renderer;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

pub struct FactMasker {
    renderer: Arc<Renderer>,
    seed: u64,
    conditions: BTreeMap<String, usize>,
}

impl FactMasker {
    /// A masker for a factpress corpus, from what it was generated from.
    pub fn new(source: &Source) -> FactMasker {
        let conditions = source
            .selection
            .spec
            .conditions
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        FactMasker {
            renderer: source.renderer.clone(),
            seed: source.selection.seed,
            conditions,
        }
    }

    /// The corpus's `[world]` values, by name.
    pub fn world_values(&self) -> BTreeMap<String, String> {
        self.renderer.world_values()
    }

    /// The fact texts of document `index` of `condition`, as (index of the fact in the
    /// corpus's spec, rendered text), in the document's order; `None` when the document cannot
    /// be placed (no metadata, unknown condition) or its facts do not render.
    pub fn facts(&self, condition: Option<&str>, index: Option<u64>) -> Option<Vec<(u32, String)>> {
        let (Some(c), Some(i)) = (condition.and_then(|c| self.conditions.get(c)), index) else {
            return None;
        };
        let plan = plan_doc(self.renderer.spec(), self.seed, *c, i);
        let texts = self.renderer.render_facts(&plan).ok()?;
        Some(
            (plan.facts.iter())
                .zip(texts)
                .map(|(f, t)| (f.fact as u32, t))
                .collect(),
        )
    }

    /// The id of fact `fact` (an index from [`FactMasker::facts`]).
    pub fn fact_id(&self, fact: u32) -> &str {
        &self.renderer.spec().facts[fact as usize].id
    }
}

/// The parts of `text` outside the given fact texts (each found at its first occurrence);
/// the whole text without facts.
pub fn outside<'t>(text: &'t str, facts: Option<&[(u32, String)]>) -> Vec<&'t str> {
    let Some(facts) = facts else {
        return vec![text];
    };
    let mut found: Vec<Range<usize>> = facts
        .iter()
        .map(|(_, f)| f)
        .filter(|f| !f.is_empty())
        .filter_map(|f| text.find(f.as_str()).map(|s| s..s + f.len()))
        .collect();
    found.sort_by_key(|r| r.start);
    let mut out = Vec::with_capacity(found.len() + 1);
    let mut at = 0;
    for r in found {
        if r.start >= at {
            out.push(&text[at..r.start]);
            at = r.end;
        }
    }
    out.push(&text[at..]);
    out
}
