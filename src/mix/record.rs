//! One source line of a mix as one output record: its text, id and metadata are taken from
//! the line (and its provenance row, for factpress `text` / `oai-doctag` corpora), it gains
//! `metadata.mix_source`, and it is written in the mix's output format. Pure; no I/O.

use crate::corpus::{Line, text_field};
use crate::record::Format;
use serde_json::{Map, Value, json};

/// A source record ready to be written.
pub struct Taken {
    pub text: String,
    record: Value,
    provenance: Option<Value>,
}

/// Reads `line` of source `name` (its text at `text_path`), or says why it is malformed.
pub fn take(line: &Line, name: &str, text_path: &str) -> Result<Taken, String> {
    let v: Value = serde_json::from_str(&line.text).map_err(|e| format!("not JSON ({e})"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let text = text_field(&v, text_path)?.to_string();
    let prov: Option<Value> = match &line.provenance {
        Some(p) => {
            Some(serde_json::from_str(p).map_err(|e| format!("provenance row is not JSON ({e})"))?)
        }
        None => None,
    };
    let id = (v.get("id").and_then(Value::as_str))
        .or_else(|| prov.as_ref()?.get("id")?.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{name}:{}", line.number));
    let mut metadata = match (
        v.get("metadata"),
        prov.as_ref().and_then(|p| p.get("metadata")),
    ) {
        (Some(Value::Object(m)), _) | (_, Some(Value::Object(m))) => m.clone(),
        _ => Map::new(),
    };
    metadata.insert("mix_source".into(), Value::String(name.to_string()));
    // A dolma-like record (id and text at the top) is kept whole, with the new metadata.
    let dolma_like =
        v.get("id").is_some_and(Value::is_string) && v.get("text").is_some_and(Value::is_string);
    let record = if dolma_like {
        let mut o = v.as_object().expect("checked above").clone();
        o.insert("metadata".into(), Value::Object(metadata.clone()));
        Value::Object(o)
    } else {
        json!({ "id": id, "text": text, "source": name, "metadata": Value::Object(metadata.clone()) })
    };
    let provenance = Some(json!({ "id": id, "metadata": Value::Object(metadata) }));
    Ok(Taken {
        text,
        record,
        provenance,
    })
}

impl Taken {
    /// Appends the record line (and, for sidecar formats, the provenance line).
    pub fn encode(
        &self,
        format: Format,
        doctag: &str,
        record: &mut Vec<u8>,
        provenance: &mut Vec<u8>,
    ) {
        let out = match format {
            Format::Dolma => self.record.clone(),
            Format::Text => json!({ "text": self.text }),
            Format::OaiDoctag => json!({ "messages": [
                { "role": "user", "content": doctag },
                { "role": "assistant", "content": self.text },
            ]}),
        };
        serde_json::to_writer(&mut *record, &out).expect("in-memory JSON");
        record.push(b'\n');
        if format.needs_sidecar() {
            let p = self
                .provenance
                .as_ref()
                .expect("every record has provenance");
            serde_json::to_writer(&mut *provenance, p).expect("in-memory JSON");
            provenance.push(b'\n');
        }
    }
}
