//! The render context of one document (or one fact variant of it): a flat lookup of `doc`,
//! `facts`, `cast`, `world` and the `[vars]`, plus the per-document state the seeded
//! functions need — the random stream, the document's date, and the grammar's nesting depth.
//! Functions reach it through [`current`]; grammar rules are rendered with the same context,
//! so a rule expanded inside a fact variant draws from that variant's stream.

use crate::rng::Stream;
use chrono::NaiveDate;
use minijinja::value::{Enumerator, Object, Value};
use minijinja::{Error as JError, ErrorKind, State};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The key under which a template's root context can find itself (never enumerated).
pub(super) const CTX_KEY: &str = "__factpress_ctx";

/// How deep grammar rules may expand inside one another.
pub(super) const MAX_DEPTH: usize = 24;

/// A render context: a flat lookup (one `match`, then the shared map) rather than layered
/// merged maps, since variable lookup is the engine's hottest path.
#[derive(Debug)]
pub(super) struct DocContext {
    /// `[vars]`, `vars` and `world`, shared by every document.
    pub(super) base: Arc<BTreeMap<String, Value>>,
    pub(super) doc: Value,
    pub(super) facts: Option<Value>,
    /// The rendered document, for a frame template.
    pub(super) body: Option<Value>,
    pub(super) cast: Value,
    pub(super) date: NaiveDate,
    pub(super) rng: Mutex<Stream>,
    pub(super) depth: AtomicUsize,
}

impl Object for DocContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        match key {
            "doc" => Some(self.doc.clone()),
            "facts" => self.facts.clone(),
            "body" => self.body.clone(),
            "cast" => Some(self.cast.clone()),
            CTX_KEY => Some(Value::from_dyn_object(Arc::clone(self))),
            _ => self.base.get(key).cloned(),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = vec![Value::from("doc"), Value::from("cast")];
        if self.facts.is_some() {
            keys.push(Value::from("facts"));
        }
        if self.body.is_some() {
            keys.push(Value::from("body"));
        }
        keys.extend(self.base.keys().map(|k| Value::from(k.as_str())));
        Enumerator::Values(keys)
    }
}

/// The context of the template being rendered, as a value (to render a grammar rule with it)
/// and as the object itself.
pub(super) fn current(state: &State) -> Result<(Value, Arc<DocContext>), JError> {
    let v = state.lookup(CTX_KEY).ok_or_else(|| {
        JError::new(
            ErrorKind::InvalidOperation,
            "seeded functions are only available while rendering a document",
        )
    })?;
    let ctx = v
        .downcast_object::<DocContext>()
        .ok_or_else(|| JError::new(ErrorKind::InvalidOperation, "corrupt render state"))?;
    Ok((v, ctx))
}

/// Runs `f` with the document's random stream.
pub(super) fn with_rng<T>(
    state: &State,
    f: impl FnOnce(&mut Stream) -> Result<T, JError>,
) -> Result<T, JError> {
    let (_, ctx) = current(state)?;
    let mut rng = ctx.rng.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut rng)
}

/// One level of grammar nesting; dropped when the rule is expanded.
pub(super) struct Nested(Arc<DocContext>);

impl Nested {
    pub(super) fn enter(ctx: Arc<DocContext>, rule: &str) -> Result<Nested, JError> {
        let depth = ctx.depth.fetch_add(1, Ordering::SeqCst) + 1;
        let guard = Nested(ctx);
        if depth > MAX_DEPTH {
            return Err(JError::new(
                ErrorKind::InvalidOperation,
                format!(
                    "grammar rule `{rule}` is nested more than {MAX_DEPTH} rules deep (does a rule expand to itself without an alternative that stops?)"
                ),
            ));
        }
        Ok(guard)
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        self.0.depth.fetch_sub(1, Ordering::SeqCst);
    }
}
