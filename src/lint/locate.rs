//! Where in a factpress corpus's `source/` a seam most likely comes from. Best effort: every
//! template is cut into its literal pieces (the text between tags, line by line, and the
//! string literals inside tags, such as the choices of `["a verdict", "outrage"]`), and so is
//! every fact variant of the spec; a piece found in the document around the seam names the
//! file and line. A piece that overlaps the seam wins (preferring the document's own
//! template, then fact variants, then other templates such as partials; then the longest);
//! else the nearest piece of the own template, else the nearest piece of any file. A
//! seam with no piece within 80 bytes (its surroundings come only from pool values or
//! computed text) is not located ("line unknown").

use crate::spec::Spec;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::path::Path;

/// Shortest piece (in bytes, trimmed) worth matching.
const MIN_PIECE: usize = 5;
/// Bytes of the document either side of a seam searched for pieces.
const WINDOW: usize = 80;

/// How good a match is, smallest best: (not overlapping the seam, tier, distance, -length);
/// the tier puts the document's own template first, then (for overlapping pieces) fact
/// variants before other templates.
type Rank = (bool, u8, usize, isize);

#[derive(Debug, Clone)]
struct Piece {
    file: usize,
    line: usize,
    /// The template name, for a template piece (`None` for a fact variant).
    template: Option<usize>,
}

/// The literal pieces of a corpus's templates and fact variants, indexed for search.
pub struct Locator {
    ac: AhoCorasick,
    /// Per pattern: every place it occurs.
    places: Vec<Vec<Piece>>,
    lens: Vec<usize>,
    /// File names as shown (relative to the corpus folder when inside it).
    files: Vec<String>,
    /// Template names (relative to the templates folder), by index.
    templates: Vec<String>,
}

/// A located seam: the file and 1-based line of the template or spec text it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

impl Locator {
    /// Indexes the templates and fact variants of `spec`; file names are shown relative to
    /// `base` (the corpus folder) when they are inside it.
    pub fn new(spec: &Spec, base: &Path) -> Locator {
        let show = |p: &Path| {
            p.strip_prefix(base)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/")
        };
        let mut files = Vec::new();
        let mut templates = Vec::new();
        let mut by_text: HashMap<String, Vec<Piece>> = HashMap::new();
        for t in &spec.templates {
            let file = files.len();
            files.push(show(&t.path));
            let template = Some(templates.len());
            templates.push(t.name.clone());
            for (text, line) in pieces(&t.text, 1) {
                by_text.entry(text).or_default().push(Piece {
                    file,
                    line,
                    template,
                });
            }
        }
        let spec_file = files.len();
        files.push(show(&spec.path));
        for f in &spec.facts {
            for (v, span) in f.variants.iter().zip(&f.variant_spans) {
                let first = spec.spec_text[..span.start.min(spec.spec_text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                for (text, line) in pieces(v, first) {
                    by_text.entry(text).or_default().push(Piece {
                        file: spec_file,
                        line,
                        template: None,
                    });
                }
            }
        }
        let mut entries: Vec<(String, Vec<Piece>)> = by_text.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let lens = entries.iter().map(|(t, _)| t.len()).collect();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(entries.iter().map(|(t, _)| t.as_str()))
            .expect("literal patterns build");
        Locator {
            ac,
            places: entries.into_iter().map(|(_, p)| p).collect(),
            lens,
            files,
            templates,
        }
    }

    /// The most likely source of the seam at bytes `start..end` of `text`, rendered from
    /// template `template` (when known).
    pub fn locate(
        &self,
        text: &str,
        start: usize,
        end: usize,
        template: Option<&str>,
    ) -> Option<Place> {
        let mut from = start.saturating_sub(WINDOW);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (end + WINDOW).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let own = template.and_then(|t| self.templates.iter().position(|n| n == t));
        // (not overlapping, priority, distance, -length) — smallest wins: a piece that
        // overlaps the seam, then the document's own template, then the nearest.
        let mut best: Option<(Rank, &Piece)> = None;
        for m in self.ac.find_overlapping_iter(&text[from..to]) {
            let (ms, me) = (from + m.start(), from + m.end());
            let distance = if me <= start {
                start - me
            } else {
                ms.saturating_sub(end)
            };
            let p = m.pattern().as_usize();
            for piece in &self.places[p] {
                let own_piece = piece.template.is_some() && piece.template == own;
                let tier = match (distance, own_piece, piece.template) {
                    (_, true, _) => 0,
                    (0, false, None) => 1,
                    (0, false, Some(_)) => 2,
                    _ => 1,
                };
                let key = (distance > 0, tier, distance, -(self.lens[p] as isize));
                if best.as_ref().is_none_or(|(k, _)| key < *k) {
                    best = Some((key, piece));
                }
            }
        }
        best.map(|(_, p)| Place {
            file: self.files[p.file].clone(),
            line: p.line,
        })
    }
}

/// The literal pieces of template text `t` whose first line is `first_line`: text outside
/// tags, line by line, and string literals inside `{{ }}` and `{% %}`; each with its line.
fn pieces(t: &str, first_line: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut push = |s: &str, line: usize| {
        let s = s.trim();
        if s.len() >= MIN_PIECE && s.chars().any(char::is_alphabetic) {
            out.push((s.to_string(), line));
        }
    };
    let mut rest = t;
    let mut line = first_line;
    while !rest.is_empty() {
        let open = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|o| rest.find(o).map(|i| (i, *o)))
            .min();
        let (lit, tag) = match open {
            Some((i, o)) => {
                let close = match o {
                    "{{" => "}}",
                    "{%" => "%}",
                    _ => "#}",
                };
                let after = &rest[i + 2..];
                let len = after.find(close).map_or(after.len(), |j| j + 2);
                (&rest[..i], Some((o, &rest[i..i + 2 + len])))
            }
            None => (rest, None),
        };
        for (k, part) in lit.split('\n').enumerate() {
            push(part, line + k);
        }
        line += lit.matches('\n').count();
        let Some((kind, tag)) = tag else {
            break;
        };
        if kind != "{#" {
            for (s, offset) in string_literals(tag) {
                push(&s, line + tag[..offset].matches('\n').count());
            }
        }
        line += tag.matches('\n').count();
        rest = &rest[lit.len() + tag.len()..];
    }
    out
}

/// The string literals of a template expression that can be rendered, with their byte
/// offsets: not the arguments of a call (`pick('forum')` names a pool, `date(0, 3, "%B")` a
/// format), but the items of a list (`["a verdict", "outrage"]`) and bare literals.
fn string_literals(tag: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut open: Vec<char> = Vec::new();
    let mut chars = tag.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' | '[' => open.push(c),
            ')' | ']' => {
                open.pop();
            }
            '"' | '\'' => {
                let mut s = String::new();
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        s.push(d);
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    } else {
                        s.push(d);
                    }
                }
                if open.last() != Some(&'(') {
                    out.push((s, i));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_literals_with_lines() {
        let t = "Title {{ x }} goes here\n{% if chance(0.5) %}{{ [\"a verdict\", \"outrage\"][int(0, 1)] }}\
                 {% endif %}\nBy {{ pick('name') }}, staff writer {{ pick(\"a_pool\") }}\n{# a comment #}";
        let got = pieces(t, 1);
        assert_eq!(
            got,
            [
                ("Title".to_string(), 1),
                ("goes here".to_string(), 1),
                ("a verdict".to_string(), 2),
                ("outrage".to_string(), 2),
                (", staff writer".to_string(), 3),
            ]
        );
    }
}
