//! Seams of the written surface: punctuation, dangling lead-ins, template leftovers, quotes
//! that do not pair up, lowercase sentence starts and fused headings.

use super::{Class, Hit, char_at, char_before, lines, paragraphs};
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

/// Punctuation patterns reported as they are found.
static PUNCT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"[,;][ \u{a0}]*[—–]|[—–][ \u{a0}]*[,;]", // a comma against a dash
        r"|,,|,\.|,;|;,|:,|,:|;\.|:\.",           // two marks in a row
        r"|\([ \u{a0}]*\)",                       // empty parentheses
        r"|\p{Ll}\.[A-Z]\p{Ll}{2}",               // "said.The"
        r"|[\p{L},][ ]{2,}\p{L}",                 // a double space between words
    ))
});

/// A space before a mark: "word ,", "word .", "word ;", "word ?".
static SPACE_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"[\p{L}\p{N}”"’)][ \u{a0}]+([,.;:?!])"#));

/// Finds [`Class::Punctuation`] seams.
pub fn punctuation(text: &str, out: &mut Vec<Hit>) {
    for m in PUNCT.find_iter(text) {
        let s = m.as_str();
        // "said.The" must not end a word with inner periods: "U.S.The", "e.g.The".
        if s.starts_with(char::is_alphabetic) && s.contains('.') {
            let word_start = text[..m.start()]
                .rfind(|c: char| !c.is_alphanumeric() && c != '.')
                .map_or(0, |p| p + 1);
            if text[word_start..m.start()].contains('.') {
                continue;
            }
        }
        out.push(Hit::new(Class::Punctuation, m.start(), m.end()));
    }
    for c in SPACE_BEFORE.captures_iter(text) {
        let whole = c.get(0).expect("group 0");
        let mark = c.get(1).expect("group 1");
        let next = char_at(text, mark.end());
        let ends = next.is_none_or(|n| n.is_whitespace() || "\"”’)".contains(n));
        let seam = match mark.as_str() {
            "," => true,
            // ". . ." is an ellipsis, ".com" and ".300" are not sentence ends.
            "." => ends && !text[mark.end()..].starts_with(" ."),
            // ":)" and ";)" are smileys.
            ":" | ";" => next.is_none_or(char::is_whitespace),
            _ => ends || matches!(next, Some('?' | '!')),
        };
        if seam {
            out.push(Hit::new(Class::Punctuation, whole.start(), mark.end()));
        }
    }
    periods(text, out);
    for (at, line) in lines(text) {
        let t = line.trim_start();
        if t.starts_with(',') {
            let i = at + line.len() - t.len();
            out.push(Hit::new(Class::Punctuation, i, i + 1));
        }
    }
    for (at, p) in paragraphs(text) {
        let t = p.trim_end();
        // Not a salutation: "Dear readers,", "To our subscribers,".
        if t.ends_with(',') && t.split_whitespace().count() > 6 {
            out.push(Hit::new(Class::Punctuation, at + t.len() - 1, at + t.len()));
        }
    }
}

/// "word.. next" and "word. . next", but not an ellipsis ("...", ". . .").
fn periods(text: &str, out: &mut Vec<Hit>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = text[i..].find('.') {
        let start = i + p;
        let mut j = start;
        let mut dots = 0;
        while j < b.len() && b[j] == b'.' {
            dots += 1;
            j += 1;
            if j + 1 < b.len() && b[j] == b' ' && b[j + 1] == b'.' {
                j += 1;
            }
        }
        let after_ok = j >= b.len() || b[j].is_ascii_whitespace() || b"\"')".contains(&b[j]);
        let before_letter = char_before(text, start).is_some_and(char::is_alphanumeric);
        if dots == 2 && after_ok && before_letter {
            out.push(Hit::new(Class::Punctuation, start, j));
        }
        i = j.max(start + 1);
    }
}

/// Whether a paragraph looks like a heading: one short line, starting with a capital, with
/// no closing punctuation and no list or label marks.
fn heading_like(p: &str) -> bool {
    let t = p.trim();
    !t.contains('\n')
        && t.chars().count() <= 60
        && t.starts_with(|c: char| c.is_uppercase())
        && !t.ends_with(['.', '!', '?', ':', ';', ',', '"', '”', ')', '…'])
        && !t.contains(" | ")
        && !t.contains(" · ")
}

