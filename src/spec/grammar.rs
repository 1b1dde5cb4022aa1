//! `[grammar]`, `[cast]` and `[world]`: the tables that make diversity cheap to write and
//! coherence hard to break. Grammar rules are decoded like pools (inline, or a file, with
//! optional weights); cast members name a pool or a grammar rule per field; world values are
//! literals or a draw made once from the seed. Every problem is recorded with its span;
//! nothing is rendered here (rules are compiled in `render`).

use super::pools::decode_values;
use super::validate::{Ctx, valid_ident};
use super::*;
use toml::Spanned;

/// `[grammar]`: identifier names, at least one alternative each.
pub(super) fn validate_grammar(
    cx: &mut Ctx,
    raw: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
    pools: &BTreeMap<String, Pool>,
    file: Option<usize>,
) -> BTreeMap<String, Rule> {
    let mut rules = BTreeMap::new();
    for (name, value) in raw {
        if !valid_ident(name.get_ref()) {
            cx.err(
                name.span(),
                format!(
                    "invalid grammar rule name {:?}: expected an identifier",
                    name.get_ref()
                ),
                "not an identifier",
            );
        }
        if pools.contains_key(name.get_ref()) {
            cx.err(
                name.span(),
                format!(
                    "grammar rule `{}` has the name of a pool: expected distinct names (a cast field names either)",
                    name.get_ref()
                ),
                "also a pool",
            );
        }
        let span = value.span();
        let before = cx.diags.len();
        let label = format!("grammar rule `{}`", name.get_ref());
        let (alternatives, weights) = decode_values(
            cx,
            &label,
            span.clone(),
            value.into_inner(),
            spec_dir,
            sources,
        );
        if alternatives.is_empty() && cx.diags.len() == before {
            cx.err(
                span.clone(),
                format!("{label} has no alternatives: expected at least one"),
                "empty rule",
            );
        }
        rules.insert(
            name.get_ref().clone(),
            Rule {
                name: name.into_inner(),
                alternatives,
                weights,
                span,
                file,
            },
        );
    }
    rules
}

/// `corpus.grammar_files`: each a TOML file of rules in the `[grammar]` forms (paths inside
/// it relative to it), merged with the spec's own rules; a name defined twice is an error
/// at its second definition.
pub(super) fn grammar_files(
    cx: &mut Ctx,
    paths: &[Spanned<String>],
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
    pools: &BTreeMap<String, Pool>,
    rules: &mut BTreeMap<String, Rule>,
) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for p in paths {
        let path = join_clean(spec_dir, p.get_ref());
        let text = match super::read_limited(&path).map(String::from_utf8) {
            Ok(Ok(t)) => super::templates::strip_bom(t),
            Ok(Err(e)) => {
                cx.err(
                    p.span(),
                    format!("grammar file {} is not UTF-8 text ({e})", path.display()),
                    "here",
                );
                continue;
            }
            Err(e) => {
                cx.err(
                    p.span(),
                    format!("cannot read grammar file {}: {e}", path.display()),
                    "expected a readable TOML file of grammar rules",
                );
                continue;
            }
        };
        sources.push(SourceFile {
            path: path.clone(),
            bytes: super::read_limited(&path).unwrap_or_else(|_| text.clone().into_bytes()),
        });
        let index = files.len();
        let fid = cx.diags.add_file(path.display().to_string(), text.clone());
        let mut fcx = Ctx {
            diags: &mut *cx.diags,
            file: fid,
        };
        let raw: BTreeMap<Spanned<String>, Spanned<toml::Value>> = match toml::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                fcx.err(
                    e.span().unwrap_or(0..0),
                    format!("invalid grammar file: {}", e.message().trim()),
                    "here",
                );
                files.push((path, text));
                continue;
            }
        };
        let names: Vec<Spanned<String>> = raw.keys().cloned().collect();
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let found = validate_grammar(&mut fcx, raw, &dir, sources, pools, Some(index));
        for n in names {
            if rules.contains_key(n.get_ref()) {
                fcx.err(
                    n.span(),
                    format!("grammar rule `{}` is defined twice", n.get_ref()),
                    "defined again here",
                );
            }
        }
        for (k, r) in found {
            rules.entry(k).or_insert(r);
        }
        files.push((path, text));
    }
    files
}

