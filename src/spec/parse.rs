//! Reads a spec's TOML into a `RawSpec`, collecting every structural problem at once rather
//! than stopping at the first: after an error, the offending line (an unknown key) or the
//! `[[table]]` item holding it is blanked out — spaces, so every later offset and line number
//! stays true — and the rest is parsed again. What is blanked is remembered, so validation
//! does not then report its absence ("unknown fact id" for a fact whose table was broken).

use super::raw::RawSpec;
use crate::diag::{Diagnostics, FileId};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Parse attempts before giving up (each finds one more problem).
const MAX_PROBLEMS: usize = 32;

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^[ \t]*(\[\[?)[ \t]*([A-Za-z0-9_."' -]+?)[ \t]*\]\]?[ \t]*(#.*)?$"#)
        .expect("static regex")
});
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?m)^\s*id\s*=\s*["']([^"']+)["']"#).expect("static regex"));

/// What was taken out of the text to parse the rest.
#[derive(Debug, Default)]
pub(super) struct Blanked {
    /// Ids defined in blanked `[[…]]` items.
    pub ids: Vec<String>,
    /// Names of the arrays of tables that lost an item (`facts`, `doc_types`, …).
    pub arrays: Vec<String>,
}

/// Parses `text`; every error is recorded in `diags`. `None` when the text cannot be made to
/// parse (a syntax error, or a broken single table such as `[corpus]`).
pub(super) fn parse(
    text: &str,
    file: FileId,
    diags: &mut Diagnostics,
) -> Option<(RawSpec, Blanked)> {
    // A syntax error leaves nothing reliable to go on: report it alone.
    if let Err(e) = text.parse::<toml::Table>() {
        diags.error(
            file,
            e.span().unwrap_or(0..0),
            format!("invalid corpus spec: {}", e.message().trim()),
            "here",
        );
        return None;
    }
    let mut work = text.to_string();
    let mut blanked = Blanked::default();
    let mut cut: Vec<Range<usize>> = Vec::new();
    for _ in 0..MAX_PROBLEMS {
        let e = match toml::from_str::<RawSpec>(&work) {
            Ok(raw) => return Some((raw, blanked)),
            Err(e) => e,
        };
        if work.parse::<toml::Table>().is_err() {
            return None; // the blanking broke the syntax: stop with what was found
        }
        let span = e.span();
        let message = e.message().trim().to_string();
        let artifact = span
            .as_ref()
            .is_some_and(|s| cut.iter().any(|c| c.start <= s.start && s.start <= c.end));
        if !artifact {
            diags.error(
                file,
                span.clone().unwrap_or(0..0),
                format!("invalid corpus spec: {message}"),
                "here",
            );
        }
        let span = span?;
        let item = item_at(&work, span.start);
        let range = match &item {
            // An unknown key or a wrong value: blank the line it is on; a problem with the
            // item as a whole ("missing field"), or a second one inside it: blank the item.
            Some((r, _, true)) if artifact || message.starts_with("missing field") => r.clone(),
            _ if message.starts_with("missing field") => return None,
            _ => line_at(&work, span.start),
        };
        if range.is_empty() || cut.contains(&range) {
            return None;
        }
        if let Some((r, name, true)) = &item
            && *r == range
        {
            blanked.arrays.push(name.clone());
            blanked
                .ids
                .extend(ID.captures_iter(&work[r.clone()]).map(|c| c[1].to_string()));
        }
        blank(&mut work, range.clone());
        cut.push(range);
    }
    None
}

/// Whether a validation message only echoes what was blanked: an unknown id defined in a
/// blanked item, or an array of tables left empty by the blanking.
pub(super) fn is_echo(message: &str, blanked: &Blanked) -> bool {
    blanked
        .ids
        .iter()
        .any(|id| message.contains("unknown") && message.contains(&format!("`{id}`")))
        || blanked
            .arrays
            .iter()
            .any(|a| message.contains(&format!("no [[{a}]]")))
}

/// The top-level item holding `offset`: its byte range, its table name, and whether it is
/// an element of an array of tables (`[[name]]`).
fn item_at(text: &str, offset: usize) -> Option<(Range<usize>, String, bool)> {
    let headers: Vec<(usize, String, bool)> = HEADER
        .captures_iter(text)
        .map(|c| {
            let m = c.get(0).expect("match");
            (m.start(), c[2].to_string(), &c[1] == "[[")
        })
        .collect();
    let i = headers.iter().rposition(|(start, ..)| *start <= offset)?;
    let end = headers.get(i + 1).map_or(text.len(), |h| h.0);
    let (start, name, array) = headers[i].clone();
    Some((start..end, name, array))
}

/// The line holding byte `offset` (line breaks are ASCII, so bytes are searched).
fn line_at(text: &str, offset: usize) -> Range<usize> {
    let b = text.as_bytes();
    let offset = offset.min(b.len());
    let start = b[..offset]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let end = b[start..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| start + i);
    start..end
}

/// Replaces `range` of `text` by spaces, keeping line breaks (offsets stay the same).
fn blank(text: &mut String, range: Range<usize>) {
    // Multi-byte characters become several spaces, so byte offsets stay true.
    let padded: String = text[range.clone()]
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(range, &padded);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_offsets() {
        let mut t = "a = 1\né = 2\nb = 3\n".to_string();
        let r = line_at(&t, 7);
        blank(&mut t, r);
        assert_eq!(t.len(), "a = 1\né = 2\nb = 3\n".len());
        assert!(t.starts_with("a = 1\n") && t.ends_with("\nb = 3\n"));
    }
}
