//! The one rules engine: each fact's `detect` rules and each forbidden class's patterns,
//! compiled once into one `Regex` per pattern: `is_match` decides which patterns match a text,
//! and spans are searched only for those. (A single `RegexSet` was measured 8x slower on the
//! shipped specs: its overlapping search falls back to an NFA simulation with their bounded
//! `[^.]{0,N}` windows and Unicode word boundaries, while each regex alone keeps its literal
//! prefilter and lazy DFA.) The rules come from a corpus spec or a rules-only file, both
//! read and checked by `Spec::load_rules`. `audit` and `stats` both detect with this.
//! Byte offsets only; turning them into character offsets is the caller's job.

use crate::error::{Error, Result};
use crate::spec::{Constraint, Detect, Fact, Forbidden, Member, Spec};
use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;

/// A byte or character range `[start, end)` in a document's text.
pub type Span = (usize, usize);

/// The compiled rules of an audit spec.
pub struct Rules {
    pub facts: Vec<FactRule>,
    /// The `implied_detect` rules of facts that have them; each rule's id is its fact's id.
    pub implied: Vec<FactRule>,
    /// The detect rules of every detectable piece; each rule's id is the piece's id.
    pub pieces: Vec<FactRule>,
    /// The fact id of each entry of `pieces`.
    pub piece_facts: Vec<String>,
    pub constraints: Vec<ConstraintRule>,
    pub forbidden: Vec<ForbiddenRule>,
    regexes: Vec<Regex>,
}

/// A `never_together` constraint, with its members as rules (`None`: not detectable).
pub struct ConstraintRule {
    pub id: String,
    pub members: Vec<Option<RuleRef>>,
}

/// A rule a constraint member is detected by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleRef {
    /// Index into `Rules::facts`.
    Fact(usize),
    /// Index into `Rules::pieces`.
    Piece(usize),
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
    /// The conditions the class applies to (empty: every document).
    pub conditions: Vec<String>,
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
    /// Facts whose implied variants' rules hold (index into `Rules::implied`, ascending).
    pub implied: Vec<usize>,
    /// Pieces whose rules hold (index into `Rules::pieces`, ascending).
    pub pieces: Vec<usize>,
}

impl Rules {
    /// Compiles the facts and forbidden classes. Facts without any `all` or `any` pattern
    /// cannot be detected and are left out; their ids are returned so the caller can say so.
    pub fn compile(facts: &[Fact], forbidden: &[Forbidden]) -> Result<(Rules, Vec<String>)> {
        Rules::compile_all(facts, forbidden, &[])
    }

