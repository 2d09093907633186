//! The support packet: everything the service's support needs to check (or refund) one
//! task that failed, got stuck, has an unknown outcome, vanished or does not match its
//! request, and nothing they must not see. Built from the ledger's record of the task, as
//! JSON (to save as a file) and as text (to paste in a message).
//!
//! Never holds the key (the ledger has none), never a local path (references and results
//! are named by kind and position; only the service's own addresses are kept, without
//! their signatures), and every text the service sent is passed through the redaction of
//! `redact` before it is included.

use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::guidance::Guidance;
use crate::ledger::{HistoryEntry, LocalState, TaskEntry};
use crate::media::MediaKind;
use crate::redact::redact_url;
use crate::request::ReferenceSource;

/// One task's packet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupportPacket {
    pub app: String,
    pub os: String,
    /// The service the task was made on (scheme and host only).
    pub service: Option<String>,
    pub local_task: i64,
    pub service_task_id: Option<String>,
    pub state: String,
    pub model: String,
    pub created: String,
    pub submitted: Option<String>,
    pub completed: Option<String>,
    /// The service's own code and message for a failure.
    pub service_error_code: Option<String>,
    pub service_error_message: Option<String>,
    /// How the app read the failure (its guidance category and title).
    pub app_reading: Option<String>,
    /// What the service reserved at submission (its `creditsUsed` while the task ran,
    /// else the app's estimate).
    pub credits_reserved: Option<f64>,
    /// `creditsUsed` as the service reported it while the task ran (kept after a refund,
    /// which the docs say does not change it).
    pub credits_reported_by_service: Option<f64>,
    /// The charge the service settled at after success (2.5 reference-video, Extend and
    /// Edit tasks), once read.
    pub credits_settled: Option<f64>,
    /// The charge settles after success and the settled figure was not read.
    pub settlement_pending: bool,
    /// What the app told the creator about their credits (refunded, never charged, unknown).
    pub credits_outcome: Option<String>,
    /// The request as sent, without the prompt's local references.
    pub request: Value,
    /// A mismatch between the saved file and the request, in one line.
    pub output_check: Option<String>,
    /// The task's state changes, oldest first.
    pub history: Vec<String>,
}

/// The states a creator may need support for; other tasks have a packet too, but the
/// window offers it for these.
pub fn is_support_case(state: LocalState, has_output_mismatch: bool) -> bool {
    has_output_mismatch
        || matches!(
            state,
            LocalState::Failed
                | LocalState::Stuck
                | LocalState::SubmissionUnknown
                | LocalState::NotFound
        )
}

fn when(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{ms} ms since 1970"))
}

/// Scheme and host of a service address: what support needs, no path or query.
fn service_origin(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => "an address that is not a URL".to_owned(),
    }
}

/// The request as it went to the service, with local files named by kind and number.
fn request_json(entry: &TaskEntry) -> Value {
    let request = &entry.request;
    let references: Vec<Value> = request
        .references
        .iter()
        .enumerate()
        .map(|(position, reference)| {
            let kind = match reference.kind {
                MediaKind::Image => "image",
                MediaKind::Video => "video",
                MediaKind::Audio => "audio",
            };
            let number = request.index_within_kind(position).unwrap_or(position + 1);
            let (source, url) = match &reference.source {
                ReferenceSource::Url { url } => ("a link", Some(redact_url(url))),
                ReferenceSource::LocalFile { uploaded, .. } => (
                    "a file from this computer",
                    uploaded.as_ref().map(|u| redact_url(&u.url)),
                ),
            };
            serde_json::json!({
                "name": format!("{kind} {number}"),
                "source": source,
                "sent_as": url,
                "duration_ms": reference.duration_ms,
            })
        })
        .collect();
    serde_json::json!({
        "model": request.model.wire_id(),
        "prompt": request.prompt,
        "mode": request.mode.map(|m| m.wire_id()),
        "duration_secs": request.duration_secs,
        "resolution": request.resolution.wire_id(),
        "aspect_ratio": request.aspect_ratio.map(|r| r.wire_id()),
        "generate_audio": request.generate_audio,
        "high_bitrate": request.high_bitrate,
        "seed": request.seed,
        "references": references,
    })
}

