//! Turns a `RawSpec` into a `Spec`, recording every problem (with its span) instead of stopping
//! at the first. Pools (and their files) are decoded in `pools`, the templates folder is read
//! in `templates`, conditions are resolved in `conditions`; this file checks the rest.

use super::raw::{RawDetect, RawFact, RawForbidden, RawRange, RawRules, RawSpec};
use super::*;
use crate::rng::MAX_WEIGHT_SUM;
use toml::Spanned;

/// The largest `facts_per_doc` bound: bounds are stored as `u32`.
const MAX_FACTS_PER_DOC: u32 = u32::MAX;

/// The note shown with a weight sum above [`MAX_WEIGHT_SUM`].
pub(super) fn weight_sum_note() -> String {
    format!(
        "weights are relative frequencies: their sum may be at most 2^53 = {MAX_WEIGHT_SUM}; divide them by a common factor"
    )
}

const ID_HELP: &str = "ids are letters, digits, '.', '_' and '-', starting with a letter or digit";

fn valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(super) fn valid_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) struct Ctx<'a> {
    pub(super) diags: &'a mut Diagnostics,
    pub(super) file: FileId,
}

impl Ctx<'_> {
    pub(super) fn err(
        &mut self,
        span: Range<usize>,
        msg: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.diags.error(self.file, span, msg, label);
    }

    pub(super) fn check_id(&mut self, what: &str, id: &Spanned<String>) {
        if !valid_id(id.get_ref()) {
            self.diags.error_with_notes(
                self.file,
                id.span(),
                format!(
                    "invalid {what} id: expected an id, found {:?}",
                    id.get_ref()
                ),
                "not a valid id",
                vec![ID_HELP.to_string()],
            );
        }
    }

    pub(super) fn unique<'s>(
        &mut self,
        what: &str,
        ids: impl Iterator<Item = &'s Spanned<String>>,
    ) {
        let mut seen: BTreeMap<&str, Range<usize>> = BTreeMap::new();
        for id in ids {
            if seen.insert(id.get_ref(), id.span()).is_some() {
                self.err(
                    id.span(),
                    format!("duplicate {what} id `{}`", id.get_ref()),
                    "defined again here",
                );
            }
        }
    }

    fn regex(&mut self, pattern: &Spanned<String>, what: &str) {
        if let Err(e) = regex::Regex::new(pattern.get_ref()) {
            self.diags.error_with_notes(
                self.file,
                pattern.span(),
                format!("invalid regular expression in {what}"),
                "expected a regex (Rust `regex` syntax)",
                vec![e.to_string()],
            );
        }
    }

    fn range(&mut self, r: &Spanned<RawRange>, what: &str, lo: i64) -> (i64, i64) {
        let v = r.get_ref();
        if v.min < lo || v.max < v.min {
            self.err(
                r.span(),
                format!(
                    "invalid {what}: expected {lo} <= min <= max, found min = {}, max = {}",
                    v.min, v.max
                ),
                "bad range",
            );
        }
        (v.min, v.max)
    }
}

