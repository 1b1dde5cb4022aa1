//! Reading corpora for the readers (audit, stats): a factpress corpus folder (its manifest
//! names the shards, the format and the sidecar provenance) or plain JSONL files, compressed
//! with zstd (`.zst`), gzip (`.gz`) or not at all. Streams line by line in batches; never
//! loads a whole file, never writes.

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::record::Format;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One file of records to read, with what is known about it.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// Sidecar provenance file, row for row (factpress `text` / `oai-doctag` corpora).
    pub provenance: Option<PathBuf>,
    /// The condition, for shards of a factpress corpus.
    pub condition: Option<String>,
}

/// What the inputs are: files, and the manifest when the input is a factpress corpus.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub sources: Vec<Source>,
    /// Set when exactly one input is a factpress corpus folder.
    pub manifest: Option<(PathBuf, Manifest)>,
    /// Default text field for these inputs (`text`, or `messages.1.content` for oai-doctag).
    pub default_text_field: String,
}

/// Resolves command-line inputs: folders with a `manifest.json` are factpress corpora; other
/// folders are an error; files are read as JSONL (by extension: `.zst`, `.gz`, else plain).
pub fn resolve(paths: &[PathBuf]) -> Result<Inputs> {
    let mut sources = Vec::new();
    let mut manifest = None;
    let mut default_text_field = "text".to_string();
    for p in paths {
        if p.is_dir() {
            let m = Manifest::read(p)?;
            if m.output.format == Format::OaiDoctag {
                default_text_field = "messages.1.content".into();
            }
            for c in &m.conditions {
                for (i, s) in c.shards.iter().enumerate() {
                    sources.push(Source {
                        path: p.join(&s.path),
                        provenance: c.provenance.get(i).map(|e| p.join(&e.path)),
                        condition: Some(c.id.clone()),
                    });
                }
            }
            manifest = Some((p.clone(), m));
        } else if p.is_file() {
            sources.push(Source {
                path: p.clone(),
                provenance: None,
                condition: None,
            });
        } else {
            return Err(Error::Usage(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    if paths.len() > 1 && manifest.is_some() {
        return Err(Error::Usage(
            "give one factpress corpus folder, or JSONL files, not both or several folders".into(),
        ));
    }
    Ok(Inputs {
        sources,
        manifest,
        default_text_field,
    })
}

/// Opens a file for reading, decompressing by extension.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
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

/// Reads up to `max` lines into `out` as (1-based line number, text); returns false at the
/// end of the file. Lines that are not UTF-8 are kept lossily (the parser will reject them).
pub fn read_batch(
    reader: &mut dyn BufRead,
    next_line: &mut u64,
    max: usize,
    out: &mut Vec<(u64, String)>,
) -> Result<bool> {
    out.clear();
    let mut buf = Vec::new();
    while out.len() < max {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::Corrupt {
                path: PathBuf::from("<input>"),
                message: e.to_string(),
            })?;
        if n == 0 {
            return Ok(false);
        }
        *next_line += 1;
        while buf.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            buf.pop();
        }
        out.push((*next_line, String::from_utf8_lossy(&buf).into_owned()));
    }
    Ok(true)
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
}
