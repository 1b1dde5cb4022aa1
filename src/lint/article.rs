//! Word-level seams: `a`/`an` against the sound of the next word ([`Class::Article`]) and
//! doubled words ([`Class::DoubledWord`]).

use super::{Class, Hit, char_at, char_before};
use regex::Regex;
use std::sync::LazyLock;

/// How a word or number starts when read aloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    Vowel,
    Consonant,
    /// Read either way, or not known: never reported.
    Unknown,
}

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:a|an|A|An)\b").unwrap());

/// Words after a capital "An" that show it is a surname ("An said"), not the article.
const AFTER_SURNAME: &[&str] = &[
    "said", "says", "told", "added", "noted", "wrote", "was", "is", "has", "and",
];

/// Finds `a`/`an` whose next word starts with the other kind of sound.
pub fn articles(text: &str, out: &mut Vec<Hit>) {
    for m in ARTICLE.find_iter(text) {
        let (start, end) = (m.start(), m.end());
        let article = m.as_str();
        if !article_position_ok(text, start, article) {
            continue;
        }
        // The next token, after spaces only (never across a line break).
        let rest = &text[end..];
        let gap = rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
        if gap == 0 {
            continue;
        }
        let tok_start = end + gap;
        let tok_len = text[tok_start..]
            .find(char::is_whitespace)
            .unwrap_or(text.len() - tok_start);
        let token = &text[tok_start..tok_start + tok_len];
        if article == "An" && AFTER_SURNAME.contains(&token) {
            continue;
        }
        if line_is_upper(text, start) {
            continue;
        }
        let Some((sound, word_len)) = token_sound(token) else {
            continue;
        };
        let wants_an = article.eq_ignore_ascii_case("an");
        let wrong = match sound {
            Sound::Vowel => !wants_an,
            Sound::Consonant => wants_an,
            Sound::Unknown => false,
        };
        if wrong {
            let lead = token.len() - token.trim_start_matches(OPENERS).len();
            out.push(Hit::new(Class::Article, start, tok_start + lead + word_len));
        }
    }
}

/// Characters stripped from the front of the next token: quotes, brackets, emphasis.
const OPENERS: &[char] = &['"', '“', '‘', '(', '[', '*', '_'];

/// Whether an `a`/`an` at `start` can be the article: not glued to a letter-like mark
/// ("Class-A", "o'a", "U.S.a") and, when capitalised, at the start of a sentence ("Plan A",
/// "Series A" and the surname An are not articles).
fn article_position_ok(text: &str, start: usize, article: &str) -> bool {
    if let Some(c) = char_before(text, start)
        && matches!(c, '\'' | '’' | '-' | '.' | '/' | '&' | '_' | '@' | '#')
    {
        return false;
    }
    if article.starts_with(char::is_uppercase) {
        let prev = text[..start]
            .trim_end_matches([' ', '\u{a0}'])
            .chars()
            .next_back();
        return match prev {
            None => true,
            Some(c) => !(c.is_alphanumeric() || c == ','),
        };
    }
    true
}

/// Whether the line around `i` has no lowercase letters (a heading in capitals).
fn line_is_upper(text: &str, i: usize) -> bool {
    let from = text[..i].rfind('\n').map_or(0, |p| p + 1);
    let to = text[i..].find('\n').map_or(text.len(), |p| i + p);
    !text[from..to].chars().any(char::is_lowercase)
}

