//! `[pools]`: each entry decoded from its TOML form (a list, or a table with `values` or a
//! `file`, optional `weights` and `wide`), pool files read (their bytes kept for `source/`),
//! every problem recorded with its span.

use super::validate::{Ctx, valid_ident, weight_sum_note};
use super::*;
use crate::rng::MAX_WEIGHT_SUM;
use toml::Spanned;

/// `[pools]`: identifier names, values inline or from a file, weights that fit.
pub(super) fn validate_pools(
    cx: &mut Ctx,
    raw: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
) -> BTreeMap<String, Pool> {
    let mut pools = BTreeMap::new();
    for (name, pool) in raw {
        if !valid_ident(name.get_ref()) {
            cx.err(
                name.span(),
                format!(
                    "invalid pool name {:?}: expected an identifier",
                    name.get_ref()
                ),
                "not an identifier",
            );
        }
        let pool_span = pool.span();
        let before = cx.diags.len();
        let wide = matches!(pool.get_ref(), toml::Value::Table(t) if t.get("wide").and_then(toml::Value::as_bool) == Some(true));
        let (values, weights) = decode_values(
            cx,
            &format!("pool `{}`", name.get_ref()),
            pool_span.clone(),
            pool.into_inner(),
            spec_dir,
            sources,
        );
        if values.is_empty() && cx.diags.len() == before {
            cx.err(
                pool_span,
                format!(
                    "pool `{}` is empty: expected at least one value",
                    name.get_ref()
                ),
                "empty pool",
            );
        }
        pools.insert(
            name.get_ref().clone(),
            Pool {
                name: name.into_inner(),
                values,
                weights,
                wide,
            },
        );
    }
    pools
}

fn read_pool_file(
    cx: &mut Ctx,
    spec_dir: &Path,
    name: &str,
    f: &str,
    span: Range<usize>,
    sources: &mut Vec<SourceFile>,
) -> Vec<String> {
    let path = join_clean(spec_dir, f);
    match super::read_limited(&path) {
        Ok(bytes) => {
            let text = match std::str::from_utf8(&bytes) {
                Ok(t) => super::templates::strip_bom(t.to_string()),
                Err(e) => {
                    let (line, col) = super::templates::line_col_of(&bytes, e.valid_up_to());
                    cx.err(
                        span,
                        format!(
                            "{name}: file {}:{line}:{col} is not UTF-8 text (invalid byte {:#04x}); save it as UTF-8",
                            path.display(),
                            bytes[e.valid_up_to()]
                        ),
                        "here",
                    );
                    return Vec::new();
                }
            };
            sources.push(SourceFile { path, bytes });
            text.lines()
                .map(str::trim)
                .filter(|l| !is_comment(l))
                .map(String::from)
                .collect()
        }
        Err(e) => {
            cx.err(
                span,
                format!("{name}: cannot read file {}: {e}", path.display()),
                "expected a readable file, one value a line",
            );
            Vec::new()
        }
    }
}

/// Blank lines and lines starting with `# ` (or a lone `#`) are comments in pool and grammar
/// files; `#rule#` at the start of a line is a grammar alternative, not a comment.
fn is_comment(line: &str) -> bool {
    line.is_empty() || line == "#" || line.starts_with("# ") || line.starts_with("#\t")
}

/// Decodes one `[pools]` entry: `["a", "b"]`, `{ values = [...] }` or `{ file = "..." }`,
/// each with optional integer `weights`.
/// `name` labels the entry in messages: "pool `x`", "grammar rule `x`".
pub(super) fn decode_values(
    cx: &mut Ctx,
    name: &str,
    span: Range<usize>,
    value: toml::Value,
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
) -> (Vec<String>, Option<Vec<u64>>) {
    let expected = "expected a list of strings, or a table with `values` (a list of strings) or `file` (a path), optional integer `weights` and `wide = true`";
    let strings = |v: &toml::Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(String::from))
            .collect()
    };
    match value {
        toml::Value::Array(_) => match strings(&value) {
            Some(v) => (v, None),
            None => {
                cx.err(span, format!("{name}: {expected}"), "not a list of strings");
                (Vec::new(), None)
            }
        },
        toml::Value::Table(t) => {
            if let Some(k) = t
                .keys()
                .find(|k| !matches!(k.as_str(), "values" | "file" | "weights" | "wide"))
            {
                cx.err(
                    span.clone(),
                    format!("{name}: unknown key `{k}`; {expected}"),
                    "unknown key",
                );
            }
            let values = match (t.get("values"), t.get("file")) {
                (Some(v), None) => strings(v).unwrap_or_else(|| {
                    cx.err(
                        span.clone(),
                        format!("{name}: `values` must be a list of strings"),
                        "here",
                    );
                    Vec::new()
                }),
                (None, Some(toml::Value::String(f))) => {
                    read_pool_file(cx, spec_dir, name, f, span.clone(), sources)
                }
                _ => {
                    cx.err(
                        span.clone(),
                        format!("{name}: {expected}"),
                        "expected exactly one of `values` or `file`",
                    );
                    Vec::new()
                }
            };
            let weights = t.get("weights").map(|w| {
                // Say which entries are not whole numbers >= 0, not just how many are missing.
                let bad: Vec<String> = w
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .enumerate()
                            .filter(|(_, x)| x.as_integer().is_none_or(|n| n < 0))
                            .map(|(i, x)| format!("{x} (weight {})", i + 1))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![format!("{w} (not a list)")]);
                if !bad.is_empty() {
                    cx.err(
                        span.clone(),
                        format!(
                            "{name}: weights must be whole numbers >= 0, found {}",
                            bad.join(", ")
                        ),
                        "bad weights",
                    );
                    return Vec::new();
                }
                let ws: Vec<i64> = w
                    .as_array()
                    .map(|a| a.iter().filter_map(toml::Value::as_integer).collect())
                    .unwrap_or_default();
                if ws.len() != values.len() && !values.is_empty() {
                    cx.err(
                        span.clone(),
                        format!(
                            "{name}: expected {} integer weights (one per value), found {}",
                            values.len(),
                            ws.len()
                        ),
                        "wrong weights",
                    );
                } else if ws.iter().any(|&x| x < 0) || ws.iter().all(|&x| x == 0) {
                    cx.err(
                        span.clone(),
                        format!("{name}: weights must be integers >= 0, at least one > 0"),
                        "bad weights",
                    );
                } else {
                    // Each weight is an i64 >= 0, so the u128 sum cannot overflow.
                    let sum: u128 = ws.iter().map(|&x| x as u128).sum();
                    if sum > u128::from(MAX_WEIGHT_SUM) {
                        cx.diags.error_with_notes(
                            cx.file,
                            span.clone(),
                            format!(
                                "{name}: weights sum to {sum}, expected at most {MAX_WEIGHT_SUM}"
                            ),
                            "weights too large",
                            vec![weight_sum_note()],
                        );
                    }
                }
                ws.into_iter()
                    .map(|x| x.max(0) as u64)
                    .collect::<Vec<u64>>()
            });
            (values, weights)
        }
        _ => {
            cx.err(span, format!("{name}: {expected}"), "wrong type");
            (Vec::new(), None)
        }
    }
}
