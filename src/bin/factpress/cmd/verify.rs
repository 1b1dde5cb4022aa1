//! `factpress verify DIR [--regenerate]`: exit 0 only when the corpus matches its manifest.

use crate::ui::Terminal;
use factpress::generate::RunOptions;
use std::path::Path;

pub fn run(
    dir: &Path,
    regenerate: bool,
    threads: Option<usize>,
    quiet: bool,
) -> anyhow::Result<u8> {
    let ui = Terminal::new(quiet);
    let opts = RunOptions {
        threads: super::threads(threads),
        observer: &ui,
        command_line: vec![],
        clean: false,
    };
    let rep = factpress::verify::verify(dir, regenerate, &opts)?.into_result()?;
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
