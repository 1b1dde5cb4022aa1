//! Property tests: output never depends on the thread or shard count, and the spec parser
//! never panics, whatever it is given.

use factpress::generate::{Choices, RunOptions, Selection, replay};
use factpress::observe::Silent;
use factpress::output::Output;
use factpress::record::Format;
use factpress::sink::Compression;
use proptest::prelude::*;
use std::sync::Arc;

const MINI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mini/spec.toml");
/// Frames, implied variants, pieces and constraints.
const AXES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/axes/spec.toml");

fn content(seed: u64, docs: u64, shards: u32, threads: usize) -> (String, Vec<String>) {
    content_of(MINI, seed, docs, shards, threads)
}

fn content_of(
    spec: &str,
    seed: u64,
    docs: u64,
    shards: u32,
    threads: usize,
) -> (String, Vec<String>) {
    let choices = Choices {
        seed: Some(seed),
        docs: Some(docs),
        ..Choices::default()
    };
    let sel = Selection::resolve(spec.as_ref(), &choices).unwrap();
    let output = Output::new(Format::Dolma, Compression::Zstd, None, shards);
    let opts = RunOptions {
        threads,
        observer: &Silent,
        command_line: vec![],
        clean: false,
    };
    let renderer = Arc::new(sel.renderer().unwrap());
    let out = replay(&sel, renderer, &output, &opts).unwrap();
    let shards = out
        .conditions
        .iter()
        .flat_map(|c| c.shards.iter().map(|(_, w)| w.sha256.clone()))
        .collect();
    (out.content_sha256, shards)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn same_seed_any_threads_any_shards_same_content(seed in 0u64..1_000_000, docs in 1u64..600, shards in 1u32..8, threads in 1usize..5) {
        let shards = shards.min(docs as u32);
        let (base, base_shards) = content(seed, docs, shards, 1);
        let (other, other_shards) = content(seed, docs, shards, threads);
        prop_assert_eq!(&base, &other);
        prop_assert_eq!(base_shards, other_shards);
        let (one_shard, _) = content(seed, docs, 1, threads);
        prop_assert_eq!(base, one_shard);
    }

    #[test]
    fn framed_implied_and_split_conditions_are_the_same_for_any_thread_count(seed in 0u64..1_000_000, docs in 1u64..300, shards in 1u32..5, threads in 2usize..5) {
        let shards = shards.min(docs as u32);
        let (base, base_shards) = content_of(AXES, seed, docs, shards, 1);
        let (other, other_shards) = content_of(AXES, seed, docs, shards, threads);
        prop_assert_eq!(base, other);
        prop_assert_eq!(base_shards, other_shards);
    }

    #[test]
    fn parser_never_panics(text in ".{0,400}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.toml");
        std::fs::write(&path, &text).unwrap();
        let _ = factpress::spec::Spec::load(&path);
    }

    #[test]
    fn parser_never_panics_on_spec_like_input(
        name in "[a-z\\-]{0,8}",
        docs in -3i64..5,
        fmin in -2i64..4,
        fmax in -2i64..4,
        facts in proptest::collection::vec("[a-z{}()\\[\\] ']{0,20}", 0..3),
        cond in proptest::collection::vec("[a-z0-9\\-]{0,6}", 0..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.toml");
        let text = format!(
            "[corpus]\nname = {name:?}\ntemplates = \"t\"\ndocs = {docs}\nanchor_date = \"2024-01-01\"\nfacts_per_doc = {{ min = {fmin}, max = {fmax} }}\n\
             [[facts]]\nid = \"a\"\nvariants = {facts:?}\n[[doc_types]]\nid = \"d\"\ntemplate = \"x.j2\"\n[[conditions]]\nid = \"c\"\nfacts = {cond:?}\n"
        );
        std::fs::create_dir(dir.path().join("t")).unwrap();
        std::fs::write(dir.path().join("t/x.j2"), "{{ facts[0].text }}").unwrap();
        std::fs::write(&path, &text).unwrap();
        if let Ok(spec) = factpress::spec::Spec::load(&path)
            && let Ok(renderer) = factpress::render::Renderer::new(Arc::new(spec), 0)
        {
            let _ = factpress::check::check(&renderer);
        }
    }
}
