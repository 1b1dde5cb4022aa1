//! A corpus spec: parsed from TOML, every reference checked, every file it names read once.
//!
//! `Spec::load` reads the spec file, its pool files and every file of its templates folder,
//! keeps their exact bytes (they are copied into the corpus so it can be rebuilt), and reports
//! *all* problems at once with `file:line:col`. It never renders anything: templates are only
//! read here and compiled in `render`.

mod axes;
pub mod capacity;
mod conditions;
mod grammar;
pub mod llm;
mod parse;
mod pools;
mod questions;
mod raw;
mod templates;
mod validate;

use crate::diag::{Diagnostics, FileId};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// A validated corpus spec and the exact bytes of every file it was built from.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub description: String,
    /// The spec file as the user named it.
    pub path: PathBuf,
    pub templates_dir: PathBuf,
    pub docs: u64,
    pub seed: u64,
    pub anchor_date: NaiveDate,
    /// Inclusive bounds on the number of facts a document carries.
    pub facts_per_doc: (u32, u32),
    /// Inclusive bounds, in days from `anchor_date`, of a document's date.
    pub doc_dates: (i64, i64),
    pub vars: BTreeMap<String, String>,
    pub pools: BTreeMap<String, Pool>,
    pub facts: Vec<Fact>,
    pub forbidden: Vec<Forbidden>,
    pub doc_types: Vec<DocType>,
    pub conditions: Vec<Condition>,
    /// Wrappers a condition may put around its documents (`frame = "id"`).
    pub frames: Vec<Frame>,
    /// Ids no document may carry together, enforced when planning every condition.
    pub constraints: Vec<Constraint>,
    /// Every file of the templates folder, sorted by name.
    pub templates: Vec<TemplateSource>,
    /// The seeded grammar, by symbol (the spec's `[grammar]` and its `grammar_files`).
    pub grammar: BTreeMap<String, Rule>,
    /// The grammar files' paths and texts, for pointing errors at their rules.
    pub grammar_files: Vec<(PathBuf, String)>,
    /// Who and what a document refers to, drawn once per document (member order).
    pub cast: Vec<CastMember>,
    /// Values fixed for the whole corpus (name order).
    pub world: Vec<WorldEntry>,
    /// Every file read, in the order read: the spec, pool files, templates.
    pub sources: Vec<SourceFile>,
    /// The spec's text, for pointing errors found later (in fact variants) at it.
    pub spec_text: String,
    /// The language-model stage's prompts and settings (`[llm]`), when given.
    pub llm: Option<llm::Llm>,
}

#[derive(Debug, Clone)]
pub struct Pool {
    pub name: String,
    pub values: Vec<String>,
    /// Integer weights, one per value; `None` means uniform.
    pub weights: Option<Vec<u64>>,
    /// Marked `wide = true`: values meant to vary widely (names, outlets, organisations), so
    /// that any single value in many documents is a sign of mode collapse.
    pub wide: bool,
}

/// A grammar rule: a symbol that expands to one of its alternatives (each a small minijinja
/// template that may use other symbols, pools, vars, the world and the document's cast).
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub alternatives: Vec<String>,
    /// Integer weights, one per alternative; `None` means uniform.
    pub weights: Option<Vec<u64>>,
    /// Where the rule is written (for errors found when compiling or expanding it): a byte
    /// range of the spec file, or of `grammar_files[i]` when `file` is `Some(i)`.
    pub span: Range<usize>,
    pub file: Option<usize>,
}

