//! The model catalogue as data: one table per model (limits, modes, shapes, formats, the
//! audio switch's name, timing, rates and the settlement rule), read from JSON and checked
//! once, so that adding a model the service offers on the same API is a data change.
//!
//! Owns parsing and the consistency checks of the table, and the rules that are pure
//! functions of one entry (which timing window applies, which mode runs). It knows
//! nothing of requests, prices or problems; `validate`, `pricing` and `schedule` read it.

use super::{AspectRatio, Mode, ModelId, ModelLimits, OutputFormat, Resolution, TaskKind};
use super::{TimeWindow, VideoJob};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

const SHIPPED_JSON: &str = include_str!("../../catalog/models.json");

/// Every model the app can submit to, with the lead-ins of the "2.0 way" video jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Changes whenever a fact changes; recorded with every estimate.
    pub version: String,
    /// Where the facts come from, for the docs and the about box.
    pub source: String,
    #[serde(default)]
    pub video_jobs: Vec<VideoJobSpec>,
    pub models: Vec<ModelSpec>,
    #[serde(skip)]
    ids: Vec<ModelId>,
}

/// One model's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub id: ModelId,
    pub label: String,
    /// "seedance-2.0", "seedance-2.5", …: models of one family share behaviour the UI
    /// groups by (and the dedicated edit or extend model of a family is found by it).
    pub family: String,
    pub task: TaskKind,
    /// `None`: the model takes no `duration` (an edit keeps its source's length).
    pub duration: Option<DurationRange>,
    /// In ascending order.
    pub resolutions: Vec<Resolution>,
    pub default_resolution: Resolution,
    /// In characters, not bytes.
    pub prompt_max_chars: usize,
    pub references: ReferenceRules,
    pub modes: ModeRules,
    pub aspect: AspectRules,
    /// The first is the default; a model with only one takes no `output_format` field.
    pub output_formats: Vec<OutputFormat>,
    /// The input key of the audio switch: `generate_audio` (Seedance) or `audio` (Wan).
    pub audio_flag: String,
    /// Whether `bitrate_mode: "high"` exists.
    pub high_bitrate: bool,
    /// Largest accepted `seed` (−1 always means random).
    pub seed_max: u64,
    pub timing: Timing,
    pub pricing: ModelPricing,
    /// The "2.0 way" jobs this model offers through its prompt.
    #[serde(default)]
    pub video_jobs: Vec<VideoJob>,
    #[serde(skip)]
    limits: ModelLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationRange {
    pub min_secs: u32,
    pub max_secs: u32,
    pub default_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRules {
    pub image: KindRule,
    pub video: KindRule,
    pub audio: KindRule,
    /// Audio with neither image nor video is accepted and then fails the task.
    #[serde(default)]
    pub audio_needs_visual: bool,
    /// Edit and extend: the first video is the source, required, and its length must be
    /// in this range.
    #[serde(default)]
    pub source: Option<SourceRule>,
}

/// Limits on the references of one kind. A `max` of 0 means the model takes none (it
/// refuses the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    #[serde(default)]
    pub min: usize,
    pub max: usize,
    #[serde(default)]
    pub each_min_secs: Option<f64>,
    #[serde(default)]
    pub each_max_secs: Option<f64>,
    #[serde(default)]
    pub combined_max_secs: Option<f64>,
    /// The references' combined length plus the output `duration` may not exceed this
    /// (Wan reference-to-video: 30 s).
    #[serde(default)]
    pub with_duration_max_secs: Option<f64>,
    /// Accepted file extensions, lower case, without the dot.
    #[serde(default)]
    pub formats: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRule {
    pub min_secs: f64,
    pub max_secs: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeRules {
    /// Whether the model has a `mode` input at all.
    pub field: bool,
    /// A mode the model always runs in, whatever is sent.
    #[serde(default)]
    pub fixed: Option<Mode>,
    /// What three or more images without an explicit mode become.
    pub three_or_more_images: ImagesBeyondTwo,
}

/// 2.0: keyframe, images 3 and later silently dropped; 2.5: reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImagesBeyondTwo {
    KeyframeFirstTwo,
    Reference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AspectRules {
    /// Whether the model has an `aspectRatio` input (edit and extend keep the source's).
    pub field: bool,
    pub ratios: Vec<AspectRatio>,
    /// Keyframe tasks keep the image's own ratio and ignore `aspectRatio` (2.5).
    pub keyframe_keeps_image_ratio: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// The first window whose conditions match applies; the last has none.
    pub windows: Vec<WindowRule>,
    /// The documented "consider it stuck after".
    pub stuck_after_secs: u64,
    /// How much of the end of each window to poll every ~3 s, where the poll schedule's
    /// own span is too short for the family's windows: tuned with `poll-bench` on the
    /// family's timing mix (p95 detection delay ≤ 3 s at the fewest requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dense_span_secs: Option<u64>,
}

/// A usual generation time, under conditions (an empty condition matches anything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRule {
    #[serde(default)]
    pub resolutions: Vec<Resolution>,
    #[serde(default)]
    pub reference_video: Option<bool>,
    pub earliest_secs: u64,
    pub latest_secs: u64,
    /// Why these numbers, where they are our reading rather than the documentation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPricing {
    /// Implied dollar value of one credit. The service bills credits; dollars are only
    /// ever our estimate.
    pub usd_per_credit: f64,
    /// Shown next to every estimate for this model (e.g. a launch discount whose effect
    /// on the credits charged is undocumented).
    pub note: Option<String>,
    /// Exactly one row per resolution the model offers.
    pub rates: Vec<ResolutionRates>,
    pub settlement: SettlementRule,
}

/// Credits per output second at one resolution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionRates {
    pub resolution: Resolution,
    /// Without a reference video (and the only rate of models with one rate).
    pub standard: f64,
    /// For the whole duration when any reference video is attached; `None` when the
    /// model has one rate whatever the media.
    #[serde(default)]
    pub reference_video: Option<f64>,
}

