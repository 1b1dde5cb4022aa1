//! `factpress mix SOURCE[:WEIGHT]… --out DIR`: mix corpora and JSONL files into a corpus.

use crate::cli::MixArgs;
use crate::ui::Terminal;
use factpress::budget::Budget;
use factpress::mix::{MixPlan, write};
use factpress::output::Output;

pub fn run(a: MixArgs) -> anyhow::Result<u8> {
    let plan = MixPlan {
        sources: a.sources,
        seed: a.seed,
        docs: a.docs,
        tokens: a.tokens.map(|tokens| Budget {
            tokens,
            tokenizer: a.tokenizer.into(),
        }),
        text_field: a.text_field,
    };
    let output = Output::new(a.format.into(), a.compression.into(), Some(a.doctag), 1);
    let ui = Terminal::new(a.quiet);
    let m = write(
        &plan,
        &output,
        &a.out,
        None,
        std::env::args().collect(),
        &ui,
    )?;
    if !a.quiet {
        let mix = m.mix.as_ref().expect("a mix manifest");
        eprintln!(
            "wrote {} records to {}",
            m.docs_per_condition,
            a.out.display()
        );
        for s in &mix.sources {
            eprintln!(
                "  {}: {} records ({:.2}% of the mix, weight share {:.2}%), {} malformed line(s) skipped",
                s.path,
                s.records,
                100.0 * s.taken_share,
                100.0 * s.share,
                s.malformed
            );
        }
        eprintln!("content_sha256 {}", m.content_sha256);
    }
    Ok(0)
}
