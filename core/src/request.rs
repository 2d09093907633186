//! What the creator asked for: one generation request with its ordered references, and
//! the exact `createTask` body it becomes on the wire (newest documented shape:
//! `imageUrls`, integer `duration`, `outputResolution`, `aspectRatio`), shaped by the
//! model's catalogue entry: only the inputs that model takes are sent (no `duration` for
//! an edit, no `aspectRatio` where the source or a keyframe image decides the shape, the
//! audio switch under the model's own name, `output_format` only where there is a choice).
//!
//! Owns the request's shape and serialization; checking it against the model's limits is
//! `validate`'s job, its price is `pricing`'s.

use crate::media::MediaKind;
use crate::model::{
    AspectRatio, Catalog, EffectiveMode, Mode, ModelId, ModelSpec, OutputFormat, Resolution,
    VideoJob, VideoJobDuration,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::path::PathBuf;

/// One generation as the creator composed it. Stored whole in the ledger so a retry or a
/// remix can rebuild it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    pub model: ModelId,
    /// The creator's words. For a "2.0 way" [`VideoJob`] the job's documented lead-in is
    /// put in front on the wire ([`GenerationRequest::wire_prompt`]), not stored here.
    pub prompt: String,
    /// In the order the creator arranged them; the service numbers each kind separately
    /// from 1 ("image 1", "video 1"), see [`GenerationRequest::index_within_kind`]. For
    /// edit and extend (and the "2.0 way" jobs) the first video is the source.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// `None` lets the service pick (the model's default for the references given).
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Seconds of output (of new footage, for extend). Not sent to a model that takes no
    /// duration (an edit keeps its source's length); for the "2.0 way" edit job the
    /// source's length replaces it when known ([`GenerationRequest::effective_duration_secs`]).
    pub duration_secs: u32,
    pub resolution: Resolution,
    /// `None` means "follow the references" (16:9 for text-to-video).
    #[serde(default)]
    pub aspect_ratio: Option<AspectRatio>,
    /// Sent under the model's own key (`generate_audio`, or Wan's `audio`).
    pub generate_audio: bool,
    /// `bitrate_mode: "high"` on the wire.
    #[serde(default)]
    pub high_bitrate: bool,
    /// `None` or `Some(-1)` means random.
    #[serde(default)]
    pub seed: Option<i64>,
    /// `None`: the model's default container (`.mp4`). Sent only to models that offer a
    /// choice (the 2.5 family's `output_format`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<OutputFormat>,
    /// The "2.0 way" (service-api §12.2.2): what a 2.0 model does with reference video 1
    /// (restyle, edit or extend it). Fills the prompt's lead-in, sends `mode: reference`,
    /// and for an edit sets the duration to the source's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_job: Option<VideoJob>,
}

/// Duration of a request for a model the catalogue does not describe.
const FALLBACK_DURATION_SECS: u32 = 5;

impl GenerationRequest {
    /// A text-to-video request with every field at the model's documented default (from
    /// the shipped catalogue).
    pub fn new(model: ModelId, prompt: impl Into<String>) -> Self {
        GenerationRequest::new_with(Catalog::shipped(), model, prompt)
    }

