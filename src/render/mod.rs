//! The minijinja environment: templates, fact variants and grammar rules compiled once,
//! seeded template functions (`functions`), hygiene filters (`filters`), the per-document
//! cast and the corpus's world (`cast`), and the rendering of one planned document into
//! text, wrapped in its condition's frame (`frame`). It reads plans; it never decides them,
//! and it never writes files.

mod cast;
mod context;
pub mod filters;
mod frame;
pub mod functions;

pub use functions::FUNCTIONS;

use crate::diag::Diagnostics;
use crate::plan::{DocPlan, family};
use crate::rng::{Stream, doc_rng};
use crate::spec::{Fact, Form, Spec};
use context::DocContext;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error as JError, UndefinedBehavior};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, LazyLock, Mutex};

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    /// The rendered text of each chosen fact, in plan order.
    pub facts: Vec<String>,
    /// Template name (path relative to the templates folder).
    pub template: String,
    /// For a framed document, the byte range of the unframed document inside `text`.
    pub body: Option<std::ops::Range<usize>>,
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

pub struct Renderer {
    env: Environment<'static>,
    spec: Arc<Spec>,
    seed: u64,
    /// `[vars]`, `vars` itself and `world`, shared by every render context.
    base: Arc<BTreeMap<String, Value>>,
}

/// Engine instructions one render may use (a document of the shipped specs uses < 50,000).
pub const FUEL: u64 = 20_000_000;

/// The built-in template that expands a cast field's grammar rule.
const CAST_RULE: &str = "factpress:cast-rule";

/// The most a rendered document may hold, in bytes.
pub const MAX_DOC_BYTES: usize = 4 << 20;

/// The template name under which alternative `k` of grammar rule `name` is compiled.
pub fn rule_name(name: &str, k: usize) -> String {
    format!("grammar:{name}#{k}")
}

/// `#rule#` and `#rule.filter.filter#` in grammar alternatives and fact variants: shorthand
/// for `{{ g('rule')|filter|filter }}` (Tracery's notation). Templates use `g()` itself, so
/// their error locations stay exact.
static SHORTHAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#([A-Za-z_][A-Za-z0-9_]*)((?:\.[a-z_]+)*)#").expect("static regex")
});

/// Expands the `#rule#` shorthand.
pub fn expand_shorthand(text: &str) -> std::borrow::Cow<'_, str> {
    SHORTHAND.replace_all(text, |c: &regex::Captures| {
        let filters: String = c[2]
            .split('.')
            .filter(|f| !f.is_empty())
            .map(|f| format!("|{f}"))
            .collect();
        format!("{{{{ g('{}'){filters} }}}}", &c[1])
    })
}

/// The template name under which variant `k` of fact `id` is compiled.
pub fn variant_name(id: &str, k: usize) -> String {
    format!("fact:{id}#{k}")
}

/// The template name of part `part` of question `k` of fact `id`: `q`, `a`, or `w<j>` for
/// wrong answer `j`.
pub fn question_name(id: &str, k: usize, part: &str) -> String {
    format!("question:{id}#{k}/{part}")
}

/// The template name under which variant `k` of `form` of fact `f` is compiled.
pub fn form_name(f: &Fact, form: Form, k: usize) -> String {
    match form {
        Form::Stated => variant_name(&f.id, k),
        Form::Implied => format!("implied:{}#{k}", f.id),
        Form::Piece(p) => format!("piece:{}/{}#{k}", f.id, f.pieces[p].id),
    }
}

