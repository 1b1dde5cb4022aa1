//! `factpress check`: everything that can be wrong with a spec before a single document is
//! written — parse and references (in `spec`), template syntax, names a template uses but the
//! context lacks, pools that do not exist, and a trial render of every template and every fact
//! variant. All problems are reported together. A reader of a spec: it takes a built
//! [`Renderer`] for the trial renders and never builds one itself.

mod matched;
mod refs;

use crate::diag::{Diagnostics, FileId};
use crate::error::Result;
use crate::plan::{DocPlan, FactChoice};
use crate::render::{Renderer, expand_shorthand, form_name, rule_name, variant_name};
use crate::spec::{Form, Spec};

/// Trial renders per template and fact set.
const TRIALS: u64 = 8;

/// What a passing check looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub templates_rendered: usize,
    pub variants_rendered: usize,
    /// Grammar alternatives rendered on their own.
    pub alternatives_rendered: usize,
    /// Things that work but may not be what the author meant.
    pub warnings: Vec<String>,
}

/// Checks everything in the renderer's spec: static checks of every template branch, then
/// trial renders. All problems are reported at once (exit 2).
pub fn check(renderer: &Renderer) -> Result<CheckReport> {
    let spec = renderer.spec();
    let mut diags = Diagnostics::new();
    let files = Files::register(spec, &mut diags);
    static_checks(renderer, &files, &mut diags);
    if !diags.is_empty() {
        return Err(diags.into_result().expect_err("diagnostics were recorded"));
    }
    // The `[llm]` prompts are part of the spec: a broken one fails `check` as a template does.
    if let Some(llm) = &spec.llm {
        crate::llm::prompt::Prompts::compile(spec, llm)?;
    }
    let mut report = CheckReport {
        templates_rendered: 0,
        variants_rendered: 0,
        alternatives_rendered: 0,
        warnings: replacement_warnings(spec)
            .into_iter()
            .chain(form_warnings(spec))
            .chain(matched::warnings(spec))
            .collect(),
    };
    trial_renders(renderer, &files, &mut diags, &mut report);
    crate::probes::check_questions(renderer, &mut diags, files.specs.spec);
    diags.into_result()?;
    Ok(report)
}

/// The spec file and each template registered with the diagnostics, by template position.
struct Files {
    specs: crate::spec::SpecFiles,
    templates: Vec<FileId>,
}

impl Files {
    fn register(spec: &Spec, diags: &mut Diagnostics) -> Files {
        Files {
            specs: spec.spec_files(diags),
            templates: spec
                .templates
                .iter()
                .map(|t| diags.add_file(t.path.display().to_string(), t.text.clone()))
                .collect(),
        }
    }
}

/// Static checks see every branch, not only the ones a trial render takes.
fn static_checks(renderer: &Renderer, files: &Files, diags: &mut Diagnostics) {
    let spec = renderer.spec();
    // Where a name first appears, as a whole word (plain search: a name may be huge).
    let word_at = |text: &str, name: &str| -> std::ops::Range<usize> {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        text.match_indices(name)
            .find(|(i, _)| {
                !text[..*i].chars().next_back().is_some_and(is_word)
                    && !text[i + name.len()..].chars().next().is_some_and(is_word)
            })
            .map_or(0..0, |(i, _)| i..i + name.len())
    };
    for (t, &file) in spec.templates.iter().zip(&files.templates) {
        // Partials get their context from the template that includes them, so only doc-type
        // templates are checked for undefined names here; trial renders cover the partials.
        let frame = spec.frames.iter().any(|f| f.template == t.name);
        let entry = frame || spec.doc_types.iter().any(|d| d.templates.contains(&t.name));
        let names = renderer.undeclared(&t.name).into_iter();
        for name in names.filter(|n| entry && !(frame && n == "body")) {
            let range = word_at(&t.text, &name);
            diags.error_with_notes(
                file,
                range,
                format!("undefined variable `{name}` in template {}", t.name),
                "not defined",
                context_note(spec),
            );
        }
        for p in refs::unknown(spec, &t.text) {
            diags.error_with_notes(
                file,
                p.range,
                format!("{} in template {}", p.message, t.name),
                p.label,
                p.notes,
            );
        }
    }
    for (fi, f) in spec.facts.iter().enumerate() {
        for form in forms(spec, fi).into_iter().skip(1) {
            for (k, v) in f.texts(form).iter().enumerate() {
                let span = f.spans(form)[k].clone();
                let what = format!("{} {k} of fact `{}`", form_what(f, form), f.id);
                let names = renderer.undeclared(&form_name(f, form, k));
                let at = (files.specs.spec, span, "in this variant");
                text_checks(spec, diags, at, &what, v, names);
            }
        }
        for (k, v) in f.variants.iter().enumerate() {
            let span = f.variant_spans[k].clone();
            let what = format!("variant {k} of fact `{}`", f.id);
            let names = renderer.undeclared(&variant_name(&f.id, k));
            text_checks(
                spec,
                diags,
                (files.specs.spec, span, "in this variant"),
                &what,
                v,
                names,
            );
        }
    }
    for r in spec.grammar.values() {
        for (k, alt) in r.alternatives.iter().enumerate() {
            let what = format!("alternative {k} of grammar rule `{}`", r.name);
            let names = renderer.undeclared(&rule_name(&r.name, k));
            let at = (files.specs.rule_file(r), r.span.clone(), "in this rule");
            text_checks(spec, diags, at, &what, alt, names);
        }
    }
}

