//! The language-model stage. `run` is `factpress llm run`: it sends a briefs folder's
//! request files to an OpenAI-compatible server, with a cache, retries and resume, and writes
//! `DIR/results/run.jsonl`. (Merged beside the `briefs` and `ingest` modules.)

pub mod run;
