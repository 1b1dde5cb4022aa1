//! How one rendered document becomes one JSONL line, in each output format. Pure encoding:
//! no I/O, no choices.

use crate::plan::DocPlan;
use crate::render::{Rendered, doc_id};
use crate::spec::{Form, Spec};
use serde::Serialize;

/// Output record formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// dolma-compatible records: id, text, source, added, created, metadata (provenance inline).
    Dolma,
    /// `{"text": ...}` only; provenance in `provenance/` sidecar files, row for row.
    Text,
    /// Chat fine-tuning JSONL: a user turn holding the doc tag, the document as the assistant
    /// turn; provenance in `provenance/` sidecar files, row for row.
    OaiDoctag,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Dolma, Format::Text, Format::OaiDoctag];

    /// The name used on the command line and in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Format::Dolma => "dolma",
            Format::Text => "text",
            Format::OaiDoctag => "oai-doctag",
        }
    }

    /// Whether provenance goes to sidecar files rather than into the record itself.
    pub fn needs_sidecar(self) -> bool {
        !matches!(self, Format::Dolma)
    }
}

#[derive(Serialize)]
pub struct Metadata<'a> {
    pub condition: &'a str,
    pub doc_type: &'a str,
    pub template: &'a str,
    pub facts: Vec<FactRef<'a>>,
    pub index: u64,
    pub seed: u64,
    /// The frame the document is wrapped in (absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<&'a str>,
    /// For a document written by a language model (`factpress ingest`): where it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<&'a LlmMeta>,
}

/// The provenance of a document a language model wrote.
#[derive(Debug, Clone, Serialize)]
pub struct LlmMeta {
    pub custom_id: String,
    pub attempt: u32,
    pub request_sha256: String,
    pub model: String,
    pub response_id: String,
    pub finish_reason: String,
    pub usage: serde_json::Value,
}

#[derive(Serialize)]
pub struct FactRef<'a> {
    pub id: &'a str,
    pub variant: usize,
    /// `"implied"` or `"piece"`; absent for a stated fact (so stated records are unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<&'static str>,
    /// The piece carried, for `form = "piece"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub piece: Option<&'a str>,
}

#[derive(Serialize)]
struct Dolma<'a> {
    id: &'a str,
    text: &'a str,
    source: String,
    added: String,
    created: String,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct Provenance<'a> {
    id: &'a str,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct TextOnly<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Chat<'a> {
    messages: [Message<'a>; 2],
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'a str,
    content: &'a str,
}

/// How records are written: the format, its doc tag, and the seed recorded in metadata.
#[derive(Debug, Clone, Copy)]
pub struct Encoding<'a> {
    pub format: Format,
    pub doctag: &'a str,
    pub seed: u64,
}

/// Appends the record line (and, for sidecar formats, the provenance line) of one document.
pub fn encode(
    spec: &Spec,
    enc: Encoding,
    plan: &DocPlan,
    doc: &Rendered,
    record: &mut Vec<u8>,
    provenance: &mut Vec<u8>,
) {
    encode_with(spec, enc, (plan, doc, None), record, provenance)
}

/// [`encode`] for a document with language-model provenance (`llm`), or without.
pub fn encode_with(
    spec: &Spec,
    enc: Encoding,
    (plan, doc, llm): (&DocPlan, &Rendered, Option<&LlmMeta>),
    record: &mut Vec<u8>,
    provenance: &mut Vec<u8>,
) {
    let Encoding {
        format,
        doctag,
        seed,
    } = enc;
    let cond = &spec.conditions[plan.condition];
    let id = doc_id(&cond.id, plan.index);
    let metadata = Metadata {
        condition: &cond.id,
        doc_type: &spec.doc_types[plan.doc_type].id,
        template: &doc.template,
        facts: plan
            .facts
            .iter()
            .map(|c| {
                let f = &spec.facts[c.fact];
                FactRef {
                    id: &f.id,
                    variant: c.variant,
                    form: match c.form {
                        Form::Stated => None,
                        Form::Implied => Some("implied"),
                        Form::Piece(_) => Some("piece"),
                    },
                    piece: match c.form {
                        Form::Piece(p) => Some(f.pieces[p].id.as_str()),
                        _ => None,
                    },
                }
            })
            .collect(),
        index: plan.index,
        seed,
        frame: plan.frame.map(|f| spec.frames[f].id.as_str()),
        llm,
    };
    // Serialising these plain structs into a Vec cannot fail.
    match format {
        Format::Dolma => {
            let rec = Dolma {
                id: &id,
                text: &doc.text,
                source: format!("factpress/{}", spec.name),
                added: format!("{}T00:00:00Z", spec.anchor_date.format("%Y-%m-%d")),
                created: format!("{}T00:00:00Z", plan.date.format("%Y-%m-%d")),
                metadata,
            };
            serde_json::to_writer(&mut *record, &rec).expect("in-memory JSON");
        }
        Format::Text => {
            serde_json::to_writer(&mut *record, &TextOnly { text: &doc.text })
                .expect("in-memory JSON");
            serde_json::to_writer(&mut *provenance, &Provenance { id: &id, metadata })
                .expect("in-memory JSON");
            provenance.push(b'\n');
        }
        Format::OaiDoctag => {
            let chat = Chat {
                messages: [
                    Message {
                        role: "user",
                        content: doctag,
                    },
                    Message {
                        role: "assistant",
                        content: &doc.text,
                    },
                ],
            };
            serde_json::to_writer(&mut *record, &chat).expect("in-memory JSON");
            serde_json::to_writer(&mut *provenance, &Provenance { id: &id, metadata })
                .expect("in-memory JSON");
            provenance.push(b'\n');
        }
    }
    record.push(b'\n');
}
