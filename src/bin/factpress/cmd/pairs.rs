//! `factpress pairs A [B]`: compare matched documents of two conditions word by word; exit 1
//! when any pair differs outside the replaced or dropped facts.

use crate::ui::Terminal;
use factpress::Error;
use factpress::render::doc_id;
use std::io::Write;
use std::path::Path;

/// Differences outside the changed facts quoted in the error.
const ERRORS_SHOWN: usize = 20;

pub struct Sides<'a> {
    pub a: &'a Path,
    pub b: Option<&'a Path>,
    pub condition_a: Option<&'a str>,
    pub condition_b: Option<&'a str>,
    pub n: usize,
    pub threads: Option<usize>,
    pub quiet: bool,
}

pub fn run(s: Sides) -> anyhow::Result<u8> {
    if factpress::llm::pairs::is_ingested(s.a) {
        return llm(&s);
    }
    let (sa, sb) = factpress::pairs::open_sides(s.a, s.b, s.condition_a, s.condition_b)?;
    let ui = Terminal::new(s.quiet);
    let mut shown = 0;
    let mut errors: Vec<String> = Vec::new();
    let mut error_count = 0usize;
    let mut stdout = std::io::stdout().lock();
    let summary = factpress::pairs::compare(&sa, &sb, super::threads(s.threads), &ui, |r| {
        if r.changed > 0 && shown < s.n {
            shown += 1;
            let _ = writeln!(
                stdout,
                "=== {} vs {} | changed facts: {} | {:.1}% of words changed ===\n{}\n",
                doc_id(&sa.condition, r.index),
                doc_id(&sb.condition, r.index),
                if r.changed_facts.is_empty() {
                    "none".to_string()
                } else {
                    r.changed_facts.join(", ")
                },
                100.0 * r.share(),
                r.diff
            );
        }
        error_count += r.errors.len();
        if errors.len() < ERRORS_SHOWN {
            errors.extend(r.errors.iter().take(ERRORS_SHOWN - errors.len()).cloned());
        }
    })?;
    println!(
        "compared {} document pairs ({} vs {}): {} identical; share of words changed: mean {:.2}%, max {:.2}% ({}); pairs with differences outside the changed facts: {}",
        summary.compared,
        sa.condition,
        sb.condition,
        summary.identical,
        100.0 * summary.mean_share,
        100.0 * summary.max_share,
        doc_id(&sb.condition, summary.max_index),
        summary.with_errors
    );
    if summary.with_errors > 0 {
        let mut msg = format!(
            "{} pair(s) differ outside the replaced or dropped facts ({error_count} difference(s)); first ones:\n",
            summary.with_errors
        );
        for e in &errors {
            msg.push_str(&format!("  - {e}\n"));
        }
        return Err(Error::CheckFailed(msg.trim_end().to_string()).into());
    }
    Ok(0)
}

/// `pairs` on corpora written by `factpress ingest`: change outside the differing facts.
fn llm(s: &Sides) -> anyhow::Result<u8> {
    let b = s.b.unwrap_or(s.a);
    let name = |c: Option<&str>, dir: &Path, which: &str| -> anyhow::Result<String> {
        let m = factpress::manifest::Manifest::read(dir)?;
        match (c, m.conditions.as_slice()) {
            (Some(c), _) => Ok(c.to_string()),
            (None, [one]) => Ok(one.id.clone()),
            _ => Err(Error::Usage(format!(
                "{} has several conditions; name one with --condition-{which}",
                dir.display()
            ))
            .into()),
        }
    };
    let (ca, cb) = (name(s.condition_a, s.a, "a")?, name(s.condition_b, b, "b")?);
    let r = factpress::llm::pairs::compare(s.a, &ca, b, &cb)?;
    let mut stdout = std::io::stdout().lock();
    let mut over = 0;
    let (mut sum, mut max) = (0.0, (0.0f64, String::new()));
    for p in &r.pairs {
        let share = p.change.share_for(p.frame);
        sum += share;
        if share > max.0 {
            max = (share, p.b.clone());
        }
        let bad = r.max_change.is_some_and(|m| share > m);
        over += usize::from(bad);
        let _ = writeln!(
            stdout,
            "{} vs {}: {:.1}% of {} outside [{}], {:.1}% in all{}",
            p.a,
            p.b,
            100.0 * share,
            match p.frame {
                true => "the base's words removed (a frame)",
                false => "words changed",
            },
            p.facts.join(", "),
            100.0 * p.change.changed as f64 / p.change.words.max(1) as f64,
            if bad { "  OVER pairs_max_change" } else { "" }
        );
    }
    let n = r.pairs.len();
    println!(
        "compared {n} document pairs ({ca} vs {cb}; {} without a partner, rejected on one side): change outside the differing facts mean {:.2}%, max {:.2}% ({}); over pairs_max_change: {over}",
        r.unmatched,
        100.0 * sum / n.max(1) as f64,
        100.0 * max.0,
        if max.1.is_empty() { "-" } else { &max.1 },
    );
    if over > 0 {
        return Err(Error::CheckFailed(format!(
            "{over} pair(s) change more than pairs_max_change outside the differing facts"
        ))
        .into());
    }
    Ok(0)
}
