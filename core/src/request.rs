//! What the creator asked for: one generation request with its ordered references, and
//! the exact `createTask` body it becomes on the wire (newest documented shape:
//! `imageUrls`, integer `duration`, `outputResolution`, `aspectRatio`).
//!
//! Owns the request's shape and serialization; checking it against the model's limits is
//! `validate`'s job, its price is `pricing`'s.

use crate::media::MediaKind;
use crate::model::{AspectRatio, Mode, ModelId, Resolution};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// One generation as the creator composed it. Stored whole in the ledger so a retry or a
/// remix can rebuild it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    pub model: ModelId,
    pub prompt: String,
    /// In the order the creator arranged them; the service numbers each kind separately
    /// from 1 ("image 1", "video 1"), see [`GenerationRequest::index_within_kind`].
    #[serde(default)]
    pub references: Vec<Reference>,
    /// `None` lets the service pick (keyframe, or reference when video/audio is present).
    #[serde(default)]
    pub mode: Option<Mode>,
    pub duration_secs: u32,
    pub resolution: Resolution,
    /// `None` means "follow the references" (16:9 for text-to-video).
    #[serde(default)]
    pub aspect_ratio: Option<AspectRatio>,
    pub generate_audio: bool,
    /// `bitrate_mode: "high"` on the wire.
    #[serde(default)]
    pub high_bitrate: bool,
    /// `None` or `Some(-1)` means random.
    #[serde(default)]
    pub seed: Option<i64>,
}

impl GenerationRequest {
    /// A text-to-video request with every field at its documented default.
    pub fn new(model: ModelId, prompt: impl Into<String>) -> Self {
        GenerationRequest {
            model,
            prompt: prompt.into(),
            references: Vec::new(),
            mode: None,
            duration_secs: model.limits().default_duration_secs,
            resolution: Resolution::P720,
            aspect_ratio: None,
            generate_audio: true,
            high_bitrate: false,
            seed: None,
        }
    }

    pub fn references_of(&self, kind: MediaKind) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.kind == kind)
    }

    pub fn count_of(&self, kind: MediaKind) -> usize {
        self.references_of(kind).count()
    }

    pub fn has_reference_video(&self) -> bool {
        self.count_of(MediaKind::Video) > 0
    }

    /// The 1-based number the service gives `self.references[position]` among references
    /// of its kind ("Reference image 2 failed review" names the second image).
    pub fn index_within_kind(&self, position: usize) -> Option<usize> {
        let kind = self.references.get(position)?.kind;
        Some(
            self.references[..=position]
                .iter()
                .filter(|r| r.kind == kind)
                .count(),
        )
    }

    /// The position in `references` of the `index`-th (1-based) reference of `kind`.
    pub fn position_of(&self, kind: MediaKind, index: usize) -> Option<usize> {
        self.references
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == kind)
            .nth(index.checked_sub(1)?)
            .map(|(position, _)| position)
    }

    /// The `createTask` body. Every reference must already have a URL the service can
    /// fetch (local files uploaded first); otherwise the first unresolved one is returned.
    pub fn create_task_body(&self) -> Result<Value, UnresolvedReference> {
        let mut inputs = Map::new();
        inputs.insert("prompt".into(), json!(self.prompt));
        for (kind, key) in [
            (MediaKind::Image, "imageUrls"),
            (MediaKind::Video, "videoUrls"),
            (MediaKind::Audio, "audioUrls"),
        ] {
            let mut urls = Vec::new();
            for (position, reference) in self.references.iter().enumerate() {
                if reference.kind != kind {
                    continue;
                }
                match reference.remote_url() {
                    Some(url) => urls.push(json!(url)),
                    None => return Err(UnresolvedReference { position }),
                }
            }
            if !urls.is_empty() {
                inputs.insert(key.into(), Value::Array(urls));
            }
        }
        if let Some(mode) = self.mode {
            inputs.insert("mode".into(), json!(mode.wire_id()));
        }
        inputs.insert("duration".into(), json!(self.duration_secs));
        inputs.insert("outputResolution".into(), json!(self.resolution.wire_id()));
        if let Some(ratio) = self.aspect_ratio {
            inputs.insert("aspectRatio".into(), json!(ratio.wire_id()));
        }
        inputs.insert("generate_audio".into(), json!(self.generate_audio));
        if self.high_bitrate {
            inputs.insert("bitrate_mode".into(), json!("high"));
        }
        if let Some(seed) = self.seed {
            inputs.insert("seed".into(), json!(seed));
        }
        Ok(json!({ "model": self.model.wire_id(), "inputs": Value::Object(inputs) }))
    }
}

