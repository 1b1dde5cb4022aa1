//! Audits split across machines: `audit --num-shards N --shard-index K` scans only the K-th
//! slice of the inputs and writes a partial report; `audit merge PART…` joins the parts into
//! the report a single-process audit writes, byte for byte. The slices depend on the inputs
//! and N alone: with at least N files, part K takes a contiguous run of whole files; with
//! fewer, each file is cut into consecutive line ranges, one per part. Reads partial reports;
//! writes only the merged report (through `ReportFile`).

use super::forms::ConstraintCount;
use super::report::{FactCount, StatusCount, Summary};
use crate::corpus::{Corpus, CorpusFile, open_file};
use crate::error::{Error, Result};
use crate::report_file::ReportFile;
use crate::shard::ShardId;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What one part scans: files (indices into the corpus's files) and, when the part holds a
/// piece of one file, the line numbers `(lo, hi]` (line numbers count from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub files: Range<usize>,
    pub lines: Option<(u64, u64)>,
}

impl Slice {
    /// The slice of part `id` of a corpus with `files` files; `count_lines(i)` is asked only
    /// for the file being cut into line ranges.
    pub fn of(
        id: ShardId,
        files: usize,
        count_lines: impl FnOnce(usize) -> Result<u64>,
    ) -> Result<Slice> {
        let (k, n, m) = (id.index as usize, id.count as usize, files);
        if m >= n {
            return Ok(Slice {
                files: k * m / n..(k + 1) * m / n,
                lines: None,
            });
        }
        // Part k is in file floor(k*m/n); file i has the parts from ceil(i*n/m) on.
        let file = k * m / n;
        let first = (file * n).div_ceil(m);
        let pieces = ((file + 1) * n).div_ceil(m) - first;
        let j = (k - first) as u64;
        let total = count_lines(file)?;
        let p = pieces as u64;
        Ok(Slice {
            files: file..file + 1,
            lines: Some((j * total / p, (j + 1) * total / p)),
        })
    }

    pub fn keeps_file(&self, corpus: &Corpus, f: &CorpusFile) -> bool {
        corpus.files()[self.files.clone()]
            .iter()
            .any(|g| std::ptr::eq(f, g))
    }

    pub fn keeps_line(&self, number: u64) -> bool {
        self.lines
            .is_none_or(|(lo, hi)| number > lo && number <= hi)
    }

    /// Whether every line from `number` on is past the slice.
    pub fn past(&self, number: u64) -> bool {
        self.lines.is_some_and(|(_, hi)| number > hi)
    }
}

/// Lines in a corpus file as the corpus reader counts them (a last line without `\n` counts).
pub fn count_lines(path: &Path) -> Result<u64> {
    let mut r = open_file(path)?;
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let buf = r.fill_buf().map_err(|source| Error::Read {
            path: path.to_path_buf(),
            line: lines,
            source,
        })?;
        if buf.is_empty() {
            break;
        }
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[buf.len() - 1];
        let n = buf.len();
        r.consume(n);
    }
    Ok(lines + u64::from(last != b'\n'))
}

/// The key of a partial report's header that says which part it is.
pub const PART_KEY: &str = "part";

/// One partial report, read.
struct Part {
    path: PathBuf,
    id: ShardId,
    /// The header without its `part` key's index: what every part of one audit shares.
    identity: Value,
    header: Map<String, Value>,
    summary: Summary,
}

