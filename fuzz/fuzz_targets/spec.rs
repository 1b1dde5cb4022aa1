//! `spec`: arbitrary bytes as a corpus spec file, written next to a copy of the fixtures'
//! templates, pools and grammar folders (see `factpress_fuzz::lay_out_fixtures`) so that
//! the relative paths a spec names resolve. `Spec::load`; if it loads, `Renderer::new` and
//! `check::check`; if the check passes, two documents of each condition are planned and
//! rendered, as `generate` would. Errors are expected; a panic, a hang or unbounded memory
//! is a bug. Inputs that name a file outside the working folder are skipped.

#![no_main]

use factpress::check;
use factpress::plan::plan_doc;
use factpress::render::Renderer;
use factpress::spec::Spec;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

static SPEC: OnceLock<PathBuf> = OnceLock::new();

fn spec_path() -> &'static PathBuf {
    SPEC.get_or_init(|| {
        let dir = factpress_fuzz::workdir("spec");
        factpress_fuzz::lay_out_fixtures(&dir);
        dir.join("spec.toml")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && factpress_fuzz::names_outside(text)
    {
        return;
    }
    let path = spec_path();
    std::fs::write(path, data).expect("write the fuzzed spec");
    let Ok(spec) = Spec::load(path) else { return };
    let seed = spec.seed;
    let Ok(renderer) = Renderer::new(Arc::new(spec), seed) else {
        return;
    };
    if check::check(&renderer).is_err() {
        return;
    }
    let spec = renderer.spec();
    for c in 0..spec.conditions.len() {
        for index in 0..2 {
            let plan = plan_doc(spec, seed, c, index);
            let _ = renderer.render_doc(&plan);
        }
    }
});
