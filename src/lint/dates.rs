//! Seams of time: results reported before their quarter ended ([`Class::QuarterDate`]) and
//! forum replies older than the post they answer ([`Class::DateOrder`]).

use super::{Class, Hit, lines};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month by name or abbreviation ("Sept.", "Aug").
fn month(name: &str) -> Option<u32> {
    let n = name.trim_end_matches('.').to_lowercase();
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&n) && (n.len() == m.len() || n.len() <= 4))
        .map(|i| i as u32 + 1)
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\b(?:(\p{L}{3,9}\.?) (\d{1,2}),? (\d{4})", // August 13, 2024
        r"|(\d{1,2}) (\p{L}{3,9}\.?),? (\d{4})",     // 13 August 2024
        r"|(\d{4})-(\d{2})-(\d{2}))\b",              // 2024-08-13
    ))
});

/// Every date written in `text`, with its byte span.
pub fn dates_in(text: &str) -> Vec<(NaiveDate, usize, usize)> {
    DATE.captures_iter(text)
        .filter_map(|c| {
            let m = c.get(0)?;
            let num = |i: usize| c.get(i).and_then(|g| g.as_str().parse::<u32>().ok());
            let name = |i: usize| c.get(i).and_then(|g| month(g.as_str()));
            let date = if c.get(1).is_some() {
                NaiveDate::from_ymd_opt(num(3)? as i32, name(1)?, num(2)?)
            } else if c.get(4).is_some() {
                NaiveDate::from_ymd_opt(num(6)? as i32, name(5)?, num(4)?)
            } else {
                NaiveDate::from_ymd_opt(num(7)? as i32, num(8)?, num(9)?)
            }?;
            Some((date, m.start(), m.end()))
        })
        .collect()
}

/// The first date in the first five lines (a dateline or byline), for texts without a
/// known date.
pub fn header_date(text: &str) -> Option<NaiveDate> {
    let end = text
        .match_indices('\n')
        .nth(4)
        .map_or(text.len(), |(i, _)| i);
    dates_in(&text[..end]).first().map(|d| d.0)
}

static QUARTER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b(?:(first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter(?:[- ]|\s+of\s+)",
        r"(fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)\s+(?:financial\s+)?(?:earnings|results)",
        r"|q([1-4])\s+(fiscal\s+|fy\s*)?((?:19|20)\d\d)\s+(?:financial\s+)?(?:earnings|results)",
        r"|(?:results|earnings) for the (fiscal\s+)?(first|second|third|fourth) quarter",
        r"(?:\s+of)?\s+((?:19|20)\d\d))\b"
    ))
});

/// The last day of calendar quarter `q` (1-4) of `year`.
fn quarter_end(year: i32, q: u32) -> Option<NaiveDate> {
    let (m, d) = match q {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        4 => (12, 31),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, m, d)
}

fn quarter_number(word: &str) -> Option<u32> {
    match word.to_lowercase().as_str() {
        "first" | "1st" | "1" => Some(1),
        "second" | "2nd" | "2" => Some(2),
        "third" | "3rd" | "3" => Some(3),
        "fourth" | "4th" | "4" => Some(4),
        _ => None,
    }
}

/// Finds [`Class::QuarterDate`] seams: quarterly results named in a document dated on or
/// before the quarter's last day. `date` is the document's date; without it, the first date
/// of the text's first lines.
pub fn quarter_dates(text: &str, date: Option<NaiveDate>, out: &mut Vec<Hit>) {
    let named = ["quarter", "Quarter", "QUARTER"]
        .iter()
        .any(|q| text.contains(q))
        || text
            .as_bytes()
            .windows(2)
            .any(|w| matches!(w, [b'Q' | b'q', b'1'..=b'4']));
    if !named {
        return;
    }
    let Some(date) = date.or_else(|| header_date(text)) else {
        return;
    };
    for c in QUARTER.captures_iter(text) {
        let m = c.get(0).expect("0");
        let g = |i: usize| c.get(i).map(|x| x.as_str());
        let (q, fiscal, year) = if let Some(q) = g(1) {
            (q, g(2).is_some(), g(3))
        } else if let Some(q) = g(4) {
            (q, g(5).is_some(), g(6))
        } else {
            (g(8).unwrap_or(""), g(7).is_some(), g(9))
        };
        let head = text[..m.start()].trim_end().to_lowercase();
        if fiscal || head.ends_with("fiscal") || head.ends_with("fiscal year") {
            continue;
        }
        let (Some(q), Some(year)) = (quarter_number(q), year.and_then(|y| y.parse().ok())) else {
            continue;
        };
        let Some(end) = quarter_end(year, q) else {
            continue;
        };
        if date <= end {
            out.push(
                Hit::new(Class::QuarterDate, m.start(), m.end()).with_note(format!(
                    "document dated {date}, on or before the end of Q{q} {year} ({end})"
                )),
            );
        }
    }
}

