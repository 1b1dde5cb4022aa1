//! `factpress slurm SPEC --array N`: checks the spec and choices, then prints (or writes) a
//! bash script that submits a Slurm job array of N shard jobs and `factpress merge` as a job
//! that depends on all of them (afterok). Pins the seed and document count it resolved, and
//! uses absolute paths, so the script means the same thing wherever it is run from.

use crate::cli::{FormatArg, SlurmArgs};
use factpress::generate::Selection;
use factpress::output::Output;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub fn run(a: SlurmArgs) -> anyhow::Result<u8> {
    let sel = Selection::resolve(&a.spec, &super::choices(&a.choices))?;
    Output::new(
        a.format.into(),
        a.compression.into(),
        a.doctag.clone(),
        a.array,
    )
    .check(sel.docs)?;
    let corpus = absolute(
        &a.corpus
            .clone()
            .unwrap_or_else(|| PathBuf::from("out").join(&sel.spec.name)),
    )?;
    let parts = match &a.parts {
        Some(p) => absolute(p)?,
        None => PathBuf::from(format!("{}.shards", corpus.display())),
    };
    let script = script(&a, &sel, &corpus, &parts)?;
    match &a.out {
        None => print!("{script}"),
        Some(path) => {
            std::fs::write(path, &script).map_err(factpress::Error::io("cannot write", path))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                    .map_err(factpress::Error::io("cannot make executable", path))?;
            }
            eprintln!(
                "wrote {} ({} shard jobs, then merge into {}); submit it with: bash {}",
                path.display(),
                a.array,
                corpus.display(),
                path.display()
            );
        }
    }
    Ok(0)
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    Ok(std::path::absolute(p).map_err(factpress::Error::io("cannot resolve", p))?)
}

/// A word for the shell, single-quoted.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn path(p: &Path) -> String {
    sh(&p.display().to_string())
}

/// The `factpress generate` arguments every shard job shares.
fn generate_args(a: &SlurmArgs, sel: &Selection, spec: &Path) -> Vec<String> {
    let mut args = vec!["generate".to_string(), path(spec)];
    // Conditions as given (none: every condition of the spec, which the spec digest pins).
    for c in a
        .choices
        .conditions
        .iter()
        .filter_map(|id| sel.spec.conditions.iter().position(|c| &c.id == id))
    {
        args.push(format!("--condition {}", sh(&sel.spec.conditions[c].id)));
    }
    args.push(format!("--seed {} --docs {}", sel.seed, sel.docs));
    for (k, v) in &sel.var_overrides {
        args.push(format!("--var {}", sh(&format!("{k}={v}"))));
    }
    let format = match a.format {
        FormatArg::Dolma => "dolma",
        FormatArg::Text => "text",
        FormatArg::OaiDoctag => "oai-doctag",
    };
    args.push(format!("--format {format}"));
    if let (FormatArg::OaiDoctag, Some(tag)) = (a.format, &a.doctag) {
        args.push(format!("--doctag {}", sh(tag)));
    }
    let compression = match a.compression {
        crate::cli::CompressionArg::Zstd => "zstd",
        crate::cli::CompressionArg::None => "none",
    };
    args.push(format!("--compression {compression}"));
    args
}

fn script(a: &SlurmArgs, sel: &Selection, corpus: &Path, parts: &Path) -> anyhow::Result<String> {
    let exe = match &a.factpress {
        Some(p) => absolute(p)?,
        None => std::env::current_exe()?,
    };
    let spec = absolute(&a.spec)?;
    let name = &sel.spec.name;
    let n = a.array;
    let mut common = String::new();
    if let Some(p) = &a.partition {
        write!(common, " --partition={}", sh(p))?;
    }
    if let Some(t) = &a.time {
        write!(common, " --time={}", sh(t))?;
    }
    let logs = parts.join("logs");
    let generate = generate_args(a, sel, &spec).join(" ");
    let mut s = String::new();
    writeln!(s, "#!/usr/bin/env bash")?;
    writeln!(
        s,
        "# Written by factpress {} (`factpress slurm`). Submit with: bash THIS-FILE",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(
        s,
        "# (SBATCH_WAIT=1 bash THIS-FILE waits for each job and fails if it fails.)"
    )?;
    writeln!(s, "#")?;
    writeln!(
        s,
        "# A job array of {n} shard jobs: task K writes shard K of {n} of corpus `{name}` into"
    )?;
    writeln!(
        s,
        "# {}/shard-0000K-of-{n:05}/. Then `factpress merge` runs as a job that starts only when",
        parts.display()
    )?;
    writeln!(
        s,
        "# every shard job succeeded (afterok), and writes the corpus to {}.",
        corpus.display()
    )?;
    writeln!(
        s,
        "# A failed task can be resubmitted alone (sbatch --array=K …): a finished shard is"
    )?;
    writeln!(
        s,
        "# never redone, an interrupted one starts clean, and every shard is the same bytes."
    )?;
    writeln!(s, "set -euo pipefail")?;
    writeln!(s, "mkdir -p {}", path(&logs))?;
    writeln!(
        s,
        "shards=$(sbatch --parsable --job-name={} --array=0-{} --cpus-per-task={}{common} --output={} <<'FACTPRESS_SHARD'",
        sh(&format!("{name}-shards")),
        n - 1,
        a.cpus,
        path(&logs.join("shard-%a.out"))
    )?;
    writeln!(s, "#!/usr/bin/env bash")?;
    writeln!(
        s,
        "exec {} {generate} --num-shards {n} --shard-index auto --threads {} --quiet --out {}",
        path(&exe),
        a.cpus,
        path(parts)
    )?;
    writeln!(s, "FACTPRESS_SHARD")?;
    writeln!(s, ")")?;
    writeln!(
        s,
        "merge=$(sbatch --parsable --job-name={} --dependency=afterok:\"${{shards%%;*}}\"{common} --output={} <<'FACTPRESS_MERGE'",
        sh(&format!("{name}-merge")),
        path(&logs.join("merge.out"))
    )?;
    writeln!(s, "#!/usr/bin/env bash")?;
    writeln!(
        s,
        "exec {} merge {} --out {} --quiet",
        path(&exe),
        path(parts),
        path(corpus)
    )?;
    writeln!(s, "FACTPRESS_MERGE")?;
    writeln!(s, ")")?;
    writeln!(
        s,
        "echo \"submitted shard jobs ${{shards%%;*}} (array 0-{}) and merge job ${{merge%%;*}}\"",
        n - 1
    )?;
    Ok(s)
}