/// A member of every document's cast (`cast.NAME` in templates): its fields are drawn once
/// per document, so every mention of `cast.expert.last` in a document is the same person.
/// Fields drawn from the same pool are distinct across the whole cast, so two members never
/// share a name and a document's own outlet is never the outlet it cites.
#[derive(Debug, Clone)]
pub struct CastMember {
    pub name: String,
    /// (field, source) in field order; the source is a pool or a grammar rule.
    pub fields: Vec<(String, CastSource)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastSource {
    Pool(String),
    Rule(String),
}

/// A value fixed for the whole corpus (`world.NAME`).
#[derive(Debug, Clone)]
pub struct WorldEntry {
    pub name: String,
    pub value: WorldValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorldValue {
    Text(String),
    Number(i64),
    /// A whole number in `[lo, hi]` that is a multiple of `step` above `lo`.
    Int {
        lo: i64,
        hi: i64,
        step: i64,
    },
    Pick(String),
    OneOf(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub id: String,
    pub statement: String,
    pub variants: Vec<String>,
    /// Byte span of each variant string in the spec file.
    pub variant_spans: Vec<Range<usize>>,
    pub detect: Detect,
    /// Probe questions (`factpress probes`), in spec order.
    pub questions: Vec<Question>,
    /// Variants that let a careful reader infer the fact without stating it (used by
    /// conditions with `directness = "implied"`), with their spans and detect rules.
    pub implied: Vec<String>,
    pub implied_spans: Vec<Range<usize>>,
    pub implied_detect: Detect,
    /// The fact in pieces (used by conditions that `split` it): one piece per document.
    pub pieces: Vec<Piece>,
}

impl Fact {
    /// A fact with only an id and detect rules (rules-only files, tests).
    pub fn rules_only(id: String, statement: String, detect: Detect) -> Fact {
        Fact {
            id,
            statement,
            variants: Vec::new(),
            variant_spans: Vec::new(),
            detect,
            implied: Vec::new(),
            implied_spans: Vec::new(),
            implied_detect: Detect::default(),
            pieces: Vec::new(),
            questions: Vec::new(),
        }
    }

    /// The variant texts of one form of the fact.
    pub fn texts(&self, form: Form) -> &[String] {
        match form {
            Form::Stated => &self.variants,
            Form::Implied => &self.implied,
            Form::Piece(p) => &self.pieces[p].variants,
        }
    }

    /// The spans of the variant texts of one form.
    pub fn spans(&self, form: Form) -> &[Range<usize>] {
        match form {
            Form::Stated => &self.variant_spans,
            Form::Implied => &self.implied_spans,
            Form::Piece(p) => &self.pieces[p].variant_spans,
        }
    }
}

/// How a planned fact is conveyed: stated, implied, or as one of its pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    Stated,
    Implied,
    /// Index into the fact's `pieces`.
    Piece(usize),
}

/// A part of a fact that alone does not convey it.
#[derive(Debug, Clone)]
pub struct Piece {
    pub id: String,
    /// Where the piece's id is written.
    pub id_span: Range<usize>,
    pub variants: Vec<String>,
    pub variant_spans: Vec<Range<usize>>,
    pub detect: Detect,
}

/// A wrapper template around a condition's documents (`body` inside it).
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: String,
    pub description: String,
    /// Template name (path relative to the templates folder).
    pub template: String,
}

/// Something a constraint names: a fact, or piece `.1` of fact `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Fact(usize),
    Piece(usize, usize),
}

/// `never_together`: no document carries two of these.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The ids as written, in order.
    pub ids: Vec<String>,
    pub members: Vec<Member>,
}

impl Constraint {
    /// The id the audit reports the constraint by.
    pub fn name(&self) -> String {
        self.ids.join("+")
    }
}

/// Whether a condition's facts are stated or only implied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Directness {
    #[default]
    Stated,
    Implied,
}

/// A probe question about a fact: minijinja text like a variant, with its right answer and
/// wrong answers (at least one, all distinct), each with its byte span in the spec file.
#[derive(Debug, Clone)]
pub struct Question {
    pub q: String,
    pub a: String,
    pub wrong: Vec<String>,
    /// The whole `{ q, a, wrong }` table.
    pub span: Range<usize>,
    pub q_span: Range<usize>,
    pub a_span: Range<usize>,
    pub wrong_spans: Vec<Range<usize>>,
}