impl ResolutionRates {
    pub fn rate(&self, with_reference_video: bool) -> f64 {
        match self.reference_video {
            Some(rate) if with_reference_video => rate,
            _ => self.standard,
        }
    }
}

/// What the service finally charges, against what it reserves at submission
/// (service-api §4.2, §12.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum SettlementRule {
    /// `duration × rate` is reserved and is the final price.
    AtSubmit,
    /// With any reference video: `duration × rate` reserved, then `(the videos' seconds,
    /// counted up to max_video_secs, + duration) × rate` after success (2.5, extend).
    VideosPlusDuration { max_video_secs: f64 },
    /// `reserve_secs × rate` reserved, then `2 × the source's seconds (up to
    /// max_source_secs) × rate` after success (2.5 edit).
    DoubleSource {
        max_source_secs: f64,
        reserve_secs: f64,
    },
}

/// One "2.0 way" job: the prompt's documented opening words and how its duration is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoJobSpec {
    pub job: VideoJob,
    pub label: String,
    /// Put before the creator's words (unless they already start with it).
    pub lead_in: String,
    /// An example of what the creator writes after the lead-in.
    pub placeholder: String,
    pub duration: VideoJobDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoJobDuration {
    /// Whatever the creator chooses.
    Any,
    /// The source's length: the output follows it frame by frame.
    Source,
    /// The length of the new footage only.
    NewFootage,
}

/// The mode a request actually runs in, after the model's defaults and forcing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveMode {
    Text,
    Keyframe,
    Reference,
}

/// The catalogue could not be read, or says something impossible. Names the model and
/// the field, so a data change that breaks it is fixed where it was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("the model catalogue is not valid JSON for its schema: {0}")]
    Parse(String),
    #[error("model catalogue, {model}, {field}: {problem}")]
    Invalid {
        model: String,
        field: &'static str,
        problem: String,
    },
}

