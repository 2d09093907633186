//! The compose panel's commands: the catalog it offers and the live check (problems,
//! warnings, price) behind the Generate button. Pure: nothing is sent or stored.

use crate::error::IpcResult;
use crate::models::{
    Catalog, ComposeCheck, Draft, EstimateView, InputProblem, InputProblemCode, ProblemField,
};
use seedance_core::pricing::{estimate, format_button_label};
use seedance_core::validate::{validate, Problem};

pub fn catalog() -> IpcResult<Catalog> {
    Ok(Catalog::current())
}

/// Problems, warnings and the price of a draft. Pure: nothing is sent or stored.
pub fn compose_check(draft: Draft) -> IpcResult<ComposeCheck> {
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
