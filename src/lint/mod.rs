//! `factpress lint`: finds *seams* — text a careful reader recognises as machine-assembled —
//! in documents: "a 83-page paper", "the the", "on Arcadia AI, — it is", leftover template
//! syntax, a quote attributed to "three former employees", "Schreiber added" with no earlier
//! Schreiber, a third-quarter earnings call dated in August, a forum reply older than the post
//! it answers. [`lint`] checks one text and is pure; [`run`] lints a whole corpus (folders and
//! JSONL files, through [`crate::corpus`]) in parallel, names each document and, for factpress
//! corpora, its template and the template line the seam most likely comes from.
//!
//! Precision comes before recall: every class is a narrow heuristic with exception lists, so
//! that well-written prose gives (nearly) no seams; each class says what it does not catch.
//! Spans are `[start, end)` in Unicode code points into the text.

pub mod article;
pub mod attribution;
pub mod dates;
pub mod locate;
pub mod prose;
pub mod report;
pub mod run;

pub use run::{LintOutcome, Options, run};

use chrono::NaiveDate;
use serde::Serialize;

/// The kinds of seam, each with examples of what it finds and what it leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// `a`/`an` before a word or number whose first sound disagrees: "a 83-page paper",
    /// "an California manufacturer", "a AI lab", "an 5-year plan". Sound, not spelling: "an
    /// hour", "an honest", "an FAQ"-style initialisms read as letters ("an MBA", "an NFL", "a
    /// URL"-like U), "a one-off", "a unique", "a university", "a European", "a user"; numbers
    /// as read aloud ("an 8", "an 11", "an 18", "an 80-", "an 800", "an 8,000", "an 11,000",
    /// "a 1,800"). Skipped when unsure: "historic", "hotel", "herb", "SEC", "FAQ", "LED",
    /// acronyms of four or more letters that may be read as words, "$8 million", and capital
    /// "A"/"An" that is not at the start of a sentence ("Plan A", "Series A", the surname An).
    Article,
    /// The same word twice in a row, case-insensitively: "the the", "to to", "AI AI". Allowed:
    /// "had had", "that that", reduplications ("bye bye", "very very", "no no") and a
    /// capitalised pair such as "Bora Bora" or "Sirhan Sirhan".
    DoubledWord,
    /// Punctuation no editor leaves: a comma against a dash (", —", "—,"), ",,", ",.", ",;",
    /// a space before , . ; : ? ! (not "a .300 hitter", ".com", ". . ." or ":)"), "word..
    /// next", ". .", empty parentheses "()", a line that starts with a comma, a paragraph that
    /// ends with one, a double space between words, and a missing space after a sentence
    /// ("said.The").
    Punctuation,
    /// A paragraph ending in ":" that leads nowhere: the last paragraph of the document, or
    /// one followed by a heading-like line. A lead-in followed by a list, a quote or a block
    /// of prose (a quotation set off without quote marks) is normal and not reported.
    DanglingLeadIn,
    /// Template syntax or an unfilled value in the text: "{{", "}}", "{%", "%}", "{#", "#}",
    /// "{name}", "${", "{0}", "%s", Tracery-style "#symbol#", "[object Object]", "NaN", a
    /// rendered list `["a", "b"]`, "None" after a lowercase word ("said by None"), and
    /// "undefined" between a lowercase word and punctuation ("according to undefined,").
    TemplateLeftover,
    /// A paragraph whose double quotes do not pair up: an odd number of straight `"` (not
    /// inch marks after a digit), or a curly ” with no “ before it / a “ never closed. A
    /// quotation running over several paragraphs (each opening with “, only the last closed)
    /// is allowed.
    UnbalancedQuote,
    /// A sentence that starts lowercase after ". ", "? " or "! " on the same line ("fell.
    /// the company"), or a line that starts with a lowercase word followed by another word
    /// ("the Valemont Sentinel reported…", "the Lattice forum · Posted by…"). Not after
    /// abbreviations ("e.g.", "Inc.", "a.m.", "vs.", "No."), initials or an ellipsis, and not
    /// a handle ("hermit | 7 hours ago", "u/name", "mossy_stone"), a label ("note:"), a
    /// domain or a word like "iPhone".
    LowercaseStart,
    /// A one-line heading into which a sentence start was fused: "The strategy A decision at
    /// the top", "Part one How it started" — a lowercase word followed by a capitalised
    /// "A", "The", "How", "What", "Why"… that itself is followed by a lowercase word. Not
    /// "over Halcyon 3", "for The Times", "type A personality".
    FusedHeading,
    /// A verbatim quote attributed to a group, which no group speaks in unison: "'… full
    /// stop,' said three former employees", "…,” two people familiar with the matter said".
    /// A closing quote directly followed by said/told/according to/added and a counted or
    /// vague plural (two…ten, a digit, several, many, some, a few, dozens of) of people.
    GroupQuote,
    /// "Schreiber added", "Schreiber continued", "Schreiber went on", "Schreiber said later",
    /// "Schreiber also said" (after a closing quote, or as ", Schreiber added," / "Schreiber
    /// added that") where Schreiber has not spoken before: the surname does not appear
    /// earlier, or only in sentences that neither quote nor cite anyone (no quote mark, no
    /// verb of saying) and do not have Schreiber as their subject ("The study is led by Ana
    /// Schreiber." then "'…,' Schreiber added"). "Ana Schreiber urged a review." counts as
    /// speaking. Pronouns and common capitalised nouns ("Analysts added", "Shares added 3%")
    /// are not names.
    OrphanAttribution,
    /// A document by an outlet citing that same outlet as if it were another: "documents
    /// reviewed by the Signal Monitor", "the Signal Monitor reported", "according to a report
    /// by Signal Monitor", in a document whose outlet is Signal Monitor. The outlet comes from
    /// metadata (`outlet`) or else from a byline in the first lines: "By NAME, OUTLET", "By
    /// NAME | OUTLET | DATE", "An investigation by OUTLET", "Annotated by OUTLET | DATE". "told
    /// the Signal Monitor" (a normal self-reference) is not reported. Real outlets do write
    /// "reviewed by The Wall Street Journal" in their own pages; in a corpus that picks outlets
    /// from a pool it is a collision between the byline and a cited outlet.
    SelfCitation,
    /// A document dated on or before the last day of the quarter whose results it reports:
    /// the text names "Third-Quarter 2024 Earnings Call", "third-quarter 2024 results", "Q3
    /// 2024 earnings" or "results for the third quarter of 2024", and the document's date
    /// (metadata, else the first date in its first lines) is on or before September 30, 2024.
    /// Fiscal quarters ("fiscal third quarter") are skipped: their calendar is unknown.
    QuarterDate,
    /// In a forum-like thread (lines "HANDLE | 7 hours ago", "↳ HANDLE | 6 hours ago"): a
    /// reply dated before the post it answers (the nearest earlier post one level up). Times
    /// "N minutes/hours/days/weeks ago" are compared as ranges ("8 hours ago" is before "7
    /// hours ago", "1 day ago" before "20 hours ago", "2 hours ago" not before "2 hours
    /// ago"), absolute dates by day; a relative time is never compared with an absolute date.
    /// Top-level posts answer the thread's first post ("394 points by HANDLE | DATE").
    DateOrder,
}