impl Question {
    /// The answer (option 0) and the wrong answers, with their spans.
    pub fn options(&self) -> impl Iterator<Item = (&str, &Range<usize>)> {
        std::iter::once((self.a.as_str(), &self.a_span))
            .chain(self.wrong.iter().map(String::as_str).zip(&self.wrong_spans))
    }
}

/// Regexes that decide whether a text carries a fact: all of `all`, at least one of `any`
/// (when given) and none of `none`.
#[derive(Debug, Clone, Default)]
pub struct Detect {
    pub all: Vec<String>,
    pub any: Vec<String>,
    pub none: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Forbidden {
    pub id: String,
    pub description: String,
    pub patterns: Vec<String>,
    /// The conditions whose documents the class applies to; empty means every document
    /// (and the only choice for inputs that have no conditions).
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DocType {
    pub id: String,
    /// Template names (paths relative to the templates folder); one is picked per document.
    pub templates: Vec<String>,
    pub weight: u64,
}

/// A condition: which facts its documents may carry. A derived condition (`like`) shares
/// its root's random streams and fact slots, so its document i is the root's document i with
/// some facts replaced or dropped.
#[derive(Debug, Clone)]
pub struct Condition {
    pub id: String,
    pub description: String,
    /// Slot s of the root condition's fact list carries fact `slots[s]` (an index into
    /// `Spec::facts`) here, or nothing when dropped. For a root condition every slot is `Some`.
    pub slots: Vec<Option<usize>>,
    /// The root condition (index into `Spec::conditions`) whose random streams are used.
    pub root: usize,
    /// The direct base of a derived condition.
    pub like: Option<usize>,
    /// Replacements made by this condition itself: (fact in base, counterpart), as indices.
    pub replace: Vec<(usize, usize)>,
    /// Facts dropped by this condition itself, as indices.
    pub drop: Vec<usize>,
    /// The frame (index into `Spec::frames`) its documents are wrapped in, own or inherited.
    pub frame: Option<usize>,
    /// Stated or implied, own or inherited.
    pub directness: Directness,
    /// Facts carried as one of their pieces, own and inherited (ascending indices).
    pub split: Vec<usize>,
}

impl Condition {
    /// The facts this condition carries, in slot order.
    pub fn facts(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().filter_map(|s| *s)
    }
}

#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// Path relative to the templates folder, with `/` separators.
    pub name: String,
    /// The file as it can be shown to a user.
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Spec {
    /// Reads and validates the spec at `path`, with its pool files and templates.
    pub fn load(path: &Path) -> Result<Spec> {
        let bytes = read_bytes(path)?;
        let text = utf8(path, bytes.clone())?;
        let mut diags = Diagnostics::new();
        let file = diags.add_file(path.display().to_string(), text.clone());
        let Some((raw, blanked)) = parse::parse(&text, file, &mut diags) else {
            return Err(diags.into_result().expect_err("a diagnostic was recorded"));
        };
        let mut sources = vec![SourceFile {
            path: path.to_path_buf(),
            bytes,
        }];
        let structural = diags.len();
        let spec = validate::validate(raw, path, &text, file, &mut diags, &mut sources);
        // What was blanked out to parse the rest is not also "unknown" or "missing".
        diags.retain_after(structural, |m| !parse::is_echo(m, &blanked));
        diags.into_result()?;
        let mut spec = spec.expect("validation without diagnostics yields a spec");
        spec.sources = sources;
        Ok(spec)
    }

    /// Reads the detect rules and forbidden classes of `path`: a corpus spec (a file with a
    /// `[corpus]` table, validated whole) or a rules-only file with just `[[facts]]` (`id`,
    /// optional `statement`, `detect`) and `[[forbidden]]`, for corpora factpress did not
    /// write. Every problem is reported at once with file:line:col (exit 2).
    pub fn load_rules(path: &Path) -> Result<(Vec<Fact>, Vec<Forbidden>, Vec<Constraint>)> {
        let text = read_text(path)?;
        let has_corpus = text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("corpus"));
        if has_corpus {
            let spec = Spec::load(path)?;
            return Ok((spec.facts, spec.forbidden, spec.constraints));
        }
        let mut diags = Diagnostics::new();
        let file = diags.add_file(path.display().to_string(), text.clone());
        let raw: raw::RawRules = match toml::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                diags.error(
                    file,
                    e.span().unwrap_or(0..0),
                    format!("invalid audit rules: {}", e.message().trim()),
                    "here",
                );
                return Err(diags.into_result().expect_err("a diagnostic was recorded"));
            }
        };
        let mut cx = validate::Ctx {
            diags: &mut diags,
            file,
        };
        let rules = validate::validate_rules(raw, &mut cx);
        diags.into_result()?;
        Ok(rules)
    }

    /// Overrides `[vars]` from `--var KEY=VALUE`; an unknown key is an error, since a typo
    /// would otherwise change nothing silently.
    pub fn apply_vars(&mut self, overrides: &BTreeMap<String, String>) -> Result<()> {
        for (k, v) in overrides {
            match self.vars.get_mut(k) {
                Some(slot) => *slot = v.clone(),
                None => {
                    let known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
                    return Err(Error::Usage(format!(
                        "--var {k}=...: the spec has no variable `{k}` (its [vars] are: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn condition(&self, id: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.id == id)
    }

    /// Registers the spec file with `diags` (to point at fact variants after loading).
    pub fn spec_file(&self, diags: &mut Diagnostics) -> FileId {
        diags.add_file(self.path.display().to_string(), self.spec_text.clone())
    }

    /// Registers the spec file and the grammar files with `diags`; `rule_file` then gives
    /// the file a rule is written in.
    pub fn spec_files(&self, diags: &mut Diagnostics) -> SpecFiles {
        SpecFiles {
            spec: self.spec_file(diags),
            grammar: self
                .grammar_files
                .iter()
                .map(|(p, t)| diags.add_file(p.display().to_string(), t.clone()))
                .collect(),
        }
    }
}

/// The spec file and its grammar files, registered with a `Diagnostics`.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    pub spec: FileId,
    pub grammar: Vec<FileId>,
}

impl SpecFiles {
    /// The file rule `r` is written in.
    pub fn rule_file(&self, r: &Rule) -> FileId {
        r.file.map_or(self.spec, |i| self.grammar[i])
    }
}

/// The largest file a spec may name (spec, pool, grammar or template file): everything a
/// spec reads is held in memory and copied into every corpus, so a larger one is refused.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads a file the spec names, refusing one above [`MAX_FILE_BYTES`].
pub(crate) fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "the file is {:.1} MB; a spec's files may be at most {} MiB each",
            len as f64 / 1e6,
            MAX_FILE_BYTES >> 20
        )));
    }
    std::fs::read(path)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    read_limited(path).map_err(|e| Error::Invalid {
        count: 1,
        rendered: format!("error: cannot read spec file {}: {e}\n", path.display()),
    })
}

fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(templates::strip_bom(text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let (line, col) = templates::line_col_of(e.as_bytes(), at);
            Err(Error::Invalid {
                count: 1,
                rendered: format!(
                    "error: {}:{line}:{col}: not UTF-8 text (invalid byte {:#04x}); save it as UTF-8\n",
                    path.display(),
                    e.as_bytes()[at]
                ),
            })
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    utf8(path, read_bytes(path)?)
}

/// Joins `rel` onto `base` and removes `.` and `..` components lexically, so that error
/// messages show `templates/a.j2` rather than `corpora-specs/../templates/a.j2`.
pub fn join_clean(base: &Path, rel: &str) -> PathBuf {
    let joined = base.join(rel);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
