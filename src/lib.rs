//! factpress: seeded, sharded, verifiable synthetic-document corpora.
//!
//! Data flows one way: `spec` (parse and validate) -> `plan` (seeded per-document choices) ->
//! `render` (minijinja) -> `record` (JSONL encoding) -> `sink` (ordered shard files) ->
//! `manifest`. `pipeline` runs plan..sink in parallel; `generate` wraps it with the temporary
//! folder, the source copy and the manifest. `verify`, `check` and `audit` only read.

pub mod app;
pub mod audit;
pub mod check;
pub mod cli;
pub mod diag;
pub mod error;
pub mod generate;
pub mod input;
pub mod manifest;
pub mod pairs;
pub mod pipeline;
pub mod plan;
pub mod record;
pub mod render;
pub mod rng;
pub mod sink;
pub mod spec;
pub mod stats;
pub mod verify;

pub use error::{Error, Result};
