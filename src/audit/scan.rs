//! One input line in, one document's findings out: parse the record, take its text, id and
//! (for factpress corpora) its intended facts, apply the rules and the overlap index, and turn
//! every span into character offsets. Pure and thread-safe: the caller runs it in parallel and
//! decides what to write.

use super::overlap::{Against, OverlapHits, words};
use crate::corpus::{field, text_field};
use crate::rules::{ForbiddenHit, Rules, Span};
use serde_json::Value;
use std::collections::HashMap;

/// What a line is read with.
pub struct ScanConfig<'a> {
    pub rules: &'a Rules,
    pub against: Option<&'a Against>,
    pub text_field: &'a str,
    pub id_field: Option<&'a str>,
    /// Whether records (or their provenance rows) name their intended facts in
    /// `metadata.facts[].id`: true for factpress corpus folders.
    pub intended: bool,
    /// Fact id -> index into `rules.facts`.
    pub fact_index: HashMap<&'a str, usize>,
    /// The top-level keys of a record that are read (see [`ScanConfig::keys_for`]).
    pub keys: Vec<String>,
}

impl ScanConfig<'_> {
    /// The top-level record keys the audit reads: the first part of the text and id paths,
    /// `id`, and `metadata` when intended facts are read from the record.
    pub fn keys_for(text_field: &str, id_field: Option<&str>, intended: bool) -> Vec<String> {
        let first = |p: &str| p.split('.').next().unwrap_or(p).to_string();
        let mut keys = vec![first(text_field), first(id_field.unwrap_or("id"))];
        if intended {
            keys.push("metadata".into());
        }
        keys.dedup();
        keys
    }
}

/// A record with only the top-level keys the audit reads parsed into values; the rest are
/// skipped without being built (most of the cost of a record is its metadata).
struct Projected<'k> {
    keys: &'k [String],
    values: Vec<Option<Value>>,
}

impl<'k> Projected<'k> {
    fn parse(line: &str, keys: &'k [String]) -> serde_json::Result<Projected<'k>> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(line);
        let values = Seed(keys).deserialize(&mut de)?;
        de.end()?;
        Ok(Projected { keys, values })
    }

    /// The value at a dotted path, as `corpus::field` would find it in the whole record.
    fn get(&self, path: &str) -> Option<&Value> {
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        let i = self.keys.iter().position(|k| k == head)?;
        let v = self.values[i].as_ref()?;
        match rest {
            Some(r) => field(v, r),
            None => Some(v),
        }
    }
}

/// `{head: value}` nested along `path`, so `corpus::text_field` can describe `value`.
fn wrap(path: &str, value: &Value) -> Value {
    path.rsplit('.').fold(value.clone(), |v, k| {
        Value::Object([(k.to_string(), v)].into_iter().collect())
    })
}

struct Seed<'k>(&'k [String]);

