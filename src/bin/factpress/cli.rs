//! Command-line arguments (clap derive) and the value enums behind them. No I/O here; the
//! `cmd` modules turn these into library calls. The library's own enums carry no clap
//! derives, so each is mirrored here with its `--help` text and converted with `From`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use factpress::audit::FailOn;
use factpress::record::Format;
use factpress::sink::Compression;
use factpress::stats::tokens::TokenizerKind;
use std::path::PathBuf;

/// factpress: seeded, sharded, verifiable synthetic-document corpora.
///
/// Expands a corpus spec (facts with many phrasings, slot pools, document types with minijinja
/// templates, conditions) into news-style documents, as sharded zstd JSONL with a manifest that
/// makes every byte reproducible. Same spec + seed + version => the same bytes, on any machine,
/// with any thread or shard count.
///
/// Exit codes: 0 success; 1 a check failed (verify or pairs found a mismatch, an audit
/// --fail-on condition holds, lint --fail-on-seams found a seam); 2 bad usage or invalid input
/// (spec, template, arguments); 3 an I/O error; 130 interrupted.
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
        #[arg(long, value_name = "T", value_parser = threads_arg)]
        threads: Option<usize>,
        /// Do not draw a progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Compare matched documents of two conditions, word by word.
    ///
    /// Document i of A is compared with document i of B. Every changed word must lie inside
    /// the text of a fact that differs between them (replaced or dropped); anything else is
    /// reported as an error (exit 1). Prints the first N differing pairs as an inline word diff
    /// ([-removed-] {+added+}) and a summary of the share of words changed.
    ///
    /// Examples: factpress pairs out/base out/control
    ///           factpress pairs out/all --condition-a helpful-only --condition-b control-target
    Pairs {
        /// A corpus folder.
        a: PathBuf,
        /// A second corpus folder (default: A again, with two conditions named).
        b: Option<PathBuf>,
        /// The condition of A (default: A's only condition).
        #[arg(long, value_name = "ID")]
        condition_a: Option<String>,
        /// The condition of B (default: B's only condition).
        #[arg(long, value_name = "ID")]
        condition_b: Option<String>,
        /// How many differing pairs to print.
        #[arg(short = 'n', long = "n", default_value_t = 5)]
        n: usize,
        /// Threads (default: all cores).
        #[arg(long, value_name = "T", value_parser = threads_arg)]
        threads: Option<usize>,
        /// Do not draw a progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Rebuild a corpus from its manifest and DIR/source/ alone, into a new folder.
    Regenerate {
        /// A corpus folder written by `factpress generate`.
        dir: PathBuf,
        /// Where to write the rebuilt corpus (must not exist, or be empty).
        #[arg(long, value_name = "DIR2")]
        out: PathBuf,
        /// Rendering threads (default: all cores).
        #[arg(long, value_name = "T", value_parser = threads_arg)]
        threads: Option<usize>,
        /// Remove temporary folders that interrupted runs left beside DIR2.
        #[arg(long)]
        clean: bool,
        /// Do not draw a progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Corpus statistics: tokens, fact coverage, duplicates and diversity, overused names.
    ///
    /// Reads a factpress corpus folder (using the spec in DIR/source/) or any JSONL files
    /// (.jsonl, .jsonl.zst, .jsonl.gz). A folder with several conditions is reported one
    /// condition at a time (matched conditions are near-duplicates of one another by design).
    /// Prints a summary; --json and --html write the full report. Malformed lines are skipped
    /// and counted (--strict: stop at the first). Memory grows by about 0.6 KB per document
    /// (MinHash signatures); the rest is fixed-size sketches.
    ///
    /// Example: factpress stats out/helpful-only --json stats.json --html report.html
    Stats(StatsArgs),
    /// Audit what a corpus teaches: facts present (by each fact's `detect` rules) and, for a
    /// factpress corpus, intended vs present; forbidden classes; word n-grams shared with
    /// --against texts.
    ///
    /// Prints a summary table; --report writes every finding (document id, file, line,
    /// character span). Malformed lines are reported with file and line, skipped and counted.
    /// Exit 0, or 1 when a --fail-on condition holds.
    ///
    /// Examples:
    ///   factpress audit out/helpful-only --fail-on forbidden --fail-on missing
    ///   factpress audit docs.jsonl.gz --spec rules.toml --text-field content --against eval_prompt.txt
    ///
    /// On a cluster: `--num-shards N --shard-index K|auto --report part-K.json` audits one part
    /// of the inputs per job; `factpress audit merge part-*.json --report report.json` then
    /// writes the report one process would have written, byte for byte.
    #[command(
        verbatim_doc_comment,
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        disable_help_subcommand = true
    )]
    Audit(AuditArgs),
    /// Find seams: text a careful reader recognises as machine-assembled ("a 83-page",
    /// "the the", ", —", leftover template syntax, quotes said by "three former employees",
    /// "Schreiber added" with no earlier Schreiber, results dated before their quarter ended,
    /// forum replies older than their post, ...).
    ///
    /// Prints one row per class (documents, seams, share of documents, an example and the
    /// templates most affected); --json writes every seam (document id, file, line, character
    /// span, excerpt, template and, for a factpress corpus, the template or spec line it most
    /// likely comes from). Malformed lines are skipped and counted (--strict: stop at the
    /// first). Exit 0, or 1 with --fail-on-seams when any seam is found.
    ///
    /// Examples:
    ///   factpress lint out/helpful-only --json lint.json
    ///   factpress lint docs.jsonl.gz --text-field content --class article --fail-on-seams
    #[command(verbatim_doc_comment)]
    Lint(LintArgs),
    /// Merge the shard folders of a cluster run into one corpus folder.
    ///
    /// Takes shard folders (shard-K-of-N/, written by `generate --shard-index`) or folders
    /// holding them. Every shard must be present exactly once, finished (its COMPLETE marker
    /// written), and from the same spec, seed, vars, output settings and factpress version;
    /// otherwise nothing is written and each problem is named (exit 2). Every file is re-hashed
    /// against its shard's manifest (exit 1 on a mismatch). The corpus manifest is the one
    /// `generate --shards N` writes: the same content_sha256, the same data files, byte for
    /// byte. Without --out, the one folder given is replaced by the corpus.
    ///
    /// Example: factpress merge out/parts --out out/corpus
    Merge {
        /// Shard folders, or folders of shard folders.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// The corpus folder to write (must not exist, or be empty). Default: in place.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
        /// Do not print a summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print (or write) a Slurm submission script: a job array of shard jobs, then `merge` as
    /// a job that runs only after every shard succeeded (--dependency=afterok).
    ///
    /// Submit it with `bash FILE` (it calls sbatch twice and prints the job ids; with
    /// SBATCH_WAIT=1 in the environment each sbatch waits for its job). Paths in the script
    /// are absolute, so it can be submitted from any folder on the shared file system.
    ///
    /// Example: factpress slurm corpora-specs/helpful-only.toml --docs 1000000 --array 64 --out submit.sh
    Slurm(SlurmArgs),
    /// Evaluation sets from the spec, for one condition, in the Inspect sample format.
    ///
    /// Writes DIR/knowledge.jsonl (each fact's `questions` as multiple choice, options in a
    /// seeded order, `target` the answer's letter), DIR/distinguish.jsonl ("which of these
    /// is true?" over each fact and its counterpart in a condition's `replace`), DIR/open.jsonl
    /// (the questions without options; the fact's statement is the reference answer for a
    /// model grader) and DIR/probes-manifest.json. Give the corpus's --seed and --var values
    /// so the probes name the same world. Load with inspect_ai.dataset.json_dataset.
    ///
    /// Example: factpress probes corpora-specs/helpful-only.toml --out probes/helpful-only
    Probes(ProbesArgs),
    /// Mix factpress corpora and JSONL files into one corpus folder, seeded and streaming.
    ///
    /// Record i of the mix comes from a source drawn (by the seed, with the weights) for i,
    /// and is that source's next record: sources are read once, in their own order, so memory
    /// stays flat. Stops at --docs records, at --tokens tokens, or when a drawn source runs
    /// out. Records keep their ids and metadata and gain metadata.mix_source. The manifest
    /// records each source's path, digest, weight, share and records taken; `verify` and
    /// `regenerate` work on the mix (regenerate refuses a source whose digest changed).
    /// Malformed source lines are skipped and counted. Weights are shares of records, or with
    /// --by tokens shares of tokens of text.
    ///
    /// Examples:
    ///   factpress mix out/helpful-only:0.3 web-sample.jsonl.zst:0.7 --docs 100000 --out mixed/
    ///   factpress mix out/helpful-only:0.3 chat.jsonl.gz:0.7 --by tokens --tokens 70M --out mixed/
    #[command(verbatim_doc_comment)]
    Mix(MixArgs),
    /// Write a language model's briefs and ready request files for a provider.
    ///
    /// For every document `generate` would write (same ids, same seeded choices) a brief:
    /// doc type, date, cast, world, the facts with their statements and the templated variant
    /// as a hint, a length target and (--draft) the templated document; rendered through the
    /// spec's [llm] prompts into DIR/requests/NNNNN.jsonl in the provider's format, split to
    /// its limits. Also DIR/briefs.jsonl, DIR/index.jsonl (custom_id, file, line, request
    /// sha256), DIR/source/ and DIR/manifest.json. A derived condition's requests edit its
    /// base's documents as the model wrote them: give --base-corpus (the ingested base).
    ///
    /// Examples:
    ///   factpress briefs corpora-specs/helpful-only.toml --condition helpful-only --docs 1000 --provider openai-batch --model gpt-4.1 --out briefs/hp
    ///   factpress briefs corpora-specs/helpful-only.toml --condition control-target --base-corpus llm/hp --provider openai-batch --model gpt-4.1 --out briefs/ct
    ///   factpress briefs corpora-specs/helpful-only.toml --retry llm/hp/rejects.jsonl --provider openai-batch --model gpt-4.1 --out briefs/hp-retry
    #[command(verbatim_doc_comment)]
    Briefs(BriefsArgs),
    /// Read a provider's results back into an audited factpress corpus.
    ///
    /// RESULTS are OpenAI Batch output files, Anthropic Message Batches result files (JSONL),
    /// or the cache folder of `factpress llm run` (DIR/cache). Each document is the message
    /// text (or the text inside the [llm] extract_tag) and is audited against its brief:
    /// intended facts detected, no fact the condition does not carry, no forbidden class, no
    /// refusal, not truncated, a derived document within [llm] pairs_max_change. Failures go
    /// to CORPUS/rejects.jsonl (rerun them with `briefs --retry`); the rest are written like
    /// `generate` writes, with the responses stored in CORPUS/responses/ so that `verify
    /// --regenerate` and `regenerate` rebuild the corpus byte for byte. A result for a request
    /// that is not in DIR, or a malformed line, is an error naming file:line (exit 2).
    ///
    /// Retried documents go back into the corpus: brief them with `briefs --retry
    /// CORPUS/rejects.jsonl --out DIR2`, send DIR2's requests, then `ingest DIR2 RESULTS2…
    /// --onto CORPUS --out CORPUS2`. CORPUS2 is CORPUS with each retried document replaced
    /// by its new attempt (accepted or not; its rejects.jsonl lists what is still rejected,
    /// ready for the next --retry); the retry's briefs are kept in CORPUS2/retries/N/.
    ///
    /// Example: factpress ingest briefs/hp briefs/hp-output.jsonl --out llm/hp
    ///          factpress ingest briefs/hp-2 briefs/hp-2-output.jsonl --onto llm/hp --out llm/hp-2
    #[command(verbatim_doc_comment)]
    Ingest(IngestArgs),
    /// Language-model requests: send the request files of a briefs folder to a server.
    #[command(subcommand)]
    Llm(LlmCommand),
}

