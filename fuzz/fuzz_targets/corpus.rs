//! `corpus`: arbitrary bytes as JSONL corpus files, read the way every reader reads them.
//! The input is written five times: as `plain.jsonl`; compressed, as `packed.jsonl.zst` and
//! `packed.jsonl.gz` (valid streams of the fuzzed lines); and unchanged under the names
//! `raw.jsonl.zst` and `raw.jsonl.gz` (the decoders see arbitrary bytes). Each file is opened
//! with `Corpus::open` and every batch is read; each line is parsed as JSON, its `text` and
//! `metadata.facts` looked up, and passed through the malformed-line policy and audit's
//! `scan_line` with the mini fixture's compiled rules, once as plain JSONL and once as a
//! factpress corpus line (intended facts, id field, the line as its own provenance row,
//! condition `base`, overlap against `tests/fixtures/audit/eval_prompt.txt`). `plain.jsonl`
//! is also read as an `--against` file. Read errors are expected; panics are bugs.

#![no_main]

use factpress::audit::overlap::Against;
use factpress::audit::scan::{ScanConfig, scan_line};
use factpress::corpus::{BadLines, Corpus, field, text_field};
use factpress::observe::Silent;
use factpress::rules::Rules;
use factpress::spec::Spec;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixed {
    dir: PathBuf,
    rules: Rules,
    against: Against,
}

static FIXED: OnceLock<Fixed> = OnceLock::new();

fn fixed() -> &'static Fixed {
    FIXED.get_or_init(|| {
        let fx = factpress_fuzz::fixtures();
        let (facts, forbidden, constraints) =
            Spec::load_rules(&fx.join("mini/spec.toml")).expect("the mini spec's rules load");
        let (rules, _) =
            Rules::compile_all(&facts, &forbidden, &constraints).expect("the mini rules compile");
        let against = Against::load(&[fx.join("audit/eval_prompt.txt")], 8)
            .expect("the eval prompt fixture loads");
        Fixed {
            dir: factpress_fuzz::workdir("corpus"),
            rules,
            against,
        }
    })
}

fn zstd_bytes(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).expect("zstd compresses in memory")
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip compresses in memory");
    e.finish().expect("gzip compresses in memory")
}

fuzz_target!(|data: &[u8]| {
    let fx = fixed();
    let files = [
        ("plain.jsonl", data.to_vec()),
        ("packed.jsonl.zst", zstd_bytes(data)),
        ("packed.jsonl.gz", gzip_bytes(data)),
        ("raw.jsonl.zst", data.to_vec()),
        ("raw.jsonl.gz", data.to_vec()),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in &files {
        let path = fx.dir.join(name);
        std::fs::write(&path, bytes).expect("write a fuzzed corpus file");
        paths.push(path);
    }

    let fact_index: HashMap<&str, usize> = fx
        .rules
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let plain = ScanConfig {
        rules: &fx.rules,
        against: None,
        text_field: "text",
        id_field: None,
        intended: false,
        fact_index: fact_index.clone(),
        keys: ScanConfig::keys_for("text", None, false),
    };
    let factpress = ScanConfig {
        rules: &fx.rules,
        against: Some(&fx.against),
        text_field: "text",
        id_field: Some("id"),
        intended: true,
        fact_index,
        keys: ScanConfig::keys_for("text", Some("id"), true),
    };

    for path in &paths {
        let corpus = Corpus::open(std::slice::from_ref(path)).expect("a written file opens");
        let mut bad = BadLines::new(false);
        for batch in corpus.batches(3, |_| true) {
            let Ok(batch) = batch else { break };
            for line in &batch.lines {
                let name = &corpus.files()[line.file].name;
                match serde_json::from_str::<serde_json::Value>(&line.text) {
                    Ok(v) => {
                        let _ = text_field(&v, "text");
                        let _ = field(&v, "metadata.facts.0.id");
                    }
                    Err(e) => {
                        let _ = bad.skip(name, line.number, &e.to_string(), &Silent);
                    }
                }
                let fallback = || format!("{name}:{}", line.number);
                let _ = scan_line(&plain, &line.text, None, None, fallback);
                let _ = scan_line(
                    &factpress,
                    &line.text,
                    Some(&line.text),
                    Some("base"),
                    fallback,
                );
            }
        }
    }

    if let Ok(against) = Against::load(&paths[..1], 3) {
        let _ = against.find(&factpress::audit::overlap::words(
            "free tier contractors rate",
        ));
    }
});
