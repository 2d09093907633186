//! After a result is saved: does the file match what the creator asked (and paid) for?
//! Compares what was measured in the file (duration, frame size, an audio stream) and the
//! model the service reports with the request, and says any difference in one plain line
//! ("asked for 1080p with audio, got 720p without"), for the card and the support packet.
//!
//! Pure: it measures nothing itself. The caller probes the file (whatever probe it has) and
//! passes the figures in; a figure it could not measure is `None` and is not judged.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Resolution;
use crate::request::GenerationRequest;

/// What was measured in a saved result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Measured {
    pub duration: Option<Duration>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Whether the file has an audio stream.
    pub has_audio: Option<bool>,
}

/// What the request asked for, in the terms the file can be checked against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    /// The length the result should have: the requested duration, the source's length for
    /// an edit, the new footage's for an extension. `None` when it cannot be known.
    pub duration: Option<Duration>,
    pub resolution: Resolution,
    pub audio: bool,
    /// The model's wire id as sent.
    pub model: String,
}

impl Expected {
    /// What `request` should give: its duration (the source's length for a model that
    /// takes none, an edit; the new footage for an extension), resolution, audio switch
    /// and model.
    pub fn of(request: &GenerationRequest) -> Expected {
        let takes_duration = request
            .model
            .spec()
            .is_none_or(|spec| spec.takes_duration());
        let duration = if takes_duration {
            Some(Duration::from_secs(u64::from(
                request.effective_duration_secs(),
            )))
        } else {
            request.source_video_ms().map(Duration::from_millis)
        };
        Expected {
            duration: duration.filter(|d| !d.is_zero()),
            resolution: request.resolution,
            audio: request.generate_audio,
            model: request.model.wire_id().to_owned(),
        }
    }
}

/// One difference between the request and the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    Duration {
        asked_secs: f64,
        got_secs: f64,
    },
    Resolution {
        asked: Resolution,
        got: String,
    },
    Audio {
        asked: bool,
    },
    /// The service names a different model of the family than the one sent.
    Model {
        asked: String,
        reported: String,
    },
}

/// The outcome of a check: empty `mismatches` means the file is what was asked for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutputCheck {
    pub mismatches: Vec<Mismatch>,
}

/// How far a result's length may be from the request: the service documents ± 0.1 s for
/// the 2.0 family, + 0.06 s for 2.5 and ± 0.5 s for an edit (service-api §12.1.3); a
/// second of slack keeps container rounding from ever being reported.
pub const DURATION_TOLERANCE: Duration = Duration::from_millis(1000);

/// Model ids the service is known to answer with that are not a different model (an
/// internal tool id was once returned in `model`, service-api §2.2): never a mismatch.
fn same_model(asked: &str, reported: &str) -> bool {
    let reported = reported.trim();
    reported.is_empty()
        || reported.eq_ignore_ascii_case(asked)
        || !reported.starts_with("seedance") && !reported.starts_with("wan")
        || reported.ends_with("-video-generation")
}

/// The nominal pixel count of each resolution class. Frame shapes differ per aspect ratio
/// (1:1 at 720p is 960×960, 21:9 is 1470×630) but every shape of a class has about the same
/// number of pixels (service-api §4.4, §12.1.3), so a file is classed by its pixel count.
fn nominal_pixels(resolution: Resolution) -> f64 {
    match resolution {
        Resolution::P480 => 854.0 * 480.0,
        Resolution::P720 => 1280.0 * 720.0,
        Resolution::P1080 => 1920.0 * 1080.0,
        Resolution::K4 => 3840.0 * 2160.0,
    }
}

/// The resolution class whose pixel count is nearest (by ratio) to `width × height`.
pub fn resolution_class(width: u32, height: u32) -> Resolution {
    let pixels = f64::from(width) * f64::from(height);
    Resolution::ALL
        .into_iter()
        .min_by(|a, b| {
            let da = (pixels / nominal_pixels(*a)).ln().abs();
            let db = (pixels / nominal_pixels(*b)).ln().abs();
            da.total_cmp(&db)
        })
        .unwrap_or(Resolution::P720)
}

/// Compares a saved result with its request.
pub fn check(
    expected: &Expected,
    measured: &Measured,
    reported_model: Option<&str>,
) -> OutputCheck {
    let mut mismatches = Vec::new();
    if let (Some(asked), Some(got)) = (expected.duration, measured.duration) {
        let off = asked.abs_diff(got);
        if off > DURATION_TOLERANCE {
            mismatches.push(Mismatch::Duration {
                asked_secs: asked.as_secs_f64(),
                got_secs: (got.as_secs_f64() * 10.0).round() / 10.0,
            });
        }
    }
    if let (Some(w), Some(h)) = (measured.width, measured.height) {
        let class = resolution_class(w, h);
        if class != expected.resolution {
            mismatches.push(Mismatch::Resolution {
                asked: expected.resolution,
                got: class.wire_id().to_owned(),
            });
        }
    }
    if let Some(has_audio) = measured.has_audio {
        if has_audio != expected.audio {
            mismatches.push(Mismatch::Audio {
                asked: expected.audio,
            });
        }
    }
    if let Some(reported) = reported_model {
        if !same_model(&expected.model, reported) {
            mismatches.push(Mismatch::Model {
                asked: expected.model.clone(),
                reported: reported.trim().to_owned(),
            });
        }
    }
    OutputCheck { mismatches }
}

