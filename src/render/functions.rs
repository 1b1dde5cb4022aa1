//! The functions templates, fact variants and grammar rules may call. The seeded ones draw
//! from the current document's stream (`pick`, `pick_n`, `chance`, `int`, `date`, `ago`, and
//! `g`, which expands a grammar rule); the date helpers read the document's own date (`day`,
//! `ago`, `quarter`, `month`, `year`), so a call about a quarter always comes after it ends
//! and a reply is never older than the post it answers.

use super::context::{Nested, current, with_rng};
use super::rule_name;
use crate::plan::shift;
use crate::spec::{Pool, Rule, Spec};
use chrono::format::StrftimeItems;
use chrono::{Datelike, Months, NaiveDate};
use minijinja::value::Value;
use minijinja::{Environment, Error as JError, ErrorKind, State};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Names a template may use besides its context variables.
pub const FUNCTIONS: &[&str] = &[
    "pick", "pick_n", "chance", "int", "date", "g", "day", "ago", "quarter", "month", "year",
];

/// The format dates are written in unless a template says otherwise: "March 5, 2024".
const DEFAULT_DATE: &str = "%B %-d, %Y";

fn invalid(msg: String) -> JError {
    JError::new(ErrorKind::InvalidOperation, msg)
}

fn pool<'a>(pools: &'a BTreeMap<String, Pool>, name: &str) -> Result<&'a Pool, JError> {
    pools.get(name).ok_or_else(|| {
        let known: Vec<&str> = pools.keys().map(String::as_str).collect();
        invalid(format!(
            "unknown pool `{name}` (the spec's pools are: {})",
            known.join(", ")
        ))
    })
}

fn format_date(day: NaiveDate, fmt: Option<&str>) -> Result<String, JError> {
    write_date(day, fmt.unwrap_or(DEFAULT_DATE))
}

/// `day` in strftime format `fmt`. Documents have dates, not times: a time or zone
/// specifier (`%H`, `%z`, …) is an error, never a panic.
fn write_date(day: NaiveDate, fmt: &str) -> Result<String, JError> {
    use std::fmt::Write;
    let items = StrftimeItems::new(fmt)
        .parse()
        .map_err(|_| invalid(format!("invalid strftime format {fmt:?}")))?;
    let mut out = String::new();
    write!(out, "{}", day.format_with_items(items.iter())).map_err(|_| {
        invalid(format!(
            "strftime format {fmt:?} asks for a time or a time zone; documents have dates only (use %Y, %m, %d, %B, %b, %A, %-d, …)"
        ))
    })?;
    Ok(out)
}

pub(super) fn register(env: &mut Environment<'static>, spec: &Spec) {
    register_draws(env, spec);
    register_dates(env, spec);
    let rules: Arc<BTreeMap<String, Rule>> = Arc::new(spec.grammar.clone());
    env.add_function(
        "g",
        move |state: &State, name: &str| -> Result<Value, JError> { expand(state, &rules, name) },
    );
}