/// A reference that still needs uploading before the request can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("reference {} has not been uploaded yet", position + 1)]
pub struct UnresolvedReference {
    pub position: usize,
}

/// One image, video or audio reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: MediaKind,
    pub source: ReferenceSource,
    /// Media length when known (probed from a local file, or stated by the creator for
    /// a URL); the combined-duration limits are checked against it.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

impl Reference {
    /// The URL to send, if there is one that is still valid to send.
    pub fn remote_url(&self) -> Option<&str> {
        match &self.source {
            ReferenceSource::Url { url } => Some(url),
            ReferenceSource::LocalFile { uploaded, .. } => {
                uploaded.as_ref().map(|u| u.url.as_str())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferenceSource {
    /// A URL the creator pasted; the service fetches it itself.
    Url { url: String },
    /// A file on this machine; uploaded through `/uploads` before submission. Uploads
    /// vanish after 24 h, so `uploaded` records when, and an old one is uploaded again.
    LocalFile {
        path: PathBuf,
        #[serde(default)]
        uploaded: Option<UploadedCopy>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedCopy {
    pub url: String,
    /// Unix epoch milliseconds.
    pub uploaded_at_ms: i64,
}

/// The service deletes uploads after this long (service-api §2.3).
pub const UPLOAD_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
/// Re-upload a bit before the deadline: a task may wait in the queue before it is sent.
pub const UPLOAD_REUSE_MARGIN_MS: i64 = 60 * 60 * 1000;

impl UploadedCopy {
    /// Whether this upload can still be put in a request sent at `now_ms`.
    pub fn is_fresh(&self, now_ms: i64) -> bool {
        now_ms.saturating_sub(self.uploaded_at_ms) < UPLOAD_LIFETIME_MS - UPLOAD_REUSE_MARGIN_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(url: &str) -> Reference {
        Reference {
            kind: MediaKind::Image,
            source: ReferenceSource::Url { url: url.into() },
            duration_ms: None,
        }
    }

    #[test]
    fn minimal_body_matches_documented_fixture_a1() {
        let request = GenerationRequest {
            aspect_ratio: Some(AspectRatio::Landscape16x9),
            ..GenerationRequest::new(ModelId::Seedance20, "A golden retriever")
        };
        let body = request.create_task_body().expect("no references");
        assert_eq!(
            body,
            json!({"model":"seedance-20","inputs":{"prompt":"A golden retriever","duration":5,
                "outputResolution":"720p","aspectRatio":"16:9","generate_audio":true}})
        );
    }

    #[test]
    fn references_are_grouped_by_kind_and_numbered_within_kind() {
        let mut request = GenerationRequest::new(ModelId::Seedance20, "p");
        request.references = vec![
            image("https://a/1.png"),
            Reference {
                kind: MediaKind::Video,
                source: ReferenceSource::Url {
                    url: "https://a/v.mp4".into(),
                },
                duration_ms: Some(5000),
            },
            image("https://a/2.png"),
        ];
        let body = request.create_task_body().expect("all urls");
        assert_eq!(
            body["inputs"]["imageUrls"],
            json!(["https://a/1.png", "https://a/2.png"])
        );
        assert_eq!(body["inputs"]["videoUrls"], json!(["https://a/v.mp4"]));
        assert_eq!(request.index_within_kind(2), Some(2));
        assert_eq!(request.index_within_kind(1), Some(1));
        assert_eq!(request.position_of(MediaKind::Image, 2), Some(2));
        assert_eq!(request.position_of(MediaKind::Image, 0), None);
    }

    #[test]
    fn local_file_without_upload_is_unresolved() {
        let mut request = GenerationRequest::new(ModelId::Seedance20, "p");
        request.references.push(Reference {
            kind: MediaKind::Image,
            source: ReferenceSource::LocalFile {
                path: "a.png".into(),
                uploaded: None,
            },
            duration_ms: None,
        });
        assert_eq!(
            request.create_task_body(),
            Err(UnresolvedReference { position: 0 })
        );
    }

    #[test]
    fn uploads_older_than_lifetime_minus_margin_are_stale() {
        let copy = UploadedCopy {
            url: "u".into(),
            uploaded_at_ms: 0,
        };
        assert!(copy.is_fresh(UPLOAD_LIFETIME_MS - UPLOAD_REUSE_MARGIN_MS - 1));
        assert!(!copy.is_fresh(UPLOAD_LIFETIME_MS - UPLOAD_REUSE_MARGIN_MS));
    }
}
