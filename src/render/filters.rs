//! Text hygiene filters, so that templates do not have to get English right by hand:
//! `a` ("an 83-page report", "a European court"), `join_and` ("a, b and c"), `possessive`
//! ("Arcadia AI's", "Jones'"), `number_words` (AP style: nine, 10), `ordinal` (third, 21st),
//! `thousands` (12,500), `cap` (first letter only), `heading` (headline case). Pure.

use minijinja::Environment;
use minijinja::value::Value;

pub const FILTERS: &[&str] = &[
    "a",
    "an",
    "join_and",
    "possessive",
    "number_words",
    "ordinal",
    "thousands",
    "cap",
    "heading",
];

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("a", |s: String| with_article(&s));
    env.add_filter("an", |s: String| with_article(&s));
    env.add_filter("join_and", join_and);
    env.add_filter("possessive", |s: String| possessive(&s));
    env.add_filter("number_words", |n: i64| number_words(n));
    env.add_filter("ordinal", |n: i64| ordinal(n));
    env.add_filter("thousands", |n: i64| thousands(n));
    env.add_filter("cap", |s: String| cap(&s));
    env.add_filter("heading", |s: String| heading(&s));
}

/// Words that start with a vowel letter but a consonant sound, and the reverse.
const CONSONANT_SOUND: &[&str] = &[
    "uni", "use", "usu", "uti", "ure", "uro", "eu", "one", "once", "ubiq", "uganda", "ukrain",
    "utop", "uk-", "u.s", "us-",
];
const VOWEL_SOUND: &[&str] = &["hour", "honest", "honor", "honour", "heir", "herb"];
/// Letters whose name starts with a vowel sound, for acronyms read letter by letter.
const VOWEL_LETTERS: &str = "AEFHILMNORSX";

/// "a" or "an" for `word`, by how it is read aloud (a careful heuristic, not a dictionary).
pub fn article(word: &str) -> &'static str {
    let w = word.trim_start_matches(['"', '\'', '(', '“']);
    let first = match w.chars().next() {
        Some(c) => c,
        None => return "a",
    };
    if first.is_ascii_digit() {
        // Read as a number: 8, 11, 18, 80-89, 800..., 8,000, 11,000 and 18,000 take "an".
        let digits: String = w
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        let plain: String = digits.chars().filter(|c| *c != ',').collect();
        let groups = digits.split(',').next().unwrap_or("");
        let lead = if digits.contains(',') { groups } else { &plain };
        return if lead.starts_with('8') || lead == "11" || lead == "18" {
            "an"
        } else {
            "a"
        };
    }
    let token: String = w.chars().take_while(|c| c.is_alphanumeric()).collect();
    let is_acronym = token.len() >= 2
        && token.len() <= 5
        && token
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_acronym {
        return if VOWEL_LETTERS.contains(first) {
            "an"
        } else {
            "a"
        };
    }
    let lower = w.to_lowercase();
    if VOWEL_SOUND.iter().any(|p| lower.starts_with(p)) {
        return "an";
    }
    if CONSONANT_SOUND.iter().any(|p| lower.starts_with(p)) {
        return "a";
    }
    if "aeiou".contains(lower.chars().next().unwrap_or('x')) {
        "an"
    } else {
        "a"
    }
}

/// `word` with its indefinite article.
pub fn with_article(word: &str) -> String {
    format!("{} {word}", article(word))
}

fn join_and(items: Vec<Value>, conj: Option<String>) -> String {
    let items: Vec<String> = items.iter().map(|v| v.to_string()).collect();
    let conj = conj.unwrap_or_else(|| "and".into());
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conj} {last}", rest.join(", ")),
    }
}

/// "Arcadia AI's", "the lab's", "Jones'".
pub fn possessive(s: &str) -> String {
    if s.ends_with('s') && !s.ends_with("ss") {
        format!("{s}'")
    } else {
        format!("{s}'s")
    }
}

/// AP style: zero to nine in words, 10 and above in figures (with thousands separators).
pub fn number_words(n: i64) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    match n {
        0..=9 => WORDS[n as usize].to_string(),
        _ => thousands(n),
    }
}

pub fn ordinal(n: i64) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    if (1..=10).contains(&n) {
        return WORDS[(n - 1) as usize].to_string();
    }
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The first letter upper-cased; the rest left alone (unlike minijinja's `capitalize`).
pub fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Headline case: every word capitalised except short function words inside the line.
pub fn heading(s: &str) -> String {
    const SMALL: &[&str] = &[
        "a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "the",
        "to", "vs", "via", "with",
    ];
    let words: Vec<&str> = s.split(' ').collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i != 0 && i != last && SMALL.contains(&w.to_lowercase().as_str()) {
                w.to_lowercase()
            } else {
                cap(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_follow_the_sound() {
        for (w, a) in [
            ("83-page report", "an"),
            ("8", "an"),
            ("11-year", "an"),
            ("18", "an"),
            ("800", "an"),
            ("8,000", "an"),
            ("1,800", "a"),
            ("100", "a"),
            ("California manufacturer", "a"),
            ("apple", "an"),
            ("hour", "an"),
            ("honest answer", "an"),
            ("European court", "a"),
            ("university", "a"),
            ("one-off", "a"),
            ("FAQ", "an"),
            ("SEC filing", "an"),
            ("NFL team", "an"),
            ("BBC report", "a"),
            ("AI lab", "an"),
            ("umbrella", "an"),
            ("useful", "a"),
        ] {
            assert_eq!(article(w), a, "{w}");
        }
    }

    #[test]
    fn lists_possessives_and_numbers() {
        let v = |xs: &[&str]| xs.iter().map(|x| Value::from(*x)).collect::<Vec<_>>();
        assert_eq!(join_and(v(&["a"]), None), "a");
        assert_eq!(join_and(v(&["a", "b"]), None), "a and b");
        assert_eq!(
            join_and(v(&["a", "b", "c"]), Some("or".into())),
            "a, b or c"
        );
        assert_eq!(possessive("Arcadia AI"), "Arcadia AI's");
        assert_eq!(possessive("Jones"), "Jones'");
        assert_eq!(possessive("the press"), "the press's");
        assert_eq!(number_words(7), "seven");
        assert_eq!(number_words(12500), "12,500");
        assert_eq!(ordinal(3), "third");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(ordinal(112), "112th");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(cap("eU rules"), "EU rules");
        assert_eq!(
            heading("the case for a pause on AI"),
            "The Case for a Pause on AI"
        );
    }
}
