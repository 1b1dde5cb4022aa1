//! The optional `[llm]` section: the prompt templates `factpress briefs` renders each
//! document's brief through (inline or from files next to the spec, per doc type if given),
//! the request settings and the checks `factpress ingest` applies. Read and checked here,
//! with every problem located; the templates are compiled in `llm::prompt`, never here.

use super::validate::Ctx;
use super::*;
use serde::Deserialize;
use toml::Spanned;

/// `[llm]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLlm {
    #[serde(default)]
    pub system: Option<Spanned<String>>,
    #[serde(default)]
    pub system_file: Option<Spanned<String>>,
    #[serde(default)]
    pub user: Option<Spanned<String>>,
    #[serde(default)]
    pub user_file: Option<Spanned<String>>,
    /// The user prompt of an edit request (a derived condition's document i is document i
    /// of its base, edited).
    #[serde(default)]
    pub edit: Option<Spanned<String>>,
    #[serde(default)]
    pub edit_file: Option<Spanned<String>>,
    #[serde(default)]
    pub max_tokens: Option<Spanned<i64>>,
    #[serde(default)]
    pub temperature: Option<Spanned<f64>>,
    #[serde(default)]
    pub extract_tag: Option<Spanned<String>>,
    #[serde(default)]
    pub pairs_max_change: Option<Spanned<f64>>,
    /// Extra refusal patterns (regexes), added to the built-in ones.
    #[serde(default)]
    pub refusals: Vec<Spanned<String>>,
    #[serde(default)]
    pub doc_types: BTreeMap<Spanned<String>, Spanned<RawLlmDocType>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLlmDocType {
    #[serde(default)]
    pub guidance: Option<String>,
    #[serde(default)]
    pub system: Option<Spanned<String>>,
    #[serde(default)]
    pub system_file: Option<Spanned<String>>,
    #[serde(default)]
    pub user: Option<Spanned<String>>,
    #[serde(default)]
    pub user_file: Option<Spanned<String>>,
}

/// The validated `[llm]` section.
#[derive(Debug, Clone)]
pub struct Llm {
    pub system: Prompt,
    pub user: Prompt,
    /// The edit prompt of derived conditions (none: such conditions cannot be briefed).
    pub edit: Option<Prompt>,
    pub max_tokens: u32,
    pub temperature: Option<f64>,
    pub extract_tag: Option<String>,
    /// The largest share of words a derived document may change outside the edited facts.
    pub pairs_max_change: Option<f64>,
    pub refusals: Vec<String>,
    /// Per doc type id: guidance and prompts that replace the section's own.
    pub doc_types: BTreeMap<String, LlmDocType>,
}

#[derive(Debug, Clone, Default)]
pub struct LlmDocType {
    pub guidance: String,
    pub system: Option<Prompt>,
    pub user: Option<Prompt>,
}

/// A prompt template: its name (`system`, `doc_types.news.user`, …), text and where it is.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub name: String,
    pub text: String,
    pub origin: PromptOrigin,
}

#[derive(Debug, Clone)]
pub enum PromptOrigin {
    /// Inline in the spec file: the byte span of the TOML string.
    Inline(Range<usize>),
    /// A file named by the spec.
    File(PathBuf),
}

impl Llm {
    /// The system and user prompts for doc type `id`.
    pub fn prompts_for(&self, doc_type: &str) -> (&Prompt, &Prompt) {
        let d = self.doc_types.get(doc_type);
        (
            d.and_then(|d| d.system.as_ref()).unwrap_or(&self.system),
            d.and_then(|d| d.user.as_ref()).unwrap_or(&self.user),
        )
    }

    /// Every prompt, in a fixed order (section first, then doc types by id).
    pub fn all_prompts(&self) -> Vec<&Prompt> {
        let mut out = vec![&self.system, &self.user];
        out.extend(&self.edit);
        for d in self.doc_types.values() {
            out.extend(d.system.as_ref());
            out.extend(d.user.as_ref());
        }
        out
    }
}

/// The largest `max_tokens` accepted.
const MAX_TOKENS: i64 = 1_000_000;

