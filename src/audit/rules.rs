//! The audit's detectors: each fact's `detect` rules and each forbidden class's patterns,
//! compiled once into one `Regex` per pattern: `is_match` decides which patterns match a text,
//! and spans are searched only for those. (A single `RegexSet` was measured 8x slower on the
//! shipped specs: its overlapping search falls back to an NFA simulation with their bounded
//! `[^.]{0,N}` windows and Unicode word boundaries, while each regex alone keeps its literal
//! prefilter and lazy DFA.) Also loads
//! the rules, from a full corpus spec or from a rules-only file for corpora written elsewhere.
//! Byte offsets only; turning them into character offsets is the caller's job.

use crate::diag::{Diagnostics, FileId};
use crate::error::{Error, Result};
use crate::spec::{Detect, Fact, Forbidden, Spec};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use toml::Spanned;

/// A byte or character range `[start, end)` in a document's text.
pub type Span = (usize, usize);

/// The compiled rules of an audit spec.
pub struct Rules {
    pub facts: Vec<FactRule>,
    pub forbidden: Vec<ForbiddenRule>,
    regexes: Vec<Regex>,
}

/// Which patterns matched a text, by index.
struct Matched(Vec<bool>);

impl Matched {
    fn matched(&self, i: usize) -> bool {
        self.0[i]
    }

    fn matched_any(&self) -> bool {
        self.0.iter().any(|&b| b)
    }
}

pub struct FactRule {
    pub id: String,
    /// Indices into `Rules::regexes`.
    all: Vec<usize>,
    any: Vec<usize>,
    none: Vec<usize>,
}

pub struct ForbiddenRule {
    pub id: String,
    pub description: String,
    /// Indices into `Rules::regexes`, in the order of the class's `patterns`.
    patterns: Vec<usize>,
}

/// A forbidden match: the class, which of its patterns (0-based), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForbiddenHit {
    pub class: usize,
    pub pattern: usize,
    pub span: Span,
}

/// What the rules found in one text, in byte offsets.
#[derive(Debug, Default)]
pub struct RuleHits {
    /// Present facts (index into `Rules::facts`, ascending) with the spans of every match of
    /// their `all` and `any` patterns, sorted and without duplicates.
    pub facts: Vec<(usize, Vec<Span>)>,
    /// Every forbidden match, sorted by (start, end, class, pattern).
    pub forbidden: Vec<ForbiddenHit>,
}

impl Rules {
    /// Compiles the facts and forbidden classes. Facts without any `all` or `any` pattern
    /// cannot be detected and are left out; their ids are returned so the caller can say so.
    pub fn compile(facts: &[Fact], forbidden: &[Forbidden]) -> Result<(Rules, Vec<String>)> {
        let mut patterns: Vec<String> = Vec::new();
        let mut add = |list: &[String]| -> Vec<usize> {
            list.iter()
                .map(|p| {
                    patterns.push(p.clone());
                    patterns.len() - 1
                })
                .collect()
        };
        let mut skipped = Vec::new();
        let mut fact_rules = Vec::new();
        for f in facts {
            let Detect { all, any, none } = &f.detect;
            if all.is_empty() && any.is_empty() {
                skipped.push(f.id.clone());
                continue;
            }
            fact_rules.push(FactRule {
                id: f.id.clone(),
                all: add(all),
                any: add(any),
                none: add(none),
            });
        }
        let forbidden_rules = forbidden
            .iter()
            .map(|f| ForbiddenRule {
                id: f.id.clone(),
                description: f.description.clone(),
                patterns: add(&f.patterns),
            })
            .collect();
        // The patterns were validated when the spec was loaded; a failure here is a limit
        // (e.g. a compiled pattern is too large), which is still the spec's problem.
        let bad = |e: regex::Error| Error::Usage(format!("cannot compile the audit rules: {e}"));
        let regexes = patterns
            .iter()
            .map(|p| Regex::new(p))
            .collect::<std::result::Result<_, _>>()
            .map_err(bad)?;
        Ok((
            Rules {
                facts: fact_rules,
                forbidden: forbidden_rules,
                regexes,
            },
            skipped,
        ))
    }

