//! Seams of attribution: quotes spoken by a group, follow-up attributions ("Schreiber
//! added") to a name never introduced, and an outlet citing itself as another outlet.

use super::{Class, Hit, char_at, char_before};
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

/// A closing quote: after a comma, period, question or exclamation mark (straight or curly,
/// double or single), or a curly ” after anything.
const CLOSE: &str = r#"(?:[,.!?…]["”'’]|”)"#;

/// A counted or vague plural of people.
const GROUP: &str = concat!(
    r"(?:two|three|four|five|six|seven|eight|nine|ten|a dozen|\d+|several|many|multiple|",
    r"numerous|various|some|a few|a handful of|a group of|a number of|dozens of|hundreds of)",
    r"\s+(?:(?:former|current|senior|junior|other|longtime|anonymous|local|industry|company|",
    r"rank-and-file)\s+)*",
    r"(?:employees|staff(?:ers)?|people|workers|contractors|engineers|researchers|sources|",
    r"officials|executives|members|insiders|analysts|managers|investors|colleagues|residents|",
    r"users|students|teachers|doctors|nurses|experts|scientists|lawmakers|critics|customers|",
    r"parents|drivers|moderators|raters|employers|founders|veterans|staffers)\b"
);

static GROUP_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"{CLOSE}\s+(?:said|says|according to|added|wrote|recalled)\s+{GROUP}"
    ))
});

static GROUP_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"{CLOSE}\s+{GROUP}(?:\s+familiar with [\w ]{{1,30}}?)?\s+(?:said|say|told|added|wrote|recalled)\b"
    ))
});

/// Finds [`Class::GroupQuote`] seams.
pub fn group_quotes(text: &str, out: &mut Vec<Hit>) {
    for r in [&*GROUP_AFTER, &*GROUP_BEFORE] {
        for m in r.find_iter(text) {
            out.push(Hit::new(Class::GroupQuote, m.start(), m.end()));
        }
    }
}

/// A surname: capitalised, with lowercase letters, inner capitals allowed ("MacAllister",
/// "McCready", "O'Brien", "Smith-Jones").
const NAME: &str = r"\p{Lu}[\p{L}'’-]*\p{Ll}";

/// Verbs that continue an attribution made before.
const FOLLOW: &[&str] = &[
    "added",
    "continued",
    "went on",
    "said later",
    "later said",
    "also said",
    "further said",
    "concluded",
    "elaborated",
];

static FOLLOW_AC: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::new(FOLLOW).expect("literal patterns build"));

/// A closing quote and a name, ending where a [`FOLLOW`] verb starts.
static ORPHAN_AFTER_QUOTE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"{CLOSE}\s+({NAME})\s+$")));

/// A name starting a sentence or after a comma, ending where "added"/"went on" starts.
static ORPHAN_INLINE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?:^|[.!?]\s+|,\s+|\n)({NAME})\s+$")));

/// Capitalised words that are not names: pronouns, determiners, common nouns that start a
/// sentence ("Analysts added", "Shares added").
const NOT_NAMES: &[&str] = &[
    "He",
    "She",
    "They",
    "It",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Then",
    "But",
    "And",
    "Also",
    "Officials",
    "Spokesperson",
    "Spokeswoman",
    "Spokesman",
    "Analysts",
    "Investors",
    "Critics",
    "Others",
    "Some",
    "Many",
    "Both",
    "Each",
    "Everyone",
    "Nobody",
    "Company",
    "Management",
    "Executives",
    "Researchers",
    "Staff",
    "Shares",
    "Stocks",
    "Prices",
    "Sales",
    "Revenue",
    "Demand",
    "Growth",
    "Talks",
    "The",
    "A",
    "An",
    "Its",
    "His",
    "Her",
    "Their",
    "Our",
    "My",
    "Your",
    "Supporters",
    "Advocates",
    "Regulators",
    "Lawmakers",
    "Employees",
    "Workers",
    "Contractors",
    "Engineers",
    "Scientists",
    "Users",
    "Parents",
    "Teachers",
    "Students",
    "Experts",
    "Sources",
    "Insiders",
    "People",
    "Residents",
    "Members",
    "Authors",
    "Organisers",
    "Organizers",
    "Panellists",
    "Panelists",
    "Speakers",
    "Police",
    "Participants",
    "Protesters",
    "Campaigners",
    "Economists",
    "Observers",
    "Opponents",
    "Proponents",
    "Developers",
    "Markets",
    "Futures",
    "Bonds",
    "Index",
    "Others",
    "Another",
    "One",
    "Everybody",
    "Someone",
    "Somebody",
    "Nothing",
    "Work",
    "Rain",
    "Traffic",
    "Trading",
];

