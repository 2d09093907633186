//! Prompt markers: `[fake:…]` tags in a prompt that script what happens to the task, so the
//! UI and the demo can trigger every failure class without the admin API.
//!
//! Syntax: `[fake:NAME]` or `[fake:NAME=VALUE]`, anywhere in the prompt, several allowed,
//! case-sensitive, left in the prompt (they count towards its length). Unknown names are
//! ignored. See README.md for the list.

use crate::state::Outcome;

/// What the markers of one prompt ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markers {
    /// Forced outcome, and whether it happens "quickly" (input checks, a second or so
    /// scaled) instead of after the full generation time.
    pub outcome: Option<(Outcome, bool)>,
    /// Queue wait in real (unscaled) seconds.
    pub wait_seconds: Option<f64>,
    /// Generation time in real (unscaled) seconds.
    pub gen_seconds: Option<f64>,
}

/// The task failures a `[fake:fail=NAME]` marker can select: (name, code, message, quick).
/// A `None` code means an Era A bare-string error.
pub const FAILURES: &[(&str, Option<&str>, &str, bool)] = &[
    (
        "transient",
        Some("500"),
        "Video generation failed. Please try again.",
        false,
    ),
    (
        "timeout",
        Some("500"),
        "Generation timed out. Please try again.",
        false,
    ),
    (
        "moderation",
        Some("2038"),
        "Your input text violates platform rules. Please modify and try again.",
        true,
    ),
    (
        "face",
        Some("face_detected"),
        "Face detected in uploaded media. Please adjust your media and try again.",
        true,
    ),
    (
        "output",
        Some("output_moderation"),
        "The generated video did not pass review. Credits will not be deducted.",
        false,
    ),
    (
        "asset",
        Some("asset_review_failed"),
        "Reference image 1 failed review. Please replace it.",
        true,
    ),
    ("legacy", None, "Task execution failed", false),
    (
        "unknown",
        Some("4011"),
        "Task failed for an unrecognized reason.",
        false,
    ),
    (
        "download",
        Some("500"),
        "Failed to download your reference video. Please replace it or try again.",
        true,
    ),
];

/// The outcome for a `[fake:fail=NAME]` value, with its "quick" flag.
pub fn failure(name: &str) -> Option<(Outcome, bool)> {
    FAILURES
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, code, msg, quick)| {
            (
                Outcome::Fail {
                    code: code.map(str::to_string),
                    message: (*msg).to_string(),
                },
                *quick,
            )
        })
}

/// Reads every `[fake:…]` marker of a prompt.
pub fn parse(prompt: &str) -> Markers {
    let mut m = Markers::default();
    let mut rest = prompt;
    while let Some(start) = rest.find("[fake:") {
        let after = &rest[start + 6..];
        let Some(end) = after.find(']') else { break };
        let tag = &after[..end];
        rest = &after[end + 1..];
        let (name, value) = tag.split_once('=').unwrap_or((tag, ""));
        let secs = || {
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
        };
        match name.trim() {
            "fail" => {
                if let Some(f) = failure(value.trim()) {
                    m.outcome = Some(f);
                }
            }
            "success" => m.outcome = Some((Outcome::Success, false)),
            "stuck" => m.outcome = Some((Outcome::Stuck, false)),
            "gen" => m.gen_seconds = secs().or(m.gen_seconds),
            "wait" => m.wait_seconds = secs().or(m.wait_seconds),
            _ => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers() {
        let m = parse("a cat [fake:fail=moderation] and [fake:gen=1.5][fake:wait=0] [fake:bogus]");
        assert_eq!(m.gen_seconds, Some(1.5));
        assert_eq!(m.wait_seconds, Some(0.0));
        let (o, quick) = m.outcome.expect("fail marker");
        assert!(quick);
        assert_eq!(
            o,
            Outcome::Fail {
                code: Some("2038".into()),
                message: "Your input text violates platform rules. Please modify and try again."
                    .into()
            }
        );
        assert_eq!(parse("[fake:stuck]").outcome, Some((Outcome::Stuck, false)));
        assert_eq!(parse("no markers [fake:gen=").gen_seconds, None);
        assert!(matches!(
            parse("[fake:fail=legacy]").outcome,
            Some((Outcome::Fail { code: None, .. }, false))
        ));
    }
}