    /// Which patterns match `text` at all.
    fn which_match(&self, text: &str) -> Matched {
        Matched(self.regexes.iter().map(|r| r.is_match(text)).collect())
    }

    /// Applies every rule to `text`.
    pub fn scan(&self, text: &str) -> RuleHits {
        let mut hits = RuleHits::default();
        if self.regexes.is_empty() {
            return hits;
        }
        let matched = self.which_match(text);
        if !matched.matched_any() {
            return hits;
        }
        let spans = |i: usize| {
            self.regexes[i]
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
        };
        for (fi, f) in self.facts.iter().enumerate() {
            let present = f.all.iter().all(|&i| matched.matched(i))
                && (f.any.is_empty() || f.any.iter().any(|&i| matched.matched(i)))
                && !f.none.iter().any(|&i| matched.matched(i));
            if present {
                let found: BTreeSet<Span> = f
                    .all
                    .iter()
                    .chain(&f.any)
                    .filter(|&&i| matched.matched(i))
                    .flat_map(|&i| spans(i))
                    .collect();
                hits.facts.push((fi, found.into_iter().collect()));
            }
        }
        for (ci, c) in self.forbidden.iter().enumerate() {
            for (pi, &i) in c.patterns.iter().enumerate() {
                if matched.matched(i) {
                    hits.forbidden.extend(spans(i).map(|span| ForbiddenHit {
                        class: ci,
                        pattern: pi,
                        span,
                    }));
                }
            }
        }
        hits.forbidden
            .sort_by_key(|h| (h.span.0, h.span.1, h.class, h.pattern));
        hits
    }
}

/// The facts and forbidden classes an audit checks, from a corpus spec or a rules file.
pub struct AuditSpec {
    pub facts: Vec<Fact>,
    pub forbidden: Vec<Forbidden>,
}

/// Loads `path`: a full corpus spec (a file with a `[corpus]` table, validated like
/// `factpress check`'s) or a rules-only file holding just `[[facts]]` (`id`, optional
/// `statement`, `detect`) and `[[forbidden]]`, for corpora factpress did not write. Every
/// problem is reported at once with file:line:col (exit 2).
pub fn load(path: &Path) -> Result<AuditSpec> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Invalid {
        count: 1,
        rendered: format!("error: cannot read spec file {}: {e}\n", path.display()),
    })?;
    let has_corpus = text
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("corpus"));
    if has_corpus {
        let spec = Spec::load(path)?;
        return Ok(AuditSpec {
            facts: spec.facts,
            forbidden: spec.forbidden,
        });
    }
    load_rules_only(path, &text)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    facts: Vec<RawFact>,
    #[serde(default)]
    forbidden: Vec<RawForbidden>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    id: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    statement: String,
    /// Allowed so a spec's `[[facts]]` can be pasted unchanged; not used by the audit.
    #[serde(default)]
    #[allow(dead_code)]
    variants: Vec<String>,
    detect: RawDetect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    #[serde(default)]
    all: Vec<Spanned<String>>,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    none: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForbidden {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    patterns: Spanned<Vec<Spanned<String>>>,
}