impl Catalog {
    /// Reads and checks a catalogue.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let mut catalog: Catalog =
            serde_json::from_str(text).map_err(|e| CatalogError::Parse(e.to_string()))?;
        catalog.check()?;
        for model in &mut catalog.models {
            model.limits = model.derive_limits();
        }
        catalog.ids = catalog.models.iter().map(|m| m.id).collect();
        Ok(catalog)
    }

    /// The catalogue compiled into this build, parsed on first use.
    pub fn shipped() -> &'static Catalog {
        static SHIPPED: OnceLock<Catalog> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            // Compiled in and checked by this module's tests, so a failure can only be a
            // build of an edited table that skipped them.
            Catalog::from_json(SHIPPED_JSON).expect("catalog/models.json is valid (unit-tested)")
        })
    }

    /// The shipped catalogue's JSON text, for tools and tests that start from a copy.
    pub fn shipped_json() -> &'static str {
        SHIPPED_JSON
    }

    pub fn ids(&self) -> &[ModelId] {
        &self.ids
    }

    pub fn model(&self, id: ModelId) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The model with this exact wire id.
    pub fn id(&self, wire_id: &str) -> Option<ModelId> {
        self.ids.iter().copied().find(|m| m.wire_id() == wire_id)
    }

    pub fn video_job(&self, job: VideoJob) -> Option<&VideoJobSpec> {
        self.video_jobs.iter().find(|j| j.job == job)
    }

    /// The model of `family` made for `task` (the 2.5 family's edit model, say).
    pub fn dedicated(&self, family: &str, task: TaskKind) -> Option<&ModelSpec> {
        self.models
            .iter()
            .find(|m| m.family == family && m.task == task)
    }

    /// Credits per output second, `None` when the model or the resolution is not offered.
    pub fn rate(
        &self,
        model: ModelId,
        resolution: Resolution,
        with_reference_video: bool,
    ) -> Option<f64> {
        self.model(model)?.rate(resolution, with_reference_video)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let whole = |field: &'static str, problem: &str| CatalogError::Invalid {
            model: "(catalogue)".into(),
            field,
            problem: problem.into(),
        };
        if self.version.trim().is_empty() {
            return Err(whole("version", "is empty"));
        }
        if self.models.is_empty() {
            return Err(whole("models", "lists no model"));
        }
        let mut seen = HashSet::new();
        for job in &self.video_jobs {
            if !seen.insert(job.job) {
                return Err(whole("video_jobs", "lists a job twice"));
            }
            if job.lead_in.trim().is_empty() || job.label.trim().is_empty() {
                return Err(whole("video_jobs", "a job has no label or lead-in"));
            }
        }
        let mut ids = HashSet::new();
        for model in &self.models {
            if !ids.insert(model.id) {
                return Err(model.invalid("id", "appears twice in the catalogue"));
            }
            model.check()?;
            if let Some(job) = model
                .video_jobs
                .iter()
                .find(|j| self.video_job(**j).is_none())
            {
                return Err(model.invalid(
                    "video_jobs",
                    &format!(
                        "offers {}, which the catalogue does not define",
                        job.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl ModelSpec {
    pub fn limits(&self) -> &ModelLimits {
        &self.limits
    }

    /// Whether the request carries a `duration` on the wire.
    pub fn takes_duration(&self) -> bool {
        self.duration.is_some()
    }

    /// Whether the creator can choose between several result containers.
    pub fn takes_output_format(&self) -> bool {
        self.output_formats.len() > 1
    }

    pub fn default_output_format(&self) -> OutputFormat {
        self.output_formats
            .first()
            .copied()
            .unwrap_or(OutputFormat::Mp4)
    }

    pub fn rates_at(&self, resolution: Resolution) -> Option<&ResolutionRates> {
        self.pricing
            .rates
            .iter()
            .find(|r| r.resolution == resolution)
    }

    /// Credits per output second, `None` when the model does not offer `resolution`.
    pub fn rate(&self, resolution: Resolution, with_reference_video: bool) -> Option<f64> {
        if !self.resolutions.contains(&resolution) {
            return None;
        }
        Some(self.rates_at(resolution)?.rate(with_reference_video))
    }

    /// The first timing window whose conditions match.
    pub fn expected_generation(
        &self,
        resolution: Resolution,
        has_reference_video: bool,
    ) -> TimeWindow {
        let rule = self.timing.windows.iter().find(|w| {
            (w.resolutions.is_empty() || w.resolutions.contains(&resolution))
                && w.reference_video.is_none_or(|r| r == has_reference_video)
        });
        let dense_span = self.timing.dense_span_secs.map(Duration::from_secs);
        // `check` guarantees an unconditional last window, so `None` cannot happen.
        rule.map_or(
            TimeWindow {
                earliest: Duration::ZERO,
                latest: self.stuck_after(),
                dense_span,
            },
            |w| TimeWindow {
                earliest: Duration::from_secs(w.earliest_secs),
                latest: Duration::from_secs(w.latest_secs),
                dense_span,
            },
        )
    }

    pub fn stuck_after(&self) -> Duration {
        Duration::from_secs(self.timing.stuck_after_secs)
    }

    /// The mode a request with these reference counts runs in (service-api §3.4,
    /// §12.1.2): any video or audio forces reference; three or more images follow the
    /// model's default; an explicit mode wins otherwise.
    pub fn effective_mode(
        &self,
        images: usize,
        videos: usize,
        audio: usize,
        requested: Option<Mode>,
    ) -> EffectiveMode {
        let pictures = if images > 0 {
            EffectiveMode::Keyframe
        } else {
            EffectiveMode::Text
        };
        match self.modes.fixed {
            Some(Mode::Reference) => return EffectiveMode::Reference,
            Some(Mode::Keyframe) => return pictures,
            None => {}
        }
        if videos > 0 || audio > 0 {
            return EffectiveMode::Reference;
        }
        if images == 0 || !self.modes.field {
            return pictures;
        }
        match requested {
            Some(Mode::Reference) => EffectiveMode::Reference,
            Some(Mode::Keyframe) => EffectiveMode::Keyframe,
            None if images >= 3
                && self.modes.three_or_more_images == ImagesBeyondTwo::Reference =>
            {
                EffectiveMode::Reference
            }
            None => EffectiveMode::Keyframe,
        }
    }

    fn invalid(&self, field: &'static str, problem: &str) -> CatalogError {
        CatalogError::Invalid {
            model: self.id.wire_id().to_owned(),
            field,
            problem: problem.to_owned(),
        }
    }

    fn check(&self) -> Result<(), CatalogError> {
        if self.label.trim().is_empty() || self.family.trim().is_empty() {
            return Err(self.invalid("label", "label and family must not be empty"));
        }
        match (self.task, self.duration) {
            (TaskKind::Edit, Some(_)) => {
                return Err(self.invalid("duration", "an edit keeps its source's length"))
            }
            (TaskKind::Generate | TaskKind::Extend, None) => {
                return Err(self.invalid("duration", "is required for this task"))
            }
            (_, Some(d)) if d.min_secs == 0 || d.min_secs > d.max_secs => {
                return Err(self.invalid("duration", "needs 1 ≤ min_secs ≤ max_secs"))
            }
            (_, Some(d)) if !(d.min_secs..=d.max_secs).contains(&d.default_secs) => {
                return Err(self.invalid("duration", "default_secs is outside the range"))
            }
            _ => {}
        }
        if self.resolutions.is_empty() || !self.resolutions.windows(2).all(|w| w[0] < w[1]) {
            return Err(self.invalid("resolutions", "must be non-empty and ascending"));
        }
        if !self.resolutions.contains(&self.default_resolution) {
            return Err(self.invalid("default_resolution", "is not among resolutions"));
        }
        if self.prompt_max_chars == 0 {
            return Err(self.invalid("prompt_max_chars", "must be at least 1"));
        }
        self.check_references()?;
        if self.modes.field && self.modes.fixed.is_some() {
            return Err(self.invalid("modes", "a fixed mode leaves nothing to send"));
        }
        if self.aspect.field == self.aspect.ratios.is_empty() {
            return Err(self.invalid(
                "aspect",
                "ratios are listed exactly when the model has the field",
            ));
        }
        if self.output_formats.is_empty() {
            return Err(self.invalid("output_formats", "lists no format"));
        }
        let flag_ok = !self.audio_flag.is_empty()
            && self
                .audio_flag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !flag_ok {
            return Err(self.invalid("audio_flag", "must be an input key"));
        }
        self.check_timing()?;
        self.check_pricing()?;
        if !self.video_jobs.is_empty() && self.task != TaskKind::Generate {
            return Err(self.invalid("video_jobs", "only generation models take a job"));
        }
        Ok(())
    }

    fn check_references(&self) -> Result<(), CatalogError> {
        let r = &self.references;
        for (name, rule) in [
            ("image", &r.image),
            ("video", &r.video),
            ("audio", &r.audio),
        ] {
            let secs_ok = [
                rule.each_min_secs,
                rule.each_max_secs,
                rule.combined_max_secs,
                rule.with_duration_max_secs,
            ]
            .into_iter()
            .flatten()
            .all(|s| s.is_finite() && s > 0.0);
            let each_ok = match (rule.each_min_secs, rule.each_max_secs) {
                (Some(lo), Some(hi)) => lo <= hi,
                _ => true,
            };
            if rule.min > rule.max || !secs_ok || !each_ok {
                return Err(self.invalid(
                    "references",
                    &format!("the {name} limits contradict each other"),
                ));
            }
            if rule.max > 0 && rule.formats.is_empty() {
                return Err(self.invalid(
                    "references",
                    &format!("{name} references are accepted but no format is listed"),
                ));
            }
        }
        match (self.task, r.source) {
            (TaskKind::Generate, Some(_)) => {
                Err(self.invalid("references.source", "only edit and extend have a source"))
            }
            (TaskKind::Edit | TaskKind::Extend, None) => {
                Err(self.invalid("references.source", "edit and extend need one"))
            }
            (_, Some(s)) if !(s.min_secs > 0.0 && s.min_secs <= s.max_secs) => {
                Err(self.invalid("references.source", "needs 0 < min_secs ≤ max_secs"))
            }
            (_, Some(_)) if r.video.min == 0 => Err(self.invalid(
                "references.video",
                "a model with a source needs at least one video",
            )),
            _ => Ok(()),
        }
    }

    fn check_timing(&self) -> Result<(), CatalogError> {
        let windows = &self.timing.windows;
        let last_open = windows
            .last()
            .is_some_and(|w| w.resolutions.is_empty() && w.reference_video.is_none());
        if !last_open {
            return Err(self.invalid("timing.windows", "the last window must have no conditions"));
        }
        if windows.iter().any(|w| w.earliest_secs > w.latest_secs) {
            return Err(self.invalid("timing.windows", "a window ends before it starts"));
        }
        if self.timing.stuck_after_secs == 0 {
            return Err(self.invalid("timing.stuck_after_secs", "must be positive"));
        }
        Ok(())
    }

    fn check_pricing(&self) -> Result<(), CatalogError> {
        let p = &self.pricing;
        if !(p.usd_per_credit.is_finite() && p.usd_per_credit > 0.0) {
            return Err(self.invalid("pricing.usd_per_credit", "must be positive"));
        }
        let mut priced: Vec<Resolution> = p.rates.iter().map(|r| r.resolution).collect();
        priced.sort();
        if priced != self.resolutions {
            return Err(self.invalid(
                "pricing.rates",
                "must have exactly one row per offered resolution",
            ));
        }
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !p
            .rates
            .iter()
            .all(|r| positive(r.standard) && r.reference_video.is_none_or(positive))
        {
            return Err(self.invalid("pricing.rates", "rates must be positive"));
        }
        match (self.task, p.settlement) {
            (TaskKind::Edit, SettlementRule::DoubleSource { .. }) => {}
            (_, SettlementRule::DoubleSource { .. }) | (TaskKind::Edit, _) => {
                return Err(self.invalid(
                    "pricing.settlement",
                    "double_source is the edit task's rule, and only its",
                ))
            }
            _ => {}
        }
        let positive_opt = match p.settlement {
            SettlementRule::AtSubmit => true,
            SettlementRule::VideosPlusDuration { max_video_secs } => positive(max_video_secs),
            SettlementRule::DoubleSource {
                max_source_secs,
                reserve_secs,
            } => positive(max_source_secs) && positive(reserve_secs),
        };
        if !positive_opt {
            return Err(self.invalid("pricing.settlement", "seconds must be positive"));
        }
        Ok(())
    }

    fn derive_limits(&self) -> ModelLimits {
        let secs = |s: Option<f64>| s.map_or(Duration::MAX, Duration::from_secs_f64);
        let (min, max, default) = self
            .duration
            .map_or((0, 0, 0), |d| (d.min_secs, d.max_secs, d.default_secs));
        ModelLimits {
            prompt_max_chars: self.prompt_max_chars,
            min_duration_secs: min,
            max_duration_secs: max,
            default_duration_secs: default,
            max_images: self.references.image.max,
            max_videos: self.references.video.max,
            max_audios: self.references.audio.max,
            max_combined_video: secs(self.references.video.combined_max_secs),
            max_combined_audio: secs(self.references.audio.combined_max_secs),
            seed_max: self.seed_max,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_shipped_catalogue_parses_and_passes_its_checks() {
        let catalog = Catalog::from_json(SHIPPED_JSON).unwrap();
        assert_eq!(catalog.models.len(), 6);
        assert_eq!(catalog.ids().len(), 6);
        let limits = catalog.model(ModelId::Seedance25).unwrap().limits();
        assert_eq!(limits.max_images, 30);
        assert_eq!(limits.max_combined_video, Duration::from_secs(30));
        let edit = catalog.model(ModelId::Seedance25Edit).unwrap();
        assert_eq!(
            (
                edit.limits().min_duration_secs,
                edit.limits().max_duration_secs
            ),
            (0, 0)
        );
        assert_eq!(
            catalog
                .dedicated("seedance-2.5", TaskKind::Extend)
                .map(|m| m.id),
            Some(ModelId::Seedance25Extend)
        );
    }

    /// Breaks the shipped table in one place and expects the load to name it.
    fn broken(edit: impl FnOnce(&mut Value)) -> CatalogError {
        let mut value: Value = serde_json::from_str(SHIPPED_JSON).unwrap();
        edit(&mut value);
        Catalog::from_json(&value.to_string()).unwrap_err()
    }

    #[test]
    fn impossible_tables_are_refused_naming_the_model_and_field() {
        type Breakage = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(Breakage, &str)> = vec![
            (
                Box::new(|v| v["models"][0]["duration"]["default_secs"] = 40.into()),
                "seedance-20, duration",
            ),
            (
                Box::new(|v| {
                    v["models"][4]["duration"] =
                        serde_json::json!({"min_secs":4,"max_secs":30,"default_secs":5})
                }),
                "seedance2-5-edit, duration",
            ),
            (
                Box::new(|v| {
                    v["models"][1]["resolutions"] = serde_json::json!(["480p", "720p", "1080p"])
                }),
                "seedance2-fast, pricing.rates",
            ),
            (
                Box::new(
                    |v| v["models"][3]["timing"]["windows"] = serde_json::json!([{"resolutions":["1080p"],"earliest_secs":1,"latest_secs":2}]),
                ),
                "seedance2-5, timing.windows",
            ),
            (
                Box::new(|v| v["models"][5]["references"]["source"] = Value::Null),
                "seedance2-5-extend, references.source",
            ),
            (
                Box::new(|v| v["models"][0]["video_jobs"] = serde_json::json!(["restyle", "dub"])),
                "not valid JSON",
            ),
            (
                Box::new(|v| v["models"][2]["id"] = "seedance-20".into()),
                "seedance-20, id",
            ),
            (
                Box::new(
                    |v| v["models"][0]["pricing"]["settlement"] = serde_json::json!({"rule":"double_source","max_source_secs":30,"reserve_secs":15}),
                ),
                "seedance-20, pricing.settlement",
            ),
            (
                Box::new(|v| v["models"][0]["max_images"] = 3.into()),
                "unknown field",
            ),
        ];
        for (edit, expected) in cases {
            let error = broken(edit).to_string();
            assert!(error.contains(expected), "{error} (wanted {expected})");
        }
    }

    #[test]
    fn timing_windows_match_in_order() {
        let catalog = Catalog::shipped();
        let window = |m: ModelId, r, v| {
            let w = catalog.model(m).unwrap().expected_generation(r, v);
            (w.earliest.as_secs(), w.latest.as_secs())
        };
        assert_eq!(
            window(ModelId::Seedance20, Resolution::K4, true),
            (360, 600)
        );
        assert_eq!(
            window(ModelId::Seedance20, Resolution::P720, true),
            (300, 420)
        );
        assert_eq!(
            window(ModelId::Seedance20, Resolution::P480, false),
            (120, 240)
        );
        assert_eq!(
            window(ModelId::Seedance2Fast, Resolution::P480, false),
            (120, 180)
        );
        assert_eq!(
            window(ModelId::Seedance2Fast, Resolution::P480, true),
            (120, 240)
        );
        assert_eq!(
            window(ModelId::Seedance20Mini, Resolution::P720, false),
            (120, 360)
        );
        assert_eq!(
            window(ModelId::Seedance25, Resolution::P720, false),
            (180, 360)
        );
        assert_eq!(
            window(ModelId::Seedance25, Resolution::P1080, false),
            (240, 660)
        );
        assert_eq!(
            window(ModelId::Seedance25, Resolution::P1080, true),
            (240, 420)
        );
        assert_eq!(
            window(ModelId::Seedance25Edit, Resolution::P720, true),
            (240, 360)
        );
        assert_eq!(
            ModelId::Seedance25Extend.stuck_after(),
            Duration::from_secs(900)
        );
        assert_eq!(
            ModelId::Seedance2Fast.stuck_after(),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn modes_follow_each_familys_rules() {
        use EffectiveMode::*;
        let spec = |m: ModelId| Catalog::shipped().model(m).unwrap();
        let v20 = spec(ModelId::Seedance20);
        let v25 = spec(ModelId::Seedance25);
        assert_eq!(v20.effective_mode(0, 0, 0, None), Text);
        assert_eq!(v20.effective_mode(2, 0, 0, None), Keyframe);
        assert_eq!(v20.effective_mode(5, 0, 0, None), Keyframe);
        assert_eq!(v25.effective_mode(5, 0, 0, None), Reference);
        assert_eq!(v25.effective_mode(5, 0, 0, Some(Mode::Keyframe)), Keyframe);
        assert_eq!(v25.effective_mode(1, 1, 0, Some(Mode::Keyframe)), Reference);
        assert_eq!(v20.effective_mode(1, 0, 1, None), Reference);
        let edit = spec(ModelId::Seedance25Edit);
        assert_eq!(
            edit.effective_mode(0, 1, 0, Some(Mode::Keyframe)),
            Reference
        );
    }
}
