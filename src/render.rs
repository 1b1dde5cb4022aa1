//! The minijinja environment: templates and fact variants compiled once, seeded template
//! functions, and the rendering of one planned document into text. It reads plans; it never
//! decides them, and it never writes files.

use crate::diag::Diagnostics;
use crate::plan::{DocPlan, family};
use crate::rng::{Stream, doc_rng};
use crate::spec::{Pool, Spec};
use chrono::format::StrftimeItems;
use minijinja::value::{Enumerator, Object, Serde, Value};
use minijinja::{Environment, Error as JError, ErrorKind, State, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Names a template may use besides its context variables.
pub const FUNCTIONS: &[&str] = &["pick", "pick_n", "chance", "int", "date"];
const RNG_KEY: &str = "__factpress_rng";

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    /// The rendered text of each chosen fact, in plan order.
    pub facts: Vec<String>,
    /// Template name (path relative to the templates folder).
    pub template: String,
}

/// What a template sees as `doc`.
#[derive(Debug, Serialize)]
struct DocCtx<'a> {
    id: &'a str,
    index: u64,
    #[serde(rename = "type")]
    doc_type: &'a str,
    date: String,
    condition: &'a str,
}

#[derive(Debug, Serialize)]
struct FactCtx<'a> {
    id: &'a str,
    text: String,
}

/// A render context: a flat lookup (one `match`, then the vars map) rather than layered
/// merged maps, since variable lookup is the engine's hottest path.
#[derive(Debug)]
struct DocContext {
    base: Arc<BTreeMap<String, Value>>,
    doc: Value,
    facts: Option<Value>,
    rng: Value,
}

impl Object for DocContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        match key {
            "doc" => Some(self.doc.clone()),
            "facts" => self.facts.clone(),
            RNG_KEY => Some(self.rng.clone()),
            _ => self.base.get(key).cloned(),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = vec![Value::from("doc")];
        if self.facts.is_some() {
            keys.push(Value::from("facts"));
        }
        keys.extend(self.base.keys().map(|k| Value::from(k.as_str())));
        Enumerator::Values(keys)
    }
}

/// The per-document generator behind the seeded functions, placed in the render context.
#[derive(Debug)]
struct RngSlot(Mutex<Stream>);
impl Object for RngSlot {}

pub struct Renderer {
    env: Environment<'static>,
    spec: Arc<Spec>,
    seed: u64,
    /// `[vars]` (and `vars` itself), shared by every render context.
    base: Arc<BTreeMap<String, Value>>,
}

/// The template name under which variant `k` of fact `id` is compiled.
pub fn variant_name(id: &str, k: usize) -> String {
    format!("fact:{id}#{k}")
}

/// The id used for document `index` of a condition in records and in templates.
pub fn doc_id(condition: &str, index: u64) -> String {
    format!("{condition}-{index:08}")
}

impl Renderer {
    /// Compiles every template and fact variant. Syntax errors are all reported at once,
    /// located (exit 2). Building is all this does: `check::check` trial-renders.
    pub fn new(spec: Arc<Spec>, seed: u64) -> crate::Result<Renderer> {
        let mut diags = Diagnostics::new();
        let renderer = Renderer::compile(spec, seed, &mut diags);
        diags.into_result()?;
        Ok(renderer)
    }

    fn compile(spec: Arc<Spec>, seed: u64, diags: &mut Diagnostics) -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let mut template_files = BTreeMap::new();
        for t in &spec.templates {
            let file = diags.add_file(t.path.display().to_string(), t.text.clone());
            template_files.insert(t.name.clone(), file);
            if let Err(e) = env.add_template_owned(t.name.clone(), t.text.clone()) {
                diags.error(
                    file,
                    e.range().unwrap_or(0..0),
                    format!("template syntax error in {}: {}", t.name, detail(&e)),
                    "here",
                );
            }
        }
        let spec_file = spec.spec_file(diags);
        for f in &spec.facts {
            for (k, v) in f.variants.iter().enumerate() {
                if let Err(e) = env.add_template_owned(variant_name(&f.id, k), v.clone()) {
                    diags.error(
                        spec_file,
                        f.variant_spans[k].clone(),
                        format!(
                            "template syntax error in variant {k} of fact `{}`: {}",
                            f.id,
                            detail(&e)
                        ),
                        "in this variant",
                    );
                }
            }
        }
        register_functions(&mut env, &spec);
        let mut base: BTreeMap<String, Value> = spec
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        base.insert("vars".into(), Value::from(Serde(&spec.vars)));
        Renderer {
            env,
            spec,
            seed,
            base: Arc::new(base),
        }
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Renders one planned document; a failure names the document, the template and line.
    pub fn render_doc(&self, plan: &DocPlan) -> crate::Result<Rendered> {
        self.render(plan).map_err(|e| crate::Error::Render {
            condition: self.spec.conditions[plan.condition].id.clone(),
            index: plan.index,
            location: locate(&self.spec, &e),
            source: e,
        })
    }

