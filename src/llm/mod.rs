//! The language-model stage: `briefs` turns a spec's plan into seeded briefs and ready
//! request files for a provider (`brief`, `prompt`, `request`, `briefs`); `ingest` reads the
//! provider's results (or the `llm run` cache) back into an audited factpress corpus whose
//! stored responses rebuild it byte for byte (`results`, `accept`, `ingest`). `run` is
//! `factpress llm run`: it sends a briefs folder's request files to an OpenAI-compatible
//! server, with a cache, retries and resume, and writes `DIR/results/run.jsonl`.

pub mod accept;
pub mod brief;
pub mod briefs;
pub mod change;
pub mod ingest;
pub mod layers;
pub mod pairs;
pub mod prompt;
pub mod request;
pub mod results;
pub mod retry;
pub mod run;