/// Reads a partial report's header and summary (its entries are streamed later).
fn read_part(path: &Path) -> Result<Part> {
    let corrupt = |message: String| Error::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let f = std::fs::File::open(path).map_err(Error::io("cannot read", path))?;
    let mut lines = std::io::BufReader::new(f).lines();
    let first = lines
        .next()
        .transpose()
        .map_err(Error::io("cannot read", path))?
        .unwrap_or_default();
    let head: Value = serde_json::from_str(&format!("{first}]}}"))
        .map_err(|e| corrupt(format!("not an audit report ({e})")))?;
    let mut header = head.as_object().cloned().unwrap_or_default();
    header.remove("documents");
    let Some(part) = header.remove(PART_KEY) else {
        return Err(Error::Usage(format!(
            "{}: not a partial report (written without --shard-index); nothing to merge",
            path.display()
        )));
    };
    let id: ShardId = serde_json::from_value(part.clone())
        .map_err(|e| corrupt(format!("invalid `part`: {e}")))?;
    let mut last = String::new();
    for line in lines {
        last = line.map_err(Error::io("cannot read", path))?;
    }
    let tail = last
        .strip_prefix("],")
        .ok_or_else(|| corrupt("truncated: no summary at its end".into()))?;
    let mut tail: Map<String, Value> = serde_json::from_str(&format!("{{{tail}"))
        .map_err(|e| corrupt(format!("invalid summary ({e})")))?;
    let summary: Summary = serde_json::from_value(tail.remove("summary").unwrap_or(Value::Null))
        .map_err(|e| corrupt(format!("invalid summary ({e})")))?;
    let mut identity = header.clone();
    let mut shared = part.as_object().cloned().unwrap_or_default();
    shared.remove("index");
    identity.insert(PART_KEY.into(), Value::Object(shared));
    Ok(Part {
        path: path.to_path_buf(),
        id,
        identity: Value::Object(identity),
        header,
        summary,
    })
}

/// Checks that `parts` are every part of one audit, once each; returns them in part order.
fn check_parts(parts: Vec<Part>) -> Result<Vec<Part>> {
    let mut tally: Vec<(Value, usize)> = Vec::new();
    for p in &parts {
        match tally.iter_mut().find(|(v, _)| *v == p.identity) {
            Some(t) => t.1 += 1,
            None => tally.push((p.identity.clone(), 1)),
        }
    }
    // The audit most parts come from is the one merged (ties: the first given).
    let run = tally
        .iter()
        .fold(None::<&(Value, usize)>, |best, t| match best {
            Some(b) if b.1 >= t.1 => Some(b),
            _ => Some(t),
        })
        .map(|t| t.0.clone())
        .ok_or_else(|| Error::Usage("no partial report given".into()))?;
    let mut problems = Vec::new();
    let mut by_index: BTreeMap<u32, Part> = BTreeMap::new();
    let mut count = None;
    for p in parts {
        if p.identity != run {
            problems.push(format!(
                "{}: part {} of {} of another audit: {}",
                p.path.display(),
                p.id.index,
                p.id.count,
                header_differences(&p.identity, &run).join("; ")
            ));
        } else if let Some(first) = by_index.get(&p.id.index) {
            problems.push(format!(
                "part {} of {} is given twice: {} and {}",
                p.id.index,
                p.id.count,
                first.path.display(),
                p.path.display()
            ));
        } else {
            count = Some(p.id.count);
            by_index.insert(p.id.index, p);
        }
    }
    let count = count.unwrap_or(0);
    for index in 0..count {
        if !by_index.contains_key(&index) {
            problems.push(format!("part {index} of {count} is missing"));
        }
    }
    if !problems.is_empty() {
        let mut msg = format!("cannot merge the audit: {} problem(s)\n", problems.len());
        for p in &problems {
            msg.push_str(&format!("  - {p}\n"));
        }
        return Err(Error::Usage(msg.trim_end().to_string()));
    }
    Ok(by_index.into_values().collect())
}

fn header_differences(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return Vec::new();
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| format!("{k} {v} (the others: {})", b.get(k).unwrap_or(&Value::Null)))
        .collect()
}

