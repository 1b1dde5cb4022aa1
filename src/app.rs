//! The glue between parsed arguments and the library: one function per command, printing
//! results to stdout and progress to stderr. Returns the exit code for success paths.

use crate::check::check;
use crate::cli::{AuditArgs, ChoiceArgs, Cli, Command, GenerateArgs, StatsArgs};
use crate::error::{Error, Result};
use crate::generate::{Choices, Request, RunOptions, write_corpus};
use crate::manifest::Manifest;
use crate::plan::plan_doc;
use crate::record::Format;
use crate::render::doc_id;
use crate::sink::Compression;
use crate::verify::verify;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Generate(args) => generate(args),
        Command::Check { spec, choices } => check_cmd(&spec, &choices),
        Command::Sample {
            spec,
            n,
            doc_type,
            start,
            choices,
        } => sample(&spec, n, doc_type.as_deref(), start, &choices),
        Command::Verify {
            dir,
            regenerate,
            threads,
        } => verify_cmd(&dir, regenerate, threads),
        Command::Pairs {
            a,
            b,
            condition_a,
            condition_b,
            n,
            threads: t,
        } => pairs(
            &a,
            b.as_deref(),
            condition_a.as_deref(),
            condition_b.as_deref(),
            n,
            t,
        ),
        Command::Regenerate {
            dir,
            out,
            threads,
            quiet,
        } => regenerate(&dir, &out, threads, quiet),
        Command::Audit(args) => audit(args),
        Command::Stats(args) => stats_cmd(args),
    }
}

fn choices(c: &ChoiceArgs) -> Choices {
    Choices {
        conditions: c.conditions.clone(),
        docs: c.docs,
        seed: c.seed,
        vars: c.vars.iter().cloned().collect(),
    }
}

fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
    .max(1)
}

/// A flag set by Ctrl-C; the pipeline stops between batches and the temporary folder is removed.
fn cancel_flag() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| FLAG.store(true, Ordering::SeqCst));
    });
    &FLAG
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} docs ({per_sec}, eta {eta})",
        )
        .expect("static template"),
    );
    pb
}

fn warn(msg: &str) {
    eprintln!("warning: {msg}");
}

fn command_line() -> Vec<String> {
    std::env::args().collect()
}

fn interrupted(e: Error) -> Error {
    if cancel_flag().load(Ordering::SeqCst) {
        Error::Interrupted("interrupted: nothing was written".into())
    } else {
        e
    }
}

fn generate(a: GenerateArgs) -> Result<u8> {
    let req = Request::resolve(
        &a.spec,
        &choices(&a.choices),
        a.shards,
        a.format,
        a.compression,
        a.doctag.clone(),
    )?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&req.spec.name));
    capacity_warnings(&req);
    run_write(&req, &out, a.threads, a.quiet)?;
    Ok(0)
}

fn run_write(
    req: &Request,
    out: &Path,
    threads_opt: Option<usize>,
    quiet: bool,
) -> Result<Manifest> {
    let total = req.docs * req.conditions.len() as u64;
    let pb = progress_bar(total, quiet);
    let progress = |n: u64| pb.set_position(n);
    let t = threads(threads_opt);
    let opts = RunOptions {
        threads: t,
        progress: &progress,
        cancel: cancel_flag(),
        command_line: command_line(),
        warn: &warn,
    };
    let start = Instant::now();
    let m = write_corpus(req, out, &opts).map_err(interrupted)?;
    pb.finish_and_clear();
    if !quiet {
        let secs = start.elapsed().as_secs_f64();
        let bytes: u64 = m
            .conditions
            .iter()
            .flat_map(|c| &c.shards)
            .map(|s| s.bytes)
            .sum();
        eprintln!(
            "wrote {total} documents ({} condition(s) x {}) in {} shard file(s), {:.1} MB, to {} in {secs:.2}s ({:.0} docs/s, {t} threads)",
            m.conditions.len(),
            m.docs_per_condition,
            m.conditions.iter().map(|c| c.shards.len()).sum::<usize>(),
            bytes as f64 / 1e6,
            out.display(),
            total as f64 / secs.max(1e-9),
        );
        eprintln!("content_sha256 {}", m.content_sha256);
    }
    Ok(m)
}

