//! The compose panel's commands: the catalog it offers and the live check (problems,
//! warnings, price, the spending cap) behind the Generate button. Nothing is sent or
//! stored.

use crate::error::IpcResult;
use crate::models::{
    Catalog, ComposeCheck, Draft, EstimateView, InputProblem, InputProblemCode, ProblemField,
};
use crate::state::AppState;
use seedance_core::engine::{SubmitRefusal, MAX_TAKES};
use seedance_core::pricing::{estimate, format_button_label};
use seedance_core::validate::{validate, Problem};
use tauri::State;

pub fn catalog() -> IpcResult<Catalog> {
    Ok(Catalog::current())
}

/// Problems, warnings and the price of a draft, and the spending cap's answer for it made
/// `takes` times (all of them count, as when they are sent), so Generate is greyed with the
/// reason before the creator clicks. Asks the engine's own cap check (the one a submission
/// meets), so the two cannot disagree; the engine still checks again when the draft is sent.
pub async fn compose_check(
    state: State<'_, AppState>,
    draft: Draft,
    takes: u32,
) -> IpcResult<ComposeCheck> {
    let takes = takes.clamp(1, MAX_TAKES);
    let mut check = check_draft(draft.clone())?;
    if !check.problems.is_empty() {
        return Ok(check);
    }
    let Ok(request) = draft.to_request() else {
        return Ok(check);
    };
    if let Ok(priced) = estimate(&request) {
        check.cap_refusal = match state
            .engine()
            .check_spending(priced.cap_credits() * f64::from(takes))
            .await
        {
            Err(SubmitRefusal::SpendingCap { guidance }) => Some(guidance.explanation),
            // Any other answer (a ledger that cannot be read, a stopped engine) is the
            // submission's to report: the check only greys what the cap would refuse.
            _ => None,
        };
    }
    Ok(check)
}

/// Problems, warnings and the price of a draft, without the spending cap (which needs the
/// engine). Pure: nothing is sent or stored.
pub fn check_draft(draft: Draft) -> IpcResult<ComposeCheck> {
    let request = match draft.to_request() {
        Ok(request) => request,
        Err(error) => {
            return Ok(ComposeCheck {
                problems: vec![InputProblem {
                    field: ProblemField::Model,
                    code: InputProblemCode::UnknownChoice,
                    message: error.0,
                    reference: None,
                }],
                warnings: Vec::new(),
                estimate: None,
                cap_refusal: None,
            })
        }
    };
    let validation = validate(&request);
    Ok(ComposeCheck {
        problems: validation.problems.iter().map(input_problem).collect(),
        warnings: validation.warnings.iter().map(input_problem).collect(),
        estimate: estimate(&request).ok().map(|e| EstimateView {
            credits: e.credits,
            usd: e.usd,
            label: format_button_label(&e),
            note: e.note.clone(),
        }),
        cap_refusal: None,
    })
}

pub(crate) fn input_problem(problem: &Problem) -> InputProblem {
    InputProblem {
        field: problem.field.into(),
        code: problem.code.into(),
        message: problem.message.clone(),
        reference: problem.reference.and_then(|p| u32::try_from(p).ok()),
    }
}
