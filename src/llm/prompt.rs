//! The prompt templates of `[llm]`, compiled into their own minijinja environment (strict
//! undefined, the same fuel limit as documents). Syntax errors and names a template uses but
//! no brief defines are reported at once with file:line:col, in the spec or the prompt file.
//! Rendering takes a brief as its context; nothing else is visible to a prompt.

use crate::diag::{Diagnostics, FileId};
use crate::error::{Error, Result};
use crate::render::{FUEL, detail};
use crate::spec::Spec;
use crate::spec::llm::{Llm, Prompt, PromptOrigin};
use minijinja::{Environment, UndefinedBehavior, Value};
use std::ops::Range;

/// What a prompt template may use: the fields of a brief, `vars` and the spec's `[vars]`.
pub const CONTEXT: &[&str] = &[
    "id",
    "custom_id",
    "attempt",
    "condition",
    "index",
    "doc_type",
    "template",
    "date",
    "cast",
    "world",
    "facts",
    "length_words",
    "guidance",
    "frame",
    "draft",
    "edit",
    "vars",
];

const BUILTINS: &[&str] = &["loop", "self", "range", "dict", "namespace", "debug"];

/// The compiled prompts of a spec.
pub struct Prompts {
    env: Environment<'static>,
}

/// Where a prompt's text starts: its file and the byte offset of its first character.
fn place(spec: &Spec, p: &Prompt, diags: &mut Diagnostics) -> (FileId, usize) {
    match &p.origin {
        PromptOrigin::File(path) => (
            diags.add_file(path.display().to_string(), p.text.clone()),
            0,
        ),
        PromptOrigin::Inline(span) => {
            let file = spec.spec_file(diags);
            let raw = spec.spec_text.get(span.clone()).unwrap_or("");
            // The value appears verbatim unless it has escapes; then point at the string.
            let at = raw
                .find(p.text.as_str())
                .map_or(span.start, |i| span.start + i);
            (file, at)
        }
    }
}

/// The byte range of the first use of `name` in `text` (as a whole word).
fn first_use(text: &str, name: &str) -> Range<usize> {
    let re = regex::Regex::new(&format!(r"\b{}\b", regex::escape(name))).expect("escaped");
    re.find(text).map_or(0..0, |m| m.range())
}

impl Prompts {
    /// Compiles every prompt of `llm`; all problems are reported at once (exit 2).
    pub fn compile(spec: &Spec, llm: &Llm) -> Result<Prompts> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        crate::render::filters::register(&mut env);
        let mut diags = Diagnostics::new();
        for p in llm.all_prompts() {
            let (file, at) = place(spec, p, &mut diags);
            if let Err(e) = env.add_template_owned(p.name.clone(), p.text.clone()) {
                let r = e.range().unwrap_or(0..0);
                diags.error(
                    file,
                    at + r.start..at + r.end,
                    format!(
                        "template syntax error in [llm] prompt `{}`: {}",
                        p.name,
                        detail(&e)
                    ),
                    "here",
                );
                continue;
            }
            let t = env.get_template(&p.name).expect("just added");
            let mut unknown: Vec<String> = t
                .undeclared_variables(false)
                .into_iter()
                .filter(|v| {
                    !CONTEXT.contains(&v.as_str())
                        && !BUILTINS.contains(&v.as_str())
                        && !spec.vars.contains_key(v)
                })
                .collect();
            unknown.sort();
            for v in unknown {
                let r = first_use(&p.text, &v);
                diags.error_with_notes(
                    file,
                    at + r.start..at + r.end,
                    format!("undefined variable `{v}` in [llm] prompt `{}`", p.name),
                    "not defined in a brief",
                    vec![format!("a prompt can use: {}", CONTEXT.join(", "))],
                );
            }
        }
        diags.into_result()?;
        Ok(Prompts { env })
    }

    /// Renders prompt `name` with a brief as its context.
    pub fn render(&self, spec: &Spec, name: &str, ctx: &Value) -> Result<String> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| render_error(spec, name, &e))?;
        t.render(ctx)
            .map(|s| s.trim().to_string())
            .map_err(|e| render_error(spec, name, &e))
    }
}

fn render_error(spec: &Spec, name: &str, e: &minijinja::Error) -> Error {
    Error::Usage(format!(
        "{}: [llm] prompt `{name}` failed to render (line {} of the prompt): {}",
        spec.path.display(),
        e.line().unwrap_or(0),
        detail(e)
    ))
}