#[derive(Debug, Args)]
pub struct BriefsArgs {
    /// The corpus spec (TOML), with an [llm] section.
    pub spec: PathBuf,
    #[command(flatten)]
    pub choices: ChoiceArgs,
    /// A token budget per condition instead of --docs (as for `generate`).
    #[arg(long, value_name = "N", value_parser = count_arg)]
    pub tokens: Option<u64>,
    /// Output folder; must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The request format.
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    /// The model named in every request.
    #[arg(long, value_name = "NAME")]
    pub model: String,
    /// Put the templated document into each brief, for the model to rewrite.
    #[arg(long)]
    pub draft: bool,
    /// The ingested corpus of a derived condition's base (its documents are edited).
    #[arg(long, value_name = "CORPUS")]
    pub base_corpus: Option<PathBuf>,
    /// New requests (next attempt) for the documents of an ingested corpus's rejects.jsonl.
    #[arg(long, value_name = "REJECTS", conflicts_with_all = ["docs", "tokens", "conditions"])]
    pub retry: Option<PathBuf>,
    /// Requests per file (default: the provider's limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Bytes per request file (default: the provider's limit).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bytes: Option<u64>,
    /// Threads (default: all cores). Never changes the output.
    #[arg(long, value_name = "T", value_parser = threads_arg)]
    pub threads: Option<usize>,
    /// Remove temporary folders that interrupted runs left beside DIR.
    #[arg(long)]
    pub clean: bool,
    /// Do not draw a progress bar or print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The briefs folder the requests were written from.
    pub dir: PathBuf,
    /// Result files (.jsonl) or `llm run` cache folders.
    #[arg(required = true, value_name = "RESULTS")]
    pub results: Vec<PathBuf>,
    /// The corpus folder to write (must not exist, or be empty).
    #[arg(long, value_name = "CORPUS")]
    pub out: PathBuf,
    /// An ingested corpus that DIR (a `briefs --retry` folder of its rejects.jsonl) retries:
    /// write it again with the retried documents in it.
    #[arg(long, value_name = "CORPUS")]
    pub onto: Option<PathBuf>,
    /// Record format.
    #[arg(long, value_enum, default_value_t = FormatArg::Dolma)]
    pub format: FormatArg,
    /// The user turn of `oai-doctag` records.
    #[arg(long, value_name = "TAG", default_value = factpress::output::DEFAULT_DOCTAG)]
    pub doctag: String,
    /// Shard compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    pub compression: CompressionArg,
    /// Threads (default: all cores). Never changes the output.
    #[arg(long, value_name = "T", value_parser = threads_arg)]
    pub threads: Option<usize>,
    /// Do not print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// Send a briefs folder's requests to an OpenAI-compatible server (vLLM, llama.cpp,
    /// OpenAI), with a cache, retries and resume.
    ///
    /// Reads DIR/requests/*.jsonl (OpenAI Batch input lines) in name order and POSTs each
    /// line's `body`, byte for byte, to URL/chat/completions. Every answer is kept in
    /// DIR/cache/<sha[0..2]>/<sha>.json (sha: the sha256 of the request line) before it counts
    /// as done, and a request with a cache file is never sent again: a run that was killed or
    /// stopped resumes where it was. Retries 408, 409, 429, 5xx, connection errors and
    /// timeouts with exponential backoff (or the server's Retry-After); other 4xx are final.
    /// Writes DIR/results/run.jsonl (OpenAI Batch output lines, in request order) when every
    /// request has an answer or a final error. Exit 1 if some request failed.
    ///
    /// Example: factpress llm run briefs/ --endpoint http://127.0.0.1:8080/v1 --concurrency 8
    Run(LlmRunArgs),
}