    /// Renders one planned document, with the engine's own error.
    pub fn render(&self, plan: &DocPlan) -> Result<Rendered, JError> {
        let spec = &*self.spec;
        let dt = &spec.doc_types[plan.doc_type];
        let doc = self.doc_value(plan);
        let fact_texts = self.render_facts_with(plan, &doc)?;
        let facts: Vec<Value> = plan
            .facts
            .iter()
            .zip(&fact_texts)
            .map(|(c, t)| {
                Value::from(Serde(FactCtx {
                    id: &spec.facts[c.fact].id,
                    text: t.clone(),
                }))
            })
            .collect();
        let template = &dt.templates[plan.template];
        let rng = doc_rng(
            self.seed,
            family(spec, plan.condition),
            "render",
            plan.index,
        );
        let ctx = self.context(rng, doc, Some(Value::from(facts)));
        let text = self.env.get_template(template)?.render(ctx)?;
        Ok(Rendered {
            text: normalize(&text),
            facts: fact_texts,
            template: template.clone(),
        })
    }

    /// Renders only the fact texts of a planned document (what `render` puts in `facts`),
    /// without the document template: cheap, for readers that need to find them in a text.
    pub fn render_facts(&self, plan: &DocPlan) -> Result<Vec<String>, JError> {
        self.render_facts_with(plan, &self.doc_value(plan))
    }

    fn doc_value(&self, plan: &DocPlan) -> Value {
        let spec = &*self.spec;
        let cond = &spec.conditions[plan.condition];
        Value::from(Serde(DocCtx {
            id: &doc_id(&cond.id, plan.index),
            index: plan.index,
            doc_type: &spec.doc_types[plan.doc_type].id,
            date: plan.date.format("%Y-%m-%d").to_string(),
            condition: &cond.id,
        }))
    }

    fn render_facts_with(&self, plan: &DocPlan, doc: &Value) -> Result<Vec<String>, JError> {
        let spec = &*self.spec;
        let fam = family(spec, plan.condition);
        plan.facts
            .iter()
            .map(|c| {
                let rng = doc_rng(self.seed, fam, &format!("fact/{}", c.slot), plan.index);
                let ctx = self.context(rng, doc.clone(), None);
                let text = self
                    .env
                    .get_template(&variant_name(&spec.facts[c.fact].id, c.variant))?
                    .render(ctx)?;
                Ok(normalize(&text))
            })
            .collect()
    }

    fn context(&self, rng: Stream, doc: Value, facts: Option<Value>) -> Value {
        Value::from_object(DocContext {
            base: self.base.clone(),
            doc,
            facts,
            rng: Value::from_object(RngSlot(Mutex::new(rng))),
        })
    }

    /// Names used but never defined by template `name`, other than the context and functions.
    pub fn undeclared(&self, name: &str) -> Vec<String> {
        let Ok(t) = self.env.get_template(name) else {
            return Vec::new();
        };
        let mut known: Vec<&str> = vec![
            "doc",
            "facts",
            "vars",
            "loop",
            "self",
            "range",
            "dict",
            "namespace",
            "debug",
        ];
        known.extend(FUNCTIONS);
        known.extend(self.spec.vars.keys().map(String::as_str));
        let mut out: Vec<String> = t
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !known.contains(&v.as_str()))
            .collect();
        out.sort();
        out
    }
}

/// Collapses the whitespace a template leaves behind: trailing spaces go, runs of blank lines
/// become one, and the text starts and ends with a non-blank line.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