/// Finds [`Class::OrphanAttribution`] seams: each [`FOLLOW`] verb is found first, and the
/// name and quote before it are looked for in the 80 bytes before.
pub fn orphan_attributions(text: &str, out: &mut Vec<Hit>) {
    for m in FOLLOW_AC.find_iter(text) {
        let (vs, ve) = (m.start(), m.end());
        if char_at(text, ve).is_some_and(char::is_alphanumeric) {
            continue;
        }
        let mut from = vs.saturating_sub(80);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let window = &text[from..vs];
        if let Some(c) = ORPHAN_AFTER_QUOTE.captures(window) {
            let name = c.get(1).expect("group 1");
            orphan(text, from + name.start(), name.as_str(), ve, out);
            continue;
        }
        let verb = m.pattern().as_usize();
        if verb > 1 {
            continue; // only "added" and "went on" outside the quote form
        }
        let Some(c) = ORPHAN_INLINE.captures(window) else {
            continue;
        };
        // "Shares added 3 percent": only "added," / "added that" / "added." / "added:".
        let rest = &text[ve..];
        let ok = matches!(char_at(text, ve), Some(',' | '.' | ':' | ';') | None)
            || rest.starts_with(" that ")
            || ["to say", "to add", "to explain", "to note"]
                .iter()
                .any(|v| rest.starts_with(&format!(" {v}")));
        if ok {
            let name = c.get(1).expect("group 1");
            orphan(text, from + name.start(), name.as_str(), ve, out);
        }
    }
}

fn orphan(text: &str, start: usize, name: &str, end: usize, out: &mut Vec<Hit>) {
    if NOT_NAMES.contains(&name) {
        return;
    }
    let note = match earlier_mentions(text, name, start) {
        Mentions::None => format!("“{name}” is not named earlier in the text"),
        Mentions::NeverSpeaking => {
            format!("“{name}” is named earlier but never quoted or cited before this")
        }
        Mentions::Speaking => return,
    };
    out.push(Hit::new(Class::OrphanAttribution, start, end).with_note(note));
}

/// Whether `name` is the subject of `sentence`: among its first three words, after
/// capitalised ones only ("Enzo Carmody, partner at X, took a different view" reports what
/// Carmody thinks; "The study is led by Layla Corrigan" does not).
fn is_subject(sentence: &str, name: &str) -> bool {
    let words: Vec<&str> = sentence.split_whitespace().take(3).collect();
    let Some(k) = words.iter().position(|w| w.starts_with(name)) else {
        return false;
    };
    words[..k].iter().all(|w| w.starts_with(char::is_uppercase))
}

/// How a name appears before an attribution that continues it.
enum Mentions {
    None,
    /// Named, but in no sentence with a quote or a verb of saying.
    NeverSpeaking,
    Speaking,
}

/// Verbs (and marks) that show a sentence attributes words to someone.
const SPEECH: &[&str] = &[
    "said",
    "says",
    "told",
    "tells",
    "added",
    "noted",
    "wrote",
    "writes",
    "argued",
    "argues",
    "explained",
    "explains",
    "warned",
    "recalled",
    "according to",
    "asked",
    "described",
    "called",
    "insisted",
    "acknowledged",
    "conceded",
    "admitted",
    "stressed",
    "pointed",
    "believes",
    "thinks",
    "put it",
    "speaking",
    "spoke",
    "testified",
    "estimated",
    "contends",
    "claimed",
    "claims",
    "commented",
    "observed",
    "suggested",
    "replied",
    "answered",
    "say",
    "went on",
    "continued",
    "\"",
    "“",
    "”",
    "‘",
];

