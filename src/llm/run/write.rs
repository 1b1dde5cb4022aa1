//! `DIR/results/run.jsonl`: one OpenAI Batch output line per request, in request-file order
//! whatever the concurrency of the run: `{"id": "run-<sha[0..16]>", "custom_id", "response":
//! {"status_code", "request_id": <sha>, "body"}, "error": null}`, or `"response": null` and
//! `"error": {"code", "message"}` for a request that failed. Written to a temporary file and
//! renamed, so a reader never sees half a file. Must not contain anything of the run's
//! timing: the same cache gives the same bytes.

use crate::error::{Error, Result};
use crate::llm::run::cache::Entry;
use crate::llm::run::read::Request;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How one request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(Entry),
    Failed { code: String, message: String },
}

#[derive(Serialize)]
struct Line<'a> {
    id: String,
    custom_id: &'a str,
    response: Option<Response<'a>>,
    error: Option<ErrorBody<'a>>,
}

#[derive(Serialize)]
struct Response<'a> {
    status_code: u16,
    request_id: &'a str,
    body: &'a serde_json::Value,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
}

/// The results line of `req`.
pub fn line(req: &Request, outcome: &Outcome) -> String {
    let (response, error) = match outcome {
        Outcome::Done(e) => (
            Some(Response {
                status_code: e.status_code,
                request_id: &req.sha256,
                body: &e.response,
            }),
            None,
        ),
        Outcome::Failed { code, message } => (None, Some(ErrorBody { code, message })),
    };
    serde_json::to_string(&Line {
        id: format!("run-{}", &req.sha256[..16]),
        custom_id: &req.custom_id,
        response,
        error,
    })
    .expect("a results line serialises")
}

/// Writes `DIR/results/run.jsonl` atomically; returns its path.
pub fn write(dir: &Path, lines: &[(&Request, &Outcome)]) -> Result<PathBuf> {
    let folder = dir.join("results");
    std::fs::create_dir_all(&folder).map_err(Error::io("cannot create", &folder))?;
    let path = folder.join("run.jsonl");
    let tmp = folder.join(format!(".run.jsonl.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for (req, outcome) in lines {
            f.write_all(line(req, outcome).as_bytes())?;
            f.write_all(b"\n")?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("cannot write", &tmp)(e));
    }
    std::fs::rename(&tmp, &path).map_err(Error::io("cannot rename into", &path))?;
    Ok(path)
}