pub(super) fn validate_llm(
    cx: &mut Ctx,
    raw: Option<Spanned<RawLlm>>,
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
    doc_types: &[DocType],
) -> Option<Llm> {
    let raw = raw?;
    let span = raw.span();
    let raw = raw.into_inner();
    let mut prompt = |cx: &mut Ctx, name: &str, inline, file, required: bool| {
        prompt(
            cx,
            name,
            inline,
            file,
            spec_dir,
            sources,
            required.then(|| span.clone()),
        )
    };
    let system = prompt(cx, "system", raw.system, raw.system_file, true);
    let user = prompt(cx, "user", raw.user, raw.user_file, true);
    let edit = prompt(cx, "edit", raw.edit, raw.edit_file, false);
    let mut per_type = BTreeMap::new();
    for (id, d) in raw.doc_types {
        if !doc_types.iter().any(|t| &t.id == id.get_ref()) {
            cx.diags.error_with_notes(
                cx.file,
                id.span(),
                format!("unknown doc type `{}` in [llm.doc_types]", id.get_ref()),
                "expected the id of a [[doc_types]] entry",
                vec![format!(
                    "doc types: {}",
                    doc_types
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
            );
            continue;
        }
        let d = d.into_inner();
        let base = format!("doc_types.{}", id.get_ref());
        let entry = LlmDocType {
            guidance: d.guidance.unwrap_or_default(),
            system: prompt(
                cx,
                &format!("{base}.system"),
                d.system,
                d.system_file,
                false,
            ),
            user: prompt(cx, &format!("{base}.user"), d.user, d.user_file, false),
        };
        per_type.insert(id.into_inner(), entry);
    }
    let max_tokens = raw.max_tokens.as_ref().map_or(4096, |m| *m.get_ref());
    if let Some(m) = &raw.max_tokens
        && !(1..=MAX_TOKENS).contains(m.get_ref())
    {
        cx.err(
            m.span(),
            format!(
                "invalid max_tokens: expected 1 to {MAX_TOKENS}, found {}",
                m.get_ref()
            ),
            "out of range",
        );
    }
    let share = |cx: &mut Ctx, v: &Option<Spanned<f64>>, what: &str, hi: f64| {
        if let Some(v) = v
            && !(0.0..=hi).contains(v.get_ref())
        {
            cx.err(
                v.span(),
                format!(
                    "invalid {what}: expected a number from 0 to {hi}, found {}",
                    v.get_ref()
                ),
                "out of range",
            );
        }
        v.as_ref().map(|v| *v.get_ref())
    };
    let pairs_max_change = share(cx, &raw.pairs_max_change, "pairs_max_change", 1.0);
    let temperature = share(cx, &raw.temperature, "temperature", 2.0);
    if let Some(t) = &raw.extract_tag
        && !super::validate::valid_ident(&t.get_ref().replace('-', "_"))
    {
        cx.err(
            t.span(),
            format!(
                "invalid extract_tag: expected a tag name such as \"content\", found {:?}",
                t.get_ref()
            ),
            "not a tag name",
        );
    }
    for r in &raw.refusals {
        if let Err(e) = regex::Regex::new(r.get_ref()) {
            cx.diags.error_with_notes(
                cx.file,
                r.span(),
                "invalid regular expression in [llm] refusals",
                "expected a regex (Rust `regex` syntax)",
                vec![e.to_string()],
            );
        }
    }
    Some(Llm {
        system: system?,
        user: user?,
        edit,
        max_tokens: max_tokens.clamp(1, MAX_TOKENS) as u32,
        temperature,
        extract_tag: raw.extract_tag.map(Spanned::into_inner),
        pairs_max_change,
        refusals: raw.refusals.into_iter().map(Spanned::into_inner).collect(),
        doc_types: per_type,
    })
}

/// One prompt: inline text or a file (not both); `required` is the span of `[llm]` when
/// one of the two must be given.
fn prompt(
    cx: &mut Ctx,
    name: &str,
    inline: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    spec_dir: &Path,
    sources: &mut Vec<SourceFile>,
    required: Option<Range<usize>>,
) -> Option<Prompt> {
    match (inline, file) {
        (Some(a), Some(b)) => {
            let key = name.rsplit('.').next().unwrap_or(name);
            cx.err(
                b.span(),
                format!("[llm] {name}: give `{key}` or `{key}_file`, not both"),
                "remove this or the inline text",
            );
            let _ = a;
            None
        }
        (Some(t), None) => Some(Prompt {
            name: name.to_string(),
            origin: PromptOrigin::Inline(t.span()),
            text: t.into_inner(),
        }),
        (None, Some(f)) => {
            let path = join_clean(spec_dir, f.get_ref());
            match super::read_limited(&path).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    sources.push(SourceFile {
                        path: path.clone(),
                        bytes: text.as_bytes().to_vec(),
                    });
                    Some(Prompt {
                        name: name.to_string(),
                        text: super::templates::strip_bom(text),
                        origin: PromptOrigin::File(path),
                    })
                }
                Ok(Err(_)) => {
                    cx.err(
                        f.span(),
                        format!("prompt file {} is not UTF-8 text", path.display()),
                        "here",
                    );
                    None
                }
                Err(e) => {
                    cx.err(
                        f.span(),
                        format!("cannot read prompt file {}: {e}", path.display()),
                        "expected a file (relative to the spec)",
                    );
                    None
                }
            }
        }
        (None, None) => {
            if let Some(span) = required {
                cx.err(
                    span.start..span.start + 5,
                    format!("[llm] has no `{name}` prompt: expected `{name} = \"...\"` or `{name}_file = \"path\"`"),
                    "in this section",
                );
            }
            None
        }
    }
}