impl<'de> serde::de::DeserializeSeed<'de> for Seed<'_> {
    type Value = Vec<Option<Value>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Seed<'_> {
    type Value = Vec<Option<Value>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = vec![None; self.0.len()];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.0.iter().position(|k| *k == key) {
                Some(i) => out[i] = Some(map.next_value()?),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The findings of one document, spans in characters.
#[derive(Debug)]
pub struct DocFindings {
    pub id: String,
    pub bytes: usize,
    pub chars: usize,
    /// Present facts (ascending index into `Rules::facts`) with the spans of their matches.
    pub present: Vec<(usize, Vec<Span>)>,
    /// Intended facts (ascending), for factpress corpora: those stated.
    pub intended: Option<Vec<usize>>,
    /// Facts whose implied rules hold (ascending index into `Rules::implied`), and those
    /// intended as implied (factpress corpora).
    pub implied: Vec<usize>,
    pub implied_intended: Option<Vec<usize>>,
    /// Pieces whose rules hold (ascending index into `Rules::pieces`), and those intended.
    pub pieces: Vec<usize>,
    pub pieces_intended: Option<Vec<usize>>,
    /// Per constraint: `None` where it does not apply (the document intends the whole fact
    /// that the pieces it names come from), else whether two of its members were detected.
    pub constraints: Vec<Option<bool>>,
    pub forbidden: Vec<ForbiddenHit>,
    /// The matched text of each forbidden hit, at most 200 characters.
    pub forbidden_text: Vec<String>,
    pub overlap: OverlapHits,
}

/// A line that could not be audited, and why.
pub type Malformed = String;

/// Audits one line. `fallback_id` names the document when the record has no id.
pub fn scan_line(
    cfg: &ScanConfig,
    line: &str,
    provenance: Option<&str>,
    condition: Option<&str>,
    fallback_id: impl FnOnce() -> String,
) -> Result<DocFindings, Malformed> {
    if line.trim().is_empty() {
        return Err("empty line".into());
    }
    let record = Projected::parse(line, &cfg.keys).map_err(|e| {
        if e.is_data() {
            format!("not a JSON object: {e}")
        } else {
            format!("not JSON: {e}")
        }
    })?;
    let prov: Option<Value> = provenance
        .map(|p| serde_json::from_str(p).map_err(|e| format!("provenance row is not JSON: {e}")))
        .transpose()?;
    let text = match record.get(cfg.text_field) {
        Some(Value::String(s)) => s.as_str(),
        // Let `text_field` word the problem.
        Some(other) => {
            return Err(text_field(&wrap(cfg.text_field, other), cfg.text_field).unwrap_err());
        }
        None => return Err(format!("no field `{}`", cfg.text_field)),
    };
    let id = match cfg.id_field {
        Some(path) => id_string(record.get(path))
            .ok_or_else(|| format!("no string or number at id field `{path}`"))?,
        None => id_string(prov.as_ref().and_then(|p| p.get("id")))
            .or_else(|| id_string(record.get("id")))
            .unwrap_or_else(fallback_id),
    };
    let intended = if cfg.intended {
        let facts = match &prov {
            Some(p) => field(p, "metadata.facts"),
            None => record.get("metadata.facts"),
        };
        let facts = facts
            .and_then(Value::as_array)
            .ok_or("no `metadata.facts` list (expected in a factpress corpus)")?;
        Some(Intended::read(cfg.rules, &cfg.fact_index, facts))
    } else {
        None
    };

    let mut hits = cfg.rules.scan(text);
    let constraints = constraint_checks(cfg.rules, &hits, intended.as_ref());
    // Classes limited to some conditions say nothing about documents of the others.
    hits.forbidden
        .retain(|h| cfg.rules.forbidden_applies(h.class, condition));
    let chars = CharMap::new(text);
    let present = hits
        .facts
        .into_iter()
        .map(|(f, spans)| (f, spans.into_iter().map(|s| chars.span(s)).collect()))
        .collect();
    let forbidden_text = hits
        .forbidden
        .iter()
        .map(|h| text[h.span.0..h.span.1].chars().take(200).collect())
        .collect();
    let forbidden = hits
        .forbidden
        .into_iter()
        .map(|h| ForbiddenHit {
            span: chars.span(h.span),
            ..h
        })
        .collect();
    let overlap = cfg
        .against
        .map(|a| a.find(&words(text)))
        .unwrap_or_default();
    Ok(DocFindings {
        id,
        bytes: text.len(),
        chars: chars.len,
        present,
        implied: std::mem::take(&mut hits.implied),
        pieces: std::mem::take(&mut hits.pieces),
        constraints,
        implied_intended: intended.as_ref().map(|i| i.implied.clone()),
        pieces_intended: intended.as_ref().map(|i| i.pieces.clone()),
        intended: intended.map(|i| i.stated),
        forbidden,
        forbidden_text,
        overlap,
    })
}

/// What a factpress record says its document carries, by form, as rule indices.
struct Intended {
    stated: Vec<usize>,
    implied: Vec<usize>,
    pieces: Vec<usize>,
    /// Ids of the facts stated (whole facts, which legitimately hold all their pieces).
    stated_ids: Vec<String>,
}

impl Intended {
    fn read(rules: &Rules, fact_index: &HashMap<&str, usize>, facts: &[Value]) -> Intended {
        let mut out = Intended {
            stated: Vec::new(),
            implied: Vec::new(),
            pieces: Vec::new(),
            stated_ids: Vec::new(),
        };
        for f in facts {
            let Some(id) = f.get("id").and_then(Value::as_str) else {
                continue;
            };
            match f.get("form").and_then(Value::as_str) {
                Some("implied") => {
                    out.implied
                        .extend(rules.implied.iter().position(|r| r.id == id));
                }
                Some("piece") => {
                    let piece = f.get("piece").and_then(Value::as_str).unwrap_or("");
                    out.pieces
                        .extend(rules.pieces.iter().position(|r| r.id == piece));
                }
                _ => {
                    out.stated_ids.push(id.to_string());
                    out.stated.extend(fact_index.get(id).copied());
                }
            }
        }
        for l in [&mut out.stated, &mut out.implied, &mut out.pieces] {
            l.sort_unstable();
            l.dedup();
        }
        out
    }
}

/// Each constraint's verdict on a document (see `DocFindings::constraints`).
fn constraint_checks(
    rules: &Rules,
    hits: &crate::rules::RuleHits,
    intended: Option<&Intended>,
) -> Vec<Option<bool>> {
    use crate::rules::RuleRef;
    rules
        .constraints
        .iter()
        .map(|c| {
            let exempt = intended.is_some_and(|i| {
                c.members.iter().any(|m| {
                    matches!(m, Some(RuleRef::Piece(p)) if i.stated_ids.contains(&rules.piece_facts[*p]))
                })
            });
            if exempt {
                return None;
            }
            let found = c
                .members
                .iter()
                .filter(|m| match m {
                    Some(RuleRef::Fact(f)) => hits.facts.iter().any(|(x, _)| x == f),
                    Some(RuleRef::Piece(p)) => hits.pieces.contains(p),
                    None => false,
                })
                .count();
            Some(found >= 2)
        })
        .collect()
}

fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Byte offset -> character offset, without work for ASCII texts.
struct CharMap {
    /// Byte offset of every character, when the text is not ASCII.
    starts: Option<Vec<usize>>,
    len: usize,
}

impl CharMap {
    fn new(text: &str) -> CharMap {
        if text.is_ascii() {
            CharMap {
                starts: None,
                len: text.len(),
            }
        } else {
            let starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            CharMap {
                len: starts.len(),
                starts: Some(starts),
            }
        }
    }

    fn offset(&self, byte: usize) -> usize {
        match &self.starts {
            None => byte,
            Some(s) => s.partition_point(|&b| b < byte),
        }
    }

    fn span(&self, (start, end): Span) -> Span {
        (self.offset(start), self.offset(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_map_counts_code_points() {
        let m = CharMap::new("é🙂a");
        assert_eq!(m.len, 3);
        assert_eq!(m.span((0, 2)), (0, 1));
        assert_eq!(m.span((2, 6)), (1, 2));
        assert_eq!(m.offset(7), 3);
    }
}
