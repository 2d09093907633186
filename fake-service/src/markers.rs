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

/// The task failures a `[fake:fail=NAME]` marker (or a named admin outcome) can select:
/// (name, code, message, quick). A `None` code means an Era A bare-string error. "Quick"
/// failures end about a second (scaled) after the queue wait, as input checks do; the others
/// after the full generation time.
///
/// The `wan-*` names are Wan 3.0's (service-api §12.5.3), as documented.
///
/// The `1001-*` names are the Seedance 2.5 family's catalogue (service-api §12.5.2), every
/// message as documented; where the docs elide the end of a message (`Your uploaded image …`,
/// `The generated audio …`, the `InvalidParameter` details) the fake completes it in the
/// documented message's own words, keeping the documented beginning that clients classify by.
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
    (
        "asset-video",
        Some("asset_review_failed"),
        "Reference video 1 failed review. Please replace it.",
        true,
    ),
    (
        "1001-download",
        Some("1001"),
        "Failed to download your reference video. Please replace it or try again.",
        true,
    ),
    (
        "1001-input",
        Some("1001"),
        "Your uploaded video may contain sensitive content. Please use a different video.",
        true,
    ),
    (
        "1001-input-image",
        Some("1001"),
        "Your uploaded image may contain sensitive content. Please use a different image.",
        true,
    ),
    (
        "1001-output",
        Some("1001"),
        "The generated video did not pass review. Please modify your prompt or inputs and try again.",
        false,
    ),
    (
        "1001-output-audio",
        Some("1001"),
        "The generated audio did not pass review. Please modify your prompt or inputs and try again.",
        false,
    ),
    (
        "1001-copyright",
        Some("1001"),
        "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again.",
        false,
    ),
    (
        "1001-busy",
        Some("1001"),
        "Service temporarily unavailable. Please try again later.",
        true,
    ),
    (
        "1001-edit-params",
        Some("1001"),
        EDIT_PARAMS,
        true,
    ),
    (
        "1001-extend-params",
        Some("1001"),
        "Request parameters are invalid for video extension. Use adaptive aspect ratio.",
        true,
    ),
    (
        "invalid-video-total",
        Some("InvalidParameter"),
        VIDEO_TOTAL_25,
        true,
    ),
    (
        "invalid-video-length",
        Some("InvalidParameter"),
        VIDEO_LENGTH_25,
        true,
    ),
    (
        "invalid-prompt",
        Some("InvalidParameter"),
        EMPTY_PROMPT_25,
        true,
    ),
    (
        "wan-moderation",
        Some("500"),
        "Your content was blocked by moderation. Please adjust your prompt or uploaded media and try again.",
        true,
    ),
    (
        "wan-face-output",
        Some("500"),
        "Wan 3.0 generation failed: FaceDetectionSuspect - The output content is suspected to include real human faces.",
        false,
    ),
    (
        "wan-face-input",
        Some("500"),
        "Wan 3.0 generation failed: FaceDetectionSuspect - The input content is suspected to include real human faces.",
        true,
    ),
    (
        "wan-copyright",
        Some("500"),
        "Your uploaded image may be restricted by copyright. Please use a different image.",
        true,
    ),
    (
        "wan-busy",
        Some("500"),
        "Wan 3.0 generation failed: ServiceUnavailable - <503> InternalError.Algo: Service is temporarily unavailable. Please try again later.",
        true,
    ),
    (
        "wan-download",
        Some("InvalidParameter"),
        "Failed to download your uploaded media. Please re-upload and try again.",
        true,
    ),
    (
        "wan-low-resolution",
        Some("InvalidParameter"),
        "Input image resolution is too low. Please use a higher-resolution image and try again.",
        true,
    ),
    (
        "wan-green-net",
        Some("InvalidParameter"),
        "Wan 3.0 generation failed: InvalidParameter - Green net service failed to process the file.",
        true,
    ),
];

/// The 2.5 edit failure for a source outside 4–30 s (service-api §12.5.2).
pub const EDIT_PARAMS: &str = "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds.";
/// 2.5: reference videos over 30 s combined (documented beginning, the fake's ending).
pub const VIDEO_TOTAL_25: &str = "The parameter `content` specified in the request is not valid: the parameter video total duration exceeds 30 seconds.";
/// 2.5: a reference video shorter than 2 s or longer than 30 s (the fake's wording after the
/// documented `content` beginning).
pub const VIDEO_LENGTH_25: &str = "The parameter `content` specified in the request is not valid: the parameter video duration must be between 2 and 30 seconds.";
/// 2.5: an empty prompt (documented beginning, the fake's ending).
pub const EMPTY_PROMPT_25: &str = "The parameter `content[0].text.text` specified in the request is not valid: text content must contain at least one non-whitespace character.";

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