impl Class {
    pub const ALL: [Class; 13] = [
        Class::Article,
        Class::DoubledWord,
        Class::Punctuation,
        Class::DanglingLeadIn,
        Class::TemplateLeftover,
        Class::UnbalancedQuote,
        Class::LowercaseStart,
        Class::FusedHeading,
        Class::GroupQuote,
        Class::OrphanAttribution,
        Class::SelfCitation,
        Class::QuarterDate,
        Class::DateOrder,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Article => "article",
            Class::DoubledWord => "doubled-word",
            Class::Punctuation => "punctuation",
            Class::DanglingLeadIn => "dangling-lead-in",
            Class::TemplateLeftover => "template-leftover",
            Class::UnbalancedQuote => "unbalanced-quote",
            Class::LowercaseStart => "lowercase-start",
            Class::FusedHeading => "fused-heading",
            Class::GroupQuote => "group-quote",
            Class::OrphanAttribution => "orphan-attribution",
            Class::SelfCitation => "self-citation",
            Class::QuarterDate => "quarter-date",
            Class::DateOrder => "date-order",
        }
    }

    /// The class named `name`, as [`Class::name`] spells it.
    pub fn parse(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One seam in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seam {
    pub class: Class,
    /// `[start, end)` in Unicode code points.
    pub span: (usize, usize),
    /// The seam with up to 40 characters of context either side, on one line (line breaks
    /// shown as ⏎).
    pub excerpt: String,
    /// Why, when the span alone does not say (the date compared, the outlet, the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What is known about a document besides its text.
#[derive(Debug, Clone, Default)]
pub struct DocContext {
    /// The document's date (for `quarter-date`; else the first date in its first lines).
    pub date: Option<NaiveDate>,
    /// The outlet that published it (for `self-citation`; else read from its byline).
    pub outlet: Option<String>,
    pub doc_type: Option<String>,
    pub template: Option<String>,
}

/// A seam found in byte offsets, before it is turned into a [`Seam`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub class: Class,
    pub start: usize,
    pub end: usize,
    pub note: Option<String>,
}

impl Hit {
    pub fn new(class: Class, start: usize, end: usize) -> Hit {
        Hit {
            class,
            start,
            end,
            note: None,
        }
    }

    pub fn with_note(mut self, note: String) -> Hit {
        self.note = Some(note);
        self
    }
}

/// Every seam in `text`, in text order.
pub fn lint(text: &str, ctx: &DocContext) -> Vec<Seam> {
    let chars = CharMap::new(text);
    hits(text, ctx, &Class::ALL)
        .into_iter()
        .map(|h| seam(text, &chars, h))
        .collect()
}

/// The seams of the classes in `classes`, in byte offsets, sorted by start, class and end.
pub fn hits(text: &str, ctx: &DocContext, classes: &[Class]) -> Vec<Hit> {
    let mut out = Vec::new();
    let want = |c: Class| classes.contains(&c);
    if want(Class::Article) {
        article::articles(text, &mut out);
    }
    if want(Class::DoubledWord) {
        article::doubled_words(text, &mut out);
    }
    if want(Class::Punctuation) {
        prose::punctuation(text, &mut out);
    }
    if want(Class::DanglingLeadIn) {
        prose::dangling_lead_ins(text, &mut out);
    }
    if want(Class::TemplateLeftover) {
        prose::template_leftovers(text, &mut out);
    }
    if want(Class::UnbalancedQuote) {
        prose::unbalanced_quotes(text, &mut out);
    }
    if want(Class::LowercaseStart) {
        prose::lowercase_starts(text, &mut out);
    }
    if want(Class::FusedHeading) {
        prose::fused_headings(text, &mut out);
    }
    if want(Class::GroupQuote) {
        attribution::group_quotes(text, &mut out);
    }
    if want(Class::OrphanAttribution) {
        attribution::orphan_attributions(text, &mut out);
    }
    if want(Class::SelfCitation) {
        attribution::self_citations(text, ctx.outlet.as_deref(), &mut out);
    }
    if want(Class::QuarterDate) {
        dates::quarter_dates(text, ctx.date, &mut out);
    }
    if want(Class::DateOrder) {
        dates::date_order(text, &mut out);
    }
    out.sort_by_key(|h| (h.start, h.class, h.end));
    out.dedup_by(|a, b| a.class == b.class && a.start == b.start);
    out
}

/// Turns a byte-offset hit into a [`Seam`].
pub fn seam(text: &str, chars: &CharMap, h: Hit) -> Seam {
    Seam {
        class: h.class,
        span: (chars.offset(h.start), chars.offset(h.end)),
        excerpt: excerpt(text, h.start, h.end),
        note: h.note,
    }
}

/// Characters of context shown either side of a seam.
const CONTEXT: usize = 40;

/// `text[start..end]` with up to [`CONTEXT`] characters either side, on one line.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let before = &text[..start];
    let from = before
        .char_indices()
        .rev()
        .nth(CONTEXT - 1)
        .map_or(0, |(i, _)| i);
    let after = &text[end..];
    let to = end
        + after
            .char_indices()
            .nth(CONTEXT)
            .map_or(after.len(), |(i, _)| i);
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.push_str(&text[from..to]);
    if to < text.len() {
        s.push('…');
    }
    s.replace("\r\n", "⏎").replace('\n', "⏎")
}

