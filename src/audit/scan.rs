//! One input line in, one document's findings out: parse the record, take its text, id and
//! (for factpress corpora) its intended facts, apply the rules and the overlap index, and turn
//! every span into character offsets. Pure and thread-safe: the caller runs it in parallel and
//! decides what to write.

use super::overlap::{Against, OverlapHits, words};
use super::rules::{ForbiddenHit, Rules, Span};
use crate::input;
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
}

/// The findings of one document, spans in characters.
#[derive(Debug)]
pub struct DocFindings {
    pub id: String,
    pub bytes: usize,
    pub chars: usize,
    /// Present facts (ascending index into `Rules::facts`) with the spans of their matches.
    pub present: Vec<(usize, Vec<Span>)>,
    /// Intended facts (ascending), for factpress corpora.
    pub intended: Option<Vec<usize>>,
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
    fallback_id: impl FnOnce() -> String,
) -> Result<DocFindings, Malformed> {
    if line.trim().is_empty() {
        return Err("empty line".into());
    }
    let record: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let prov: Option<Value> = provenance
        .map(|p| serde_json::from_str(p).map_err(|e| format!("provenance row is not JSON: {e}")))
        .transpose()?;
    let text = input::text_field(&record, cfg.text_field)?;
    let id = match cfg.id_field {
        Some(path) => id_string(input::field(&record, path))
            .ok_or_else(|| format!("no string or number at id field `{path}`"))?,
        None => id_string(prov.as_ref().and_then(|p| p.get("id")))
            .or_else(|| id_string(record.get("id")))
            .unwrap_or_else(fallback_id),
    };
    let intended = if cfg.intended {
        let meta = prov.as_ref().unwrap_or(&record);
        let facts = input::field(meta, "metadata.facts")
            .and_then(Value::as_array)
            .ok_or("no `metadata.facts` list (expected in a factpress corpus)")?;
        let mut ids: Vec<usize> = facts
            .iter()
            .filter_map(|f| f.get("id").and_then(Value::as_str))
            .filter_map(|id| cfg.fact_index.get(id).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    } else {
        None
    };

    let hits = cfg.rules.scan(text);
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
        intended,
        forbidden,
        forbidden_text,
        overlap,
    })
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