    /// [`compile`](Self::compile), with the facts' implied and piece rules and the
    /// constraints over them.
    pub fn compile_all(
        facts: &[Fact],
        forbidden: &[Forbidden],
        constraints: &[Constraint],
    ) -> Result<(Rules, Vec<String>)> {
        let mut patterns: Vec<String> = Vec::new();
        let mut add = |list: &[String]| -> Vec<usize> {
            list.iter()
                .map(|p| {
                    patterns.push(p.clone());
                    patterns.len() - 1
                })
                .collect()
        };
        let mut rule = |id: &str, d: &Detect| -> Option<FactRule> {
            (!d.all.is_empty() || !d.any.is_empty()).then(|| FactRule {
                id: id.to_string(),
                all: add(&d.all),
                any: add(&d.any),
                none: add(&d.none),
            })
        };
        let mut skipped = Vec::new();
        let mut fact_rules = Vec::new();
        let (mut implied, mut pieces, mut piece_facts) = (Vec::new(), Vec::new(), Vec::new());
        for f in facts {
            match rule(&f.id, &f.detect) {
                Some(r) => fact_rules.push(r),
                None => skipped.push(f.id.clone()),
            }
            implied.extend(rule(&f.id, &f.implied_detect));
            for p in &f.pieces {
                if let Some(r) = rule(&p.id, &p.detect) {
                    pieces.push(r);
                    piece_facts.push(f.id.clone());
                }
            }
        }
        let forbidden_rules = forbidden
            .iter()
            .map(|f| ForbiddenRule {
                id: f.id.clone(),
                description: f.description.clone(),
                conditions: f.conditions.clone(),
                patterns: add(&f.patterns),
            })
            .collect();
        let constraint_rules = constraints
            .iter()
            .map(|c| ConstraintRule {
                id: c.name(),
                members: c
                    .members
                    .iter()
                    .map(|m| match *m {
                        Member::Fact(fi) => fact_rules
                            .iter()
                            .position(|r| r.id == facts[fi].id)
                            .map(RuleRef::Fact),
                        Member::Piece(fi, pi) => pieces
                            .iter()
                            .position(|r| r.id == facts[fi].pieces[pi].id)
                            .map(RuleRef::Piece),
                    })
                    .collect(),
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
                implied,
                pieces,
                piece_facts,
                constraints: constraint_rules,
                forbidden: forbidden_rules,
                regexes,
            },
            skipped,
        ))
    }

    /// Whether forbidden class `class` applies to a document of `condition`.
    pub fn forbidden_applies(&self, class: usize, condition: Option<&str>) -> bool {
        let c = &self.forbidden[class].conditions;
        c.is_empty() || condition.is_some_and(|x| c.iter().any(|k| k == x))
    }

    /// Loads and compiles the rules of `path` (a corpus spec or a rules-only file); also
    /// returns the ids of facts that have no positive pattern and so cannot be detected.
    pub fn load(path: &Path) -> Result<(Rules, Vec<String>)> {
        let (facts, forbidden, constraints) = Spec::load_rules(path)?;
        Rules::compile_all(&facts, &forbidden, &constraints)
    }

    /// The facts (indices into `facts`, ascending) whose rules hold for `text`; no spans.
    pub fn present_facts(&self, text: &str) -> Vec<usize> {
        if self.facts.is_empty() {
            return Vec::new();
        }
        let matched = self.which_match(text);
        (0..self.facts.len())
            .filter(|&fi| self.fact_holds(fi, &matched))
            .collect()
    }

    fn fact_holds(&self, fi: usize, matched: &Matched) -> bool {
        holds(&self.facts[fi], matched)
    }
}

fn holds(f: &FactRule, matched: &Matched) -> bool {
    {
        f.all.iter().all(|&i| matched.matched(i))
            && (f.any.is_empty() || f.any.iter().any(|&i| matched.matched(i)))
            && !f.none.iter().any(|&i| matched.matched(i))
    }
}

impl Rules {
    /// Which patterns match `text` at all.
    fn which_match(&self, text: &str) -> Matched {
        Matched(self.regexes.iter().map(|r| r.is_match(text)).collect())
    }

    /// Applies every rule to `text`.
    /// Where the patterns of implied rule `i` (or piece rule `i`, with `piece`) match `text`.
    pub fn form_spans(&self, piece: bool, i: usize, text: &str) -> Vec<Span> {
        let r = if piece {
            &self.pieces[i]
        } else {
            &self.implied[i]
        };
        r.all
            .iter()
            .chain(&r.any)
            .flat_map(|&k| {
                self.regexes[k]
                    .find_iter(text)
                    .map(|m| (m.start(), m.end()))
            })
            .collect()
    }

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
            if self.fact_holds(fi, &matched) {
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
        let which = |list: &[FactRule]| -> Vec<usize> {
            (0..list.len())
                .filter(|&i| holds(&list[i], &matched))
                .collect()
        };
        hits.implied = which(&self.implied);
        hits.pieces = which(&self.pieces);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str, all: &[&str], any: &[&str], none: &[&str]) -> Fact {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Fact::rules_only(
            id.into(),
            String::new(),
            Detect {
                all: v(all),
                any: v(any),
                none: v(none),
            },
        )
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