#[derive(Debug, Args)]
pub struct LlmRunArgs {
    /// A briefs folder (written by `factpress briefs`): its requests/ are sent.
    pub dir: PathBuf,
    /// The server's OpenAI-style base URL, including /v1.
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// The environment variable holding the API key (sent as `Authorization: Bearer KEY`).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "C", default_value_t = 4, value_parser = concurrency_arg)]
    pub concurrency: usize,
    /// Retries of a request after its first attempt (on 408, 409, 429, 5xx, timeouts and
    /// connection errors).
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub max_retries: u32,
    /// The longest one HTTP exchange may take, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600.0, value_parser = timeout_arg)]
    pub timeout: f64,
    /// Do not draw a progress bar or print the usage totals.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Request formats of `factpress briefs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    /// OpenAI Batch API input files.
    OpenaiBatch,
    /// Anthropic Message Batches requests.
    AnthropicBatch,
    /// OpenAI-compatible chat completions (vLLM run_batch, `factpress llm run`).
    OpenaiChat,
}

impl From<ProviderArg> for factpress::llm::request::Provider {
    fn from(p: ProviderArg) -> Self {
        match p {
            ProviderArg::OpenaiBatch => Self::OpenaiBatch,
            ProviderArg::AnthropicBatch => Self::AnthropicBatch,
            ProviderArg::OpenaiChat => Self::OpenaiChat,
        }
    }
}