pub(super) fn validate(
    raw: RawSpec,
    path: &Path,
    text: &str,
    file: FileId,
    diags: &mut Diagnostics,
    sources: &mut Vec<SourceFile>,
) -> Option<Spec> {
    let spec_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut cx = Ctx { diags, file };
    let corpus = raw.corpus.into_inner();
    let table = validate_corpus(&mut cx, &corpus);
    let vars = validate_vars(&mut cx, raw.vars);
    let pools = super::pools::validate_pools(&mut cx, raw.pools, &spec_dir, sources);
    let mut grammar =
        super::grammar::validate_grammar(&mut cx, raw.grammar, &spec_dir, sources, &pools, None);
    let grammar_files = super::grammar::grammar_files(
        &mut cx,
        &corpus.grammar_files,
        &spec_dir,
        sources,
        &pools,
        &mut grammar,
    );
    let cast = super::grammar::validate_cast(&mut cx, raw.cast, &pools, &grammar);
    let world = super::grammar::validate_world(&mut cx, raw.world, &pools);
    let facts = validate_facts(&mut cx, raw.facts);
    let forbidden_conditions: Vec<Spanned<String>> = raw
        .forbidden
        .iter()
        .flat_map(|f| f.get_ref().conditions.clone())
        .collect();
    let forbidden = validate_forbidden(&mut cx, raw.forbidden);
    // Templates folder: every file in it, so that includes resolve and the copy is complete.
    let templates_dir = join_clean(&spec_dir, corpus.templates.get_ref());
    let templates =
        super::templates::read_templates(&mut cx, &templates_dir, &corpus.templates, sources);
    let doc_types = validate_doc_types(&mut cx, raw.doc_types, &templates, &templates_dir);
    let frames = super::axes::frames(&mut cx, raw.frames, &templates, &templates_dir);
    let llm = super::llm::validate_llm(&mut cx, raw.llm, &spec_dir, sources, &doc_types);
    let constraints = super::axes::constraints(&mut cx, raw.constraints, &facts);
    let axes = super::axes::condition_axes(&raw.conditions);
    let mut conditions =
        super::conditions::resolve(&mut cx, raw.conditions, &facts, table.facts_per_doc.0);
    super::axes::resolve_axes(&mut cx, &axes, &mut conditions, &facts, &frames);
    for c in &forbidden_conditions {
        if !conditions.iter().any(|k| &k.id == c.get_ref()) {
            cx.diags.error_with_notes(
                cx.file,
                c.span(),
                format!(
                    "unknown condition `{}` in a [[forbidden]] class",
                    c.get_ref()
                ),
                "expected the id of a [[conditions]] entry",
                vec![format!(
                    "conditions: {}",
                    conditions
                        .iter()
                        .map(|k| k.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
            );
        }
    }
    if !cx.diags.is_empty() {
        return None;
    }
    Some(Spec {
        name: corpus.name.into_inner(),
        description: corpus.description,
        path: path.to_path_buf(),
        templates_dir,
        docs: table.docs as u64,
        seed: table.seed as u64,
        anchor_date: table.anchor_date,
        facts_per_doc: (table.facts_per_doc.0 as u32, table.facts_per_doc.1 as u32),
        doc_dates: table.doc_dates,
        vars,
        pools,
        facts,
        forbidden,
        doc_types,
        conditions,
        frames,
        constraints,
        templates,
        grammar,
        grammar_files,
        cast,
        world,
        sources: Vec::new(),
        spec_text: text.to_string(),
        llm,
    })
}

/// The `[corpus]` table's numbers and dates, as checked (defaults where absent).
struct CorpusTable {
    docs: i64,
    seed: i64,
    anchor_date: NaiveDate,
    facts_per_doc: (i64, i64),
    doc_dates: (i64, i64),
}

fn validate_corpus(cx: &mut Ctx, corpus: &super::raw::RawCorpus) -> CorpusTable {
    if corpus.name.get_ref().trim().is_empty() {
        cx.err(
            corpus.name.span(),
            "corpus name is empty: expected a name",
            "empty",
        );
    }
    let docs = *corpus.docs.get_ref();
    if docs < 1 {
        cx.err(
            corpus.docs.span(),
            format!("invalid docs: expected a count >= 1, found {docs}"),
            "not a positive count",
        );
    }
    let seed = corpus.seed.as_ref().map(|s| *s.get_ref()).unwrap_or(0);
    if let Some(s) = &corpus.seed
        && *s.get_ref() < 0
    {
        cx.err(
            s.span(),
            format!(
                "invalid seed: expected an integer >= 0, found {}",
                s.get_ref()
            ),
            "negative",
        );
    }
    let anchor_date = match NaiveDate::parse_from_str(corpus.anchor_date.get_ref(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(e) => {
            cx.err(
                corpus.anchor_date.span(),
                format!(
                    "invalid anchor_date: expected a date YYYY-MM-DD, found {:?} ({e})",
                    corpus.anchor_date.get_ref()
                ),
                "not a date",
            );
            NaiveDate::default()
        }
    };
    let facts_per_doc = corpus
        .facts_per_doc
        .as_ref()
        .map(|r| {
            let (min, max) = cx.range(r, "facts_per_doc", 0);
            // The bounds are kept as u32. A document carries at most as many facts as its
            // condition has, so any max at or above that count already means "all of them":
            // nothing is lost by refusing bounds that do not fit.
            if max > i64::from(MAX_FACTS_PER_DOC) {
                cx.err(
                    r.span(),
                    format!(
                        "invalid facts_per_doc: expected min <= max <= {MAX_FACTS_PER_DOC}, found min = {min}, max = {max}"
                    ),
                    "too large",
                );
            }
            (min, max)
        })
        .unwrap_or((1, 3));
    let doc_dates = corpus
        .doc_dates
        .as_ref()
        .map(|r| cx.range(r, "doc_dates", i64::MIN))
        .unwrap_or((-90, 0));
    CorpusTable {
        docs,
        seed,
        anchor_date,
        facts_per_doc,
        doc_dates,
    }
}

/// `[vars]`: names usable as template identifiers.
fn validate_vars(
    cx: &mut Ctx,
    raw: BTreeMap<Spanned<String>, Spanned<String>>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for (k, v) in raw {
        if !valid_ident(k.get_ref()) {
            cx.err(
                k.span(),
                format!(
                    "invalid variable name {:?}: expected an identifier usable in templates",
                    k.get_ref()
                ),
                "not an identifier",
            );
        }
        vars.insert(k.into_inner(), v.into_inner());
    }
    vars
}

/// `[[doc_types]]`: at least one, unique ids, templates that exist, weights >= 1 whose sum
/// stays within [`MAX_WEIGHT_SUM`].
fn validate_doc_types(
    cx: &mut Ctx,
    raw: Vec<Spanned<super::raw::RawDocType>>,
    templates: &[TemplateSource],
    templates_dir: &Path,
) -> Vec<DocType> {
    if raw.is_empty() {
        cx.err(
            0..0,
            "the spec has no [[doc_types]]: expected at least one",
            "add a [[doc_types]] table",
        );
    }
    cx.unique("doc type", raw.iter().map(|d| &d.get_ref().id));
    let mut doc_types = Vec::new();
    // Running sum of the doc types' weights (u128: no i64 weights overflow it), reported once
    // at the doc type whose weight takes it above MAX_WEIGHT_SUM.
    let mut weight_sum: u128 = 0;
    for d in raw {
        let span = d.span();
        let d = d.into_inner();
        cx.check_id("doc type", &d.id);
        let names: Vec<Spanned<String>> = match (d.template, d.templates) {
            (Some(t), None) => vec![t],
            (None, Some(ts)) if !ts.get_ref().is_empty() => ts.into_inner(),
            _ => {
                cx.err(span, format!("doc type `{}`: expected exactly one of `template` or a non-empty `templates` list", d.id.get_ref()), "here");
                Vec::new()
            }
        };
        for n in &names {
            check_template_exists(cx, n, templates, templates_dir);
        }
        let weight = match &d.weight {
            Some(w) if *w.get_ref() < 1 => {
                cx.err(
                    w.span(),
                    format!(
                        "invalid weight: expected an integer >= 1, found {}",
                        w.get_ref()
                    ),
                    "bad weight",
                );
                1
            }
            Some(w) => *w.get_ref() as u64,
            None => 1,
        };
        let below_limit = weight_sum <= u128::from(MAX_WEIGHT_SUM);
        weight_sum += u128::from(weight);
        if below_limit && weight_sum > u128::from(MAX_WEIGHT_SUM) {
            let span = d.weight.as_ref().map_or_else(|| d.id.span(), |w| w.span());
            cx.diags.error_with_notes(
                cx.file,
                span,
                if u128::from(weight) == weight_sum {
                    format!(
                        "doc type `{}`: weight {weight} is above {MAX_WEIGHT_SUM}, the most the [[doc_types]] weights may sum to",
                        d.id.get_ref()
                    )
                } else {
                    format!(
                        "doc type `{}`: weight {weight} takes the sum of the [[doc_types]] weights to {weight_sum}, expected at most {MAX_WEIGHT_SUM}",
                        d.id.get_ref()
                    )
                },
                "the sum passes the limit here",
                vec![weight_sum_note()],
            );
        }
        doc_types.push(DocType {
            id: d.id.into_inner(),
            templates: names.into_iter().map(Spanned::into_inner).collect(),
            weight,
        });
    }
    doc_types
}

pub(super) fn check_template_exists(
    cx: &mut Ctx,
    n: &Spanned<String>,
    templates: &[TemplateSource],
    templates_dir: &Path,
) {
    if templates.is_empty() || templates.iter().any(|t| &t.name == n.get_ref()) {
        return;
    }
    let close: Vec<String> = templates
        .iter()
        .map(|t| t.name.clone())
        .filter(|t| similar(t, n.get_ref()))
        .collect();
    cx.diags.error_with_notes(
        cx.file,
        n.span(),
        format!(
            "template {:?} not found in {}",
            n.get_ref(),
            templates_dir.display()
        ),
        "no such template file",
        if close.is_empty() {
            vec![]
        } else {
            vec![format!("did you mean {}?", close.join(" or "))]
        },
    );
}

/// Two names are similar when one contains the other or they differ only in separators.
fn similar(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.to_lowercase().replace(['-', '_', '.'], "");
    let (a, b) = (norm(a), norm(b));
    a.contains(&b) || b.contains(&a)
}

/// `[[facts]]`: unique valid ids, at least one variant each, detect rules that compile.
fn validate_facts(cx: &mut Ctx, raw: Vec<Spanned<RawFact>>) -> Vec<Fact> {
    cx.unique("fact", raw.iter().map(|f| &f.get_ref().id));
    let mut facts = Vec::new();
    for f in raw {
        let f = f.into_inner();
        cx.check_id("fact", &f.id);
        if f.variants.get_ref().is_empty() {
            cx.err(
                f.variants.span(),
                format!(
                    "fact `{}` has no variants: expected at least one",
                    f.id.get_ref()
                ),
                "empty list",
            );
        }
        let detect = validate_detect(cx, f.id.get_ref(), f.detect);
        let questions = super::questions::validate(cx, f.id.get_ref(), f.questions);
        let (implied, implied_spans) = f
            .implied
            .map(|l| super::axes::texts(cx, "implied", f.id.get_ref(), l))
            .unwrap_or_default();
        let implied_detect = validate_detect(cx, f.id.get_ref(), f.implied_detect);
        let pieces = super::axes::pieces(cx, f.id.get_ref(), f.pieces);
        let (variants, variant_spans) = super::axes::spanned_texts(f.variants.into_inner());
        facts.push(Fact {
            id: f.id.into_inner(),
            statement: f.statement,
            variants,
            variant_spans,
            detect,
            questions,
            implied,
            implied_spans,
            implied_detect,
            pieces,
        });
    }
    facts
}

/// A fact's `detect` table: every pattern must compile.
pub(super) fn validate_detect(cx: &mut Ctx, fact: &str, raw: Option<RawDetect>) -> Detect {
    let mut detect = Detect::default();
    if let Some(d) = raw {
        for (dst, src) in [
            (&mut detect.all, d.all),
            (&mut detect.any, d.any),
            (&mut detect.none, d.none),
        ] {
            for p in src {
                cx.regex(&p, &format!("detect rule of fact `{fact}`"));
                dst.push(p.into_inner());
            }
        }
    }
    detect
}

/// `[[forbidden]]`: unique valid ids, at least one pattern each, patterns that compile.
fn validate_forbidden(cx: &mut Ctx, raw: Vec<Spanned<RawForbidden>>) -> Vec<Forbidden> {
    cx.unique("forbidden class", raw.iter().map(|f| &f.get_ref().id));
    let mut forbidden = Vec::new();
    for f in raw {
        let span = f.span();
        let f = f.into_inner();
        cx.check_id("forbidden class", &f.id);
        if f.patterns.is_empty() {
            cx.err(
                span,
                format!(
                    "forbidden class `{}` has no patterns: expected at least one regex",
                    f.id.get_ref()
                ),
                "no patterns",
            );
        }
        for p in &f.patterns {
            cx.regex(p, &format!("forbidden class `{}`", f.id.get_ref()));
        }
        forbidden.push(Forbidden {
            id: f.id.into_inner(),
            description: f.description,
            patterns: f.patterns.into_iter().map(Spanned::into_inner).collect(),
            conditions: f.conditions.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    forbidden
}

/// A rules-only file (`[[facts]]` with `id`, optional `statement`, `detect`, and
/// `[[forbidden]]`), checked exactly as the same tables of a corpus spec are.
pub(super) fn validate_rules(
    raw: RawRules,
    cx: &mut Ctx,
) -> (Vec<Fact>, Vec<Forbidden>, Vec<Constraint>) {
    cx.unique("fact", raw.facts.iter().map(|f| &f.get_ref().id));
    let mut facts = Vec::new();
    for f in raw.facts {
        let f = f.into_inner();
        cx.check_id("fact", &f.id);
        let detect = validate_detect(cx, f.id.get_ref(), Some(f.detect));
        let mut fact = Fact::rules_only(f.id.into_inner(), f.statement, detect);
        fact.implied_detect = validate_detect(cx, &fact.id, f.implied_detect);
        fact.pieces = f
            .pieces
            .into_iter()
            .map(|p| {
                let p = p.into_inner();
                cx.check_id("piece", &p.id);
                Piece {
                    detect: validate_detect(cx, p.id.get_ref(), p.detect),
                    id_span: p.id.span(),
                    id: p.id.into_inner(),
                    variants: Vec::new(),
                    variant_spans: Vec::new(),
                }
            })
            .collect();
        facts.push(fact);
    }
    let forbidden = validate_forbidden(cx, raw.forbidden);
    let constraints = super::axes::constraints(cx, raw.constraints, &facts);
    (facts, forbidden, constraints)
}