/// A post header of a thread: "HANDLE | 7 hours ago", "↳ HANDLE | 6 hours ago | parent",
/// "u/HANDLE · May 3, 2024".
static POST: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^((?:↳ ?|> ?|[ \t])*)(?:u/)?[\w.-]{2,40}[ \t]+[|·•][ \t]+([^|·\n]+?)[ \t]*(?:[|·].*)?$")
});

static AGO: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(\d+|an?|one) (minute|min|hour|hr|day|week|month|year)s? ago$"));

/// When a post was written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    /// Minutes ago, as a range [lo, hi): "7 hours ago" is [420, 480).
    Ago(u64, u64),
    Day(NaiveDate),
}

fn when(t: &str) -> Option<When> {
    let t = t.trim();
    if t.eq_ignore_ascii_case("just now") {
        return Some(When::Ago(0, 1));
    }
    if t.eq_ignore_ascii_case("yesterday") {
        return Some(When::Ago(24 * 60, 48 * 60));
    }
    if let Some(c) = AGO.captures(t) {
        let n: u64 = c[1].parse().unwrap_or(1);
        let unit: u64 = match c[2].to_lowercase().as_str() {
            "minute" | "min" => 1,
            "hour" | "hr" => 60,
            "day" => 24 * 60,
            "week" => 7 * 24 * 60,
            "month" => 30 * 24 * 60,
            _ => 365 * 24 * 60,
        };
        return Some(When::Ago(n * unit, (n + 1) * unit));
    }
    match dates_in(t).as_slice() {
        [(d, 0, end)] if *end == t.len() => Some(When::Day(*d)),
        _ => None,
    }
}

/// Whether `reply` was certainly written before `parent`.
fn before(reply: When, parent: When) -> bool {
    match (reply, parent) {
        (When::Ago(lo, _), When::Ago(_, hi)) => lo >= hi,
        (When::Day(r), When::Day(p)) => r < p,
        _ => false,
    }
}

fn describe(w: When) -> String {
    match w {
        When::Ago(lo, _) if lo % (24 * 60) == 0 && lo > 0 => format!("{} day(s) ago", lo / 1440),
        When::Ago(lo, _) if lo % 60 == 0 && lo > 0 => format!("{} hour(s) ago", lo / 60),
        When::Ago(lo, _) => format!("{lo} minute(s) ago"),
        When::Day(d) => d.format("%B %-d, %Y").to_string(),
    }
}

/// The first post of a thread: "394 points by HANDLE | DATE", "Posted by u/HANDLE · DATE".
static OP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:points by|posted by|started by|submitted by) (?:u/)?[\w.-]{2,40}[ \t]*[|·•][ \t]*([^|·\n]+?)[ \t]*(?:[|·].*)?$",
    )
});