impl OutputCheck {
    pub fn is_match(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// One line for the card and the support packet, `None` when everything matches:
    /// "Asked for 1080p with audio, got 720p without audio."
    pub fn summary(&self) -> Option<String> {
        if self.is_match() {
            return None;
        }
        let mut asked = Vec::new();
        let mut got = Vec::new();
        for mismatch in &self.mismatches {
            match mismatch {
                Mismatch::Resolution { asked: a, got: g } => {
                    asked.push(a.wire_id().to_owned());
                    got.push(g.clone());
                }
                Mismatch::Duration {
                    asked_secs,
                    got_secs,
                } => {
                    asked.push(format!("{} s", trim_number(*asked_secs)));
                    got.push(format!("{} s", trim_number(*got_secs)));
                }
                Mismatch::Audio { asked: true } => {
                    asked.push("with audio".to_owned());
                    got.push("without audio".to_owned());
                }
                Mismatch::Audio { asked: false } => {
                    asked.push("without audio".to_owned());
                    got.push("with audio".to_owned());
                }
                Mismatch::Model { asked: a, reported } => {
                    asked.push(a.clone());
                    got.push(format!("a video the service says {reported} made"));
                }
            }
        }
        Some(format!(
            "Asked for {}, got {}.",
            asked.join(", "),
            got.join(", ")
        ))
    }
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn expected() -> Expected {
        Expected {
            duration: Some(Duration::from_secs(5)),
            resolution: Resolution::P1080,
            audio: true,
            model: "seedance-20".into(),
        }
    }

    fn measured(w: u32, h: u32, secs: f64, audio: bool) -> Measured {
        Measured {
            duration: Some(Duration::from_secs_f64(secs)),
            width: Some(w),
            height: Some(h),
            has_audio: Some(audio),
        }
    }

    #[test]
    fn every_documented_frame_shape_is_classed_as_its_resolution() {
        for (w, h, class) in [
            (864, 496, Resolution::P480),
            (854, 480, Resolution::P480),
            (640, 640, Resolution::P480),
            (992, 432, Resolution::P480),
            (1280, 720, Resolution::P720),
            (720, 1280, Resolution::P720),
            (1284, 716, Resolution::P720),
            (960, 960, Resolution::P720),
            (1470, 630, Resolution::P720),
            (1112, 834, Resolution::P720),
            (1920, 1080, Resolution::P1080),
            (1440, 1440, Resolution::P1080),
            (2206, 946, Resolution::P1080),
            (1664, 1248, Resolution::P1080),
            (3840, 2160, Resolution::K4),
        ] {
            assert_eq!(resolution_class(w, h), class, "{w}×{h}");
        }
    }

    #[test]
    fn a_result_as_asked_has_no_mismatch_and_no_summary() {
        let e = expected();
        let result = check(&e, &measured(1920, 1080, 5.06, true), Some("seedance-20"));
        assert!(result.is_match(), "{result:?}");
        assert_eq!(result.summary(), None);
    }

    #[test]
    fn a_smaller_silent_result_is_said_in_one_line() {
        let e = expected();
        let result = check(&e, &measured(1280, 720, 5.0, false), None);
        assert_eq!(result.mismatches.len(), 2);
        assert_eq!(
            result.summary().unwrap(),
            "Asked for 1080p, with audio, got 720p, without audio."
        );
    }

    #[test]
    fn a_short_result_and_an_unexpected_audio_track_are_mismatches() {
        let e = Expected {
            audio: false,
            ..expected()
        };
        let result = check(&e, &measured(1920, 1080, 3.2, true), None);
        assert_eq!(
            result.mismatches,
            vec![
                Mismatch::Duration {
                    asked_secs: 5.0,
                    got_secs: 3.2
                },
                Mismatch::Audio { asked: false },
            ]
        );
        assert_eq!(
            result.summary().unwrap(),
            "Asked for 5 s, without audio, got 3.2 s, with audio."
        );
    }

    #[test]
    fn figures_that_could_not_be_measured_are_not_judged() {
        let result = check(&expected(), &Measured::default(), None);
        assert!(result.is_match());
    }

    #[test]
    fn only_another_model_of_the_family_is_a_model_mismatch() {
        let e = expected();
        for fine in [
            "seedance-20",
            "SEEDANCE-20",
            "",
            "seedance20-video-generation",
            "v1-internal",
        ] {
            assert!(
                check(&e, &Measured::default(), Some(fine)).is_match(),
                "{fine}"
            );
        }
        let other = check(&e, &Measured::default(), Some("seedance2.0-mini"));
        assert_eq!(
            other.mismatches,
            vec![Mismatch::Model {
                asked: "seedance-20".into(),
                reported: "seedance2.0-mini".into()
            }]
        );
    }
}