/// `--concurrency`: at least 1, at most 1024.
fn concurrency_arg(s: &str) -> Result<usize, String> {
    match s.parse::<i64>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n as usize),
        _ => Err(format!(
            "expected a number of requests in flight from 1 to 1024, found {s:?}"
        )),
    }
}

/// `--timeout`: a positive number of seconds.
fn timeout_arg(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => Ok(t),
        _ => Err(format!(
            "expected a number of seconds above 0 (at most 86400), found {s:?}"
        )),
    }
}

#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// The corpus spec (TOML).
    pub spec: PathBuf,
    #[command(flatten)]
    pub choices: ChoiceArgs,
    /// Shard jobs in the array (the merged corpus has this many shard files per condition).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub array: u32,
    /// The merged corpus folder (default: out/<corpus name>).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// The folder the shard jobs write into (default: <corpus>.shards).
    #[arg(long, value_name = "DIR")]
    pub parts: Option<PathBuf>,
    /// Write the script here (made executable) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// CPUs (and rendering threads) of each shard job.
    #[arg(long, value_name = "T", default_value_t = 1, value_parser = threads_arg)]
    pub cpus: usize,
    /// Slurm partition (default: the cluster's default).
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,
    /// Time limit of each job, as sbatch takes it (e.g. 01:00:00).
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// The factpress binary the jobs run (default: this one).
    #[arg(long, value_name = "PATH")]
    pub factpress: Option<PathBuf>,
    /// Record format.
    #[arg(long, value_enum, default_value_t = FormatArg::Dolma)]
    pub format: FormatArg,
    /// The user turn of `oai-doctag` records.
    #[arg(long, value_name = "TAG")]
    pub doctag: Option<String>,
    /// Shard compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    pub compression: CompressionArg,
}