/// `[cast]`: members and fields are identifiers; each field names a pool or a grammar rule;
/// a pool must have enough values for every cast field that draws from it to be distinct.
pub(super) fn validate_cast(
    cx: &mut Ctx,
    raw: BTreeMap<Spanned<String>, Spanned<super::raw::RawCastMember>>,
    pools: &BTreeMap<String, Pool>,
    grammar: &BTreeMap<String, Rule>,
) -> Vec<CastMember> {
    let mut members = Vec::new();
    let mut per_pool: BTreeMap<String, (usize, Range<usize>)> = BTreeMap::new();
    for (name, fields) in raw {
        if !valid_ident(name.get_ref()) {
            cx.err(
                name.span(),
                format!(
                    "invalid cast member name {:?}: expected an identifier",
                    name.get_ref()
                ),
                "not an identifier",
            );
        }
        let mut out = Vec::new();
        for (field, source) in fields.into_inner() {
            if !valid_ident(field.get_ref()) {
                cx.err(
                    field.span(),
                    format!(
                        "invalid field name {:?} in cast member `{}`: expected an identifier",
                        field.get_ref(),
                        name.get_ref()
                    ),
                    "not an identifier",
                );
            }
            let src = source.get_ref();
            let resolved = if pools.contains_key(src) {
                let e = per_pool.entry(src.clone()).or_insert((0, source.span()));
                e.0 += 1;
                CastSource::Pool(src.clone())
            } else if grammar.contains_key(src) {
                CastSource::Rule(src.clone())
            } else {
                cx.diags.error_with_notes(
                    cx.file,
                    source.span(),
                    format!(
                        "cast member `{}`: field `{}` draws from `{src}`, which is neither a pool nor a grammar rule",
                        name.get_ref(),
                        field.get_ref()
                    ),
                    "no such pool or rule",
                    vec![format!(
                        "pools: {}",
                        pools.keys().cloned().collect::<Vec<_>>().join(", ")
                    )],
                );
                continue;
            };
            out.push((field.into_inner(), resolved));
        }
        members.push(CastMember {
            name: name.into_inner(),
            fields: out,
        });
    }
    for (pool, (needed, span)) in per_pool {
        let available = match &pools[&pool].weights {
            Some(w) => w.iter().filter(|&&x| x > 0).count(),
            None => pools[&pool].values.len(),
        };
        if needed > available {
            cx.err(
                span,
                format!(
                    "the cast draws {needed} distinct values from pool `{pool}`, which has {available}: expected a pool at least as large as the cast fields drawing from it"
                ),
                "pool too small for the cast",
            );
        }
    }
    members
}

/// `[world]`: literals, or `{ int = [lo, hi], step = S }`, `{ pick = "pool" }`,
/// `{ one_of = ["a", "b"] }`.
pub(super) fn validate_world(
    cx: &mut Ctx,
    raw: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    pools: &BTreeMap<String, Pool>,
) -> Vec<WorldEntry> {
    let expected = "expected a string, an integer, or a table with one of `int = [lo, hi]` (optional `step`), `pick = \"pool\"`, `one_of = [\"...\"]`";
    let mut out = Vec::new();
    for (name, value) in raw {
        if !valid_ident(name.get_ref()) {
            cx.err(
                name.span(),
                format!(
                    "invalid world value name {:?}: expected an identifier",
                    name.get_ref()
                ),
                "not an identifier",
            );
        }
        let span = value.span();
        let label = format!("world value `{}`", name.get_ref());
        let decoded = match value.into_inner() {
            toml::Value::String(s) => Ok(WorldValue::Text(s)),
            toml::Value::Integer(n) => Ok(WorldValue::Number(n)),
            toml::Value::Table(t) => world_table(&t, pools),
            _ => Err("not a string, integer or table".to_string()),
        };
        match decoded {
            Ok(v) => out.push(WorldEntry {
                name: name.into_inner(),
                value: v,
            }),
            Err(why) => cx.diags.error_with_notes(
                cx.file,
                span,
                format!("{label}: {why}"),
                "here",
                vec![expected.to_string()],
            ),
        }
    }
    out
}

fn world_table(
    t: &toml::Table,
    pools: &BTreeMap<String, Pool>,
) -> std::result::Result<WorldValue, String> {
    if let Some(k) = t
        .keys()
        .find(|k| !matches!(k.as_str(), "int" | "step" | "pick" | "one_of"))
    {
        return Err(format!("unknown key `{k}`"));
    }
    match (t.get("int"), t.get("pick"), t.get("one_of")) {
        (Some(range), None, None) => {
            let bounds: Option<Vec<i64>> = range
                .as_array()
                .map(|a| a.iter().filter_map(toml::Value::as_integer).collect());
            let step = match t.get("step") {
                None => 1,
                Some(s) => s.as_integer().ok_or("`step` must be an integer")?,
            };
            match bounds.as_deref() {
                Some([lo, hi]) if lo <= hi && step >= 1 => Ok(WorldValue::Int {
                    lo: *lo,
                    hi: *hi,
                    step,
                }),
                _ => Err(
                    "`int` must be two integers lo <= hi, and `step` an integer >= 1".to_string(),
                ),
            }
        }
        (None, Some(p), None) if t.get("step").is_none() => {
            let p = p.as_str().ok_or("`pick` must name a pool")?;
            if pools.contains_key(p) {
                Ok(WorldValue::Pick(p.to_string()))
            } else {
                Err(format!("`pick` names `{p}`, which is not a pool"))
            }
        }
        (None, None, Some(list)) if t.get("step").is_none() => {
            let items: Option<Vec<String>> = list
                .as_array()
                .map(|a| a.iter().map(|x| x.as_str().map(String::from)).collect())
                .and_then(|v: Vec<Option<String>>| v.into_iter().collect());
            match items {
                Some(v) if !v.is_empty() => Ok(WorldValue::OneOf(v)),
                _ => Err("`one_of` must be a non-empty list of strings".to_string()),
            }
        }
        _ => Err("expected exactly one of `int`, `pick`, `one_of`".to_string()),
    }
}
