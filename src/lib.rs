//! factpress: seeded, sharded, verifiable synthetic-document corpora.
//!
//! Data flows one way: `spec` (parse and validate) -> `plan` (seeded per-document choices) ->
//! `render` (minijinja) -> `record` (JSONL encoding) -> `sink` (ordered shard files) ->
//! `manifest`. `pipeline` runs plan..sink in parallel; `generate` wraps it with the temporary
//! folder, the source copy and the manifest; `output` says how a corpus is written.
//!
//! Readers only read: `corpus` is the one reader of corpora (folders and JSONL files), and
//! `verify`, `pairs`, `audit`, `stats` and `lint` are built on it; `check` reads a spec; `rules` is
//! the one detect engine. The library never prints: progress, warnings and notes go through
//! an [`observe::Observer`] the caller supplies. The command line lives in the binary.

pub mod audit;
pub mod budget;
pub mod check;
pub mod corpus;
pub mod diag;
pub mod error;
pub mod generate;
pub mod lint;
pub mod llm;
pub mod manifest;
pub mod merge;
pub mod mix;
pub mod observe;
pub mod output;
pub mod pairs;
pub mod pipeline;
pub mod plan;
pub mod probes;
pub mod record;
pub mod render;
pub mod report_file;
pub mod rng;
pub mod rules;
pub mod shard;
pub mod sink;
pub mod spec;
pub mod stats;
pub mod verify;

pub use error::{Error, Result};