/// Undefined names and unknown references in a text written inside the spec (a fact variant
/// or a grammar alternative), reported at its span.
fn text_checks(
    spec: &Spec,
    diags: &mut Diagnostics,
    (file, span, label): (FileId, std::ops::Range<usize>, &str),
    what: &str,
    text: &str,
    undeclared: Vec<String>,
) {
    for name in undeclared {
        diags.error_with_notes(
            file,
            span.clone(),
            format!("undefined variable `{name}` in {what}"),
            label,
            context_note(spec),
        );
    }
    for p in refs::unknown(spec, &expand_shorthand(text)) {
        diags.error_with_notes(
            file,
            span.clone(),
            format!("{} in {what}", p.message),
            label,
            p.notes,
        );
    }
}

/// The fact sets trial documents carry: some facts of the first condition, and none when a
/// document may carry none (facts_per_doc.min is 0, or a derived condition drops facts).
fn trial_fact_sets(spec: &Spec) -> Vec<Vec<FactChoice>> {
    let cond = &spec.conditions[0];
    let n = (spec.facts_per_doc.1 as usize).min(cond.slots.len());
    let some_facts: Vec<FactChoice> = cond
        .facts()
        .take(n)
        .enumerate()
        .map(|(slot, fact)| FactChoice::stated(fact, 0, slot))
        .collect();
    let may_be_empty = spec.facts_per_doc.0 == 0
        || spec
            .conditions
            .iter()
            .any(|c| c.slots.iter().any(Option::is_none));
    let mut sets = vec![some_facts];
    if may_be_empty {
        sets.push(Vec::new());
    }
    sets
}