impl SupportPacket {
    /// The packet of `entry`: `output_check` is the one-line mismatch, if any; `history`
    /// the ledger's state changes.
    pub fn build(
        entry: &TaskEntry,
        output_check: Option<&str>,
        history: &[HistoryEntry],
        app_version: &str,
    ) -> SupportPacket {
        let guidance: Option<Guidance> = entry
            .failure
            .clone()
            .and_then(|json| serde_json::from_value(json).ok());
        let app_reading = guidance
            .as_ref()
            .map(|g| format!("{} ({})", g.title, g.category.as_str()));
        let credits_outcome = guidance
            .as_ref()
            .and_then(|g| g.refunded.note())
            .map(str::to_owned);
        SupportPacket {
            app: format!("Seedance Studio {app_version}"),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            service: entry.service.as_deref().map(service_origin),
            local_task: entry.id,
            service_task_id: entry.remote_task_id.clone(),
            state: entry.state.as_str().to_owned(),
            model: entry.request.model.wire_id().to_owned(),
            created: when(entry.created_at_ms),
            submitted: entry.submitted_at_ms.map(when),
            completed: entry.completed_at_ms.map(when),
            service_error_code: entry.error_raw.as_ref().and_then(|e| e.code.clone()),
            service_error_message: entry
                .error_raw
                .as_ref()
                .map(|e| crate::redact::redact_text(&e.message, &[])),
            app_reading,
            credits_reserved: entry.reserved_credits(),
            credits_reported_by_service: entry.service_credits,
            credits_settled: entry.settled_credits,
            settlement_pending: entry.settlement_pending(),
            credits_outcome,
            request: request_json(entry),
            output_check: output_check.map(str::to_owned),
            history: history
                .iter()
                .map(|h| {
                    let from = h.from.map_or("created", LocalState::as_str);
                    let note = h
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    format!("{} {from} → {}{note}", when(h.at_ms), h.to.as_str())
                })
                .collect(),
        }
    }

    /// The packet of `entry` with its own output check (the line kept after download).
    pub fn of(entry: &TaskEntry, history: &[HistoryEntry], app_version: &str) -> SupportPacket {
        let mismatch = entry.output_check.as_ref().and_then(|c| c.summary());
        SupportPacket::build(entry, mismatch.as_deref(), history, app_version)
    }

    /// Whether the window (or the CLI) should offer this packet: a failed, stuck,
    /// unknown or vanished task, or a result that does not match its request.
    pub fn is_support_case(entry: &TaskEntry) -> bool {
        is_support_case(
            entry.state,
            entry.output_check.as_ref().is_some_and(|c| !c.is_match()),
        )
    }