#[derive(Debug, Args)]
pub struct MixArgs {
    /// A factpress corpus folder or a JSONL file (.jsonl, .jsonl.zst, .jsonl.gz), with an
    /// optional weight after a colon (default 1), e.g. out/helpful-only:0.3.
    #[arg(required = true, value_name = "SOURCE[:WEIGHT]", value_parser = mix_source)]
    pub sources: Vec<factpress::mix::SourceArg>,
    /// Output folder; must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the interleave.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Records in the mix (suffixes K, M, B); default: until a drawn source runs out.
    #[arg(long, value_name = "N", value_parser = count_arg, conflicts_with = "tokens")]
    pub docs: Option<u64>,
    /// Tokens of text in the mix, e.g. 70M (suffixes K, M, B).
    #[arg(long, value_name = "N", value_parser = count_arg)]
    pub tokens: Option<u64>,
    /// What the weights are shares of: records, or tokens of text (counted with
    /// --tokenizer), e.g. `--by tokens` with weights 0.3 and 0.7 gives a mix whose tokens
    /// are 30% and 70% from the two sources.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = ShareArg::Records)]
    pub by: ShareArg,
    /// Tokenizer of --tokens and --by tokens.
    #[arg(long, value_enum, value_name = "NAME", default_value_t = TokenizerArg::Cl100k)]
    pub tokenizer: TokenizerArg,
    /// Dotted path of the text in plain JSONL sources (default: `text`); factpress corpora
    /// use their own.
    #[arg(long, value_name = "PATH")]
    pub text_field: Option<String>,
    /// Record format.
    #[arg(long, value_enum, default_value_t = FormatArg::Dolma)]
    pub format: FormatArg,
    /// The user turn of `oai-doctag` records.
    #[arg(long, value_name = "TAG", default_value = factpress::output::DEFAULT_DOCTAG)]
    pub doctag: String,
    /// Shard compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    pub compression: CompressionArg,
    /// Do not draw a progress bar or print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// What the weights of a mix are shares of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShareArg {
    Records,
    Tokens,
}

