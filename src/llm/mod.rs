//! The language-model stage's request runner: `request` reads a briefs folder's request files
//! (`DIR/requests/*.jsonl`, OpenAI Batch input lines) with every malformed line located,
//! `cache` is the content-addressed response cache (`DIR/cache/<sha[0..2]>/<sha>.json`, keyed
//! by the sha256 of the request line's exact bytes), `results` writes `DIR/results/run.jsonl`
//! in the OpenAI Batch output format, and `run` (the `http` feature) sends the requests to an
//! OpenAI-compatible server. The layout is the one of the issue-15 contract, so `ingest` reads
//! what `run` writes. Nothing here prints: progress goes through the caller's observer.

pub mod cache;
pub mod request;
pub mod results;
#[cfg(feature = "http")]
pub mod run;
#[cfg(feature = "http")]
mod send;