fn check_cmd(spec: &Path, c: &ChoiceArgs) -> Result<u8> {
    let req = Request::resolve(
        spec,
        &choices(c),
        1,
        Format::Dolma,
        Compression::Zstd,
        String::new(),
    )?;
    let (_, report) = check(req.spec.clone(), req.seed)?;
    report.warnings.iter().for_each(|w| warn(w));
    capacity_warnings(&req);
    let s = &req.spec;
    println!(
        "ok: {} — {} facts, {} pools, {} doc types, {} templates, {} conditions; trial-rendered {} template(s) and {} fact variant(s)",
        s.path.display(),
        s.facts.len(),
        s.pools.len(),
        s.doc_types.len(),
        s.templates.len(),
        s.conditions.len(),
        report.templates_rendered,
        report.variants_rendered
    );
    Ok(0)
}

fn sample(spec: &Path, n: usize, doc_type: Option<&str>, start: u64, c: &ChoiceArgs) -> Result<u8> {
    let req = Request::resolve(
        spec,
        &choices(c),
        1,
        Format::Dolma,
        Compression::Zstd,
        String::new(),
    )?;
    let s = req.spec.clone();
    let want = match doc_type {
        Some(id) => Some(s.doc_types.iter().position(|d| d.id == id).ok_or_else(|| {
            let known: Vec<&str> = s.doc_types.iter().map(|d| d.id.as_str()).collect();
            Error::Usage(format!(
                "--doc-type {id}: the spec has no such doc type (it has: {})",
                known.join(", ")
            ))
        })?),
        None => None,
    };
    let (renderer, _) = check(s.clone(), req.seed)?;
    let renderer = Arc::new(renderer);
    let cond = req.conditions[0];
    let mut stdout = std::io::stdout().lock();
    let mut printed = 0;
    for i in start..req.docs {
        if printed == n {
            break;
        }
        let plan = plan_doc(&s, req.seed, cond, i);
        if want.is_some_and(|d| d != plan.doc_type) {
            continue;
        }
        let doc = renderer.render(&plan).map_err(|e| Error::Render {
            condition: s.conditions[cond].id.clone(),
            index: i,
            message: crate::render::describe(&s, &e),
        })?;
        let facts: Vec<String> = plan
            .facts
            .iter()
            .map(|f| format!("{}#{}", s.facts[f.fact].id, f.variant))
            .collect();
        let header = format!(
            "=== {} | {} | {} | {} | facts: {} ===",
            doc_id(&s.conditions[cond].id, i),
            s.doc_types[plan.doc_type].id,
            doc.template,
            plan.date,
            facts.join(", ")
        );
        if writeln!(stdout, "{header}\n{}\n", doc.text).is_err() {
            return Ok(0); // stdout closed (e.g. piped into head): not an error
        }
        printed += 1;
    }
    if printed < n {
        eprintln!(
            "note: found {printed} of {n} requested documents among indices {start}..{}",
            req.docs
        );
    }
    Ok(0)
}

fn verify_cmd(dir: &Path, regenerate: bool, t: Option<usize>) -> Result<u8> {
    let no_progress = |_: u64| {};
    let opts = RunOptions {
        threads: threads(t),
        progress: &no_progress,
        cancel: cancel_flag(),
        command_line: vec![],
        warn: &warn,
    };
    let rep = verify(dir, regenerate, &opts)?.into_result()?;
    println!(
        "ok: {} matches its manifest — {} files and {} records re-hashed{}",
        dir.display(),
        rep.files_checked,
        rep.records_checked,
        if rep.regenerated {
            "; regenerated from source/ with identical bytes"
        } else {
            ""
        }
    );
    Ok(0)
}

fn regenerate(dir: &Path, out: &Path, t: Option<usize>, quiet: bool) -> Result<u8> {
    let original = Manifest::read(dir)?;
    let req = Request::from_manifest(dir, &original)?;
    let m = run_write(&req, out, t, quiet)?;
    let same = m.content_sha256 == original.content_sha256
        && m.conditions
            .iter()
            .zip(&original.conditions)
            .all(|(a, b)| a.shards == b.shards && a.provenance == b.provenance);
    if !same {
        return Err(Error::CheckFailed(format!(
            "{} was rebuilt but differs from {}: content_sha256 {} vs {}",
            out.display(),
            dir.display(),
            m.content_sha256,
            original.content_sha256
        )));
    }
    if !quiet {
        eprintln!(
            "identical to {}: every shard has the same sha256",
            dir.display()
        );
    }
    Ok(0)
}

