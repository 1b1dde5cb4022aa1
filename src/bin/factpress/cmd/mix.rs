//! `factpress mix SOURCE[:WEIGHT]… --out DIR`: mix corpora and JSONL files into a corpus.

use crate::cli::{MixArgs, ShareArg};
use crate::ui::Terminal;
use factpress::budget::Budget;
use factpress::mix::{MixPlan, Share, write};
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
        share: match a.by {
            ShareArg::Records => Share::Records,
            ShareArg::Tokens => Share::Tokens(a.tokenizer.into()),
        },
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
            let tokens = match (s.tokens, s.taken_token_share) {
                (Some(t), Some(sh)) => format!(", {t} tokens ({:.2}% of the tokens)", 100.0 * sh),
                _ => String::new(),
            };
            eprintln!(
                "  {}: {} records ({:.2}% of the mix{tokens}, weight share {:.2}%), {} malformed line(s) skipped",
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