/// The error message of `e` without its location (which callers print themselves).
pub fn detail(e: &JError) -> String {
    let mut msg = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Where a render error happened: `file:line` of the template, or the fact variant.
pub fn locate(spec: &Spec, e: &JError) -> String {
    let name = e.name().unwrap_or("?");
    let line = e.line().unwrap_or(0);
    if let Some(rest) = name.strip_prefix("fact:")
        && let Some((id, k)) = rest.rsplit_once('#')
    {
        return format!(
            "{}: in variant {k} of fact `{id}` (line {line} of the variant)",
            spec.path.display()
        );
    }
    match spec.templates.iter().find(|t| t.name == name) {
        Some(t) => format!("{}:{line}", t.path.display()),
        None => format!("{name}:{line}"),
    }
}

/// `file:line: message` for a render error, naming the template or fact variant it came from.
pub fn describe(spec: &Spec, e: &JError) -> String {
    format!("{}: {}", locate(spec, e), detail(e))
}

fn with_rng<T>(
    state: &State,
    f: impl FnOnce(&mut Stream) -> Result<T, JError>,
) -> Result<T, JError> {
    let v = state.lookup(RNG_KEY).ok_or_else(|| {
        JError::new(
            ErrorKind::InvalidOperation,
            "seeded functions are only available while rendering a document",
        )
    })?;
    let slot = v
        .downcast_object_ref::<RngSlot>()
        .ok_or_else(|| JError::new(ErrorKind::InvalidOperation, "corrupt render state"))?;
    let mut rng = slot.0.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut rng)
}

fn pool<'a>(pools: &'a BTreeMap<String, Pool>, name: &str) -> Result<&'a Pool, JError> {
    pools.get(name).ok_or_else(|| {
        let known: Vec<&str> = pools.keys().map(String::as_str).collect();
        JError::new(
            ErrorKind::InvalidOperation,
            format!(
                "unknown pool `{name}` (the spec's pools are: {})",
                known.join(", ")
            ),
        )
    })
}

fn register_functions(env: &mut Environment<'static>, spec: &Spec) {
    let pools = Arc::new(spec.pools.clone());
    let p = pools.clone();
    env.add_function(
        "pick",
        move |state: &State, name: &str| -> Result<Value, JError> {
            let pool = pool(&p, name)?;
            with_rng(state, |rng| {
                let i = match &pool.weights {
                    Some(w) => rng.weighted(w),
                    None => rng.below(pool.values.len() as u64) as usize,
                };
                Ok(Value::from(pool.values[i].as_str()))
            })
        },
    );
    let p = pools.clone();
    env.add_function("pick_n", move |state: &State, name: &str, n: i64| -> Result<Value, JError> {
        let pool = pool(&p, name)?;
        let avail = match &pool.weights {
            Some(w) => w.iter().filter(|&&x| x > 0).count(),
            None => pool.values.len(),
        };
        if n < 0 || n as usize > avail {
            return Err(JError::new(ErrorKind::InvalidOperation, format!("pick_n(`{name}`, {n}): expected 0 <= n <= {avail} (the number of values in the pool)")));
        }
        with_rng(state, |rng| {
            let idx = match &pool.weights {
                Some(w) => rng.distinct_weighted(w, n as usize),
                None => rng.distinct(pool.values.len(), n as usize),
            };
            Ok(Value::from(idx.into_iter().map(|i| Value::from(pool.values[i].as_str())).collect::<Vec<_>>()))
        })
    });
    env.add_function("chance", |state: &State, p: f64| -> Result<bool, JError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(JError::new(
                ErrorKind::InvalidOperation,
                format!("chance({p}): expected a probability between 0 and 1"),
            ));
        }
        with_rng(state, |rng| Ok(rng.chance(p)))
    });
    env.add_function(
        "int",
        |state: &State, lo: i64, hi: i64| -> Result<i64, JError> {
            if lo > hi {
                return Err(JError::new(
                    ErrorKind::InvalidOperation,
                    format!("int({lo}, {hi}): expected lo <= hi"),
                ));
            }
            with_rng(state, |rng| Ok(rng.between(lo, hi)))
        },
    );
    let anchor = spec.anchor_date;
    env.add_function(
        "date",
        move |state: &State, lo: i64, hi: i64, fmt: Option<&str>| -> Result<String, JError> {
            if lo > hi {
                return Err(JError::new(
                    ErrorKind::InvalidOperation,
                    format!("date({lo}, {hi}, ...): expected days_lo <= days_hi"),
                ));
            }
            let fmt = fmt.unwrap_or("%Y-%m-%d");
            let items = StrftimeItems::new(fmt).parse().map_err(|_| {
                JError::new(
                    ErrorKind::InvalidOperation,
                    format!("date(...): invalid strftime format {fmt:?}"),
                )
            })?;
            with_rng(state, |rng| {
                let day = crate::plan::shift(anchor, rng.between(lo, hi));
                Ok(day.format_with_items(items.iter()).to_string())
            })
        },
    );
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalize_collapses_blank_runs_and_trims() {
        assert_eq!(normalize("\n\n  a  \n\n\n\nb\nc   \n\n"), "  a\n\nb\nc");
        assert_eq!(normalize(""), "");
    }
}