/// Expands grammar rule `name` in the current document's context: one alternative, drawn
/// with the rule's weights from the current stream, rendered with the same context.
pub(super) fn expand(
    state: &State,
    rules: &BTreeMap<String, Rule>,
    name: &str,
) -> Result<Value, JError> {
    let rule = rules.get(name).ok_or_else(|| {
        invalid(format!(
            "unknown grammar rule `{name}` (the spec's [grammar] has: {})",
            rules.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let k = with_rng(state, |rng| {
        Ok(match &rule.weights {
            Some(w) => rng.weighted(w),
            None => rng.below(rule.alternatives.len() as u64) as usize,
        })
    })?;
    let (ctx_value, ctx) = current(state)?;
    let _nested = Nested::enter(ctx, name)?;
    let text = state
        .env()
        .get_template(&rule_name(name, k))?
        .render(ctx_value)?;
    Ok(Value::from(text))
}

fn register_draws(env: &mut Environment<'static>, spec: &Spec) {
    let pools = Arc::new(spec.pools.clone());
    let p = pools.clone();
    env.add_function(
        "pick",
        move |state: &State, name: &str| -> Result<Value, JError> {
            let pool = pool(&p, name)?;
            with_rng(state, |rng| {
                let i = match &pool.weights {
                    Some(w) => rng.weighted(w),
                    None => rng.below(pool.values.len() as u64) as usize,
                };
                Ok(Value::from(pool.values[i].as_str()))
            })
        },
    );
    let p = pools.clone();
    env.add_function(
        "pick_n",
        move |state: &State, name: &str, n: i64| -> Result<Value, JError> {
            let pool = pool(&p, name)?;
            let avail = match &pool.weights {
                Some(w) => w.iter().filter(|&&x| x > 0).count(),
                None => pool.values.len(),
            };
            if n < 0 || n as usize > avail {
                return Err(invalid(format!(
                    "pick_n(`{name}`, {n}): expected 0 <= n <= {avail} (the number of values in the pool)"
                )));
            }
            with_rng(state, |rng| {
                let idx = match &pool.weights {
                    Some(w) => rng.distinct_weighted(w, n as usize),
                    None => rng.distinct(pool.values.len(), n as usize),
                };
                Ok(Value::from(
                    idx.into_iter()
                        .map(|i| Value::from(pool.values[i].as_str()))
                        .collect::<Vec<_>>(),
                ))
            })
        },
    );
    env.add_function("chance", |state: &State, p: f64| -> Result<bool, JError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(invalid(format!(
                "chance({p}): expected a probability between 0 and 1"
            )));
        }
        with_rng(state, |rng| Ok(rng.chance(p)))
    });
    env.add_function(
        "int",
        |state: &State, lo: i64, hi: i64| -> Result<i64, JError> {
            if lo > hi {
                return Err(invalid(format!("int({lo}, {hi}): expected lo <= hi")));
            }
            with_rng(state, |rng| Ok(rng.between(lo, hi)))
        },
    );
}

fn register_dates(env: &mut Environment<'static>, spec: &Spec) {
    let anchor = spec.anchor_date;
    env.add_function(
        "date",
        move |state: &State, lo: i64, hi: i64, fmt: Option<&str>| -> Result<String, JError> {
            if lo > hi {
                return Err(invalid(format!(
                    "date({lo}, {hi}, ...): expected days_lo <= days_hi"
                )));
            }
            let fmt = fmt.unwrap_or("%Y-%m-%d");
            let day = with_rng(state, |rng| Ok(shift(anchor, rng.between(lo, hi))))?;
            write_date(day, fmt)
        },
    );
    env.add_function(
        "day",
        |state: &State, offset: i64, fmt: Option<&str>| -> Result<String, JError> {
            let (_, ctx) = current(state)?;
            format_date(shift(ctx.date, offset), fmt)
        },
    );
    env.add_function(
        "ago",
        |state: &State, lo: i64, hi: i64, fmt: Option<&str>| -> Result<String, JError> {
            if lo < 0 || lo > hi {
                return Err(invalid(format!(
                    "ago({lo}, {hi}, ...): expected 0 <= days_lo <= days_hi"
                )));
            }
            let (_, ctx) = current(state)?;
            let back = with_rng(state, |rng| Ok(rng.between(lo, hi)))?;
            format_date(shift(ctx.date, -back), fmt)
        },
    );
    env.add_function(
        "quarter",
        |state: &State, back: Option<i64>| -> Result<Value, JError> {
            let back = back.unwrap_or(0);
            if !(0..=40).contains(&back) {
                return Err(invalid(format!(
                    "quarter({back}): expected 0 (the last quarter that ended before the document) to 40"
                )));
            }
            let (_, ctx) = current(state)?;
            Ok(quarter_value(last_ended_quarter(ctx.date, back as u32)))
        },
    );
    env.add_function(
        "month",
        |state: &State, offset: i64, fmt: Option<&str>| -> Result<String, JError> {
            let (_, ctx) = current(state)?;
            let m = u32::try_from(offset.unsigned_abs())
                .map_err(|_| invalid("month offset too large".into()))?;
            let d = if offset >= 0 {
                ctx.date.checked_add_months(Months::new(m))
            } else {
                ctx.date.checked_sub_months(Months::new(m))
            }
            .ok_or_else(|| invalid(format!("month({offset}): out of range")))?;
            format_date(d, Some(fmt.unwrap_or("%B")))
        },
    );
    env.add_function(
        "year",
        |state: &State, offset: Option<i64>| -> Result<i64, JError> {
            let (_, ctx) = current(state)?;
            let offset = offset.unwrap_or(0);
            i64::from(ctx.date.year())
                .checked_add(offset)
                .ok_or_else(|| invalid(format!("year({offset}): out of range")))
        },
    );
}

/// (year, quarter 1-4) of the last calendar quarter that ended before `date`, then `back`
/// quarters earlier.
pub(super) fn last_ended_quarter(date: NaiveDate, back: u32) -> (i32, u32) {
    let q = (date.month() - 1) / 3 + 1; // the quarter `date` is in
    let mut idx = date.year() * 4 + (q as i32 - 1) - 1 - back as i32;
    if idx < 0 {
        idx = 0;
    }
    (idx.div_euclid(4), idx.rem_euclid(4) as u32 + 1)
}

fn quarter_value((year, q): (i32, u32)) -> Value {
    const ORD: [&str; 4] = ["first", "second", "third", "fourth"];
    let ord = ORD[(q - 1) as usize];
    let end = match q {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        _ => (12, 31),
    };
    let end_day = NaiveDate::from_ymd_opt(year, end.0, end.1)
        .map(|d| d.format(DEFAULT_DATE).to_string())
        .unwrap_or_default();
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    m.insert("number".into(), Value::from(q));
    m.insert("year".into(), Value::from(year));
    m.insert("ordinal".into(), Value::from(ord));
    m.insert("name".into(), Value::from(format!("{ord} quarter")));
    m.insert("label".into(), Value::from(format!("Q{q} {year}")));
    m.insert("end".into(), Value::from(end_day));
    Value::from_object(m)
}

#[cfg(test)]
mod tests {
    use super::last_ended_quarter;
    use chrono::NaiveDate;

    #[test]
    fn the_last_ended_quarter_is_before_the_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(last_ended_quarter(d(2024, 9, 5), 0), (2024, 2));
        assert_eq!(last_ended_quarter(d(2024, 10, 1), 0), (2024, 3));
        assert_eq!(last_ended_quarter(d(2024, 1, 15), 0), (2023, 4));
        assert_eq!(last_ended_quarter(d(2024, 1, 15), 1), (2023, 3));
        assert_eq!(last_ended_quarter(d(2024, 12, 31), 4), (2023, 3));
    }
}