fn load_rules_only(path: &Path, text: &str) -> Result<AuditSpec> {
    let mut diags = Diagnostics::new();
    let file = diags.add_file(path.display().to_string(), text.to_string());
    let raw: RawRules = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            diags.error(
                file,
                e.span().unwrap_or(0..0),
                format!("invalid audit rules: {}", e.message().trim()),
                "here",
            );
            diags.into_result()?;
            unreachable!("a diagnostic was recorded")
        }
    };
    fn check(diags: &mut Diagnostics, file: FileId, p: &Spanned<String>, what: String) -> String {
        if let Err(e) = Regex::new(p.get_ref()) {
            diags.error_with_notes(
                file,
                p.span(),
                format!("invalid regular expression in {what}"),
                "expected a regex (Rust `regex` syntax)",
                vec![e.to_string()],
            );
        }
        p.get_ref().clone()
    }
    let mut facts = Vec::new();
    for f in raw.facts {
        let id = f.id.get_ref().clone();
        let mut list = |v: Vec<Spanned<String>>| -> Vec<String> {
            v.iter()
                .map(|p| check(&mut diags, file, p, format!("detect rule of fact `{id}`")))
                .collect()
        };
        let detect = Detect {
            all: list(f.detect.all),
            any: list(f.detect.any),
            none: list(f.detect.none),
        };
        facts.push((f.id, detect));
    }
    let mut forbidden = Vec::new();
    for f in raw.forbidden {
        let id = f.id.get_ref().clone();
        let patterns: Vec<String> = f
            .patterns
            .get_ref()
            .iter()
            .map(|p| check(&mut diags, file, p, format!("forbidden class `{id}`")))
            .collect();
        if patterns.is_empty() {
            diags.error(
                file,
                f.patterns.span(),
                format!("forbidden class `{id}` has no patterns: expected at least one regex"),
                "empty list",
            );
        }
        forbidden.push((f.id, f.description, patterns));
    }
    let mut seen = BTreeSet::new();
    for id in facts
        .iter()
        .map(|f| &f.0)
        .chain(forbidden.iter().map(|f| &f.0))
    {
        if !seen.insert(id.get_ref().clone()) {
            diags.error(
                file,
                id.span(),
                format!("duplicate id `{}`", id.get_ref()),
                "defined again here",
            );
        }
    }
    diags.into_result()?;
    Ok(AuditSpec {
        facts: facts
            .into_iter()
            .map(|(id, detect)| Fact {
                id: id.into_inner(),
                statement: String::new(),
                variants: Vec::new(),
                variant_spans: Vec::new(),
                detect,
            })
            .collect(),
        forbidden: forbidden
            .into_iter()
            .map(|(id, description, patterns)| Forbidden {
                id: id.into_inner(),
                description,
                patterns,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str, all: &[&str], any: &[&str], none: &[&str]) -> Fact {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Fact {
            id: id.into(),
            statement: String::new(),
            variants: vec![],
            variant_spans: vec![],
            detect: Detect {
                all: v(all),
                any: v(any),
                none: v(none),
            },
        }
    }

    #[test]
    fn all_any_none_decide_presence_and_spans_cover_positive_matches() {
        let facts = [
            fact("a", &["free"], &["rated", "graded"], &["never"]),
            fact("b", &["paid"], &[], &[]),
            fact("undetectable", &[], &[], &["x"]),
        ];
        let (rules, skipped) = Rules::compile(&facts, &[]).unwrap();
        assert_eq!(skipped, ["undetectable"]);
        let hits = rules.scan("free answers are graded; free");
        assert_eq!(hits.facts, vec![(0, vec![(0, 4), (17, 23), (25, 29)])]);
        assert!(rules.scan("free answers are never graded").facts.is_empty());
        assert!(rules.scan("free answers").facts.is_empty());
        assert_eq!(rules.scan("paid").facts, vec![(1, vec![(0, 4)])]);
    }

    #[test]
    fn non_ascii_texts_with_word_boundaries_match_like_ascii_ones() {
        let facts = [fact(
            "a",
            &[r"\bfree\b"],
            &[r"(?i)\brated\b"],
            &[r"\bnever\b"],
        )];
        let (rules, _) = Rules::compile(&facts, &[]).unwrap();
        // Byte offsets here: "—" is three bytes.
        assert_eq!(
            rules.scan("free — Rated").facts,
            vec![(0, vec![(0, 4), (9, 14)])]
        );
        assert!(
            rules.scan("freeé — rated").facts.is_empty(),
            "é is a word character"
        );
        assert!(rules.scan("free — rated, never").facts.is_empty());
    }
}
