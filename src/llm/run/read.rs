//! Reads the request files of a briefs folder: `DIR/requests/*.jsonl` in name order, one
//! OpenAI Batch input line each (`custom_id`, `method`, `url`, `body`). Keeps the raw text of
//! `body` (it is sent byte for byte) and the sha256 of the whole line (the cache key). Every
//! malformed line is reported, with its file and line, in one error. Trusts nothing else in
//! the folder (no manifest is needed). Must not send anything or write anywhere.

use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request file, relative to the briefs folder (`requests/00000.jsonl`).
    pub file: String,
    /// 1-based line number in that file.
    pub line: u64,
    pub custom_id: String,
    /// The line's `url` without its leading `/v1` (`/chat/completions`).
    pub path: String,
    /// The exact text of the line's `body`, as it is sent.
    pub body: String,
    /// Lowercase hex sha256 of the line's exact bytes, without the trailing newline.
    pub sha256: String,
}

#[derive(Deserialize)]
struct Line<'a> {
    custom_id: Option<serde_json::Value>,
    method: Option<String>,
    url: Option<String>,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
}

/// The lowercase hex sha256 of a request line (without its newline).
pub fn sha256_hex(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
}

/// The request files of `dir`, in name order (`DIR/requests/*.jsonl`).
pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let req = dir.join("requests");
    let entries = std::fs::read_dir(&req).map_err(Error::io("cannot read the folder", &req))?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(Error::io("cannot read the folder", &req))?;
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jsonl") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no request files (*.jsonl); write them with `factpress briefs`",
            req.display()
        )));
    }
    Ok(files)
}

/// Every request of `dir`, in file and line order. Fails with every malformed line located
/// (exit 2), and refuses a folder of Anthropic Message Batches requests.
pub fn load(dir: &Path) -> Result<Vec<Request>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut anthropic = None;
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for path in files(dir)? {
        let name = format!(
            "requests/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let bytes = std::fs::read(&path).map_err(Error::io("cannot read", &path))?;
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = 1 + bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                problems.push(format!("{name}:{line}: not UTF-8"));
                continue;
            }
        };
        let text = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            continue;
        }
        for (i, raw) in text.split('\n').enumerate() {
            let line = i as u64 + 1;
            let at = format!("{name}:{line}");
            match parse_line(raw) {
                Ok(Parsed::Anthropic) => {
                    anthropic.get_or_insert(at);
                }
                Ok(Parsed::OpenAi {
                    custom_id,
                    path: url_path,
                    body,
                }) => {
                    if let Some(first) = seen.get(&custom_id) {
                        problems.push(format!(
                            "{at}: custom_id `{custom_id}` is already used at {first}"
                        ));
                        continue;
                    }
                    seen.insert(custom_id.clone(), at);
                    out.push(Request {
                        file: name.clone(),
                        line,
                        custom_id,
                        path: url_path,
                        body,
                        sha256: sha256_hex(raw.as_bytes()),
                    });
                }
                Err(m) => problems.push(format!("{at}: {m}")),
            }
        }
    }
    if let Some(at) = anthropic {
        return Err(Error::Usage(format!(
            "{} holds Anthropic Message Batches requests ({at} has `params`, no `body`); \
             `llm run` sends OpenAI chat-completion requests only: upload these with \
             Anthropic's Message Batches API (README: \"Writing documents with a language model\")",
            dir.join("requests").display()
        )));
    }
    if !problems.is_empty() {
        let rendered: String = problems.iter().map(|p| format!("error: {p}\n")).collect();
        return Err(Error::Invalid {
            count: problems.len(),
            rendered,
        });
    }
    Ok(out)
}

enum Parsed {
    OpenAi {
        custom_id: String,
        path: String,
        body: String,
    },
    Anthropic,
}

fn parse_line(raw: &str) -> std::result::Result<Parsed, String> {
    if raw.trim().is_empty() {
        return Err("an empty line (expected one JSON request object a line)".into());
    }
    let l: Line =
        serde_json::from_str(raw).map_err(|e| format!("expected a JSON request object: {e}"))?;
    if l.body.is_none() && l.params.is_some() {
        return Ok(Parsed::Anthropic);
    }
    let custom_id = match l.custom_id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s,
        Some(serde_json::Value::String(_)) => return Err("`custom_id` is empty".into()),
        Some(other) => return Err(format!("`custom_id` must be a string, found {other}")),
        None => return Err("missing `custom_id`".into()),
    };
    if let Some(m) = &l.method
        && m != "POST"
    {
        return Err(format!("`method` must be \"POST\", found {m:?}"));
    }
    let url = l.url.as_deref().unwrap_or("/v1/chat/completions");
    let path = match url.strip_prefix("/v1/") {
        Some(rest) if !rest.is_empty() => format!("/{rest}"),
        _ => return Err(format!("`url` must start with \"/v1/\", found {url:?}")),
    };
    let body = match l.body {
        Some(b) if b.get().starts_with('{') => b.get().to_string(),
        Some(b) => return Err(format!("`body` must be a JSON object, found {}", b.get())),
        None => return Err("missing `body`".into()),
    };
    Ok(Parsed::OpenAi {
        custom_id,
        path,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_kept_byte_for_byte() {
        let raw = r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model": "m",  "x":1.50}}"#;
        match parse_line(raw) {
            Ok(Parsed::OpenAi { body, path, .. }) => {
                assert_eq!(body, r#"{"model": "m",  "x":1.50}"#);
                assert_eq!(path, "/chat/completions");
            }
            _ => panic!("not parsed"),
        }
    }

    #[test]
    fn bad_lines_say_why() {
        for (raw, want) in [
            (r#"{"custom_id":1,"body":{}}"#, "must be a string"),
            (
                r#"{"custom_id":"a","url":"/chat","body":{}}"#,
                "must start with",
            ),
            (r#"{"custom_id":"a","body":[1]}"#, "must be a JSON object"),
            (r#"{"custom_id":"a","method":"GET","body":{}}"#, "POST"),
            ("{", "expected a JSON request object"),
        ] {
            let e = parse_line(raw).err().unwrap_or_default();
            assert!(e.contains(want), "{raw}: {e}");
        }
    }
}