/// The sound a token starts with and the byte length of the word judged (for the span), or
/// `None` when the token is not a word or number at all ("—", "$8", "%").
pub fn token_sound(token: &str) -> Option<(Sound, usize)> {
    let t = token.trim_start_matches(OPENERS);
    let first = t.chars().next()?;
    // A decade: '80s.
    if matches!(first, '\'' | '’') {
        let digits = &t[first.len_utf8()..];
        if digits.starts_with(|c: char| c.is_ascii_digit()) {
            let len = word_len(t);
            return Some((number_sound(digits), len));
        }
        return None;
    }
    let len = word_len(t);
    if len == 0 {
        return None;
    }
    if first.is_ascii_digit() {
        return Some((number_sound(t), len));
    }
    if !first.is_alphabetic() {
        return None;
    }
    let word = &t[..t.find(|c: char| !c.is_alphanumeric()).unwrap_or(t.len())];
    if !first.is_ascii() {
        return Some((Sound::Unknown, len));
    }
    let sound = if word.chars().count() == 1 {
        // A letter on its own, or before "-", ".", "&" or a digit: "an F-35", "a U-turn",
        // "an e-mail", "an R&D"; a one-letter word is read as its letter too.
        letter_sound(first)
    } else if word
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        acronym_sound(word)
    } else if first.is_ascii_lowercase() && word.chars().nth(1).is_some_and(|c| c.is_uppercase()) {
        // "mRNA", "eBay", "iPhone", "pH": the first letter is read as a letter.
        letter_sound(first)
    } else {
        word_sound(&word.to_ascii_lowercase())
    };
    Some((sound, len))
}

/// Bytes of the word or number at the start of `t`: letters, digits and the marks inside a
/// word or number ("83-page", "8,000", "U.S.", "R&D"), without trailing punctuation.
fn word_len(t: &str) -> usize {
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if c.is_alphanumeric() {
            end = i + c.len_utf8();
        } else if !matches!(c, '-' | '.' | ',' | '&' | '\'' | '’' | '%' | '/') {
            break;
        }
    }
    end
}

/// The sound of a letter's name: "eff", "aitch", "em" start with a vowel; "you", "why",
/// "double-u" do not.
pub fn letter_sound(c: char) -> Sound {
    if "aefhilmnorsxAEFHILMNORSX".contains(c) {
        Sound::Vowel
    } else if c.is_ascii_alphabetic() {
        Sound::Consonant
    } else {
        Sound::Unknown
    }
}

/// Acronyms read as words, with the sound of that word.
const WORD_ACRONYMS: &[(&str, Sound)] = &[
    ("NASA", Sound::Consonant),
    ("NATO", Sound::Consonant),
    ("OPEC", Sound::Vowel),
    ("OSHA", Sound::Vowel),
    ("UNESCO", Sound::Consonant),
    ("UNICEF", Sound::Consonant),
    ("FEMA", Sound::Consonant),
    ("FIFA", Sound::Consonant),
    ("IKEA", Sound::Vowel),
    ("ASEAN", Sound::Vowel),
    ("AIDS", Sound::Vowel),
    ("NAFTA", Sound::Consonant),
    ("SIM", Sound::Consonant),
    ("PIN", Sound::Consonant),
    ("RAM", Sound::Consonant),
    ("ROM", Sound::Consonant),
    ("LAN", Sound::Consonant),
    ("WAN", Sound::Consonant),
    ("GIF", Sound::Consonant),
    ("SARS", Sound::Consonant),
    ("COVID", Sound::Consonant),
    ("SWAT", Sound::Consonant),
    ("SPAC", Sound::Consonant),
    ("GAAP", Sound::Consonant),
    ("EBITDA", Sound::Vowel),
    ("ISIS", Sound::Vowel),
    ("MOOC", Sound::Consonant),
    ("NAND", Sound::Consonant),
    ("RAG", Sound::Consonant),
];

/// Initialisms read either as letters or as a word ("an S-E-C" / "a sec").
const AMBIGUOUS_ACRONYMS: &[&str] = &["SEC", "FAQ", "LED", "SQL", "SAT", "URL", "HTTP", "SaaS"];

