//! Result lines from the providers, read into one shape: OpenAI Batch output lines
//! (`{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}`, which is
//! also what `factpress llm run` writes), Anthropic Message Batches results
//! (`{"custom_id", "result": {"type": "succeeded" | "errored" | "canceled" | "expired", ...}}`)
//! and the `llm run` cache (`{"custom_id", "request_sha256", "status_code", "response"}`, one
//! file per request). Every malformed line is reported with file:line:col.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A result as stored in a corpus (`responses/responses.jsonl`): the provider's own line,
/// byte for byte, and which format it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub custom_id: String,
    pub format: String,
    pub raw: String,
}

/// A result read from a file, with where it was.
#[derive(Debug, Clone)]
pub struct Located {
    pub stored: Stored,
    /// `file:line` (or the cache file).
    pub at: String,
}

/// What a result says.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Message(Message),
    /// The request did not produce a message: `errored`, `expired`, `canceled`, `http 500`…
    Failed {
        kind: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    /// `stop`, `length` (OpenAI), `end_turn`, `max_tokens` (Anthropic), …
    pub finish_reason: String,
    pub response_id: String,
    pub model: String,
    pub usage: Value,
}

impl Message {
    /// Whether the model stopped at the token limit.
    pub fn truncated(&self) -> bool {
        matches!(self.finish_reason.as_str(), "length" | "max_tokens")
    }
}

fn s(v: &Value, path: &[&str]) -> String {
    let mut v = v;
    for p in path {
        v = &v[*p];
    }
    v.as_str().unwrap_or("").to_string()
}

/// Decodes a stored result.
pub fn status(stored: &Stored) -> std::result::Result<Status, String> {
    let v: Value = serde_json::from_str(&stored.raw).map_err(|e| e.to_string())?;
    match stored.format.as_str() {
        "anthropic-batch" => anthropic(&v),
        "openai-batch" => openai(&v["response"], &v["error"]),
        "cache" => {
            let wrapped =
                serde_json::json!({"status_code": v["status_code"], "body": v["response"]});
            openai(&wrapped, &Value::Null)
        }
        f => Err(format!("unknown result format {f:?}")),
    }
}

fn anthropic(v: &Value) -> std::result::Result<Status, String> {
    let r = &v["result"];
    match r["type"].as_str() {
        Some("succeeded") => {
            let m = &r["message"];
            let blocks = m["content"]
                .as_array()
                .ok_or("result.message.content is not a list")?;
            let text: String = blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect();
            Ok(Status::Message(Message {
                text,
                finish_reason: s(m, &["stop_reason"]),
                response_id: s(m, &["id"]),
                model: s(m, &["model"]),
                usage: m["usage"].clone(),
            }))
        }
        Some("errored") => Ok(Status::Failed {
            kind: "errored".into(),
            message: format!(
                "{}: {}",
                s(r, &["error", "error", "type"]),
                s(r, &["error", "error", "message"])
            ),
        }),
        Some(k @ ("canceled" | "expired")) => Ok(Status::Failed {
            kind: k.into(),
            message: String::new(),
        }),
        other => Err(format!(
            "result.type is {other:?}, expected succeeded, errored, canceled or expired"
        )),
    }
}

fn openai(resp: &Value, error: &Value) -> std::result::Result<Status, String> {
    if !error.is_null() {
        return Ok(Status::Failed {
            kind: "errored".into(),
            message: format!(
                "{}: {}",
                error["code"].as_str().unwrap_or(""),
                s(error, &["message"])
            ),
        });
    }
    if resp.is_null() {
        return Err("neither `response` nor `error` is set".into());
    }
    let code = resp["status_code"]
        .as_u64()
        .ok_or("response.status_code is not a number")?;
    let body = &resp["body"];
    if !(200..300).contains(&code) {
        return Ok(Status::Failed {
            kind: format!("http {code}"),
            message: s(body, &["error", "message"]),
        });
    }
    let choice = &body["choices"][0];
    let text = choice["message"]["content"]
        .as_str()
        .ok_or("response.body.choices[0].message.content is not text")?;
    Ok(Status::Message(Message {
        text: text.to_string(),
        finish_reason: s(choice, &["finish_reason"]),
        response_id: s(body, &["id"]),
        model: s(body, &["model"]),
        usage: body["usage"].clone(),
    }))
}

/// The format of a result line, from its keys.
fn format_of(v: &Value) -> Option<&'static str> {
    if v.get("result").is_some() {
        Some("anthropic-batch")
    } else if v.get("request_sha256").is_some() && v.get("status_code").is_some() {
        Some("cache")
    } else if v.get("response").is_some() || v.get("error").is_some() {
        Some("openai-batch")
    } else {
        None
    }
}

/// Reads every result of `paths` (files of lines, or cache folders), in argument order and
/// file order, with every malformed line described (`file:line:col: …`), for the caller to
/// report together with its own problems.
pub fn read(paths: &[PathBuf]) -> Result<(Vec<Located>, Vec<String>)> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.is_dir() {
            for f in cache_files(p)? {
                let text = std::fs::read_to_string(&f).map_err(Error::io("cannot read", &f))?;
                one(
                    text.trim_end(),
                    &f.display().to_string(),
                    1,
                    &mut out,
                    &mut problems,
                );
            }
        } else {
            let text = std::fs::read_to_string(p).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::Usage(format!("{}: no such results file or folder", p.display()))
                } else {
                    Error::io("cannot read", p)(e)
                }
            })?;
            for (i, line) in text.lines().enumerate() {
                if !line.trim().is_empty() {
                    one(
                        line,
                        &p.display().to_string(),
                        i + 1,
                        &mut out,
                        &mut problems,
                    );
                }
            }
        }
    }
    Ok((out, problems))
}

/// `problems` as one located error.
pub fn invalid(problems: Vec<String>) -> Error {
    let shown = 20;
    let mut rendered: String = problems
        .iter()
        .take(shown)
        .map(|p| format!("error: {p}\n"))
        .collect();
    if problems.len() > shown {
        rendered.push_str(&format!("… and {} more\n", problems.len() - shown));
    }
    Error::Invalid {
        count: problems.len(),
        rendered,
    }
}

fn one(line: &str, file: &str, n: usize, out: &mut Vec<Located>, problems: &mut Vec<String>) {
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!(
                "{file}:{n}:{}: not a JSON result line: {e}",
                e.column()
            ));
            return;
        }
    };
    let Some(custom_id) = v["custom_id"].as_str() else {
        problems.push(format!("{file}:{n}:1: the result has no `custom_id`"));
        return;
    };
    let Some(format) = format_of(&v) else {
        problems.push(format!(
            "{file}:{n}:1: not a result line of a known provider: expected `response`/`error` (OpenAI Batch), `result` (Anthropic Message Batches) or a `factpress llm run` cache entry"
        ));
        return;
    };
    let stored = Stored {
        custom_id: custom_id.to_string(),
        format: format.to_string(),
        raw: line.to_string(),
    };
    if let Err(e) = status(&stored) {
        problems.push(format!(
            "{file}:{n}:1: malformed {format} result for `{custom_id}`: {e}"
        ));
        return;
    }
    out.push(Located {
        stored,
        at: format!("{file}:{n}"),
    });
}

/// The `.json` files of a cache folder (`<sha[0..2]>/<sha>.json`), in name order.
fn cache_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(Error::io("cannot read", dir))?;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            for f in std::fs::read_dir(&p)
                .map_err(Error::io("cannot read", &p))?
                .flatten()
            {
                let f = f.path();
                if f.extension().is_some_and(|x| x == "json") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}
