//! `factpress llm run`'s side of the language-model stage: `read` reads a briefs folder's
//! request files (`DIR/requests/*.jsonl`, OpenAI Batch input lines) with every malformed line
//! located, `cache` is the content-addressed response cache (`DIR/cache/<sha[0..2]>/<sha>.json`,
//! keyed by the sha256 of the request line's exact bytes), `write` writes
//! `DIR/results/run.jsonl` in the OpenAI Batch output format, and (with the `http` feature)
//! `exec` sends the requests to an OpenAI-compatible server through `send`. Nothing here
//! prints: progress goes through the caller's observer.

pub mod cache;
#[cfg(feature = "http")]
mod exec;
pub mod read;
#[cfg(feature = "http")]
mod send;
pub mod write;

#[cfg(feature = "http")]
pub use exec::{Failure, Options, Report, run};