/// An all-capitals word: a known word-acronym, an initialism read letter by letter, or
/// unknown (four or more letters with a vowel may be read as a word).
pub fn acronym_sound(word: &str) -> Sound {
    if let Some((_, s)) = WORD_ACRONYMS.iter().find(|(w, _)| *w == word) {
        return *s;
    }
    if AMBIGUOUS_ACRONYMS.contains(&word) {
        return Sound::Unknown;
    }
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    let has_vowel = word.chars().any(|c| "AEIOU".contains(c));
    if letters >= 4 && has_vowel {
        return Sound::Unknown;
    }
    word.chars().next().map_or(Sound::Unknown, letter_sound)
}

/// Words spelt with a vowel that start with a consonant sound ("you", "wun").
const U_CONSONANT: &[&str] = &[
    "unic",
    "unif",
    "unil",
    "union",
    "uniq",
    "unis",
    "unit",
    "univ",
    "unix",
    "unidirection",
    "uranium",
    "urin",
    "urol",
    "usa",
    "use",
    "usi",
    "usu",
    "uten",
    "uter",
    "util",
    "utop",
    "uvul",
    "ubiq",
    "ukr",
    "ukul",
    "ugand",
    "urug",
    "utah",
    "ufo",
    "unanim",
    "unary",
    "utrecht",
];

/// Words with a silent h: "an hour".
const SILENT_H: &[&str] = &["hour", "honest", "honor", "honour", "heir", "hors "];

/// h-words written with either article ("an historic" is accepted British usage).
const EITHER_H: &[&str] = &[
    "histor",
    "hotel",
    "herb",
    "heroic",
    "hypothe",
    "habitual",
    "hilarious",
    "horrendous",
    "horrific",
    "hereditary",
    "homage",
    "hallucinat",
    "humble",
];

/// The sound of an ordinary word, lowercase.
pub fn word_sound(w: &str) -> Sound {
    let starts = |list: &[&str]| list.iter().any(|p| w.starts_with(p));
    match w.as_bytes().first() {
        Some(b'u') if starts(U_CONSONANT) => Sound::Consonant,
        Some(b'e') if w.starts_with("eu") && !w.starts_with("euler") => Sound::Consonant,
        Some(b'e') if w.starts_with("ewe") => Sound::Consonant,
        Some(b'o') if w == "one" || w == "once" || w == "ones" || w == "oneself" => {
            Sound::Consonant
        }
        Some(b'o') if w.starts_with("oui") || w.starts_with("ouag") => Sound::Unknown,
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => Sound::Vowel,
        Some(b'h') if starts(SILENT_H) => Sound::Vowel,
        Some(b'h') if starts(EITHER_H) => Sound::Unknown,
        Some(b'y') if w.starts_with("ytt") => Sound::Vowel,
        Some(b'x') => Sound::Unknown,
        Some(b'n') if w == "nth" => Sound::Vowel,
        Some(c) if c.is_ascii_alphabetic() => Sound::Consonant,
        _ => Sound::Unknown,
    }
}

/// The sound of a number as read aloud: the first group of digits is what is said first
/// ("8,000" is "eight thousand", "11,000" "eleven thousand", "1,800" "one thousand…"); a
/// four-digit number without commas is read like a year ("1990" "nineteen…"), so one
/// starting with 11 or 18 is ambiguous ("eleven hundred" / "one thousand one hundred").
pub fn number_sound(t: &str) -> Sound {
    let run: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    let run = run.trim_end_matches(',');
    let group: &str = if let Some((head, _)) = run.split_once(',') {
        head
    } else if run.len() <= 3 {
        run
    } else if run.len() == 4 {
        if run.starts_with("11") || run.starts_with("18") {
            return Sound::Unknown;
        }
        &run[..1]
    } else {
        &run[..(run.len() - 1) % 3 + 1]
    };
    if group.is_empty() || group.len() > 1 && group.starts_with('0') {
        return Sound::Unknown;
    }
    match group.parse::<u32>() {
        Ok(8 | 11 | 18 | 80..=89 | 800..=899) => Sound::Vowel,
        Ok(_) => Sound::Consonant,
        Err(_) => Sound::Unknown,
    }
}