/// Byte offset -> character offset, without work for ASCII texts.
pub struct CharMap {
    /// Byte offset of every character, when the text is not ASCII.
    starts: Option<Vec<usize>>,
}

impl CharMap {
    pub fn new(text: &str) -> CharMap {
        CharMap {
            starts: (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect()),
        }
    }

    pub fn offset(&self, byte: usize) -> usize {
        match &self.starts {
            None => byte,
            Some(s) => s.partition_point(|&b| b < byte),
        }
    }
}

/// The character before byte offset `i`, if any.
pub(crate) fn char_before(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

/// The character at byte offset `i`, if any.
pub(crate) fn char_at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

/// Paragraphs (separated by blank lines) with their byte offsets, trimmed of line breaks.
pub(crate) fn paragraphs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in text.split("\n\n") {
        let lead = part.len() - part.trim_start_matches(['\n', '\r']).len();
        let body = part.trim_matches(['\n', '\r']);
        if !body.trim().is_empty() {
            out.push((start + lead, body));
        }
        start += part.len() + 2;
    }
    out
}

/// Lines with their byte offsets (without the line break).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |l| {
        let at = start;
        start += l.len() + 1;
        (at, l.strip_suffix('\r').unwrap_or(l))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_round_trip() {
        for c in Class::ALL {
            assert_eq!(Class::parse(c.name()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.name()));
        }
        assert_eq!(Class::parse("nope"), None);
    }

    #[test]
    fn excerpts_keep_context_on_one_line_and_spans_count_characters() {
        let text = "Résumé:\nthe the end";
        let seams = lint(text, &DocContext::default());
        let s = seams
            .iter()
            .find(|s| s.class == Class::DoubledWord)
            .unwrap();
        assert_eq!(s.span, (8, 15));
        assert_eq!(s.excerpt, "Résumé:⏎the the end");
        let long = format!("{} the the {}", "x".repeat(60), "y".repeat(60));
        let e = excerpt(&long, 61, 68);
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert_eq!(e.chars().count(), 7 + 80 + 2);
    }

    #[test]
    fn paragraphs_and_lines_carry_offsets() {
        let text = "a\nb\n\n\nc\n\nd";
        let p = paragraphs(text);
        assert_eq!(p, vec![(0, "a\nb"), (6, "c"), (9, "d")]);
        for (at, body) in &p {
            assert_eq!(&text[*at..*at + body.len()], *body);
        }
        let l: Vec<_> = lines("x\r\ny").collect();
        assert_eq!(l, vec![(0, "x"), (3, "y")]);
    }
}