/// Whether `name` appears as a whole word before byte `before`, and whether one of those
/// sentences quotes or cites someone, or has the name as its subject (a paraphrase).
fn earlier_mentions(text: &str, name: &str, before: usize) -> Mentions {
    let head = &text[..before];
    let mut found = Mentions::None;
    for (i, _) in head.match_indices(name) {
        let left = head[..i].chars().next_back();
        let right = head[i + name.len()..].chars().next();
        if left.is_some_and(char::is_alphanumeric) || right.is_some_and(char::is_alphanumeric) {
            continue;
        }
        found = Mentions::NeverSpeaking;
        let from = head[..i].rfind(['.', '!', '?', '\n']).map_or(0, |p| p + 1);
        let to = head[i..]
            .find(['.', '!', '?', '\n'])
            .map_or(head.len(), |p| i + p);
        // A quote that closed the sentence before is not part of this one.
        let sentence = head[from..to].trim_start_matches(['"', '”', '’', ' ', '\n']);
        if SPEECH.iter().any(|v| sentence.contains(v)) || is_subject(sentence, name) {
            return Mentions::Speaking;
        }
    }
    found
}

static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)^(?:By [^,|\n]{2,60}?(?:, | \| | — )",
        r"|(?:An investigation|An analysis|A report|A special report|Annotated|Reported|",
        r"Analysis|Reporting|Produced|Compiled|Transcribed|Published) by )",
        r"([^|,\n]{2,60}?)[ ]*(?:\|[^\n]*)?$"
    ))
});

/// Words that end a byline role, not an outlet: "By Jane Doe, Staff Writer".
const ROLES: &[&str] = &[
    "Writer",
    "Correspondent",
    "Reporter",
    "Editor",
    "Contributor",
    "Columnist",
    "Analyst",
    "Staff",
    "Desk",
    "Bureau",
    "Reporters",
    "Editors",
    "Writers",
    "Producer",
    "Host",
];

/// The outlet named by a byline in the first lines of `text`, and where the byline ends:
/// "By NAME, OUTLET", "By NAME | OUTLET | DATE", "An investigation by OUTLET", "Annotated by
/// OUTLET | DATE". `None` when no such line names something that looks like an outlet.
pub fn byline_outlet(text: &str) -> Option<(String, usize)> {
    let head_end = text
        .match_indices('\n')
        .nth(11)
        .map_or(text.len(), |(i, _)| i);
    let c = BYLINE.captures(&text[..head_end])?;
    let outlet = c.get(1)?.as_str().trim();
    let words: Vec<&str> = outlet.split_whitespace().collect();
    let first = words.first()?;
    let looks = (first.starts_with(char::is_uppercase) || *first == "the")
        && words.len() <= 7
        && !outlet.chars().any(|c| c.is_ascii_digit())
        && !ROLES.contains(words.last()?);
    looks.then(|| (outlet.to_string(), c.get(0).expect("0").end()))
}

/// The outlet without a leading "The"/"the".
fn core(outlet: &str) -> &str {
    outlet
        .strip_prefix("The ")
        .or_else(|| outlet.strip_prefix("the "))
        .unwrap_or(outlet)
        .trim()
}

/// What comes before an outlet cited as a source: "reviewed by (the) ", "according to a
/// report by ".
static CITED_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:(?:reviewed|obtained|seen|first reported|reported) by|according to",
        r"(?:\s+(?:a report|reporting|an investigation)\s+(?:by|in))?)\s+(?:the\s+)?$"
    ))
});

/// What comes after an outlet cited as a source: " reported", " has revealed".
static CITED_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s+(?:reported|has reported|first reported|previously reported|revealed|has revealed)\b")
});

