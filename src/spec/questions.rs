//! A fact's probe questions (`questions = [{ q, a, wrong = [...] }]`): each needs a question,
//! an answer and at least one wrong answer, and no two options may be the same text. What
//! the templates render to is checked when probes are built (`crate::probes`).

use super::Question;
use super::raw::RawQuestion;
use super::validate::Ctx;
use toml::Spanned;

/// Checks the questions of fact `fact`, recording every problem.
pub(super) fn validate(cx: &mut Ctx, fact: &str, raw: Vec<Spanned<RawQuestion>>) -> Vec<Question> {
    let mut out = Vec::new();
    for (k, rq) in raw.into_iter().enumerate() {
        let span = rq.span();
        let rq = rq.into_inner();
        for (what, s) in [("question text `q`", &rq.q), ("answer `a`", &rq.a)] {
            if s.get_ref().trim().is_empty() {
                cx.err(
                    s.span(),
                    format!("question {k} of fact `{fact}` has an empty {what}"),
                    "empty",
                );
            }
        }
        if rq.wrong.is_empty() {
            cx.err(
                span.clone(),
                format!(
                    "question {k} of fact `{fact}` has fewer than two options: expected at least one wrong answer in `wrong = [...]` besides the answer `a`"
                ),
                "no wrong answers",
            );
        }
        let mut seen: Vec<&Spanned<String>> = vec![&rq.a];
        for w in &rq.wrong {
            let norm = |s: &str| s.trim().to_lowercase();
            if seen.iter().any(|s| norm(s.get_ref()) == norm(w.get_ref())) {
                cx.err(
                    w.span(),
                    format!(
                        "question {k} of fact `{fact}` has a duplicate option {:?}: every option must be different",
                        w.get_ref()
                    ),
                    "same as an earlier option",
                );
            }
            seen.push(w);
        }
        out.push(Question {
            q: rq.q.get_ref().clone(),
            a: rq.a.get_ref().clone(),
            wrong: rq.wrong.iter().map(|w| w.get_ref().clone()).collect(),
            span,
            q_span: rq.q.span(),
            a_span: rq.a.span(),
            wrong_spans: rq.wrong.iter().map(Spanned::span).collect(),
        });
    }
    out
}