static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)*").unwrap());

/// Doubles that are grammatical or deliberate.
const DOUBLE_OK: &[&str] = &[
    "had", "that", "ha", "bye", "so", "very", "really", "many", "far", "no", "yes", "now", "there",
    "well", "oh", "wait", "go", "knock", "tut", "night", "chop", "tsk", "yo", "boo", "bang",
    "blah", "bla", "yada", "choo", "hush", "cha", "la", "na", "dum", "ba", "mahi", "bora", "walla",
    "baden", "pago", "sing", "ta", "tom", "hip", "too", "more", "round", "again",
];

/// Particles doubled after a verb: "plugging in in the evening", "logged on on Monday",
/// "staff at at least four labs" (a seam only after a function word: "the in in").
const PARTICLES: &[&str] = &[
    "in", "on", "up", "out", "off", "over", "down", "back", "by", "at", "about", "through",
];

/// Function words: a capitalised double of one of these is a seam ("The The" at a heading
/// start), of anything else a name ("Bora Bora").
const FUNCTION: &[&str] = &[
    "the", "a", "an", "of", "to", "in", "and", "or", "for", "on", "at", "by", "with", "is", "it",
    "as", "from", "that", "this",
];

/// Finds the same word twice in a row, separated by spaces only.
pub fn doubled_words(text: &str, out: &mut Vec<Hit>) {
    let mut prev: Option<(usize, usize)> = None;
    for m in WORD.find_iter(text) {
        if let Some((ps, pe)) = prev {
            let gap = &text[pe..m.start()];
            let w1 = &text[ps..pe];
            let w2 = m.as_str();
            if !gap.is_empty()
                && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
                && w1.len() == w2.len()
                && (w1.eq_ignore_ascii_case(w2) || w1.to_lowercase() == w2.to_lowercase())
                && w1.starts_with(char::is_alphabetic)
                && double_is_seam(text, w1, w2, m.end())
                && !particle_after_verb(text, ps, w1, m.end())
            {
                out.push(Hit::new(Class::DoubledWord, ps, m.end()));
            }
        }
        prev = Some((m.start(), m.end()));
    }
}

/// Whether a doubled particle follows a word that can take it ("plugging in in the
/// evening") or starts a fixed phrase ("at at least").
fn particle_after_verb(text: &str, start: usize, w1: &str, end: usize) -> bool {
    let lower = w1.to_lowercase();
    if !PARTICLES.contains(&lower.as_str()) {
        return false;
    }
    if lower == "at" {
        let rest = text[end..].trim_start();
        return ["least", "most", "all", "once", "first", "last"]
            .iter()
            .any(|w| rest.starts_with(w));
    }
    let before = text[..start].trim_end();
    let prev = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase();
    !prev.is_empty() && !FUNCTION.contains(&prev.as_str()) && !PARTICLES.contains(&prev.as_str())
}

