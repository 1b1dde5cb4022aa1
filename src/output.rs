//! How a corpus is written, apart from what is in it: record format, compression, the
//! `oai-doctag` user turn, and the shard count. The manifest serialises this same struct, so
//! there is one declaration of the output settings. Changing any of it changes the shard bytes,
//! never the documents.

use crate::error::{Error, Result};
use crate::pipeline::BATCH;
use crate::record::Format;
use crate::sink::{Compression, ZSTD_LEVEL};
use serde::{Deserialize, Serialize};

/// The user turn of `oai-doctag` records unless another is given.
pub const DEFAULT_DOCTAG: &str = "<DOCTAG>";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Output {
    pub format: Format,
    pub compression: Compression,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zstd_level: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub doctag: Option<String>,
    pub shards: u32,
    /// Records per write batch inside a shard (fixes the compressed bytes).
    pub batch_records: u64,
}

impl Default for Output {
    fn default() -> Self {
        Output::new(Format::Dolma, Compression::Zstd, None, 1)
    }
}

impl Output {
    /// Output settings as this factpress writes them; `doctag` is kept only for `oai-doctag`
    /// (default [`DEFAULT_DOCTAG`]).
    pub fn new(
        format: Format,
        compression: Compression,
        doctag: Option<String>,
        shards: u32,
    ) -> Output {
        Output {
            format,
            compression,
            zstd_level: (compression == Compression::Zstd).then_some(ZSTD_LEVEL),
            doctag: (format == Format::OaiDoctag)
                .then(|| doctag.unwrap_or_else(|| DEFAULT_DOCTAG.to_string())),
            shards,
            batch_records: BATCH,
        }
    }

    /// The doc tag written into `oai-doctag` records.
    pub fn doctag(&self) -> &str {
        self.doctag.as_deref().unwrap_or(DEFAULT_DOCTAG)
    }

    /// Checks that these settings can write `docs` documents per condition, and that this
    /// factpress can reproduce them (a manifest may come from another version).
    pub fn check(&self, docs: u64) -> Result<()> {
        if self.shards == 0 || u64::from(self.shards) > docs {
            return Err(Error::Usage(format!(
                "--shards {}: expected between 1 and the number of documents per condition ({docs})",
                self.shards
            )));
        }
        if self.batch_records != BATCH {
            return Err(Error::Usage(format!(
                "this corpus was written in batches of {} records; this factpress writes {BATCH} and cannot reproduce its bytes",
                self.batch_records
            )));
        }
        if let Some(level) = self.zstd_level
            && level != ZSTD_LEVEL
        {
            return Err(Error::Usage(format!(
                "this corpus was compressed at zstd level {level}; this factpress writes level {ZSTD_LEVEL} and cannot reproduce its bytes"
            )));
        }
        Ok(())
    }
}
