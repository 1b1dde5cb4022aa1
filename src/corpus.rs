//! The one reader of corpora. A corpus is a factpress corpus folder (its manifest names the
//! shards, the output settings and the sidecar provenance; its `source/` holds the spec it
//! was built from) or plain JSONL files, compressed with zstd (`.zst`), gzip (`.gz`) or not
//! at all. [`Corpus::open`] resolves either; [`Corpus::batches`] streams every line with its
//! provenance row, in file order, never loading a whole file; every read error names the file
//! and the line. [`Corpus::source`] rebuilds what the corpus was generated from (spec with its
//! `--var` overrides, seed, conditions, output settings, a built renderer) for the readers
//! that re-render (verify, pairs, stats). [`BadLines`] is the one policy for malformed lines.
//! Never writes.

use crate::error::{Error, Result};
use crate::generate::Selection;
use crate::manifest::Manifest;
use crate::observe::Observer;
use crate::output::Output;
use crate::record::Format;
use crate::render::Renderer;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Malformed lines described to the observer before the rest are only counted.
pub const BAD_LINES_SHOWN: u64 = 20;

/// A factpress corpus folder: where it is and what its manifest says.
#[derive(Debug, Clone)]
pub struct Folder {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// One file of records, with what is known about it.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    pub path: PathBuf,
    /// How the file is named to people: relative to the corpus folder for its shards.
    pub name: String,
    /// Sidecar provenance file, row for row (factpress `text` / `oai-doctag` corpora).
    pub provenance: Option<PathBuf>,
    /// The condition, for shards of a factpress corpus.
    pub condition: Option<String>,
}

/// A corpus opened for reading.
#[derive(Debug, Clone)]
pub struct Corpus {
    folder: Option<Folder>,
    files: Vec<CorpusFile>,
}

/// What a factpress corpus was generated from, rebuilt from its own `source/`.
pub struct Source {
    pub selection: Selection,
    pub output: Output,
    pub renderer: Arc<Renderer>,
}

impl Source {
    /// The spec index of condition `id`.
    pub fn condition_index(&self, id: &str) -> Option<usize> {
        self.selection
            .spec
            .conditions
            .iter()
            .position(|c| c.id == id)
    }
}

/// One line of a corpus file.
#[derive(Debug, Clone)]
pub struct Line {
    /// Index into [`Corpus::files`].
    pub file: usize,
    /// 1-based line number.
    pub number: u64,
    /// The line without its line ending; bytes that are not UTF-8 are replaced (the JSON
    /// parser then rejects the record, so it is reported, never silently read).
    pub text: String,
    /// The provenance row of the same number, for corpora with sidecar provenance.
    pub provenance: Option<String>,
}

/// Consecutive lines of one file.
#[derive(Debug, Clone)]
pub struct Batch {
    pub file: usize,
    pub lines: Vec<Line>,
}