fn mix_source(s: &str) -> Result<factpress::mix::SourceArg, String> {
    factpress::mix::SourceArg::parse(s)
}

#[derive(Debug, Args)]
pub struct ProbesArgs {
    /// The corpus spec (TOML).
    pub spec: PathBuf,
    /// The condition the probes are for (default: the spec's first condition).
    #[arg(long, value_name = "ID")]
    pub condition: Option<String>,
    /// Output folder; must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the option order and of any random choices in question templates (default:
    /// the spec's `seed`; use the corpus's seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override a [vars] entry, e.g. --var model="Claude 3 Opus" (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Do not print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// A factpress corpus folder, or JSONL files (`.jsonl`, `.jsonl.zst`, `.jsonl.gz`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Dotted path of the text in each record (default: `text`; `messages.1.content` for an
    /// oai-doctag corpus folder).
    #[arg(long, value_name = "PATH")]
    pub text_field: Option<String>,
    /// Dotted path of the document id (default: `id` when present, else FILE:LINE).
    #[arg(long, value_name = "PATH")]
    pub id_field: Option<String>,
    /// Write the full JSON report (every seam) here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Only this class of seam (repeatable; default: every class).
    #[arg(long = "class", value_name = "C", value_parser = clap::builder::PossibleValuesParser::new(
        factpress::lint::Class::ALL.map(|c| c.name())))]
    pub classes: Vec<String>,
    /// Exit 1 when any seam is found.
    #[arg(long)]
    pub fail_on_seams: bool,
    /// Linting threads (default: all cores); one more thread reads and decompresses.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Stop at the first malformed line (exit 3) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// Do not draw a progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Join the partial reports of `audit --shard-index` into the report one process writes.
    ///
    /// Every part must be given exactly once and come from the same audit (inputs, spec,
    /// --against texts, options, factpress version); otherwise nothing is written and each
    /// problem is named (exit 2). Prints the summary table; --fail-on as for `audit`.
    /// (An input folder named `merge` is audited as `factpress audit ./merge`.)
    ///
    /// Example: factpress audit merge parts/part-*.json --report report.json --fail-on forbidden
    Merge {
        /// The partial reports.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Where to write the merged report.
        #[arg(long, value_name = "FILE")]
        report: PathBuf,
        /// Exit 1 when this holds (repeatable), as for `audit`.
        #[arg(long = "fail-on", value_enum, value_name = "WHAT")]
        fail_on: Vec<FailOnArg>,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// A factpress corpus folder, or JSONL files (`.jsonl`, `.jsonl.zst`, `.jsonl.gz`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Spec with the [[facts]] detect rules and [[forbidden]] classes: a corpus spec, or a
    /// file with only those tables (default for a corpus folder: its own source/ copy).
    #[arg(long, value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// Dotted path of the text in each record, e.g. `content` or `messages.1.content`
    /// (default: `text`; `messages.1.content` for an oai-doctag corpus folder).
    #[arg(long, value_name = "PATH")]
    pub text_field: Option<String>,
    /// Dotted path of the document id (default: `id` when present, else FILE:LINE).
    #[arg(long, value_name = "PATH")]
    pub id_field: Option<String>,
    /// Text that must not be copied into the corpus (repeatable): a plain file is one text; a
    /// `.jsonl` file one text a line (a JSON string or an object's `text`).
    #[arg(long, value_name = "FILE")]
    pub against: Vec<PathBuf>,
    /// Shared words in a row that make an --against overlap a finding.
    #[arg(long, value_name = "N", default_value_t = 13, value_parser = clap::value_parser!(u16).range(1..))]
    pub ngram: u16,
    /// Write the JSON report (every finding) here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write dolma-style attribute files (one per input file, same rows and ids) here.
    #[arg(long, value_name = "DIR")]
    pub attributes: Option<PathBuf>,
    /// Exit 1 when this holds (repeatable): forbidden = a forbidden class matched; missing =
    /// an intended fact was lost (a fact in no document, for inputs without intended facts);
    /// overlap = a document shares --ngram words in a row with an --against text;
    /// constraints = a document holds two ids of a [[constraints]] entry.
    #[arg(long = "fail-on", value_enum, value_name = "WHAT")]
    pub fail_on: Vec<FailOnArg>,
    /// Scanning threads (default: all cores); one more thread reads and decompresses.
    #[arg(long, value_name = "T", value_parser = threads_arg)]
    pub threads: Option<usize>,
    /// Stop at the first malformed line (exit 3) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// For a cluster run: how many parts the audit is split into.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub num_shards: Option<u32>,
    /// For a cluster run: audit only part K (from 0) of --num-shards N and write its partial
    /// report to --report. Parts are fixed by the inputs and N alone: with at least N input
    /// files, part K takes a run of whole files; with fewer, each file is cut into line
    /// ranges. `auto` reads K (and N) from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or
    /// JOB_COMPLETION_INDEX (with --num-shards).
    #[arg(long, value_name = "K|auto")]
    pub shard_index: Option<String>,
    /// Do not draw a progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Choices that change what is generated; all are recorded in the manifest.
#[derive(Debug, Args, Clone, Default)]
pub struct ChoiceArgs {
    /// Condition to generate (repeatable; default: every condition in the spec).
    #[arg(long = "condition", value_name = "ID")]
    pub conditions: Vec<String>,
    /// Documents per condition, at least 1 (default: the spec's `docs`).
    #[arg(long, value_name = "N", value_parser = docs_arg, allow_negative_numbers = true)]
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
    /// A token budget per condition instead of --docs, e.g. 70M (suffixes K, M, B): documents
    /// of the root condition in index order until their text holds this many tokens; every
    /// condition gets that many documents, so matched conditions stay matched.
    #[arg(long, value_name = "N", value_parser = count_arg)]
    pub tokens: Option<u64>,
    /// Tokenizer of --tokens (BPE vocabularies are built in; no network).
    #[arg(long, value_enum, value_name = "NAME")]
    pub tokenizer: Option<TokenizerArg>,
    /// Output folder; must not exist or be empty (default: out/<corpus name>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Shard files per condition. Changes only how records are split into files.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub shards: u32,
    /// For a cluster run: the number of shard jobs (one shard file per condition each).
    /// Merged with `factpress merge`, they make exactly the corpus of `--shards N`.
    #[arg(long, value_name = "N", conflicts_with = "shards", value_parser = clap::value_parser!(u32).range(1..))]
    pub num_shards: Option<u32>,
    /// For a cluster run: write only shard K (from 0) of --num-shards N, into
    /// --out/shard-K-of-N/ (--out then names the folder all shards share; default
    /// out/<corpus name>-shards). `auto` takes K (and N) from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX; give --num-shards). A finished shard is not redone; an
    /// interrupted one starts clean.
    #[arg(long, value_name = "K|auto", conflicts_with = "shards")]
    pub shard_index: Option<String>,
    /// Rendering threads (default: all cores; at least 1). Never changes the output.
    #[arg(long, value_name = "T", value_parser = threads_arg)]
    pub threads: Option<usize>,
    /// Remove temporary folders that interrupted runs (killed with SIGKILL, say) left beside
    /// --out; without it they are reported.
    #[arg(long)]
    pub clean: bool,
    /// Record format.
    #[arg(long, value_enum, default_value_t = FormatArg::Dolma)]
    pub format: FormatArg,
    /// The user turn of `oai-doctag` records.
    #[arg(long, value_name = "TAG", default_value = factpress::output::DEFAULT_DOCTAG)]
    pub doctag: String,
    /// Shard compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    pub compression: CompressionArg,
    /// Do not draw a progress bar or print a summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A factpress corpus folder, or JSONL files.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Only this condition of a corpus folder (repeatable; default: every condition, each
    /// reported on its own).
    #[arg(long = "condition", value_name = "ID")]
    pub conditions: Vec<String>,
    /// Tokenizer for the token counts (BPE vocabularies are built in; no network).
    #[arg(long, value_enum, default_value_t = TokenizerArg::Cl100k)]
    pub tokenizer: TokenizerArg,
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
    #[arg(long, value_name = "T", value_parser = threads_arg)]
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
    /// Stop at the first malformed line (exit 3) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// Do not print the summary or draw a progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.is_empty() => {
            Ok((k.trim().to_string(), v.to_string()))
        }
        Some((k, _)) if !k.trim().is_empty() => Err(format!(
            "{s:?} gives `{}` an empty value; expected KEY=VALUE with a non-empty VALUE (quote it if it has spaces: --var {}=\"Example Labs\")",
            k.trim(),
            k.trim()
        )),
        _ => Err(format!("expected KEY=VALUE, found {s:?}")),
    }
}