/// The fact, form and variant an implied or piece template name stands for, with how the
/// variant is called in messages.
pub fn parse_form_name(spec: &Spec, name: &str) -> Option<(String, usize, Form, usize)> {
    let (head, k) = name.rsplit_once('#')?;
    let k: usize = k.parse().ok()?;
    let find = |id: &str| spec.facts.iter().position(|f| f.id == id);
    if let Some(id) = head.strip_prefix("implied:") {
        let fi = find(id)?;
        return (k < spec.facts[fi].implied.len())
            .then(|| ("implied variant".into(), fi, Form::Implied, k));
    }
    let (id, piece) = head.strip_prefix("piece:")?.split_once('/')?;
    let fi = find(id)?;
    let p = spec.facts[fi].pieces.iter().position(|p| p.id == piece)?;
    (k < spec.facts[fi].pieces[p].variants.len()).then(|| {
        (
            format!("variant of piece `{piece}`:"),
            fi,
            Form::Piece(p),
            k,
        )
    })
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
        // A template from someone else cannot hang a run: every render has a budget of
        // engine instructions (a real document uses a few thousand).
        env.set_fuel(Some(FUEL));
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
        let files = spec.spec_files(diags);
        let spec_file = files.spec;
        for f in &spec.facts {
            let mut forms = vec![Form::Stated, Form::Implied];
            forms.extend((0..f.pieces.len()).map(Form::Piece));
            for form in forms {
                for (k, v) in f.texts(form).iter().enumerate() {
                    let text = expand_shorthand(v).into_owned();
                    if let Err(e) = env.add_template_owned(form_name(f, form, k), text) {
                        let what = match form {
                            Form::Stated => "variant".to_string(),
                            Form::Implied => "implied variant".to_string(),
                            Form::Piece(p) => format!("variant of piece `{}`:", f.pieces[p].id),
                        };
                        diags.error(
                            spec_file,
                            f.spans(form)[k].clone(),
                            format!(
                                "template syntax error in {what} {k} of fact `{}`: {}",
                                f.id,
                                detail(&e)
                            ),
                            "in this variant",
                        );
                    }
                }
            }
        }
        for f in &spec.facts {
            for (k, q) in f.questions.iter().enumerate() {
                let parts = std::iter::once(("q".to_string(), (q.q.as_str(), &q.q_span))).chain(
                    q.options().enumerate().map(|(j, o)| {
                        (
                            if j == 0 {
                                "a".into()
                            } else {
                                format!("w{}", j - 1)
                            },
                            o,
                        )
                    }),
                );
                for (part, (text, span)) in parts {
                    let text = expand_shorthand(text).into_owned();
                    if let Err(e) = env.add_template_owned(question_name(&f.id, k, &part), text) {
                        diags.error(
                            spec_file,
                            span.clone(),
                            format!(
                                "template syntax error in question {k} of fact `{}`: {}",
                                f.id,
                                detail(&e)
                            ),
                            "in this question",
                        );
                    }
                }
            }
        }
        for r in spec.grammar.values() {
            for (k, alt) in r.alternatives.iter().enumerate() {
                let text = expand_shorthand(alt).into_owned();
                if let Err(e) = env.add_template_owned(rule_name(&r.name, k), text) {
                    diags.error(
                        files.rule_file(r),
                        r.span.clone(),
                        format!(
                            "template syntax error in alternative {k} of grammar rule `{}`: {}",
                            r.name,
                            detail(&e)
                        ),
                        "in this rule",
                    );
                }
            }
        }
        env.add_template(CAST_RULE, "{{ g(rule) }}")
            .expect("static template");
        functions::register(&mut env, &spec);
        filters::register(&mut env);
        let mut base: BTreeMap<String, Value> = spec
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        base.insert("vars".into(), Value::from(Serde(&spec.vars)));
        base.insert("world".into(), cast::draw_world(&spec, seed));
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

    /// The corpus's `[world]` values as drawn from its seed, by name, as text.
    pub fn world_values(&self) -> BTreeMap<String, String> {
        let Some(world) = self.base.get("world") else {
            return BTreeMap::new();
        };
        let Ok(keys) = world.try_iter() else {
            return BTreeMap::new();
        };
        keys.filter_map(|k| {
            let v = world.get_item(&k).ok()?;
            Some((k.as_str()?.to_string(), v.to_string()))
        })
        .collect()
    }

    /// The cast of a planned document as text, member -> field -> value (for briefs).
    pub fn cast_texts(
        &self,
        plan: &DocPlan,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, JError> {
        let cast = self.cast(plan)?;
        let mut out = BTreeMap::new();
        let Ok(members) = cast.try_iter() else {
            return Ok(out);
        };
        for m in members {
            let Some(name) = m.as_str() else { continue };
            let fields = cast.get_item(&m)?;
            let mut fs = BTreeMap::new();
            if let Ok(keys) = fields.try_iter() {
                for k in keys {
                    if let Some(f) = k.as_str() {
                        fs.insert(f.to_string(), fields.get_item(&k)?.to_string());
                    }
                }
            }
            out.insert(name.to_string(), fs);
        }
        Ok(out)
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
        let cast = self.cast(plan)?;
        let fact_texts = self.render_facts_with(plan, &doc, &cast)?;
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
        let ctx = self.context(rng, doc, Some(Value::from(facts)), cast, plan);
        let text = self.env.get_template(template)?.render(ctx)?;
        if text.len() > MAX_DOC_BYTES {
            return Err(JError::new(
                minijinja::ErrorKind::InvalidOperation,
                format!(
                    "template {template} rendered {} bytes for one document, more than the {} MiB a document may hold",
                    text.len(),
                    MAX_DOC_BYTES >> 20
                ),
            ));
        }
        let mut doc = Rendered {
            text: normalize(&text),
            facts: fact_texts,
            template: template.clone(),
            body: None,
        };
        if let Some(fr) = plan.frame {
            self.frame(fr, plan, &mut doc)?;
        }
        Ok(doc)
    }

    /// Renders only the fact texts of a planned document (what `render` puts in `facts`),
    /// without the document template: cheap, for readers that need to find them in a text.
    pub fn render_facts(&self, plan: &DocPlan) -> Result<Vec<String>, JError> {
        self.render_facts_with(plan, &self.doc_value(plan), &self.cast(plan)?)
    }

    /// Renders the compiled template `name` (a grammar alternative, say) in the context of a
    /// planned document, for `check`'s trial renders.
    pub fn render_named(&self, name: &str, plan: &DocPlan) -> Result<String, JError> {
        let rng = doc_rng(
            self.seed,
            family(&self.spec, plan.condition),
            "trial",
            plan.index,
        );
        let cast = self.cast(plan)?;
        let ctx = self.context(rng, self.doc_value(plan), None, cast, plan);
        Ok(normalize(&self.env.get_template(name)?.render(ctx)?))
    }

    /// Renders the compiled template `name` (a probe question or option) in the context of
    /// document `key` of `condition` (its cast and date), from a stream of its own.
    pub fn render_probe(&self, name: &str, condition: usize, key: u64) -> Result<String, JError> {
        let plan = crate::plan::plan_doc(&self.spec, self.seed, condition, key);
        let purpose = format!("probe/{name}");
        let rng = doc_rng(self.seed, family(&self.spec, condition), &purpose, key);
        let cast = self.cast(&plan)?;
        let ctx = self.context(rng, self.doc_value(&plan), None, cast, &plan);
        Ok(normalize(&self.env.get_template(name)?.render(ctx)?))
    }

    /// The cast of a planned document, with rule fields expanded (from the cast's own
    /// stream, so the rest of the document does not move).
    fn cast(&self, plan: &DocPlan) -> Result<Value, JError> {
        let spec = &*self.spec;
        if spec.cast.is_empty() {
            return Ok(Value::from(()));
        }
        let fam = family(spec, plan.condition);
        let drawn = cast::draw_cast(spec, self.seed, fam, plan.index);
        // Pool fields first; rule fields are then expanded (from the cast's own stream, so
        // the rest of the document does not move) with the pool fields already in `cast`.
        let texts = |keep_rules: bool| -> Vec<(String, Vec<(String, String)>)> {
            drawn
                .iter()
                .map(|(m, fields)| {
                    let fs = fields
                        .iter()
                        .filter_map(|(f, d)| match d {
                            cast::Drawn::Text(t) => Some((f.clone(), t.clone())),
                            cast::Drawn::Rule(r) if keep_rules => Some((f.clone(), r.clone())),
                            cast::Drawn::Rule(_) => None,
                        })
                        .collect();
                    (m.clone(), fs)
                })
                .collect()
        };
        let has_rules = drawn
            .iter()
            .any(|(_, fs)| fs.iter().any(|(_, d)| matches!(d, cast::Drawn::Rule(_))));
        if !has_rules {
            return Ok(cast::cast_value(texts(false)));
        }
        let partial = cast::cast_value(texts(false));
        let rng = doc_rng(self.seed, fam, "cast/rules", plan.index);
        let ctx = self.context(rng, self.doc_value(plan), None, partial, plan);
        let mut members = Vec::with_capacity(drawn.len());
        for (m, fields) in &drawn {
            let mut out = Vec::with_capacity(fields.len());
            for (f, d) in fields {
                let v = match d {
                    cast::Drawn::Text(t) => t.clone(),
                    cast::Drawn::Rule(r) => self
                        .env
                        .get_template(CAST_RULE)?
                        .render(minijinja::context! { rule => r, ..ctx.clone() })?,
                };
                out.push((f.clone(), v));
            }
            members.push((m.clone(), out));
        }
        Ok(cast::cast_value(members))
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

    fn render_facts_with(
        &self,
        plan: &DocPlan,
        doc: &Value,
        cast: &Value,
    ) -> Result<Vec<String>, JError> {
        let spec = &*self.spec;
        let fam = family(spec, plan.condition);
        plan.facts
            .iter()
            .map(|c| {
                let rng = doc_rng(self.seed, fam, &format!("fact/{}", c.slot), plan.index);
                let ctx = self.context(rng, doc.clone(), None, cast.clone(), plan);
                let text = self
                    .env
                    .get_template(&form_name(&spec.facts[c.fact], c.form, c.variant))?
                    .render(ctx)?;
                Ok(normalize(&text))
            })
            .collect()
    }

    fn context(
        &self,
        rng: Stream,
        doc: Value,
        facts: Option<Value>,
        cast: Value,
        plan: &DocPlan,
    ) -> Value {
        Value::from_object(DocContext {
            base: self.base.clone(),
            doc,
            facts,
            body: None,
            cast,
            date: plan.date,
            rng: Mutex::new(rng),
            depth: AtomicUsize::new(0),
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
            "cast",
            "world",
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
    match e.kind() {
        minijinja::ErrorKind::OutOfFuel => {
            msg = format!(
                "{msg}: one document used more than {FUEL} template-engine instructions (an endless or huge loop?)"
            )
        }
        minijinja::ErrorKind::TemplateNotFound => {
            msg.push_str(" (a template can include only the files of its templates folder)")
        }
        _ => {}
    }
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
    if let Some(rest) = name.strip_prefix("grammar:")
        && let Some((rule, k)) = rest.rsplit_once('#')
    {
        return format!(
            "{}: in alternative {k} of grammar rule `{rule}` (line {line} of the alternative)",
            spec.path.display()
        );
    }
    if let Some(rest) = name.strip_prefix("fact:")
        && let Some((id, k)) = rest.rsplit_once('#')
    {
        return format!(
            "{}: in variant {k} of fact `{id}` (line {line} of the variant)",
            spec.path.display()
        );
    }
    if let Some((what, fi, _, k)) = parse_form_name(spec, name) {
        return format!(
            "{}: in {what} {k} of fact `{}` (line {line} of the variant)",
            spec.path.display(),
            spec.facts[fi].id
        );
    }
    match spec.templates.iter().find(|t| t.name == name) {
        Some(t) => format!("{}:{line}", t.path.display()),
        None => format!("{name}:{line}"),
    }
}

/// `file:line: message` for a render error, naming the template or fact variant it came from.
pub fn describe(spec: &Spec, e: &JError) -> String {
    match e.name() {
        Some(_) => format!("{}: {}", locate(spec, e), detail(e)),
        None => detail(e),
    }
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
