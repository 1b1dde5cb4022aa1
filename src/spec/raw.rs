//! The corpus spec exactly as written in TOML, with the byte span of every value that a later
//! check may need to point at. Nothing here is validated beyond TOML types; see `mod.rs`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub corpus: Spanned<RawCorpus>,
    #[serde(default)]
    pub vars: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    /// A list of values, or a table `{ values | file, weights }`; decoded in `validate`
    /// (serde's untagged enums lose spans).
    pub pools: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    pub facts: Vec<Spanned<RawFact>>,
    #[serde(default)]
    pub forbidden: Vec<Spanned<RawForbidden>>,
    #[serde(default)]
    pub doc_types: Vec<Spanned<RawDocType>>,
    #[serde(default)]
    pub conditions: Vec<Spanned<RawCondition>>,
    /// Rules of the seeded grammar: a list of alternatives (minijinja text), or a table
    /// `{ values | file, weights }` like a pool; decoded in `grammar`.
    #[serde(default)]
    pub grammar: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// The people and outlets a document refers to: member -> field -> pool or grammar rule.
    #[serde(default)]
    pub cast: BTreeMap<Spanned<String>, Spanned<RawCastMember>>,
    /// Values fixed for the whole corpus: a literal, or `{ int = [lo, hi], step }`,
    /// `{ pick = "pool" }`, `{ one_of = [...] }`, drawn once from the seed.
    #[serde(default)]
    pub world: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// Wrappers that give a condition's documents another epistemic status (a novel, a
    /// hypothetical): a template that sees the rendered document as `body`.
    #[serde(default)]
    pub frames: Vec<Spanned<RawFrame>>,
    /// Ids (facts or pieces) that no document may carry together.
    #[serde(default)]
    pub constraints: Vec<Spanned<RawConstraint>>,
    /// Prompt templates and settings of the language-model stage (`factpress briefs`).
    #[serde(default)]
    pub llm: Option<Spanned<super::llm::RawLlm>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrame {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub template: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    pub never_together: Spanned<Vec<Spanned<String>>>,
}

/// A piece of a fact: alone it does not convey the fact; with the fact's other pieces it does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPiece {
    pub id: Spanned<String>,
    pub variants: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub detect: Option<RawDetect>,
}

/// A piece in a rules-only file: only its id and detect rules count.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRulePiece {
    pub id: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub variants: Vec<String>,
    #[serde(default)]
    pub detect: Option<RawDetect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorpus {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub templates: Spanned<String>,
    /// Files of grammar rules (TOML, the same forms as `[grammar]`), shared between specs.
    #[serde(default)]
    pub grammar_files: Vec<Spanned<String>>,
    pub docs: Spanned<i64>,
    #[serde(default)]
    pub seed: Option<Spanned<i64>>,
    pub anchor_date: Spanned<String>,
    #[serde(default)]
    pub facts_per_doc: Option<Spanned<RawRange>>,
    #[serde(default)]
    pub doc_dates: Option<Spanned<RawRange>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFact {
    pub id: Spanned<String>,
    #[serde(default)]
    pub statement: String,
    pub variants: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub detect: Option<RawDetect>,
    /// Variants that let a careful reader infer the fact without stating it.
    #[serde(default)]
    pub implied: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub implied_detect: Option<RawDetect>,
    #[serde(default)]
    pub pieces: Vec<Spanned<RawPiece>>,
    /// Probe questions about the fact (`factpress probes`); templated like variants.
    #[serde(default)]
    pub questions: Vec<Spanned<RawQuestion>>,
}

/// `{ q, a, wrong = [...] }`: a question, its right answer and wrong answers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub q: Spanned<String>,
    pub a: Spanned<String>,
    #[serde(default)]
    pub wrong: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDetect {
    #[serde(default)]
    pub all: Vec<Spanned<String>>,
    #[serde(default)]
    pub any: Vec<Spanned<String>>,
    #[serde(default)]
    pub none: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForbidden {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub patterns: Vec<Spanned<String>>,
    /// Only in documents of these conditions (default: every document).
    #[serde(default)]
    pub conditions: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDocType {
    pub id: Spanned<String>,
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub templates: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub weight: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub facts: Option<Spanned<Vec<Spanned<String>>>>,
    /// Derive from another condition: same documents, with `replace` and `drop` applied.
    #[serde(default)]
    pub like: Option<Spanned<String>>,
    #[serde(default)]
    pub replace: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    #[serde(default)]
    pub drop: Option<Spanned<Vec<Spanned<String>>>>,
    /// Wrap every document in this frame (inherited through `like`).
    #[serde(default)]
    pub frame: Option<Spanned<String>>,
    /// `"stated"` or `"implied"` (inherited through `like`).
    #[serde(default)]
    pub directness: Option<Spanned<String>>,
    /// Facts carried as one of their pieces instead (added to the base's).
    #[serde(default)]
    pub split: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A rules-only file for auditing corpora factpress did not write: the `[[facts]]` detect
/// rules and `[[forbidden]]` classes of a spec, nothing else. A spec's `[[facts]]` can be
/// pasted unchanged (`variants` is accepted and ignored).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    #[serde(default)]
    pub facts: Vec<Spanned<RawRuleFact>>,
    #[serde(default)]
    pub forbidden: Vec<Spanned<RawForbidden>>,
    #[serde(default)]
    pub constraints: Vec<Spanned<RawConstraint>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleFact {
    pub id: Spanned<String>,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    #[allow(dead_code)]
    pub variants: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub questions: Vec<toml::Value>,
    pub detect: RawDetect,
    #[serde(default)]
    #[allow(dead_code)]
    pub implied: Vec<String>,
    #[serde(default)]
    pub implied_detect: Option<RawDetect>,
    #[serde(default)]
    pub pieces: Vec<Spanned<RawRulePiece>>,
}

/// A cast member: field name -> pool or grammar rule.
pub type RawCastMember = BTreeMap<Spanned<String>, Spanned<String>>;