/// Adds the totals of a later part to those of the parts before it.
fn absorb(into: &mut Summary, s: Summary) {
    into.documents += s.documents;
    into.text_bytes += s.text_bytes;
    into.text_chars += s.text_chars;
    into.malformed += s.malformed;
    for (ours, theirs) in [
        (&mut into.facts, s.facts),
        (&mut into.implied, s.implied),
        (&mut into.pieces, s.pieces),
    ] {
        for (a, b) in ours.iter_mut().zip(theirs) {
            add_fact(a, b);
        }
    }
    for (a, b) in into.forbidden.iter_mut().zip(s.forbidden) {
        a.documents += b.documents;
        a.matches += b.matches;
    }
    for (a, b) in into.constraints.iter_mut().zip(s.constraints) {
        a.checked += b.checked;
        a.violating += b.violating;
    }
    if let (Some(a), Some(b)) = (into.overlap.as_mut(), s.overlap) {
        a.documents_over += b.documents_over;
        a.runs_over += b.runs_over;
        // As in one pass: the first document with the longest run keeps it.
        if b.longest_words > a.longest_words {
            a.longest_words = b.longest_words;
            a.longest_doc = b.longest_doc;
        }
    }
    for (id, c) in s.conditions {
        let e = into.conditions.entry(id).or_default();
        e.documents += c.documents;
        for (ours, theirs) in [
            (&mut e.facts, c.facts),
            (&mut e.implied, c.implied),
            (&mut e.pieces, c.pieces),
        ] {
            for (f, n) in theirs {
                add_status(ours.entry(f).or_default(), n);
            }
        }
        for (k, n) in c.constraints {
            let t = e.constraints.entry(k).or_insert_with(|| ConstraintCount {
                id: n.id.clone(),
                ..Default::default()
            });
            t.checked += n.checked;
            t.violating += n.violating;
        }
    }
}

fn add_fact(a: &mut FactCount, b: FactCount) {
    let add = |a: &mut Option<u64>, b: Option<u64>| {
        if let (Some(a), Some(b)) = (a.as_mut(), b) {
            *a += b;
        }
    };
    a.present += b.present;
    add(&mut a.intended, b.intended);
    add(&mut a.leaked, b.leaked);
    add(&mut a.lost, b.lost);
}

fn add_status(t: &mut StatusCount, n: StatusCount) {
    t.intended += n.intended;
    t.present += n.present;
    t.leaked += n.leaked;
    t.lost += n.lost;
}

/// Merges the partial reports `parts` into `report`: the header without `part`, every
/// part's entries in part order, the summed totals. Returns the merged totals.
pub fn merge(parts: &[PathBuf], report: &Path) -> Result<Summary> {
    let parts = check_parts(parts.iter().map(|p| read_part(p)).collect::<Result<_>>()?)?;
    let mut out = ReportFile::create(report, Value::Object(parts[0].header.clone()), "documents")?;
    let mut total: Option<Summary> = None;
    for p in parts {
        copy_entries(&p.path, &mut out)?;
        match &mut total {
            None => total = Some(p.summary),
            Some(t) => absorb(t, p.summary),
        }
    }
    let total = total.expect("at least one part");
    let s = serde_json::to_string(&total).expect("summary serialises");
    out.finish(&format!("\"summary\":{s}"))?;
    Ok(total)
}

/// Streams the entries of a partial report (one line each) into `out`.
fn copy_entries(path: &Path, out: &mut ReportFile) -> Result<()> {
    let f = std::fs::File::open(path).map_err(Error::io("cannot read", path))?;
    let mut lines = std::io::BufReader::with_capacity(1 << 20, f)
        .lines()
        .skip(1);
    let mut pending: Option<String> = None;
    for line in &mut lines {
        let line = line.map_err(Error::io("cannot read", path))?;
        if line.starts_with("],") {
            break;
        }
        if let Some(prev) = pending.take() {
            let entry = prev.strip_suffix(',').ok_or_else(|| Error::Corrupt {
                path: path.to_path_buf(),
                message: "an entry does not end its line".into(),
            })?;
            out.entry(entry)?;
        }
        if !line.is_empty() {
            pending = Some(line);
        }
    }
    if let Some(last) = pending {
        out.entry(&last)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(k: u32, n: u32, files: usize, lines: u64) -> Slice {
        Slice::of(ShardId { index: k, count: n }, files, |_| Ok(lines)).unwrap()
    }

    #[test]
    fn slices_cover_every_line_once() {
        for (n, files, lines) in [(3, 1, 10), (3, 2, 7), (8, 3, 5), (2, 5, 4), (4, 4, 1)] {
            let mut seen = vec![vec![0u32; lines as usize]; files];
            for k in 0..n {
                let s = slice(k, n, files, lines);
                for f in s.files.clone() {
                    for l in 1..=lines {
                        if s.keeps_line(l) {
                            seen[f][(l - 1) as usize] += 1;
                        }
                    }
                }
            }
            assert!(
                seen.iter().flatten().all(|&c| c == 1),
                "n={n} files={files}: {seen:?}"
            );
        }
    }
}
