//! `factpress merge DIR… [--out OUT]`: join the shard folders of a cluster run into one
//! corpus, print what was merged and the content digest.

use crate::ui::Terminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(dirs: &[PathBuf], out: Option<&Path>, quiet: bool) -> anyhow::Result<u8> {
    let ui = Terminal::new(quiet);
    let start = Instant::now();
    let m = factpress::merge::merge(dirs, out, std::env::args().collect(), &ui)?;
    if !quiet {
        let target = out.unwrap_or(&dirs[0]);
        eprintln!(
            "merged {} shard(s) of {} condition(s) x {} documents into {} in {:.2}s",
            m.output.shards,
            m.conditions.len(),
            m.docs_per_condition,
            target.display(),
            start.elapsed().as_secs_f64()
        );
    }
    println!("content_sha256 {}", m.content_sha256);
    Ok(0)
}