impl Corpus {
    /// Resolves command-line inputs: one folder with a `manifest.json` (a factpress corpus),
    /// or JSONL files (by extension: `.zst`, `.gz`, else plain).
    pub fn open(paths: &[PathBuf]) -> Result<Corpus> {
        if paths.is_empty() {
            return Err(Error::Usage("give a corpus folder or JSONL files".into()));
        }
        if let [dir] = paths
            && dir.is_dir()
        {
            return Corpus::open_folder(dir);
        }
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                return Err(Error::Usage(format!(
                    "{}: give one factpress corpus folder, or JSONL files, not both or several folders",
                    p.display()
                )));
            }
            if !p.is_file() {
                return Err(Error::Usage(format!(
                    "{}: no such file or folder",
                    p.display()
                )));
            }
            files.push(CorpusFile {
                path: p.clone(),
                name: p.display().to_string(),
                provenance: None,
                condition: None,
            });
        }
        Ok(Corpus {
            folder: None,
            files,
        })
    }

    /// Opens a factpress corpus folder (exit 2 if it has no manifest).
    pub fn open_folder(dir: &Path) -> Result<Corpus> {
        let manifest = Manifest::read(dir)?;
        let mut files = Vec::new();
        for c in &manifest.conditions {
            for (i, s) in c.shards.iter().enumerate() {
                files.push(CorpusFile {
                    path: dir.join(&s.path),
                    name: s.path.clone(),
                    provenance: c.provenance.get(i).map(|e| dir.join(&e.path)),
                    condition: Some(c.id.clone()),
                });
            }
        }
        Ok(Corpus {
            folder: Some(Folder {
                dir: dir.to_path_buf(),
                manifest,
            }),
            files,
        })
    }

    pub fn folder(&self) -> Option<&Folder> {
        self.folder.as_ref()
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        self.folder.as_ref().map(|f| &f.manifest)
    }

    pub fn files(&self) -> &[CorpusFile] {
        &self.files
    }

    /// The default text field: `messages.1.content` for an `oai-doctag` corpus, else `text`.
    pub fn default_text_field(&self) -> &'static str {
        match self.manifest() {
            Some(m) if m.output.format == Format::OaiDoctag => "messages.1.content",
            _ => "text",
        }
    }

    /// The spec file in the folder's `source/` copy.
    pub fn spec_path(&self) -> Option<PathBuf> {
        self.folder
            .as_ref()
            .filter(|f| f.manifest.mix.is_none())
            .map(|f| f.dir.join("source").join(&f.manifest.spec))
    }

    /// The conditions of a factpress corpus, in manifest order (empty for plain files).
    pub fn conditions(&self) -> Vec<&str> {
        self.manifest()
            .map(|m| m.conditions.iter().map(|c| c.id.as_str()).collect())
            .unwrap_or_default()
    }

    /// Checks that the corpus folder has condition `id`.
    pub fn require_condition(&self, id: &str) -> Result<()> {
        let known = self.conditions();
        if known.contains(&id) {
            return Ok(());
        }
        let dir = self.folder.as_ref().map(|f| f.dir.display().to_string());
        Err(Error::Usage(format!(
            "{}: no condition `{id}` (it has: {})",
            dir.unwrap_or_else(|| "these inputs".into()),
            if known.is_empty() {
                "none; plain JSONL files have no conditions".to_string()
            } else {
                known.join(", ")
            }
        )))
    }

    /// What a factpress corpus was generated from: its `source/` spec with the recorded
    /// `--var` overrides, seed, documents and conditions, its output settings, and a built
    /// renderer. An error for plain JSONL files.
    pub fn source(&self) -> Result<Source> {
        let Some(f) = &self.folder else {
            return Err(Error::Usage(
                "this needs a factpress corpus folder (with manifest.json and source/)".into(),
            ));
        };
        if f.manifest.mix.is_some() {
            return Err(Error::Usage(format!(
                "{} is a mixed corpus (written by `factpress mix`): it has no spec of its own to re-render (give --spec for the rules, where the command takes one)",
                f.dir.display()
            )));
        }
        let selection = Selection::from_manifest(&f.dir, &f.manifest)?;
        let output = f.manifest.output.clone();
        output.check(selection.docs)?;
        let renderer = Arc::new(selection.renderer()?);
        Ok(Source {
            selection,
            output,
            renderer,
        })
    }

    /// Streams the lines of every file (or of the files `keep` accepts), in order, in
    /// batches of at most `size` lines, each line with its provenance row.
    pub fn batches(&self, size: usize, keep: impl Fn(&CorpusFile) -> bool) -> Batches {
        Batches {
            files: self
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| keep(f))
                .map(|(i, f)| (i, f.clone()))
                .collect::<Vec<_>>()
                .into_iter(),
            open: None,
            size: size.max(1),
        }
    }
}

/// An open file and its provenance, being read.
struct Reading {
    index: usize,
    file: CorpusFile,
    data: Box<dyn BufRead + Send>,
    line: u64,
    provenance: Option<(Box<dyn BufRead + Send>, u64)>,
}