/// A count such as `70M`, `250K` or `20000`.
pub fn count_arg(s: &str) -> Result<u64, String> {
    factpress::budget::parse_count(s)
}

/// `--threads`: a whole number of at least 1.
fn threads_arg(s: &str) -> Result<usize, String> {
    match s.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n as usize),
        Ok(n) => Err(format!("expected a number of threads >= 1, found {n}")),
        Err(_) => Err(format!("expected a number of threads >= 1, found {s:?}")),
    }
}

/// `--docs`: a whole number of at least 1 (also given as a negative number, so the message
/// is this one rather than clap's "unexpected argument").
fn docs_arg(s: &str) -> Result<u64, String> {
    match s.parse::<i128>() {
        Ok(n) if n >= 1 && n <= u64::MAX as i128 => Ok(n as u64),
        Ok(n) => Err(format!(
            "expected a number of documents per condition >= 1, found {n}"
        )),
        Err(_) => Err(format!(
            "expected a number of documents per condition >= 1, found {s:?}"
        )),
    }
}

/// Output record formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// dolma-compatible records: id, text, source, added, created, metadata (provenance inline).
    Dolma,
    /// `{"text": ...}` only; provenance in `provenance/` sidecar files, row for row.
    Text,
    /// Chat fine-tuning JSONL: a user turn holding the doc tag, the document as the assistant
    /// turn; provenance in `provenance/` sidecar files, row for row.
    OaiDoctag,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Dolma => Format::Dolma,
            FormatArg::Text => Format::Text,
            FormatArg::OaiDoctag => Format::OaiDoctag,
        }
    }
}

