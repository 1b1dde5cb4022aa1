//! The audit's counts for the interpretation axes: implied variants and pieces (intended /
//! present / leaked / lost, as for facts) and `[[constraints]]` (documents checked and
//! violating). Sums only; `report` owns the summary they belong to.

use super::report::{FactCount, StatusCount, Summary};
use super::scan::DocFindings;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConstraintCount {
    pub id: String,
    /// Documents the constraint applies to: all but those that intend, stated, the whole
    /// fact its pieces come from.
    pub checked: u64,
    /// Documents in which two or more of its members are detected.
    pub violating: u64,
}

impl Summary {
    /// Counts the implied, piece and constraint findings of one document.
    pub(super) fn add_forms(&mut self, d: &DocFindings, condition: Option<&str>) {
        let implied = statuses(&d.implied, d.implied_intended.as_deref());
        let pieces = statuses(&d.pieces, d.pieces_intended.as_deref());
        for (list, found) in [(&mut self.implied, &implied), (&mut self.pieces, &pieces)] {
            for &(i, status) in found {
                list[i].count(status);
            }
        }
        for (i, v) in d.constraints.iter().enumerate() {
            if let Some(violated) = v {
                self.constraints[i].checked += 1;
                self.constraints[i].violating += u64::from(*violated);
            }
        }
        let (Some(c), Some(_)) = (condition, &d.intended) else {
            return;
        };
        let entry = self.conditions.entry(c.to_string()).or_default();
        for (map, found, list) in [
            (&mut entry.implied, &implied, &self.implied),
            (&mut entry.pieces, &pieces, &self.pieces),
        ] {
            for &(i, status) in found {
                map.entry(list[i].id.clone()).or_default().count(status);
            }
        }
        for (i, v) in d.constraints.iter().enumerate() {
            if let Some(violated) = v {
                let n = entry
                    .constraints
                    .entry(self.constraints[i].id.clone())
                    .or_insert_with(|| ConstraintCount {
                        id: self.constraints[i].id.clone(),
                        ..Default::default()
                    });
                n.checked += 1;
                n.violating += u64::from(*violated);
            }
        }
    }

    /// The implied, piece and constraint tables (nothing when the rules have none).
    pub(super) fn forms_table(&self, s: &mut String, w: usize) {
        let dash = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        for (title, list) in [("implied", &self.implied), ("piece", &self.pieces)] {
            if list.is_empty() {
                continue;
            }
            let w = list
                .iter()
                .map(|f| f.id.len())
                .chain([w])
                .max()
                .unwrap_or(w);
            let _ = writeln!(*s);
            let _ = writeln!(
                *s,
                "{:<w$}  {:>8}  {:>8}  {:>8}  {:>8}",
                title, "intended", "present", "leaked", "lost"
            );
            for f in list {
                let _ = writeln!(
                    *s,
                    "{:<w$}  {:>8}  {:>8}  {:>8}  {:>8}",
                    f.id,
                    dash(f.intended),
                    f.present,
                    dash(f.leaked),
                    dash(f.lost)
                );
            }
        }
        if !self.constraints.is_empty() {
            let _ = writeln!(*s);
            let _ = writeln!(
                *s,
                "constraints (never together): documents checked, violating (expected 0)"
            );
            for c in &self.constraints {
                let _ = writeln!(
                    *s,
                    "  {}: {} checked, {} violating",
                    c.id, c.checked, c.violating
                );
            }
        }
    }
}

impl StatusCount {
    pub(super) fn count(&mut self, status: &str) {
        match status {
            "intended" => {
                self.intended += 1;
                self.present += 1;
            }
            "leaked" | "present" => {
                self.present += 1;
                self.leaked += u64::from(status == "leaked");
            }
            _ => {
                self.intended += 1;
                self.lost += 1;
            }
        }
    }
}

impl FactCount {
    pub(super) fn new(id: &str, intended_known: bool) -> FactCount {
        let known = |v| intended_known.then_some(v);
        FactCount {
            id: id.to_string(),
            intended: known(0),
            present: 0,
            leaked: known(0),
            lost: known(0),
        }
    }

    pub(super) fn count(&mut self, status: &str) {
        let bump = |x: &mut Option<u64>| *x.get_or_insert(0) += 1;
        match status {
            "present" => self.present += 1,
            "intended" => {
                self.present += 1;
                bump(&mut self.intended);
            }
            "leaked" => {
                self.present += 1;
                bump(&mut self.leaked);
            }
            _ => {
                bump(&mut self.intended);
                bump(&mut self.lost);
            }
        }
    }
}

/// Each id concerned, with its status, from the present and (when known) intended ids.
pub(super) fn statuses(
    present: &[usize],
    intended: Option<&[usize]>,
) -> Vec<(usize, &'static str)> {
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    match intended {
        None => out.extend(present.iter().map(|&f| (f, "present"))),
        Some(intended) => {
            for &f in present {
                out.push((
                    f,
                    if intended.contains(&f) {
                        "intended"
                    } else {
                        "leaked"
                    },
                ));
            }
            out.extend(
                intended
                    .iter()
                    .filter(|f| !present.contains(f))
                    .map(|&f| (f, "lost")),
            );
            out.sort_unstable();
        }
    }
    out
}