    /// [`GenerationRequest::new`] with the defaults of `catalog`'s entry for `model`. A
    /// model without a duration gets 0 (nothing is sent).
    pub fn new_with(catalog: &Catalog, model: ModelId, prompt: impl Into<String>) -> Self {
        let spec = catalog.model(model);
        GenerationRequest {
            model,
            prompt: prompt.into(),
            references: Vec::new(),
            mode: None,
            duration_secs: spec.map_or(FALLBACK_DURATION_SECS, |s| {
                s.duration.map_or(0, |d| d.default_secs)
            }),
            resolution: spec.map_or(Resolution::P720, |s| s.default_resolution),
            aspect_ratio: None,
            generate_audio: true,
            high_bitrate: false,
            seed: None,
            output_format: None,
            video_job: None,
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

    /// The source of an edit or extension: the first video reference.
    pub fn source_video(&self) -> Option<&Reference> {
        self.references_of(MediaKind::Video).next()
    }

    /// The source's length in milliseconds, when known.
    pub fn source_video_ms(&self) -> Option<u64> {
        self.source_video().and_then(|r| r.duration_ms)
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

    /// The "2.0 way" job, when the model offers it (on any other model it is ignored on
    /// the wire and refused by validation).
    pub fn offered_video_job(&self, spec: Option<&ModelSpec>) -> Option<VideoJob> {
        self.video_job
            .filter(|job| spec.is_some_and(|s| s.video_jobs.contains(job)))
    }

    /// The `duration` sent (and priced), with the shipped catalogue.
    pub fn effective_duration_secs(&self) -> u32 {
        self.effective_duration_secs_with(Catalog::shipped())
    }

    /// The `duration` sent: `duration_secs`, except for a "2.0 way" job whose duration
    /// is the source's length (an edit), which takes the source's length rounded to
    /// the nearest second once it is known.
    pub fn effective_duration_secs_with(&self, catalog: &Catalog) -> u32 {
        let job = self
            .offered_video_job(catalog.model(self.model))
            .and_then(|job| catalog.video_job(job));
        match (job.map(|j| j.duration), self.source_video_ms()) {
            (Some(VideoJobDuration::Source), Some(ms)) => {
                u32::try_from(ms.saturating_add(500) / 1000).unwrap_or(u32::MAX)
            }
            _ => self.duration_secs,
        }
    }

    /// The prompt as sent, with the shipped catalogue.
    pub fn wire_prompt(&self) -> Cow<'_, str> {
        self.wire_prompt_with(Catalog::shipped())
    }

    /// The prompt as sent: for a "2.0 way" job, the job's lead-in followed by the
    /// creator's words (unless they already open with it, so a prompt is never led in
    /// twice); otherwise the prompt unchanged.
    pub fn wire_prompt_with(&self, catalog: &Catalog) -> Cow<'_, str> {
        let Some(job) = self
            .offered_video_job(catalog.model(self.model))
            .and_then(|job| catalog.video_job(job))
        else {
            return Cow::Borrowed(&self.prompt);
        };
        let words = self.prompt.trim_start();
        let lead = job.lead_in.trim_end();
        let already = words
            .get(..lead.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(lead));
        if already {
            Cow::Borrowed(&self.prompt)
        } else {
            Cow::Owned(format!("{}{words}", job.lead_in))
        }
    }

    /// The mode the service will run, `None` for a model the catalogue lacks.
    pub fn effective_mode_with(&self, catalog: &Catalog) -> Option<EffectiveMode> {
        let spec = catalog.model(self.model)?;
        let mode = if self.offered_video_job(Some(spec)).is_some() {
            Some(Mode::Reference)
        } else {
            self.mode
        };
        Some(spec.effective_mode(
            self.count_of(MediaKind::Image),
            self.count_of(MediaKind::Video),
            self.count_of(MediaKind::Audio),
            mode,
        ))
    }

    /// The `createTask` body, for the shipped catalogue. Every reference must already
    /// have a URL the service can fetch (local files uploaded first); otherwise the first
    /// unresolved one is returned.
    pub fn create_task_body(&self) -> Result<Value, UnresolvedReference> {
        self.create_task_body_with(Catalog::shipped())
    }

    /// The `createTask` body as `catalog`'s entry for the model shapes it. For a model
    /// the catalogue lacks, every field is sent as the 2.0 family takes it.
    pub fn create_task_body_with(&self, catalog: &Catalog) -> Result<Value, UnresolvedReference> {
        let spec = catalog.model(self.model);
        let mut inputs = Map::new();
        inputs.insert("prompt".into(), json!(self.wire_prompt_with(catalog)));
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
        let job = self.offered_video_job(spec);
        // The 2.0 scripts send `reference` with a job even though a video forces it.
        let mode = if job.is_some() {
            Some(Mode::Reference)
        } else {
            self.mode
        };
        if let Some(mode) = mode.filter(|_| spec.is_none_or(|s| s.modes.field)) {
            inputs.insert("mode".into(), json!(mode.wire_id()));
        }
        if spec.is_none_or(ModelSpec::takes_duration) {
            inputs.insert(
                "duration".into(),
                json!(self.effective_duration_secs_with(catalog)),
            );
        }
        inputs.insert("outputResolution".into(), json!(self.resolution.wire_id()));
        // Where the image (2.5 keyframe) or the source (edit and extend, by model or by
        // job) decides the shape, the ratio is left out rather than sent to be ignored.
        let keyframe_keeps_image = spec.is_some_and(|s| {
            s.aspect.keyframe_keeps_image_ratio
                && self.effective_mode_with(catalog) == Some(EffectiveMode::Keyframe)
        });
        let source_keeps_shape = matches!(job, Some(VideoJob::Edit | VideoJob::Extend));
        let takes_ratio = spec.is_none_or(|s| s.aspect.field);
        if let Some(ratio) = self.aspect_ratio {
            if takes_ratio && !keyframe_keeps_image && !source_keeps_shape {
                inputs.insert("aspectRatio".into(), json!(ratio.wire_id()));
            }
        }
        let audio_flag = spec.map_or("generate_audio", |s| s.audio_flag.as_str());
        inputs.insert(audio_flag.into(), json!(self.generate_audio));
        if self.high_bitrate && spec.is_none_or(|s| s.high_bitrate) {
            inputs.insert("bitrate_mode".into(), json!("high"));
        }
        if let Some(format) = self.output_format {
            if spec.is_some_and(ModelSpec::takes_output_format) {
                inputs.insert("output_format".into(), json!(format.wire_id()));
            }
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

    fn video(url: &str, ms: Option<u64>) -> Reference {
        Reference {
            kind: MediaKind::Video,
            source: ReferenceSource::Url { url: url.into() },
            duration_ms: ms,
        }
    }

    const SOURCE: &str =
        "https://static.kinovi.ai/videos/seedance_video_1775631198994_17cd129c.mp4";

    #[test]
    fn seedance_2_5_with_every_field_matches_fixture_a4() {
        let mut request = GenerationRequest::new(
            ModelId::Seedance25,
            "The camera slowly pushes in as steam rises from the cup and sunlight flickers across the table.",
        );
        request.references = vec![image(
            "https://static.kinovi.ai/generated-images/task_ff01ii3zvib7ndbx8negnh6q-0.png",
        )];
        request.mode = Some(Mode::Keyframe);
        request.aspect_ratio = Some(AspectRatio::Landscape16x9);
        request.high_bitrate = true;
        request.output_format = Some(OutputFormat::Mp4);
        request.seed = Some(-1);
        let body = request.create_task_body().expect("all urls");
        // As A4, except that a keyframe task keeps the image's shape, so the ignored
        // `aspectRatio` is left out (and empty lists are never sent).
        assert_eq!(
            body,
            json!({"model":"seedance2-5","inputs":{
                "prompt":"The camera slowly pushes in as steam rises from the cup and sunlight flickers across the table.",
                "imageUrls":["https://static.kinovi.ai/generated-images/task_ff01ii3zvib7ndbx8negnh6q-0.png"],
                "mode":"keyframe","duration":5,"outputResolution":"720p","generate_audio":true,
                "bitrate_mode":"high","output_format":"mp4","seed":-1}})
        );
        request.references.clear();
        request.mode = None;
        request.output_format = Some(OutputFormat::Mov);
        let body = request.create_task_body().expect("no references");
        assert_eq!(
            body["inputs"]["aspectRatio"], "16:9",
            "text-to-video keeps it"
        );
        assert_eq!(body["inputs"]["output_format"], "mov");
    }

    #[test]
    fn edit_and_extend_leave_out_what_they_do_not_take_fixtures_a5_a6() {
        let mut edit = GenerationRequest::new(
            ModelId::Seedance25Edit,
            "Keep the same hand, movements and camera framing, but change the nail polish to glossy black with gold flakes and the grey sweater to deep burgundy.",
        );
        edit.references = vec![video(SOURCE, Some(6_000))];
        edit.mode = Some(Mode::Keyframe);
        edit.aspect_ratio = Some(AspectRatio::Portrait9x16);
        edit.duration_secs = 6;
        let mut body = edit.create_task_body().expect("all urls");
        body["inputs"]
            .as_object_mut()
            .expect("object")
            .remove("generate_audio");
        assert_eq!(
            body,
            json!({"model":"seedance2-5-edit","inputs":{
                "prompt":"Keep the same hand, movements and camera framing, but change the nail polish to glossy black with gold flakes and the grey sweater to deep burgundy.",
                "videoUrls":[SOURCE],"outputResolution":"720p"}})
        );
        let mut extend = GenerationRequest::new(
            ModelId::Seedance25Extend,
            "The hand slowly turns palm-up, the fingers spread, then the hand picks up a small gold ring from the table.",
        );
        extend.references = vec![video(SOURCE, Some(6_000))];
        extend.aspect_ratio = Some(AspectRatio::Portrait9x16);
        let body = extend.create_task_body().expect("all urls");
        assert_eq!(
            body,
            json!({"model":"seedance2-5-extend","inputs":{
                "prompt":"The hand slowly turns palm-up, the fingers spread, then the hand picks up a small gold ring from the table.",
                "videoUrls":[SOURCE],"duration":5,"outputResolution":"720p","generate_audio":true}})
        );
    }

    #[test]
    fn the_2_0_way_fills_the_lead_in_sends_reference_and_the_sources_length() {
        let mut request = GenerationRequest::new(
            ModelId::Seedance20,
            "Keep the same hand, but change the nail polish to glossy black.",
        );
        request.references = vec![video(SOURCE, Some(10_400))];
        request.video_job = Some(VideoJob::Edit);
        request.aspect_ratio = Some(AspectRatio::Landscape16x9);
        let body = request.create_task_body().expect("all urls");
        assert_eq!(
            body["inputs"],
            json!({"prompt":"Edit this video. Keep the same hand, but change the nail polish to glossy black.",
                "videoUrls":[SOURCE],"mode":"reference","duration":10,"outputResolution":"720p",
                "generate_audio":true})
        );
        // Never led in twice; case and spacing of the creator's own lead-in are kept.
        request.prompt = "  edit this video. Make it night.".into();
        assert_eq!(request.wire_prompt(), "  edit this video. Make it night.");
        request.video_job = Some(VideoJob::Extend);
        request.prompt = "The hand waves.".into();
        request.duration_secs = 5;
        let body = request.create_task_body().expect("all urls");
        assert_eq!(
            body["inputs"]["prompt"],
            "Continue this video from its final frame. The hand waves."
        );
        assert_eq!(body["inputs"]["duration"], 5);
        request.video_job = Some(VideoJob::Restyle);
        request.prompt = "restyle it as claymation.".into();
        let body = request.create_task_body().expect("all urls");
        assert_eq!(
            body["inputs"]["prompt"],
            "Follow the movement and camera framing of the reference video, but restyle it as claymation."
        );
        assert_eq!(
            body["inputs"]["aspectRatio"], "16:9",
            "a restyle may reshape"
        );
        // 2.5 has dedicated models: a job there changes nothing on the wire.
        request.model = ModelId::Seedance25;
        let body = request.create_task_body().expect("all urls");
        assert_eq!(body["inputs"]["prompt"], "restyle it as claymation.");
        assert!(body["inputs"].get("mode").is_none());
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
