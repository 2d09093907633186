//! A failure's guidance as the failure card reads it: plain words, what happened to the
//! credits, and the one next step. Mirrors `seedance_core::guidance` exhaustively.

use super::Kind;
use seedance_core::guidance::{Action, Category, Guidance, Refund};
use serde::Serialize;
use ts_rs::TS;

mirror_core_enum! {
    /// The core's stable failure vocabulary (`seedance_core::guidance::Category`).
    pub enum FailureCategory mirrors Category {
        AuthMissingKey,
        AuthInvalidKey,
        AccessNotEnabled,
        AccessDenied,
        TaskNotFound,
        InsufficientCredits,
        ConcurrencyLimit,
        InvalidRequest,
        UnknownModel,
        ServerError,
        Network,
        SubmissionUnknown,
        InputRejected,
        OutputRejected,
        FaceDetected,
        MediaInvalid,
        ReferenceRejected,
        InvalidParameter,
        ReferenceDownloadFailed,
        CopyrightOrPolicy,
        Transient,
        SpendingCap,
        Unknown,
    }
}

/// [`Guidance`] as the failure card reads it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GuidanceView {
    pub category: FailureCategory,
    pub retryable: bool,
    pub refund: RefundView,
    /// One sentence about credits, when credits are the point.
    pub refund_note: Option<String>,
    pub title: String,
    pub explanation: String,
    pub action: ActionView,
    pub detail: Option<String>,
    pub field_problems: Vec<FieldProblemView>,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RefundView {
    NotCharged,
    Refunded,
    Unknown,
    NotApplicable,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldProblemView {
    pub field: String,
    pub message: String,
}

/// The one primary next step of a failure card.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionView {
    Retry,
    EditPrompt,
    /// `index` is 1-based within `kind`.
    ReplaceReference {
        kind: Option<Kind>,
        index: Option<u32>,
    },
    TrimMedia {
        kind: Option<Kind>,
    },
    AddCredits {
        required: Option<f64>,
        available: Option<f64>,
    },
    FixKey,
    WaitForSlot {
        limit: Option<u32>,
        current: Option<u32>,
    },
    ContactSupport,
    CheckConnection,
    ReviewUnknownSubmission,
    FixInput {
        field: Option<String>,
    },
    None,
}

impl From<&Guidance> for GuidanceView {
    fn from(g: &Guidance) -> GuidanceView {
        GuidanceView {
            category: g.category.into(),
            retryable: g.retryable,
            refund: match g.refunded {
                Refund::NotCharged => RefundView::NotCharged,
                Refund::Refunded => RefundView::Refunded,
                Refund::Unknown => RefundView::Unknown,
                Refund::NotApplicable => RefundView::NotApplicable,
            },
            refund_note: g.refunded.note().map(str::to_owned),
            title: g.title.clone(),
            explanation: g.explanation.clone(),
            action: ActionView::from(&g.action),
            detail: g.detail.clone(),
            field_problems: g
                .field_problems
                .iter()
                .map(|p| FieldProblemView {
                    field: p.field.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    }
}

impl From<&Action> for ActionView {
    fn from(action: &Action) -> ActionView {
        match action {
            Action::Retry => ActionView::Retry,
            Action::EditPrompt => ActionView::EditPrompt,
            Action::ReplaceReference { kind, index } => ActionView::ReplaceReference {
                kind: kind.map(Kind::from),
                index: *index,
            },
            Action::TrimMedia { kind } => ActionView::TrimMedia {
                kind: kind.map(Kind::from),
            },
            Action::AddCredits {
                required,
                available,
            } => ActionView::AddCredits {
                required: *required,
                available: *available,
            },
            Action::FixKey => ActionView::FixKey,
            Action::WaitForSlot { limit, current } => ActionView::WaitForSlot {
                limit: *limit,
                current: *current,
            },
            Action::ContactSupport => ActionView::ContactSupport,
            Action::CheckConnection => ActionView::CheckConnection,
            Action::ReviewUnknownSubmission => ActionView::ReviewUnknownSubmission,
            Action::FixInput { field } => ActionView::FixInput {
                field: field.clone(),
            },
            Action::None => ActionView::None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn categories_cross_under_the_cores_names() {
        for category in Category::ALL {
            assert_eq!(
                serde_json::to_value(FailureCategory::from(category)).unwrap(),
                serde_json::to_value(category).unwrap()
            );
        }
        assert_eq!(FailureCategory::ALL.len(), Category::ALL.len());
    }
}