/// One document per template of every doc type (several indices each, so that more of its
/// random branches are taken), and every fact variant.
fn trial_renders(
    renderer: &Renderer,
    files: &Files,
    diags: &mut Diagnostics,
    report: &mut CheckReport,
) {
    let spec = renderer.spec();
    let fact_sets = trial_fact_sets(spec);
    for (d, dt) in spec.doc_types.iter().enumerate() {
        for t in 0..dt.templates.len() {
            let mut failed = false;
            'trials: for facts in &fact_sets {
                for index in 0..TRIALS {
                    let plan = DocPlan {
                        condition: 0,
                        index,
                        doc_type: d,
                        template: t,
                        facts: facts.clone(),
                        date: spec.anchor_date,
                        frame: None,
                    };
                    if let Err(e) = renderer.render(&plan) {
                        report_render_error(spec, files, diags, e);
                        failed = true;
                        break 'trials;
                    }
                }
            }
            if !failed {
                report.templates_rendered += 1;
            }
        }
    }
    for (fi, f) in spec.facts.iter().enumerate() {
        for form in forms(spec, fi) {
            for k in 0..f.texts(form).len() {
                let plan = DocPlan {
                    condition: 0,
                    index: 0,
                    doc_type: 0,
                    template: 0,
                    facts: vec![FactChoice {
                        fact: fi,
                        variant: k,
                        slot: 0,
                        form,
                    }],
                    date: spec.anchor_date,
                    frame: None,
                };
                match renderer.render(&plan) {
                    Ok(_) => report.variants_rendered += 1,
                    Err(e) => report_render_error(spec, files, diags, e),
                }
            }
        }
    }
    frame_trials(renderer, files, diags, report, &fact_sets[0]);
    // Every grammar alternative on its own, at several document indices (its own choices).
    let plan = |index| DocPlan {
        condition: 0,
        index,
        doc_type: 0,
        template: 0,
        facts: Vec::new(),
        date: spec.anchor_date,
        frame: None,
    };
    for r in spec.grammar.values() {
        for k in 0..r.alternatives.len() {
            let result = (0..TRIALS).try_for_each(|i| {
                renderer
                    .render_named(&rule_name(&r.name, k), &plan(i))
                    .map(drop)
            });
            match result {
                Ok(()) => report.alternatives_rendered += 1,
                Err(e) => report_render_error(spec, files, diags, e),
            }
        }
    }
}

/// Every form of fact `fi`: stated, implied (when it has implied variants), each piece.
fn forms(spec: &Spec, fi: usize) -> Vec<Form> {
    let f = &spec.facts[fi];
    let mut out = vec![Form::Stated];
    if !f.implied.is_empty() {
        out.push(Form::Implied);
    }
    out.extend((0..f.pieces.len()).map(Form::Piece));
    out
}

/// Every frame around a trial document of each doc type, at several indices.
fn frame_trials(
    renderer: &Renderer,
    files: &Files,
    diags: &mut Diagnostics,
    report: &mut CheckReport,
    facts: &[FactChoice],
) {
    let spec = renderer.spec();
    for fr in 0..spec.frames.len() {
        let result = (0..spec.doc_types.len() as u64 * TRIALS).try_for_each(|index| {
            let plan = DocPlan {
                condition: 0,
                index,
                doc_type: (index % spec.doc_types.len() as u64) as usize,
                template: 0,
                facts: facts.to_vec(),
                date: spec.anchor_date,
                frame: Some(fr),
            };
            renderer.render(&plan).map(drop)
        });
        let template = &spec.frames[fr].template;
        match result {
            Ok(()) => report.templates_rendered += 1,
            // The frame's own failure (no `body` in it) names no template: point at the file.
            Err(e) if e.name().is_none() => {
                if let Some(pos) = spec.templates.iter().position(|t| &t.name == template) {
                    let text = &spec.templates[pos].text;
                    let at = text.find("body").map_or(0..0, |i| i..i + 4);
                    diags.error(files.templates[pos], at, crate::render::detail(&e), "here");
                }
            }
            Err(e) => report_render_error(spec, files, diags, e),
        }
    }
}

/// Points a trial-render failure at the fact variant or template line it came from.
fn report_render_error(spec: &Spec, files: &Files, diags: &mut Diagnostics, e: minijinja::Error) {
    let name = e.name().unwrap_or("");
    if let Some(rest) = name.strip_prefix("grammar:")
        && let Some((rule, k)) = rest.rsplit_once('#')
        && let Some(r) = spec.grammar.get(rule)
    {
        diags.error(
            files.specs.rule_file(r),
            r.span.clone(),
            format!(
                "alternative {k} of grammar rule `{rule}` failed to render: {}",
                crate::render::detail(&e)
            ),
            "in this rule",
        );
    } else if let Some(rest) = name.strip_prefix("fact:")
        && let Some((id, k)) = rest.rsplit_once('#')
        && let (Some(f), Ok(k)) = (spec.facts.iter().find(|f| f.id == id), k.parse::<usize>())
    {
        diags.error(
            files.specs.spec,
            f.variant_spans[k].clone(),
            format!(
                "variant {k} of fact `{id}` failed to render: {}",
                crate::render::detail(&e)
            ),
            "in this variant",
        );
    } else if let Some((form_what, fi, form, k)) = crate::render::parse_form_name(spec, name) {
        diags.error(
            files.specs.spec,
            spec.facts[fi].spans(form)[k].clone(),
            format!(
                "{form_what} {k} of fact `{}` failed to render: {}",
                spec.facts[fi].id,
                crate::render::detail(&e)
            ),
            "in this variant",
        );
    } else if let Some(pos) = spec.templates.iter().position(|t| t.name == name) {
        diags.error(
            files.templates[pos],
            e.range().unwrap_or(0..0),
            format!(
                "template {name} failed to render (line {}): {}",
                e.line().unwrap_or(0),
                crate::render::detail(&e)
            ),
            "here",
        );
    } else {
        diags.error_unplaced(
            format!("render failed: {}", crate::render::describe(spec, &e)),
            vec![],
        );
    }
}