fn pairs(
    a: &Path,
    b: Option<&Path>,
    ca: Option<&str>,
    cb: Option<&str>,
    n: usize,
    t: Option<usize>,
) -> Result<u8> {
    let (sa, sb) = crate::pairs::open_sides(a, b, ca, cb)?;
    let mut shown = 0;
    let mut errors: Vec<String> = Vec::new();
    let mut error_count = 0usize;
    let mut stdout = std::io::stdout().lock();
    let summary = crate::pairs::compare(&sa, &sb, threads(t), |r| {
        if r.changed > 0 && shown < n {
            shown += 1;
            let _ = writeln!(
                stdout,
                "=== {} vs {} | changed facts: {} | {:.1}% of words changed ===\n{}\n",
                doc_id(&sa.condition, r.index),
                doc_id(&sb.condition, r.index),
                if r.changed_facts.is_empty() {
                    "none".to_string()
                } else {
                    r.changed_facts.join(", ")
                },
                100.0 * r.share(),
                r.diff
            );
        }
        error_count += r.errors.len();
        if errors.len() < 20 {
            errors.extend(r.errors.iter().take(20 - errors.len()).cloned());
        }
    })?;
    println!(
        "compared {} document pairs ({} vs {}): {} identical; share of words changed: mean {:.2}%, max {:.2}% ({}); pairs with differences outside the changed facts: {}",
        summary.compared,
        sa.condition,
        sb.condition,
        summary.identical,
        100.0 * summary.mean_share,
        100.0 * summary.max_share,
        doc_id(&sb.condition, summary.max_index),
        summary.with_errors
    );
    if summary.with_errors > 0 {
        let mut msg = format!(
            "{} pair(s) differ outside the replaced or dropped facts ({error_count} difference(s)); first ones:\n",
            summary.with_errors
        );
        for e in &errors {
            msg.push_str(&format!("  - {e}\n"));
        }
        return Err(Error::CheckFailed(msg.trim_end().to_string()));
    }
    Ok(0)
}

fn audit(a: AuditArgs) -> Result<u8> {
    let opts = crate::audit::Options {
        inputs: a.inputs,
        spec: a.spec,
        text_field: a.text_field,
        id_field: a.id_field,
        against: a.against,
        ngram: a.ngram.into(),
        report: a.report,
        attributes: a.attributes,
        threads: threads(a.threads),
    };
    let outcome = crate::audit::run(&opts)?;
    let s = &outcome.summary;
    print!("{}", s.table());
    eprintln!(
        "scanned {:.1} MB of text in {:.2}s ({:.1} MB/s, {:.0} docs/s, {} threads)",
        s.text_bytes as f64 / 1e6,
        outcome.seconds,
        s.text_bytes as f64 / 1e6 / outcome.seconds.max(1e-9),
        s.documents as f64 / outcome.seconds.max(1e-9),
        opts.threads
    );
    if s.malformed > 0 {
        eprintln!(
            "note: {} malformed line(s) were skipped and counted (see the warnings above{})",
            s.malformed,
            if opts.report.is_some() {
                " and the report"
            } else {
                ""
            }
        );
    }
    let failures = outcome.failures(&a.fail_on);
    if failures.is_empty() {
        Ok(0)
    } else {
        Err(Error::CheckFailed(format!(
            "audit failed: {}",
            failures.join("; ")
        )))
    }
}
/// Warns on stderr when a doc type would get near its estimated number of distinct documents.
fn capacity_warnings(req: &Request) {
    for w in crate::stats::capacity_warnings(&req.spec, req.docs) {
        eprintln!("{w}");
    }
}

fn stats_cmd(a: StatsArgs) -> Result<u8> {
    let opts = crate::stats::Options {
        inputs: a.inputs,
        text_field: a.text_field,
        spec: a.spec,
        tokenizer: a.tokenizer,
        threads: threads(a.threads),
        seed: a.seed,
        threshold: a.near_threshold,
        overuse_ratio: a.overuse_ratio,
        wide_threshold: a.wide_threshold,
    };
    if !(0.0..=1.0).contains(&opts.threshold) || !(0.0..=1.0).contains(&opts.wide_threshold) {
        return Err(Error::Usage(
            "--near-threshold and --wide-threshold are shares between 0 and 1".into(),
        ));
    }
    let start = Instant::now();
    let report = crate::stats::run(&opts)?;
    if let Some(p) = &a.json {
        let mut text = serde_json::to_string_pretty(&report).expect("report serialises");
        text.push('\n');
        std::fs::write(p, text).map_err(Error::io("cannot write", p))?;
    }
    if let Some(p) = &a.html {
        std::fs::write(p, crate::stats::html::render(&report))
            .map_err(Error::io("cannot write", p))?;
    }
    if !a.quiet {
        print!("{}", report.summary());
        eprintln!(
            "read {} documents in {:.2}s ({} threads)",
            report.size.total.documents,
            start.elapsed().as_secs_f64(),
            opts.threads
        );
    }
    Ok(0)
}