fn double_is_seam(text: &str, w1: &str, w2: &str, end: usize) -> bool {
    let lower = w1.to_lowercase();
    if DOUBLE_OK.contains(&lower.as_str()) {
        return false;
    }
    // "Boutros Boutros-Ghali": the second is part of a compound.
    if matches!(char_at(text, end), Some('-')) {
        return false;
    }
    let capitalised = |w: &str| {
        let mut c = w.chars();
        c.next().is_some_and(char::is_uppercase) && c.all(char::is_lowercase)
    };
    if capitalised(w1) && capitalised(w2) && !FUNCTION.contains(&lower.as_str()) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(f: fn(&str, &mut Vec<Hit>), text: &str) -> Vec<String> {
        let mut out = Vec::new();
        f(text, &mut out);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn numbers_are_read_aloud() {
        let cases = [
            ("8", Sound::Vowel),
            ("83-page", Sound::Vowel),
            ("11", Sound::Vowel),
            ("18-month", Sound::Vowel),
            ("800", Sound::Vowel),
            ("8,000", Sound::Vowel),
            ("11,000", Sound::Vowel),
            ("80%", Sound::Vowel),
            ("8.5", Sound::Vowel),
            ("1,800", Sound::Consonant),
            ("180", Sound::Consonant),
            ("110", Sound::Consonant),
            ("2024", Sound::Consonant),
            ("8000", Sound::Vowel),
            ("1800s", Sound::Unknown),
            ("1100", Sound::Unknown),
            ("18000", Sound::Vowel),
            ("5", Sound::Consonant),
            ("100,000", Sound::Consonant),
        ];
        for (n, want) in cases {
            assert_eq!(number_sound(n), want, "{n}");
        }
    }

    #[test]
    fn words_and_initialisms_by_sound() {
        for w in [
            "hour",
            "honest",
            "heir",
            "apple",
            "umbrella",
            "uninformed",
            "euler",
        ] {
            assert_eq!(word_sound(w), Sound::Vowel, "{w}");
        }
        for w in [
            "one",
            "unique",
            "university",
            "european",
            "user",
            "usual",
            "hotdog",
        ] {
            assert_eq!(word_sound(w), Sound::Consonant, "{w}");
        }
        for w in ["historic", "hotel", "herb"] {
            assert_eq!(word_sound(w), Sound::Unknown, "{w}");
        }
        for a in ["MBA", "NFL", "FBI", "AI", "LLM", "EU", "HR", "SUV", "NGO"] {
            assert_eq!(acronym_sound(a), Sound::Vowel, "{a}");
        }
        for a in ["UN", "US", "UK", "CEO", "GPU", "NASA", "BBC"] {
            assert_eq!(acronym_sound(a), Sound::Consonant, "{a}");
        }
        for a in ["SEC", "FAQ", "OPENAI", "LED"] {
            assert_eq!(acronym_sound(a), Sound::Unknown, "{a}");
        }
    }

    #[test]
    fn wrong_articles_are_found() {
        let text = "They published a 83-page paper. It hired an California firm. \
                    A 18-month pilot began. He runs a AI lab with an 5-year plan and a \
                    “honest” broker. They met a hour later, after an SEC filing.";
        assert_eq!(
            found(articles, text),
            [
                "a 83-page",
                "an California",
                "A 18-month",
                "a AI",
                "an 5-year",
                "a “honest",
                "a hour"
            ]
        );
    }

    #[test]
    fn right_articles_and_non_articles_are_left_alone() {
        let text = "An hour, an honest man, an heir, an FAQ, an MBA, an NFL team, a one-off, \
                    a unique, a university, a European, a user, an 8, an 11, an 18, an 80-year, \
                    an 800, an 8,000, a 1,800-word essay, an F-35, a U-turn, an e-mail, an \
                    mRNA vaccine, a URL, an historic, a historic, Plan A is dead, Series A \
                    funding, Professor An said, a $8 million deal, a '90s hit, an '80s hit, \
                    an LLM, a UN agency, a US firm, a NASA probe, an R&D budget, a.m. news.\n\
                    A NEW ERA FOR AN MAKER\nShe earned an A in math and a B in art.";
        assert_eq!(found(articles, text), Vec::<String>::new());
    }

    #[test]
    fn doubled_words() {
        let text = "It was the the end. Arcadia AI AI said to to us. He had had enough; \
                    that that is true. Bora Bora is far far away. Boutros Boutros-Ghali.\n\
                    the\nthe end. The The band. Staff at at least four labs, plugging in in \
                    the evening; the in in thing; met at at noon. What comes next next year?";
        assert_eq!(
            found(super::doubled_words, text),
            [
                "the the",
                "AI AI",
                "to to",
                "The The",
                "in in",
                "at at",
                "next next"
            ]
        );
    }
}
