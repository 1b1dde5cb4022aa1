//! A condition's frame around a rendered document: the frame template sees the document as
//! `body` (with `doc`, `cast`, `vars`, `world` and the grammar, but not `facts`), and draws
//! from its own random stream, so the document inside it is byte for byte its base's. A
//! frame that does not contain `body` verbatim is a render error: `pairs` and every reader
//! rely on finding the unframed document inside the framed one.

use super::{MAX_DOC_BYTES, Rendered, Renderer, normalize};
use crate::plan::{DocPlan, family};
use crate::rng::doc_rng;
use minijinja::value::Value;
use minijinja::{Error as JError, ErrorKind};

impl Renderer {
    /// Wraps `doc` in frame `fr` (an index into `Spec::frames`), recording where its body is.
    pub(super) fn frame(
        &self,
        fr: usize,
        plan: &DocPlan,
        doc: &mut Rendered,
    ) -> Result<(), JError> {
        let spec = &*self.spec;
        let frame = &spec.frames[fr];
        let rng = doc_rng(
            self.seed,
            family(spec, plan.condition),
            &format!("frame/{}", frame.id),
            plan.index,
        );
        let cast = self.cast(plan)?;
        let ctx = self.context_with_body(rng, self.doc_value(plan), cast, plan, &doc.text);
        let text = self.env.get_template(&frame.template)?.render(ctx)?;
        if text.len() > MAX_DOC_BYTES {
            return Err(JError::new(
                ErrorKind::InvalidOperation,
                format!(
                    "frame `{}` rendered {} bytes for one document, more than the {} MiB a document may hold",
                    frame.id,
                    text.len(),
                    MAX_DOC_BYTES >> 20
                ),
            ));
        }
        let text = normalize(&text);
        let Some(start) = text.find(&doc.text) else {
            return Err(JError::new(
                ErrorKind::InvalidOperation,
                format!(
                    "frame `{}` (template {}) must print `{{{{ body }}}}` unchanged, on lines of its own; the rendered frame does not contain the document",
                    frame.id, frame.template
                ),
            ));
        };
        doc.body = Some(start..start + doc.text.len());
        doc.text = text;
        Ok(())
    }

    fn context_with_body(
        &self,
        rng: crate::rng::Stream,
        doc: Value,
        cast: Value,
        plan: &DocPlan,
        body: &str,
    ) -> Value {
        Value::from_object(super::context::DocContext {
            base: self.base.clone(),
            doc,
            facts: None,
            body: Some(Value::from(body)),
            cast,
            date: plan.date,
            rng: std::sync::Mutex::new(rng),
            depth: std::sync::atomic::AtomicUsize::new(0),
        })
    }
}
