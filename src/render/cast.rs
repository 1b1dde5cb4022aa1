//! A document's cast and the corpus's world, drawn from their own random streams so that
//! nothing else in a document moves when they are added: the cast once per document (keyed
//! by the condition family, so matched conditions share it), the world once per corpus
//! (keyed by the seed alone). Pool fields are distinct across the whole cast.

use crate::rng::{Stream, doc_rng};
use crate::spec::{CastSource, Pool, Spec, WorldValue};
use minijinja::Value;
use std::collections::BTreeMap;

/// What a cast field holds before rule fields are expanded: a pool value, or a rule to
/// expand (by the caller, which has the template engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Drawn {
    Text(String),
    Rule(String),
}

/// The cast of document `index`: member -> field -> value, in spec order. Each pool's values
/// are drawn without replacement across all fields that use it.
pub(super) fn draw_cast(
    spec: &Spec,
    seed: u64,
    family: &str,
    index: u64,
) -> Vec<(String, Vec<(String, Drawn)>)> {
    let mut rng = doc_rng(seed, family, "cast", index);
    // How many values each pool must give, in order of first use.
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &spec.cast {
        for (_, src) in &m.fields {
            if let CastSource::Pool(p) = src {
                *wanted.entry(p.as_str()).or_default() += 1;
            }
        }
    }
    let mut drawn: BTreeMap<&str, std::vec::IntoIter<String>> = wanted
        .iter()
        .map(|(&p, &k)| (p, distinct_values(&mut rng, &spec.pools[p], k).into_iter()))
        .collect();
    spec.cast
        .iter()
        .map(|m| {
            let fields = m
                .fields
                .iter()
                .map(|(f, src)| {
                    let v = match src {
                        CastSource::Pool(p) => Drawn::Text(
                            drawn
                                .get_mut(p.as_str())
                                .and_then(Iterator::next)
                                .unwrap_or_default(),
                        ),
                        CastSource::Rule(r) => Drawn::Rule(r.clone()),
                    };
                    (f.clone(), v)
                })
                .collect();
            (m.name.clone(), fields)
        })
        .collect()
}

fn distinct_values(rng: &mut Stream, pool: &Pool, k: usize) -> Vec<String> {
    let idx = match &pool.weights {
        Some(w) => rng.distinct_weighted(w, k),
        None => rng.distinct(pool.values.len(), k),
    };
    idx.into_iter().map(|i| pool.values[i].clone()).collect()
}

/// Turns a drawn cast into the `cast` value templates see, adding `name` ("first last") to
/// members that have `first` and `last` but no `name`.
pub(super) fn cast_value(members: Vec<(String, Vec<(String, String)>)>) -> Value {
    let map: BTreeMap<String, BTreeMap<String, String>> = members
        .into_iter()
        .map(|(m, fields)| {
            let mut f: BTreeMap<String, String> = fields.into_iter().collect();
            if !f.contains_key("name")
                && let (Some(first), Some(last)) = (f.get("first"), f.get("last"))
            {
                let full = format!("{first} {last}");
                f.insert("name".into(), full);
            }
            (m, f)
        })
        .collect();
    Value::from(minijinja::value::Serde(&map))
}

/// The world of a corpus: every `[world]` value, drawn once from the seed.
pub(super) fn draw_world(spec: &Spec, seed: u64) -> Value {
    let map: BTreeMap<String, Value> = spec
        .world
        .iter()
        .map(|w| {
            let mut rng = doc_rng(seed, "", &format!("world/{}", w.name), 0);
            let v = match &w.value {
                WorldValue::Text(s) => Value::from(s.as_str()),
                WorldValue::Number(n) => Value::from(*n),
                WorldValue::Int { lo, hi, step } => {
                    // In i128 and u64: the bounds may be anywhere in i64 (their span need not
                    // fit an i64); the result is within them.
                    let steps = ((*hi as i128 - *lo as i128) / *step as i128) as u64;
                    let k = match steps.checked_add(1) {
                        Some(n) => rng.below(n),
                        None => rng.next_u64(),
                    };
                    Value::from((*lo as i128 + *step as i128 * k as i128) as i64)
                }
                WorldValue::Pick(p) => {
                    Value::from(distinct_values(&mut rng, &spec.pools[p], 1).remove(0))
                }
                WorldValue::OneOf(list) => {
                    Value::from(list[rng.below(list.len() as u64) as usize].as_str())
                }
            };
            (w.name.clone(), v)
        })
        .collect();
    Value::from_object(map)
}
