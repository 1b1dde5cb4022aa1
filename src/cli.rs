//! Command-line arguments (clap derive). No I/O here; `app` turns these into actions.

use crate::record::Format;
use crate::sink::Compression;
use crate::stats::tokens::TokenizerKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// factpress: seeded, sharded, verifiable synthetic-document corpora.
///
/// Expands a corpus spec (facts with many phrasings, slot pools, document types with minijinja
/// templates, conditions) into news-style documents, as sharded zstd JSONL with a manifest that
/// makes every byte reproducible. Same spec + seed + version => the same bytes, on any machine,
/// with any thread or shard count.
///
/// Exit codes: 0 success; 1 a check failed (verify found a mismatch); 2 bad usage or invalid
/// input (spec, template, arguments); 3 an I/O error; 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "factpress", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a corpus from a spec.
    ///
    /// Writes DIR/manifest.json, DIR/data/<condition>-<k>-of-<n>.jsonl.zst and DIR/source/ (a
    /// copy of the spec, templates and pool files). The corpus is written to a temporary folder
    /// beside DIR and moved into place only when complete.
    ///
    /// Example: factpress generate corpora-specs/helpful-only.toml --docs 20000 --out corpus/
    Generate(GenerateArgs),
    /// Check a spec: parse it, validate every reference, compile and trial-render every
    /// template and fact variant; report all problems at once.
    Check {
        /// The corpus spec (TOML).
        spec: PathBuf,
        #[command(flatten)]
        choices: ChoiceArgs,
    },
    /// Print rendered documents, exactly as `generate` would write them at those indices.
    Sample {
        /// The corpus spec (TOML).
        spec: PathBuf,
        /// How many documents to print.
        #[arg(short = 'n', long, default_value_t = 3)]
        n: usize,
        /// Only documents of this doc type (scans indices 0, 1, 2, … for matches).
        #[arg(long, value_name = "ID")]
        doc_type: Option<String>,
        /// Start at this document index.
        #[arg(long, default_value_t = 0)]
        start: u64,
        #[command(flatten)]
        choices: ChoiceArgs,
    },
    /// Verify a corpus folder against its manifest: re-hash every shard and source file and
    /// the uncompressed record stream. Exit 0 only on a match, 1 on any mismatch.
    Verify {
        /// A corpus folder written by `factpress generate`.
        dir: PathBuf,
        /// Also re-render the whole corpus from DIR/source/ and compare bytes.
        #[arg(long)]
        regenerate: bool,
        /// Rendering threads for --regenerate (default: all cores).
        #[arg(long, value_name = "T")]
        threads: Option<usize>,
    },
    /// Rebuild a corpus from its manifest and DIR/source/ alone, into a new folder.
    Regenerate {
        /// A corpus folder written by `factpress generate`.
        dir: PathBuf,
        /// Where to write the rebuilt corpus (must not exist, or be empty).
        #[arg(long, value_name = "DIR2")]
        out: PathBuf,
        /// Rendering threads (default: all cores).
        #[arg(long, value_name = "T")]
        threads: Option<usize>,
        /// Do not draw a progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Corpus statistics: tokens, fact coverage, duplicates and diversity, overused names.
    ///
    /// Reads a factpress corpus folder (using the spec in DIR/source/) or any JSONL files
    /// (.jsonl, .jsonl.zst, .jsonl.gz). Prints a summary; --json and --html write the full
    /// report. Memory grows by about 0.6 KB per document (MinHash signatures); the rest is
    /// fixed-size sketches.
    ///
    /// Example: factpress stats out/helpful-only --json stats.json --html report.html
    Stats(StatsArgs),
}

/// Choices that change what is generated; all are recorded in the manifest.
#[derive(Debug, Args, Clone, Default)]
pub struct ChoiceArgs {
    /// Condition to generate (repeatable; default: every condition in the spec).
    #[arg(long = "condition", value_name = "ID")]
    pub conditions: Vec<String>,
    /// Documents per condition (default: the spec's `docs`).
    #[arg(long, value_name = "N")]
    pub docs: Option<u64>,
    /// Seed (default: the spec's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override a [vars] entry, e.g. --var lab="Example Labs" (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The corpus spec (TOML).
    pub spec: PathBuf,
    #[command(flatten)]
    pub choices: ChoiceArgs,
    /// Output folder; must not exist or be empty (default: out/<corpus name>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Shard files per condition. Changes only how records are split into files.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub shards: u32,
    /// Rendering threads (default: all cores). Never changes the output.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Record format.
    #[arg(long, value_enum, default_value_t = Format::Dolma)]
    pub format: Format,
    /// The user turn of `oai-doctag` records.
    #[arg(long, value_name = "TAG", default_value = crate::generate::DEFAULT_DOCTAG)]
    pub doctag: String,
    /// Shard compression.
    #[arg(long, value_enum, default_value_t = Compression::Zstd)]
    pub compression: Compression,
    /// Do not draw a progress bar or print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A factpress corpus folder, or JSONL files.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Tokenizer for the token counts (BPE vocabularies are built in; no network).
    #[arg(long, value_enum, default_value_t = TokenizerKind::Cl100k)]
    pub tokenizer: TokenizerKind,
    /// Dotted path of the text field, e.g. `content` or `messages.1.content` (default:
    /// `text`; for an oai-doctag corpus, the assistant turn).
    #[arg(long, value_name = "PATH")]
    pub text_field: Option<String>,
    /// The corpus spec, for pool overuse, fact detection and capacity (default: a corpus
    /// folder's own copy in DIR/source/; none for plain JSONL).
    #[arg(long, value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// Write the full report as JSON (schema in the README).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report (inline SVG charts; no network).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Worker threads (default: all cores). Never changes the report.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Seed of the MinHash hash functions.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Jaccard similarity at which two documents are near-duplicates.
    #[arg(long, value_name = "J", default_value_t = 0.8)]
    pub near_threshold: f64,
    /// Flag a pool value whose share of its pool's occurrences is at least this many times
    /// the share its weights predict.
    #[arg(long, value_name = "X", default_value_t = 2.0)]
    pub overuse_ratio: f64,
    /// Flag a value of a `wide` pool found in more than this share of documents.
    #[arg(long, value_name = "SHARE", default_value_t = 0.02)]
    pub wide_threshold: f64,
    /// Do not print the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, found {s:?}")),
    }
}