/// The iterator of [`Corpus::batches`]. After an error it ends.
pub struct Batches {
    files: std::vec::IntoIter<(usize, CorpusFile)>,
    open: Option<Reading>,
    size: usize,
}

impl Iterator for Batches {
    type Item = Result<Batch>;

    fn next(&mut self) -> Option<Result<Batch>> {
        loop {
            if self.open.is_none() {
                let (index, file) = self.files.next()?;
                match Reading::start(index, file) {
                    Ok(r) => self.open = Some(r),
                    Err(e) => return self.fail(e),
                }
            }
            let reading = self.open.as_mut().expect("a file is open");
            match reading.batch(self.size) {
                Ok(Some(b)) => return Some(Ok(b)),
                Ok(None) => self.open = None,
                Err(e) => return self.fail(e),
            }
        }
    }
}

impl Batches {
    fn fail(&mut self, e: Error) -> Option<Result<Batch>> {
        self.open = None;
        self.files = Vec::new().into_iter();
        Some(Err(e))
    }
}

impl Reading {
    fn start(index: usize, file: CorpusFile) -> Result<Reading> {
        let data = open_file(&file.path)?;
        let provenance = match &file.provenance {
            Some(p) => Some((open_file(p)?, 0)),
            None => None,
        };
        Ok(Reading {
            index,
            file,
            data,
            line: 0,
            provenance,
        })
    }

    /// The next batch of this file, or `None` at its end.
    fn batch(&mut self, size: usize) -> Result<Option<Batch>> {
        let mut lines = Vec::with_capacity(size.min(4096));
        while lines.len() < size {
            let Some(text) = read_line(&mut *self.data, &self.file.path, self.line)? else {
                break;
            };
            self.line += 1;
            let provenance = match &mut self.provenance {
                Some((r, n)) => {
                    let p = self.file.provenance.as_deref().expect("provenance path");
                    let row = read_line(&mut **r, p, *n)?.ok_or_else(|| Error::Corrupt {
                        path: p.to_path_buf(),
                        message: format!(
                            "has {n} rows but {} has more records",
                            self.file.path.display()
                        ),
                    })?;
                    *n += 1;
                    Some(row)
                }
                None => None,
            };
            lines.push(Line {
                file: self.index,
                number: self.line,
                text,
                provenance,
            });
        }
        if lines.is_empty() {
            if let Some((r, n)) = &mut self.provenance {
                let p = self.file.provenance.as_deref().expect("provenance path");
                if read_line(&mut **r, p, *n)?.is_some() {
                    return Err(Error::Corrupt {
                        path: p.to_path_buf(),
                        message: format!(
                            "has more rows than {} has records ({})",
                            self.file.path.display(),
                            self.line
                        ),
                    });
                }
            }
            return Ok(None);
        }
        Ok(Some(Batch {
            file: self.index,
            lines,
        }))
    }
}

/// Reads one line (without `\n` / `\r\n`), or `None` at the end of the file.
fn read_line(r: &mut dyn BufRead, path: &Path, read: u64) -> Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r
        .read_until(b'\n', &mut buf)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            line: read,
            source,
        })?;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        buf.pop();
    }
    Ok(Some(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

/// Opens a file for reading, decompressing by extension (`.zst`/`.zstd`, `.gz`).
pub fn open_file(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let f = File::open(path).map_err(Error::io("cannot open", path))?;
    let name = path.to_string_lossy();
    let r: Box<dyn Read + Send> = if name.ends_with(".zst") || name.ends_with(".zstd") {
        Box::new(zstd::Decoder::new(f).map_err(Error::io("cannot read zstd", path))?)
    } else if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, r)))
}

/// The one policy for malformed lines, shared by every reader that can go on without them:
/// skip the line, count it, describe the first [`BAD_LINES_SHOWN`] to the observer (readers
/// that write a report list all of them there); with `strict`, stop at the first instead.
#[derive(Debug, Default)]
pub struct BadLines {
    strict: bool,
    count: u64,
}