/// Finds [`Class::SelfCitation`] seams for the outlet of the document: `outlet` when known
/// (metadata), else the byline's; only text after the byline is searched.
pub fn self_citations(text: &str, outlet: Option<&str>, out: &mut Vec<Hit>) {
    let (outlet, from, source) = match outlet {
        Some(o) if !core(o).is_empty() => (o.to_string(), 0, "metadata"),
        _ => match byline_outlet(text) {
            Some((o, end)) => (o, end, "byline"),
            None => return,
        },
    };
    let name = core(&outlet);
    for (i, _) in text[from..].match_indices(name) {
        let (start, end) = (from + i, from + i + name.len());
        if char_before(text, start).is_some_and(char::is_alphanumeric)
            || char_at(text, end).is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let window = start.saturating_sub(80);
        let window = (window..start)
            .find(|&w| text.is_char_boundary(w))
            .unwrap_or(start);
        let hit = if let Some(m) = CITED_BEFORE.find(&text[window..start]) {
            Some((window + m.start(), end))
        } else if let Some(m) = CITED_AFTER.find(&text[end..]) {
            let the = ["the ", "The "].iter().any(|t| text[..start].ends_with(t));
            Some((if the { start - 4 } else { start }, end + m.end()))
        } else {
            None
        };
        if let Some((s, e)) = hit {
            out.push(
                Hit::new(Class::SelfCitation, s, e)
                    .with_note(format!("this document's outlet is {outlet} ({source})")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, f: impl Fn(&str, &mut Vec<Hit>)) -> Vec<String> {
        let mut out = Vec::new();
        f(text, &mut out);
        out.sort_by_key(|h| h.start);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn group_quotes() {
        let text = "'We were told to ship it, full stop,' said three former employees. \
                    “It was chaos,” two people familiar with the matter said. \
                    “It was fine,” said one former employee. Several employees said the \
                    plan changed. “No,” said Jane Doe, one of three engineers.";
        assert_eq!(
            found(text, super::group_quotes),
            [
                ",' said three former employees",
                ",” two people familiar with the matter said"
            ]
        );
    }

    #[test]
    fn orphan_attributions() {
        let text = "“It works,” said Ana Schreiber. “It scales,” Schreiber added. \
                    “It is cheap,” Okafor added. Coaches, Gunawardena added, trust it. \
                    Shares added 3 percent. Analysts added that it was fine. \
                    He added, “more later.” Mensah went on to say more.\n\
                    Mensah added: “again.” The report was written by Obinna MacAllister.\n\n\
                    \"It is urgent,\" MacAllister added. Enzo McCready, its director, said it \
                    helps. Coaches, McCready added, trust it. Uriel Takahashi urged a test. \
                    \"Test it,\" Takahashi added.";
        assert_eq!(
            found(text, super::orphan_attributions),
            [
                "Okafor added",
                "Gunawardena added",
                "Mensah went on",
                "MacAllister added"
            ]
        );
    }

    #[test]
    fn bylines_name_outlets() {
        let cases = [
            (
                "Title\nBy Jane Doe, The Westhurst Star\nMay 1, 2024",
                Some("The Westhurst Star"),
            ),
            (
                "Title\n\nBy Alistair Lennox | The Westhurst Star | November 10, 2024",
                Some("The Westhurst Star"),
            ),
            (
                "Title\n\nAn investigation by Signal Monitor\nBy Wen Stanhope",
                Some("Signal Monitor"),
            ),
            (
                "Call\n\nAnnotated by The Northhurst Tribune | August 13, 2024",
                Some("The Northhurst Tribune"),
            ),
            ("Title\nBy Jane Doe, Staff Writer\n", None),
            ("Title\nBy Jane Doe\n", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                byline_outlet(text).map(|(o, _)| o),
                want.map(String::from),
                "{text}"
            );
        }
    }

    #[test]
    fn self_citations() {
        let text = "An investigation by Signal Monitor\n\nThis is based on documents reviewed \
                    by Signal Monitor. As the Signal Monitor reported in May, it told the \
                    Signal Monitor more. The Ledger reported it too, according to a report by \
                    Signal Monitor.";
        assert_eq!(
            found(text, |t, o| super::self_citations(t, None, o)),
            [
                "reviewed by Signal Monitor",
                "the Signal Monitor reported",
                "according to a report by Signal Monitor"
            ]
        );
        let other = "By Jane Doe, The Ledger\n\nDocuments reviewed by Signal Monitor show it.";
        assert!(found(other, |t, o| super::self_citations(t, None, o)).is_empty());
        let meta = "Documents reviewed by the Ledger show it.";
        assert_eq!(
            found(meta, |t, o| super::self_citations(t, Some("The Ledger"), o)),
            ["reviewed by the Ledger"]
        );
    }
}