/// Finds [`Class::DanglingLeadIn`] seams: a paragraph ending in ":" at the end of the text,
/// or before a heading-like paragraph.
pub fn dangling_lead_ins(text: &str, out: &mut Vec<Hit>) {
    let paras = paragraphs(text);
    for (k, (at, p)) in paras.iter().enumerate() {
        let t = p.trim_end();
        if !t.ends_with(':') || t.split_whitespace().count() < 2 {
            continue;
        }
        let dangling = match paras.get(k + 1) {
            None => true,
            Some((_, next)) => heading_like(next) && !lists_or_quotes(next),
        };
        if dangling {
            let line_start = t.rfind('\n').map_or(0, |i| i + 1);
            out.push(Hit::new(
                Class::DanglingLeadIn,
                at + line_start,
                at + t.len(),
            ));
        }
    }
}

fn lists_or_quotes(p: &str) -> bool {
    let t = p.trim_start();
    t.starts_with(['-', '*', '•', '[', '"', '“', '>', '‘', '(', '#'])
        || t.starts_with(|c: char| c.is_ascii_digit())
        || t.starts_with("Q:")
        || t.starts_with("A:")
}

/// Leftover patterns, each with the literals one of which a text must contain for the
/// pattern to be tried (most texts contain none, and are not searched at all).
static LEFTOVERS: LazyLock<Vec<(&'static [&'static str], Regex)>> = LazyLock::new(|| {
    vec![
        (
            &["{", "}"][..],
            re(r"\{\{|\}\}|\{%|%\}|\{#|#\}|\$\{|\{[ ]?[A-Za-z_][A-Za-z0-9_.]*[ ]?\}|\{\d\}"),
        ),
        (&["#"][..], re(r"#[A-Za-z_][A-Za-z0-9_.]*#")),
        (
            &["NaN", "object Object", "ipsum", "IPSUM"][..],
            re(r"\[object Object\]|\bNaN\b|(?i:lorem ipsum)"),
        ),
        (
            &["[\"", "['", "[ "][..],
            re(
                r#"\[\s*"[^"\n\]]+"\s*(?:,\s*"[^"\n\]]+"\s*)*\]|\[\s*'[^'\n\]]+'\s*(?:,\s*'[^'\n\]]+'\s*)*\]"#,
            ),
        ),
        (&["%s", "%d"][..], re(r"(?:^|\s)%[sd](?:\s|$|[.,;])")),
        (&["None"][..], re(r"(?:\p{Ll}|,) None\b")),
        (&["undefined"][..], re(r"\p{Ll} undefined(?:[.,;:)]|\s*$)")),
    ]
});

/// Finds [`Class::TemplateLeftover`] seams.
pub fn template_leftovers(text: &str, out: &mut Vec<Hit>) {
    for (triggers, pattern) in LEFTOVERS.iter() {
        if !triggers.iter().any(|t| text.contains(t)) {
            continue;
        }
        for m in pattern.find_iter(text) {
            let s = m.as_str();
            let (mut start, mut end) = (m.start(), m.end());
            // Report only the leftover, not the context the pattern needed.
            if let Some(i) = s.find("None").filter(|_| s.ends_with("None")) {
                start += i;
            } else if let Some(i) = s.find("undefined") {
                start += i;
                end = start + "undefined".len();
            } else if let Some(i) = s.find('%').filter(|_| s.trim_start().starts_with('%')) {
                start += i;
                end = start + 2;
            }
            out.push(Hit::new(Class::TemplateLeftover, start, end));
        }
    }
}

/// Finds [`Class::UnbalancedQuote`] seams, paragraph by paragraph.
pub fn unbalanced_quotes(text: &str, out: &mut Vec<Hit>) {
    let paras = paragraphs(text);
    for (k, (at, p)) in paras.iter().enumerate() {
        let next_opens = paras
            .get(k + 1)
            .is_some_and(|(_, n)| n.trim_start().starts_with(['“', '"']));
        let opens_here = p.trim_start().starts_with(['“', '"']);
        let continues = opens_here && next_opens;
        // Straight quotes; when they do not pair up, without inch marks (12" screen): a quote
        // after a digit may also close a quotation ("is proud of Model 3").
        let all: Vec<usize> = p.match_indices('"').map(|(i, _)| i).collect();
        let straight: Vec<usize> = (all.iter().copied())
            .filter(|&i| !char_before(p, i).is_some_and(|c| c.is_ascii_digit()))
            .collect();
        if all.len() % 2 == 1 && straight.len() % 2 == 1 && !continues {
            let i = *straight.last().expect("odd means some");
            out.push(Hit::new(Class::UnbalancedQuote, at + i, at + i + 1));
        }
        let mut open: Option<usize> = None;
        for (i, c) in p.char_indices() {
            match c {
                '“' => {
                    if let Some(o) = open {
                        out.push(Hit::new(Class::UnbalancedQuote, at + o, at + o + 3));
                    }
                    open = Some(i);
                }
                '”' => match open.take() {
                    Some(_) => {}
                    None => out.push(Hit::new(Class::UnbalancedQuote, at + i, at + i + 3)),
                },
                _ => {}
            }
        }
        if let Some(o) = open
            && !continues
        {
            out.push(Hit::new(Class::UnbalancedQuote, at + o, at + o + 3));
        }
    }
}