fn context_note(spec: &Spec) -> Vec<String> {
    let mut names = vec!["doc", "facts", "vars"];
    if !spec.cast.is_empty() {
        names.push("cast");
    }
    if !spec.world.is_empty() {
        names.push("world");
    }
    names.extend(spec.vars.keys().map(String::as_str));
    vec![format!(
        "templates can use: {} and the functions {}",
        names.join(", "),
        crate::render::FUNCTIONS.join(", ")
    )]
}

/// How a form's variants are named in messages.
fn form_what(f: &crate::spec::Fact, form: Form) -> String {
    match form {
        Form::Stated => "variant".into(),
        Form::Implied => "implied variant".into(),
        Form::Piece(p) => format!("variant of piece `{}`:", f.pieces[p].id),
    }
}

/// An implied variant or a piece is used at its fact's position with the fact's variant
/// index, modulo the count of the implied variants or of the piece's variants. Say so when
/// the counts differ, as for replacements.
fn form_warnings(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    for c in &spec.conditions {
        for fi in c.facts() {
            let f = &spec.facts[fi];
            let form_list: Vec<Form> = if c.split.contains(&fi) {
                (0..f.pieces.len()).map(Form::Piece).collect()
            } else if c.directness == crate::spec::Directness::Implied {
                vec![Form::Implied]
            } else {
                continue;
            };
            // Said once, by the condition that makes the fact implied or split.
            let base = c.like.map(|b| &spec.conditions[b]);
            let inherited = base.is_some_and(|b| {
                b.split.contains(&fi) == c.split.contains(&fi) && b.directness == c.directness
            });
            for form in form_list.into_iter().filter(|_| !inherited) {
                let (n, m) = (f.variants.len(), f.texts(form).len());
                // m dividing n uses every variant equally often: nothing to say.
                if n != m && n % m != 0 {
                    let what = match form {
                        Form::Piece(p) => format!("piece `{}`", f.pieces[p].id),
                        _ => "its implied variants".to_string(),
                    };
                    out.push(format!(
                        "condition `{}`: fact `{}` has {n} variants but {what} {m}; variant i becomes variant i mod {m}{}",
                        c.id,
                        f.id,
                        if m < n { ", so some are used more often" } else { ", so only the first ones are used" }
                    ));
                }
            }
        }
    }
    out
}

/// A replacement fact is used at its base fact's position with the base's variant index; when
/// the variant counts differ, the index is taken modulo the counterpart's count, so some
/// counterpart variants are used more often (or never). Say so.
fn replacement_warnings(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    for c in &spec.conditions {
        for &(from, to) in &c.replace {
            let (a, b) = (&spec.facts[from], &spec.facts[to]);
            if a.variants.len() != b.variants.len() {
                let what = if b.variants.len() < a.variants.len() {
                    format!(
                        "variant i of `{}` becomes variant i mod {} of `{}`, so some counterpart variants are used more often",
                        a.id,
                        b.variants.len(),
                        b.id
                    )
                } else {
                    format!(
                        "only variants 0..{} of `{}` will be used",
                        a.variants.len(),
                        b.id
                    )
                };
                out.push(format!(
                    "condition `{}`: replacement `{}` has {} variants but `{}` has {}; {what}",
                    c.id,
                    b.id,
                    b.variants.len(),
                    a.id,
                    a.variants.len()
                ));
            }
        }
    }
    out
}