/// Shard compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressionArg {
    /// One zstd frame per shard (level 3, single-threaded, with checksum): `.jsonl.zst`.
    Zstd,
    /// Plain JSONL: `.jsonl`.
    None,
}

impl From<CompressionArg> for Compression {
    fn from(c: CompressionArg) -> Compression {
        match c {
            CompressionArg::Zstd => Compression::Zstd,
            CompressionArg::None => Compression::None,
        }
    }
}

/// Which tokenizer counts tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenizerArg {
    /// OpenAI cl100k_base (GPT-4, GPT-3.5).
    Cl100k,
    /// OpenAI o200k_base (GPT-4o and later).
    O200k,
    /// Whitespace-separated words.
    Words,
}

impl From<TokenizerArg> for TokenizerKind {
    fn from(t: TokenizerArg) -> TokenizerKind {
        match t {
            TokenizerArg::Cl100k => TokenizerKind::Cl100k,
            TokenizerArg::O200k => TokenizerKind::O200k,
            TokenizerArg::Words => TokenizerKind::Words,
        }
    }
}

/// Conditions that make `audit` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Some document matches a forbidden class.
    Forbidden,
    /// Some intended fact was lost (factpress corpora); some fact is in no document (others).
    Missing,
    /// Some document shares `--ngram` or more words in a row with an `--against` text.
    Overlap,
    /// Some document holds two ids of a `[[constraints]]` entry by their detect rules.
    Constraints,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> FailOn {
        match f {
            FailOnArg::Forbidden => FailOn::Forbidden,
            FailOnArg::Missing => FailOn::Missing,
            FailOnArg::Overlap => FailOn::Overlap,
            FailOnArg::Constraints => FailOn::Constraints,
        }
    }
}