static LOWER_START: LazyLock<Regex> = LazyLock::new(|| re(r"[.!?][ \u{a0}]+\p{Ll}"));

/// Words that end in "." without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "etc", "vs", "inc", "corp", "co", "ltd", "llc", "plc", "jr", "sr", "dr", "mr", "mrs", "ms",
    "prof", "st", "no", "nos", "vol", "vols", "approx", "est", "dept", "fig", "figs", "al", "ed",
    "eds", "pp", "cf", "ca", "ft", "mt", "gen", "gov", "sen", "rep", "rev", "univ", "assn", "bros",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "min",
    "max", "sec", "hr", "hrs", "mins", "lbs", "oz", "op", "resp", "viz", "ibid", "excl", "incl",
    "avg", "tel", "ext", "p", "pt", "ch", "sq", "cu", "yr", "yrs",
];

/// Finds [`Class::LowercaseStart`] seams.
pub fn lowercase_starts(text: &str, out: &mut Vec<Hit>) {
    for m in LOWER_START.find_iter(text) {
        let mark = m.start();
        let word_start = m.end()
            - text[..m.end()]
                .chars()
                .next_back()
                .map_or(1, char::len_utf8);
        // The word before the mark, with inner periods ("e.g", "U.S", "a.m").
        let before = &text[..mark];
        let from = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '.'))
            .map_or(0, |p| p + 1);
        let prev = &before[from..];
        if prev.is_empty()
            || prev.contains('.')
            || prev.chars().count() == 1
            || ABBREVIATIONS.contains(&prev.to_lowercase().as_str())
            || before.ends_with("..")
        {
            continue;
        }
        let rest = &text[word_start..];
        let wlen = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
            .unwrap_or(rest.len());
        let word = &rest[..wlen];
        let after = rest[wlen..].chars().next();
        // A handle, a domain, "iPhone".
        if word.chars().skip(1).any(char::is_uppercase)
            || matches!(after, Some('/' | '@' | '_'))
            || (after == Some('.') && rest[wlen + 1..].starts_with(char::is_alphanumeric))
        {
            continue;
        }
        out.push(Hit::new(
            Class::LowercaseStart,
            word_start,
            word_start + wlen,
        ));
    }
    for (at, line) in lines(text) {
        let t = line.trim_start();
        let lead = line.len() - t.len();
        let wlen = t.find(' ').unwrap_or(t.len());
        let word = &t[..wlen];
        let next = t[wlen..].trim_start().chars().next();
        // "the Lattice forum", not "hermit | 7 hours ago" or "note: ...".
        if !word.is_empty()
            && word.chars().all(char::is_lowercase)
            && next.is_some_and(|c| c.is_alphanumeric() || c == '“' || c == '"')
        {
            out.push(Hit::new(Class::LowercaseStart, at + lead, at + lead + wlen));
        }
    }
}

/// Capitalised words that begin a sentence or a heading.
const STARTERS: &[&str] = &[
    "A", "An", "The", "How", "What", "Why", "When", "Where", "Who", "Which", "Inside", "It",
    "This", "These", "Those", "Our", "We", "Part", "Lessons", "Looking", "Behind",
];

/// Lowercase words after which a capital letter is a label ("type A", "vitamin A").
const LABEL_NOUNS: &[&str] = &[
    "type", "grade", "vitamin", "plan", "class", "series", "option", "category", "group",
    "section", "part", "exhibit", "appendix", "figure", "table", "schedule", "tier", "level",
    "model", "version", "phase", "stage", "round", "team", "block", "building", "hall", "room",
    "gate", "zone", "and", "or", "but", "vs", "of", "about", "called", "named", "titled",
];