    /// Pretty JSON, for the file saved beside the message.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Plain text for the clipboard: the facts first, then the request and the history.
    pub fn to_text(&self) -> String {
        let mut lines = vec![format!("Support request from {} ({})", self.app, self.os)];
        let mut fact = |label: &str, value: Option<String>| {
            if let Some(value) = value {
                lines.push(format!("{label}: {value}"));
            }
        };
        fact("Service", self.service.clone());
        fact("Task id", self.service_task_id.clone());
        fact("Local task", Some(format!("#{}", self.local_task)));
        fact("Model", Some(self.model.clone()));
        fact("State in the app", Some(self.state.clone()));
        fact("Created", Some(self.created.clone()));
        fact("Sent", self.submitted.clone());
        fact("Finished", self.completed.clone());
        fact("Service error code", self.service_error_code.clone());
        fact("Service error message", self.service_error_message.clone());
        fact("The app read it as", self.app_reading.clone());
        fact(
            "Credits reserved",
            self.credits_reserved.map(|c| c.to_string()),
        );
        fact(
            "creditsUsed reported by the service",
            self.credits_reported_by_service.map(|c| c.to_string()),
        );
        fact(
            "Credits settled after success",
            match (self.credits_settled, self.settlement_pending) {
                (Some(c), _) => Some(c.to_string()),
                (None, true) => Some("not read yet".to_owned()),
                (None, false) => None,
            },
        );
        fact("Credits", self.credits_outcome.clone());
        fact("Result check", self.output_check.clone());
        lines.push(String::new());
        lines.push("Request:".to_owned());
        lines.push(serde_json::to_string_pretty(&self.request).unwrap_or_default());
        if !self.history.is_empty() {
            lines.push(String::new());
            lines.push("History:".to_owned());
            lines.extend(self.history.iter().cloned());
        }
        lines.join("\n")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::api::TaskError;
    use crate::model::ModelId;
    use crate::request::{GenerationRequest, Reference, UploadedCopy};

    fn failed_entry() -> TaskEntry {
        let mut request = GenerationRequest::new(ModelId::Seedance20, "a fox at dawn");
        request.references = vec![
            Reference {
                kind: MediaKind::Image,
                source: ReferenceSource::LocalFile {
                    path: "/home/ana/Private Projects/fox.png".into(),
                    uploaded: Some(UploadedCopy {
                        url: "https://static.kinovi.ai/temp-uploads/abc/fox.png?signature=s3cr3t"
                            .into(),
                        uploaded_at_ms: 0,
                    }),
                },
                duration_ms: None,
            },
            Reference {
                kind: MediaKind::Video,
                source: ReferenceSource::Url {
                    url: "https://cdn.example/clip.mp4?token=abc".into(),
                },
                duration_ms: Some(4000),
            },
        ];
        TaskEntry {
            id: 7,
            request,
            state: LocalState::Failed,
            remote_task_id: Some("task_d5ibgnwdlw8fe3zpptx9mp0f".into()),
            retry_of: None,
            retried_as: None,
            service: Some("https://kinovi.ai/api/v1".into()),
            dismissed: false,
            estimate_credits: Some(240.0),
            service_credits: Some(240.0),
            output: None,
            failure: Some(
                serde_json::to_value(crate::guidance::guidance_for(
                    &crate::guidance::Failure::Task(&TaskError {
                        code: Some("500".into()),
                        message: "Video generation failed. Please try again.".into(),
                    }),
                ))
                .unwrap(),
            ),
            error_raw: Some(TaskError {
                code: Some("500".into()),
                message: "Video generation failed. Please try again.".into(),
            }),
            video_path: Some("/home/ana/Videos/x.mp4".into()),
            poster_path: Some("/home/ana/Videos/x.png".into()),
            created_at_ms: 1_795_000_000_000,
            submitted_at_ms: Some(1_795_000_001_000),
            updated_at_ms: 1_795_000_100_000,
            completed_at_ms: Some(1_795_000_100_000),
            queue_position: None,
            poll_count: 9,
            cap_credits: None,
            settled_credits: None,
            settled_at_ms: None,
            output_check: None,
            last_frame_path: None,
            source_task: None,
            joined_path: None,
            reported_model: None,
            take: None,
            verdict: None,
        }
    }

    #[test]
    fn the_packet_has_what_support_needs_and_no_local_path_or_signature() {
        let entry = failed_entry();
        let history = vec![HistoryEntry {
            task_id: 7,
            at_ms: 1_795_000_000_000,
            from: None,
            to: LocalState::Queued,
            note: None,
        }];
        let packet = SupportPacket::build(&entry, None, &history, "0.1.0");
        let json = packet.to_json();
        let text = packet.to_text();
        for out in [&json, &text] {
            for must in [
                "task_d5ibgnwdlw8fe3zpptx9mp0f",
                "seedance-20",
                "Video generation failed. Please try again.",
                "500",
                "240",
                "https://kinovi.ai",
                "image 1",
                "video 1",
                "a fox at dawn",
                "Seedance Studio 0.1.0",
            ] {
                assert!(out.contains(must), "{must} missing from {out}");
            }
            for never in [
                "/home/ana",
                "Private Projects",
                "s3cr3t",
                "token=abc",
                "/api/v1",
            ] {
                assert!(!out.contains(never), "{never} leaked into {out}");
            }
        }
        assert!(packet.app_reading.is_some(), "{packet:?}");
        assert!(packet.credits_outcome.is_some(), "{packet:?}");
        assert_eq!(packet.created, "2026-11-18T11:06:40Z");
        assert_eq!(packet.history.len(), 1);
    }

    #[test]
    fn a_mismatched_settled_result_carries_its_check_line_and_both_charges() {
        use crate::output_check::{Mismatch, OutputCheck};
        let mut entry = failed_entry();
        entry.state = LocalState::Downloaded;
        entry.failure = None;
        entry.error_raw = None;
        entry.service_credits = Some(175.0);
        entry.cap_credits = Some(525.0);
        entry.settled_credits = Some(525.0);
        entry.output_check = Some(OutputCheck {
            mismatches: vec![Mismatch::Audio { asked: true }],
        });
        assert!(SupportPacket::is_support_case(&entry));
        let packet = SupportPacket::of(&entry, &[], "0.1.0");
        assert_eq!(
            packet.output_check.as_deref(),
            Some("Asked for with audio, got without audio.")
        );
        assert_eq!(
            (packet.credits_reserved, packet.credits_settled),
            (Some(175.0), Some(525.0))
        );
        let text = packet.to_text();
        assert!(
            text.contains("Credits settled after success: 525"),
            "{text}"
        );
        assert!(
            text.contains("Result check: Asked for with audio"),
            "{text}"
        );
        entry.output_check = Some(OutputCheck::default());
        assert!(!SupportPacket::is_support_case(&entry));
    }

    #[test]
    fn support_is_offered_for_failed_stuck_unknown_vanished_and_mismatched_tasks() {
        for state in LocalState::ALL {
            let expected = matches!(
                state,
                LocalState::Failed
                    | LocalState::Stuck
                    | LocalState::SubmissionUnknown
                    | LocalState::NotFound
            );
            assert_eq!(is_support_case(state, false), expected, "{state}");
            assert!(is_support_case(state, true));
        }
    }
}