/// Finds [`Class::DateOrder`] seams: a reply written before the post it answers (the
/// nearest earlier post one level up; a top-level post answers the thread's first post,
/// found in the first five lines).
pub fn date_order(text: &str, out: &mut Vec<Hit>) {
    let mut op: Option<(usize, When)> = None;
    let mut posts: Vec<(usize, usize, usize, When)> = Vec::new();
    for (k, (at, line)) in lines(text).enumerate() {
        if k < 5
            && op.is_none()
            && let Some(w) = OP.captures(line).and_then(|c| when(&c[1]))
        {
            op = Some((at, w));
            continue;
        }
        let Some(c) = POST.captures(line) else {
            continue;
        };
        let Some(w) = when(&c[2]) else {
            continue;
        };
        let lead = &c[1];
        let depth = lead.matches(['↳', '>']).count() + lead.matches("  ").count();
        posts.push((at, at + line.len(), depth, w));
    }
    if posts.len() + usize::from(op.is_some()) < 2 {
        return;
    }
    // The latest post seen at each depth.
    let mut stack: Vec<(usize, When)> = Vec::new();
    for &(start, end, depth, w) in &posts {
        let parent = match depth {
            0 => op,
            d => stack.get(d - 1).copied(),
        };
        if let Some((p_at, p)) = parent
            && before(w, p)
        {
            let line = text[..p_at].matches('\n').count() + 1;
            out.push(Hit::new(Class::DateOrder, start, end).with_note(format!(
                "posted {}, before the post it answers (line {line}, {})",
                describe(w),
                describe(p)
            )));
        }
        stack.truncate(depth);
        stack.push((start, w));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, f: impl Fn(&str, &mut Vec<Hit>)) -> Vec<String> {
        let mut out = Vec::new();
        f(text, &mut out);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_are_read_in_three_forms() {
        let got: Vec<NaiveDate> = dates_in("On Sept. 5, 2024, 13 August 2024 and 2024-01-02.")
            .into_iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(
            got,
            [day("2024-09-05"), day("2024-08-13"), day("2024-01-02")]
        );
        assert_eq!(
            header_date("Title\nBy X | May 3, 2024\n\nBody"),
            Some(day("2024-05-03"))
        );
    }

    #[test]
    fn results_before_the_quarter_ended() {
        let text = "Fernhill Labs Third-Quarter 2024 Earnings Call. Welcome to the \
                    third-quarter 2024 results call. We report results for the second quarter \
                    of 2024. Q3 2024 earnings beat. We expect fourth-quarter 2024 growth. \
                    Our fiscal third-quarter 2024 results.";
        let f = |d: &str| {
            let d = day(d);
            found(text, move |t, o| quarter_dates(t, Some(d), o))
        };
        assert_eq!(
            f("2024-09-05"),
            [
                "Third-Quarter 2024 Earnings",
                "third-quarter 2024 results",
                "Q3 2024 earnings"
            ]
        );
        assert_eq!(
            f("2024-06-30"),
            [
                "Third-Quarter 2024 Earnings",
                "third-quarter 2024 results",
                "results for the second quarter of 2024",
                "Q3 2024 earnings"
            ]
        );
        assert!(f("2024-10-01").is_empty());
        // Without a known date, the dateline is used.
        let dated = "Q3 2024 earnings call\nAugust 13, 2024\n\nText.";
        assert_eq!(
            found(dated, |t, o| quarter_dates(t, None, o)),
            ["Q3 2024 earnings"]
        );
    }

    #[test]
    fn replies_older_than_their_post() {
        let text = "Story (x.com)\n394 points by mossy | September 15, 2024 | 4 comments\n\n\
                    hermit_crab | 7 hours ago\n\nText.\n\n↳ policy_wonk | 6 hours ago\n\nOk.\n\n\
                    retired_pm | 14 hours ago\n\nHm.\n\n↳ old_hand | 15 hours ago\n\nNo.\n\n\
                    ↳ other | 1 day ago\n\nYes.\n\nlate | 20 hours ago\n\n↳ early | 1 day ago";
        assert_eq!(
            found(text, date_order),
            [
                "↳ old_hand | 15 hours ago",
                "↳ other | 1 day ago",
                "↳ early | 1 day ago"
            ]
        );
        let absolute = "Posted by u/op · May 3, 2024\n\nPost.\n\nu/ab · May 2, 2024\n\nReply.";
        assert_eq!(found(absolute, date_order), ["u/ab · May 2, 2024"]);
    }
}