/// Finds [`Class::FusedHeading`] seams.
pub fn fused_headings(text: &str, out: &mut Vec<Hit>) {
    for (at, p) in paragraphs(text) {
        let t = p.trim_end();
        let words: Vec<(usize, &str)> = t
            .split(' ')
            .scan(0usize, |pos, w| {
                let at = *pos;
                *pos += w.len() + 1;
                Some((at, w))
            })
            .filter(|(_, w)| !w.is_empty())
            .collect();
        if t.contains('\n')
            || !(3..=14).contains(&words.len())
            || !heading_like(t)
            || t.contains(['—', '–', ':'])
            || t.contains(". ")
        {
            continue;
        }
        for k in 1..words.len().saturating_sub(1) {
            let (prev, cur, next) = (words[k - 1].1, words[k].1, words[k + 1].1);
            let lower = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_lowercase() || c == '-');
            if lower(prev) && !LABEL_NOUNS.contains(&prev) && STARTERS.contains(&cur) && lower(next)
            {
                let (ps, _) = words[k - 1];
                let (ns, nw) = words[k + 1];
                out.push(Hit::new(Class::FusedHeading, at + ps, at + ns + nw.len()));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(f: fn(&str, &mut Vec<Hit>), text: &str) -> Vec<String> {
        let mut out = Vec::new();
        f(text, &mut out);
        out.sort_by_key(|h| h.start);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn punctuation_seams() {
        let text = "It reported on Arcadia AI, — it is new,, and odd ,fine. Then this .\n\
                    Wait ; no ? Yes.. Sure. . Next () ok,.\n, and so\n\nDear readers,\n\nIt said.The end  now and then it went on,";
        assert_eq!(
            found(punctuation, text),
            [
                ", —", ",,", "d ,", "s .", "t ;", "o ?", "..", ". .", "()", ",.", ",", "d.The",
                "d  n", ","
            ]
        );
    }

    #[test]
    fn punctuation_left_alone() {
        let text = "Wait... then. . . nothing. A .300 hitter used a .com site :) and U.S. \
                    forces, e.g. these; Inc., the firm, said: “fine.” Node.js and U.S.The \
                    x — y, and 12\" screens.\n\nA line.";
        assert_eq!(found(punctuation, text), Vec::<String>::new());
    }

    #[test]
    fn dangling_lead_ins() {
        let text = "Key points:\n\nContext\n\nHere is the list:\n\n- one\n\nIt said:\n\n\
                    A block of quoted prose.\n\nThe end comes next:";
        assert_eq!(
            found(super::dangling_lead_ins, text),
            ["Key points:", "The end comes next:"]
        );
    }

    #[test]
    fn template_leftovers() {
        let text = "Hello {{ name }} and {% if %} at #city# with {lab} for %s, said None, \
                    by undefined. [\"a\", \"b\"] NaN. None of them; it remains undefined for now.";
        assert_eq!(
            found(super::template_leftovers, text),
            [
                "{{",
                "}}",
                "{%",
                "%}",
                "#city#",
                "{lab}",
                "%s",
                "None",
                "undefined",
                "[\"a\", \"b\"]",
                "NaN"
            ]
        );
    }

    #[test]
    fn unbalanced_quotes() {
        let text = "“Open and never closed, he said.\n\nFine “ok” here.\n\nStray” close.\n\n\
                    Straight \"odd.\n\n“Multi paragraph\n\n“goes on,” she said. A 12\" screen.\n\n\
                    It said it \"is proud of Model 3\".";
        assert_eq!(found(super::unbalanced_quotes, text), ["“", "”", "\""]);
    }

    #[test]
    fn lowercase_starts() {
        let text = "Sales fell. the company said so. See e.g. this, at 5 a.m. local, \
                    Acme Inc. said. Wait... then. Read it on u/handle. Visit site. example.com \
                    now. Buy it. iPhone sales rose. Really? yes.\nthe Lattice forum · Posted by \
                    u/x\nhermit | 7 hours ago\nmossy_stone | 6 hours ago\nnote: fine\n  \
                    u/handle wrote\niPhone sales\n";
        assert_eq!(found(super::lowercase_starts, text), ["the", "yes", "the"]);
    }

    #[test]
    fn fused_headings() {
        let text = "The strategy A decision at the top\n\nPart one How it started\n\n\
                    Arcadia AI faces questions over Halcyon 3\n\nWhy I left The Times for good\n\n\
                    A type A personality at work\n\nThis is a sentence. And A thing happened";
        assert_eq!(
            found(super::fused_headings, text),
            ["strategy A decision", "one How it"]
        );
    }
}