impl BadLines {
    pub fn new(strict: bool) -> BadLines {
        BadLines { strict, count: 0 }
    }

    /// Records that line `line` of `file` is malformed because of `why`.
    pub fn skip(&mut self, file: &str, line: u64, why: &str, obs: &dyn Observer) -> Result<()> {
        if self.strict {
            return Err(Error::Corrupt {
                path: PathBuf::from(file),
                message: format!("line {line}: {why} (--strict stops at the first malformed line)"),
            });
        }
        self.count += 1;
        if self.count <= BAD_LINES_SHOWN {
            obs.warn(&format!("{file}:{line}: {why}; line skipped"));
        } else if self.count == BAD_LINES_SHOWN + 1 {
            obs.warn("more malformed lines; they are skipped and counted");
        }
        Ok(())
    }

    /// Malformed lines skipped so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Looks up a dotted path such as `text`, `content` or `messages.1.content` (numbers index
/// arrays).
pub fn field<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| match v {
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
        Value::Object(o) => o.get(part),
        _ => None,
    })
}

/// The string at `path`, or a message saying what was found instead.
pub fn text_field<'a>(value: &'a Value, path: &str) -> std::result::Result<&'a str, String> {
    match field(value, path) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "field `{path}` is not a string (found {})",
            kind(other)
        )),
        None => Err(format!("no field `{path}`")),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_index_objects_and_arrays() {
        let v: Value =
            serde_json::json!({"text": "a", "messages": [{"content": "u"}, {"content": "d"}]});
        assert_eq!(text_field(&v, "text"), Ok("a"));
        assert_eq!(text_field(&v, "messages.1.content"), Ok("d"));
        assert!(
            text_field(&v, "messages.2.content")
                .unwrap_err()
                .contains("no field")
        );
        assert!(text_field(&v, "messages").unwrap_err().contains("an array"));
    }

    #[test]
    fn batches_carry_line_numbers_and_provenance_and_stop_at_a_short_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d.jsonl");
        let prov = dir.path().join("p.jsonl");
        std::fs::write(&data, "a\r\nb\n\nc").unwrap();
        std::fs::write(&prov, "1\n2\n3\n4\n").unwrap();
        let corpus = Corpus {
            folder: None,
            files: vec![CorpusFile {
                path: data.clone(),
                name: "d".into(),
                provenance: Some(prov.clone()),
                condition: None,
            }],
        };
        let got: Vec<(u64, String, Option<String>)> = corpus
            .batches(3, |_| true)
            .flat_map(|b| b.unwrap().lines)
            .map(|l| (l.number, l.text, l.provenance))
            .collect();
        let want: Vec<(u64, String, Option<String>)> =
            [(1, "a", "1"), (2, "b", "2"), (3, "", "3"), (4, "c", "4")]
                .into_iter()
                .map(|(n, t, p)| (n, t.to_string(), Some(p.to_string())))
                .collect();
        assert_eq!(got, want);
        std::fs::write(&prov, "1\n").unwrap();
        let err = corpus
            .batches(10, |_| true)
            .find_map(|b| b.err())
            .expect("a short sidecar is an error");
        assert!(err.to_string().contains("p.jsonl"), "{err}");
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn bad_lines_count_or_stop() {
        let obs = crate::observe::Collect::default();
        let mut lenient = BadLines::new(false);
        for i in 0..25 {
            lenient.skip("f.jsonl", i, "not JSON", &obs).unwrap();
        }
        assert_eq!(lenient.count(), 25);
        assert_eq!(obs.messages.lock().unwrap().len(), 21);
        let mut strict = BadLines::new(true);
        let e = strict.skip("f.jsonl", 7, "not JSON", &obs).unwrap_err();
        assert!(e.to_string().contains("f.jsonl: line 7: not JSON"), "{e}");
    }
}
