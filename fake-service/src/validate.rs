//! createTask body validation, following service-api §2.1, §3.2–3.5 and §5 (2.0 family) and
//! §12.1.1, §12.1.2 and §12.5.1 (2.5 family and Wan 3.0): which request is rejected with
//! which 400 body, and the normalised inputs of an accepted one.
//!
//! Issues are collected rather than stopping at the first one, like the Zod validator the
//! real service appears to use; every issue has `code:"custom"` and a `path`.

use serde_json::{json, Map, Value};

/// Model families with different limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `seedance-20`, `seedance2-fast`, `seedance2.0-mini`
    V20,
    /// `seedance2-5`
    V25,
    /// `seedance2-5-edit` (no duration; output = source length)
    V25Edit,
    /// `seedance2-5-extend` (duration required)
    V25Extend,
    /// `wan3.0-text-to-video`, `wan3.0-prime-text-to-video` (no media at all)
    WanText,
    /// `wan3.0-image-to-video`, `wan3.0-prime-image-to-video` (1–2 images, no video)
    WanImage,
    /// `wan3.0-ref-to-video`, `wan3.0-prime-ref-to-video` (images, videos, audio)
    WanRef,
}

impl Family {
    /// Wan 3.0: `audio` instead of `generate_audio`, no `seed` or `lastFrameImage` in the
    /// output, charged at submit.
    pub fn is_wan(self) -> bool {
        matches!(self, Family::WanText | Family::WanImage | Family::WanRef)
    }

    /// The Seedance 2.5 family (plain, edit, extend): 2.5 sizes, HEVC at 1080p, `.mov`
    /// outputs, JPEG last frames on the signed host, settlement after success.
    pub fn is_v25(self) -> bool {
        matches!(self, Family::V25 | Family::V25Edit | Family::V25Extend)
    }
}

/// Static limits of one model id.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    pub id: &'static str,
    pub family: Family,
    pub resolutions: &'static [&'static str],
    pub min_duration: u32,
    pub max_duration: u32,
    pub max_prompt_chars: usize,
    pub max_images: usize,
    pub max_videos: usize,
    pub max_audio: usize,
    /// Combined reference-video seconds allowed before the task fails after creation.
    pub max_ref_video_secs: f64,
    /// Accepted `aspectRatio` values.
    pub aspect_ratios: &'static [&'static str],
    /// Largest `seed`; Seedance also takes −1 (random), Wan does not.
    pub max_seed: i64,
}

const RES_ALL: &[&str] = &["480p", "720p", "1080p", "4k"];
const RES_720: &[&str] = &["480p", "720p"];
const RES_1080: &[&str] = &["480p", "720p", "1080p"];

const fn v20(id: &'static str, resolutions: &'static [&'static str]) -> ModelSpec {
    ModelSpec {
        id,
        family: Family::V20,
        resolutions,
        min_duration: 4,
        max_duration: 15,
        max_prompt_chars: 10_000,
        max_images: 9,
        max_videos: 3,
        max_audio: 3,
        max_ref_video_secs: 15.0,
        aspect_ratios: ASPECT_RATIOS,
        max_seed: SEEDANCE_MAX_SEED,
    }
}

const fn v25(id: &'static str, family: Family) -> ModelSpec {
    ModelSpec {
        id,
        family,
        resolutions: RES_1080,
        min_duration: 4,
        max_duration: 30,
        max_prompt_chars: 30_000,
        max_images: 30,
        max_videos: 10,
        max_audio: 10,
        max_ref_video_secs: 30.0,
        aspect_ratios: ASPECT_RATIOS,
        max_seed: SEEDANCE_MAX_SEED,
    }
}

/// Wan 3.0 (service-api §12.1.1): 2–30 s, 20,000-char prompts, five ratios (image-to-video
/// also `adaptive`); `max_*` are the ref face's limits, the other faces forbid media.
const fn wan(id: &'static str, family: Family) -> ModelSpec {
    ModelSpec {
        id,
        family,
        resolutions: RES_1080,
        min_duration: 2,
        max_duration: 30,
        max_prompt_chars: 20_000,
        max_images: 10,
        max_videos: 5,
        max_audio: 5,
        // Each video ≤ 15 s and videos + duration ≤ 30 s, checked after creation.
        max_ref_video_secs: 30.0,
        aspect_ratios: if matches!(family, Family::WanImage) {
            WAN_RATIOS_I2V
        } else {
            WAN_RATIOS
        },
        max_seed: 2_147_483_647,
    }
}

const SEEDANCE_MAX_SEED: i64 = 4_294_967_295;
const WAN_RATIOS: &[&str] = &["16:9", "9:16", "4:3", "3:4", "1:1"];
const WAN_RATIOS_I2V: &[&str] = &["16:9", "9:16", "4:3", "3:4", "1:1", "adaptive"];

/// Every model id the fake knows.
pub const MODELS: &[ModelSpec] = &[
    v20("seedance-20", RES_ALL),
    v20("seedance2-fast", RES_720),
    v20("seedance2.0-mini", RES_720),
    v25("seedance2-5", Family::V25),
    v25("seedance2-5-edit", Family::V25Edit),
    v25("seedance2-5-extend", Family::V25Extend),
    wan("wan3.0-text-to-video", Family::WanText),
    wan("wan3.0-image-to-video", Family::WanImage),
    wan("wan3.0-ref-to-video", Family::WanRef),
    wan("wan3.0-prime-text-to-video", Family::WanText),
    wan("wan3.0-prime-image-to-video", Family::WanImage),
    wan("wan3.0-prime-ref-to-video", Family::WanRef),
];

/// The closed aspect-ratio list.
pub const ASPECT_RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"];

/// An accepted request, normalised.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub spec: ModelSpec,
    pub prompt: String,
    pub image_urls: Vec<String>,
    pub video_urls: Vec<String>,
    pub audio_urls: Vec<String>,
    /// `mode` as sent, if any.
    pub mode: Option<String>,
    /// Seconds reserved at submit: `duration` (default 5); edit without `duration` 15.
    pub billed_seconds: u32,
    pub resolution: String,
    pub aspect_ratio: String,
    /// Whether `aspectRatio` was sent (2.5 reference tasks follow their references if not).
    pub aspect_ratio_set: bool,
    /// `mp4` or `mov` (2.5 family `output_format`; the others always `mp4`).
    pub output_format: String,
    /// `generate_audio` (Wan: `audio`).
    pub generate_audio: bool,
    /// `None` or -1 means random.
    pub seed: Option<i64>,
}

/// Why a createTask body is rejected with 400.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// `{"message":"Invalid request parameters"}`
    InvalidParams,
    /// `{"message":"Unknown model"}`
    UnknownModel,
    /// `{"message":"Invalid inputs for model","errors":[…]}`
    InvalidInputs(Vec<Value>),
}

impl Rejection {
    /// The 400 body.
    pub fn body(&self) -> Value {
        match self {
            Rejection::InvalidParams => json!({"message": "Invalid request parameters"}),
            Rejection::UnknownModel => json!({"message": "Unknown model"}),
            Rejection::InvalidInputs(errors) => {
                json!({"message": "Invalid inputs for model", "errors": errors})
            }
        }
    }
}

fn issue(message: impl Into<String>, path: Value) -> Value {
    json!({"code": "custom", "message": message.into(), "path": path})
}

/// Validates a parsed createTask body.
pub fn validate(body: &Value) -> Result<ValidRequest, Rejection> {
    let obj = body.as_object().ok_or(Rejection::InvalidParams)?;
    let model = match obj.get("model") {
        Some(Value::String(m)) => m,
        _ => return Err(Rejection::InvalidParams),
    };
    let spec = *MODELS
        .iter()
        .find(|s| s.id == model)
        .ok_or(Rejection::UnknownModel)?;
    match obj.get("callBackUrl") {
        None | Some(Value::Null) => {}
        Some(Value::String(u)) if is_http_url(u) => {}
        Some(_) => return Err(Rejection::InvalidParams),
    }
    let empty = Map::new();
    let inputs = match obj.get("inputs") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(Rejection::InvalidParams),
    };
    validate_inputs(spec, inputs).map_err(Rejection::InvalidInputs)
}

fn validate_inputs(
    spec: ModelSpec,
    inputs: &Map<String, Value>,
) -> Result<ValidRequest, Vec<Value>> {
    let mut errs = Vec::new();

    let prompt = match inputs.get("prompt") {
        Some(Value::String(p)) => {
            if p.chars().count() > spec.max_prompt_chars {
                errs.push(issue(
                    format!(
                        "String must contain at most {} character(s)",
                        spec.max_prompt_chars
                    ),
                    json!(["prompt"]),
                ));
            }
            p.clone()
        }
        None | Some(Value::Null) => {
            errs.push(issue("Required", json!(["prompt"])));
            String::new()
        }
        Some(_) => {
            errs.push(issue("Expected string", json!(["prompt"])));
            String::new()
        }
    };

    // Wan's text and image faces take no (other) media at all: any is a 400.
    let (max_images, max_videos, max_audio) = match spec.family {
        Family::WanText => (0, 0, 0),
        Family::WanImage => (usize::MAX, 0, 0),
        _ => (spec.max_images, spec.max_videos, spec.max_audio),
    };
    let image_urls = url_list(inputs, "imageUrls", max_images, &mut errs);
    let video_urls = url_list(inputs, "videoUrls", max_videos, &mut errs);
    let audio_urls = url_list(inputs, "audioUrls", max_audio, &mut errs);
    if spec.family == Family::WanImage && !(1..=2).contains(&image_urls.len()) {
        errs.push(issue(
            "Image-to-video needs 1 or 2 images (imageUrls)",
            json!(["imageUrls"]),
        ));
    }

    let mode = match inputs.get("mode") {
        // Wan has no `mode`: an unknown key, ignored.
        _ if spec.family.is_wan() => None,
        None | Some(Value::Null) => None,
        Some(Value::String(m)) if m == "keyframe" || m == "reference" => Some(m.clone()),
        Some(other) => {
            errs.push(issue(
                format!("Invalid enum value. Expected 'keyframe' | 'reference', received {other}"),
                json!(["mode"]),
            ));
            None
        }
    };

    let duration_msg = format!(
        "Duration must be between {} and {} seconds",
        spec.min_duration, spec.max_duration
    );
    // Integers only: `5.5` is a 400 (service-api §12.1.2); `5.0` and `"5"` pass as 5.
    let duration = match (spec.family, inputs.get("duration")) {
        (Family::V25Extend, None | Some(Value::Null)) => {
            errs.push(issue(duration_msg, json!(["duration"])));
            None
        }
        (_, None | Some(Value::Null)) => None,
        (_, Some(v)) => match parse_duration(v) {
            Some(d) if (spec.min_duration..=spec.max_duration).contains(&d) => Some(d),
            _ => {
                errs.push(issue(duration_msg, json!(["duration"])));
                None
            }
        },
    };
    // Edit has no duration of its own: 15 s are reserved unless one is sent, which then
    // only changes the reservation (service-api §12.3.2).
    let billed_seconds = match spec.family {
        Family::V25Edit => duration.unwrap_or(15),
        _ => duration.unwrap_or(5),
    };
    if spec.family == Family::V25Edit && video_urls.is_empty() {
        errs.push(issue(
            "At least one reference video (videoUrls) is required.",
            json!(["videoUrls"]),
        ));
    }
    if spec.family == Family::V25Extend && video_urls.is_empty() {
        errs.push(issue(
            "At least one reference video (videoUrls) is required.",
            json!(["videoUrls"]),
        ));
    }

    let resolution = match inputs.get("outputResolution") {
        None | Some(Value::Null) => "720p".to_string(),
        Some(Value::String(r)) if spec.resolutions.contains(&r.as_str()) => r.clone(),
        Some(other) => {
            errs.push(issue(
                format!(
                    "Invalid enum value. Expected {}, received {other}",
                    quoted_list(spec.resolutions)
                ),
                json!(["outputResolution"]),
            ));
            "720p".to_string()
        }
    };

    let aspect_ratio_set = !matches!(inputs.get("aspectRatio"), None | Some(Value::Null));
    let aspect_ratio = match inputs.get("aspectRatio") {
        None | Some(Value::Null) => "16:9".to_string(),
        Some(Value::String(a)) if spec.aspect_ratios.contains(&a.as_str()) => a.clone(),
        Some(other) => {
            errs.push(issue(
                format!(
                    "Invalid enum value. Expected {}, received {other}",
                    quoted_list(spec.aspect_ratios)
                ),
                json!(["aspectRatio"]),
            ));
            "16:9".to_string()
        }
    };

    // Wan calls the flag `audio` (service-api §12.1.2); `generate_audio` is then unknown.
    let audio_key = if spec.family.is_wan() {
        "audio"
    } else {
        "generate_audio"
    };
    let generate_audio = match inputs.get(audio_key) {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errs.push(issue("Expected boolean", json!([audio_key])));
            true
        }
    };

    match inputs.get("bitrate_mode") {
        _ if spec.family.is_wan() => {}
        None | Some(Value::Null) => {}
        Some(Value::String(b)) if b == "high" => {}
        Some(other) => errs.push(issue(
            format!("Invalid literal value, expected \"high\", received {other}"),
            json!(["bitrate_mode"]),
        )),
    }

    // `output_format` exists on the 2.5 family only; elsewhere it is an unknown key, ignored.
    let output_format = match (spec.family.is_v25(), inputs.get("output_format")) {
        (false, _) | (true, None | Some(Value::Null)) => "mp4".to_string(),
        (true, Some(Value::String(f))) if f == "mp4" || f == "mov" => f.clone(),
        (true, Some(other)) => {
            errs.push(issue(
                format!("Invalid enum value. Expected 'mp4' | 'mov', received {other}"),
                json!(["output_format"]),
            ));
            "mp4".to_string()
        }
    };

    let wan = spec.family.is_wan();
    let seed = match inputs.get("seed") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(s) if (s == -1 && !wan) || (0..=spec.max_seed).contains(&s) => Some(s),
            _ => {
                errs.push(issue(
                    if wan {
                        format!("Seed must be an integer between 0 and {}", spec.max_seed)
                    } else {
                        format!(
                            "Seed must be an integer between 0 and {}, or -1",
                            spec.max_seed
                        )
                    },
                    json!(["seed"]),
                ));
                None
            }
        },
    };

    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(ValidRequest {
        spec,
        prompt,
        image_urls,
        video_urls,
        audio_urls,
        mode,
        billed_seconds,
        resolution,
        aspect_ratio,
        aspect_ratio_set,
        output_format,
        generate_audio,
        seed,
    })
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Integer seconds, from a JSON integer (or integral float) or a numeric string like `"5"`.
fn parse_duration(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                return u32::try_from(i).ok();
            }
            let f = n.as_f64()?;
            (f.fract() == 0.0 && (0.0..=1e6).contains(&f)).then_some(f as u32)
        }
        Value::String(s) => s.trim().parse::<u32>().ok(),
        _ => None,
    }
}

fn url_list(
    inputs: &Map<String, Value>,
    key: &str,
    max: usize,
    errs: &mut Vec<Value>,
) -> Vec<String> {
    let arr = match inputs.get(key) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            errs.push(issue("Expected array", json!([key])));
            return Vec::new();
        }
    };
    if max == 0 && !arr.is_empty() {
        errs.push(issue(
            format!("{key} is not supported by this model"),
            json!([key]),
        ));
    } else if arr.len() > max {
        errs.push(issue(
            format!("Array must contain at most {max} element(s)"),
            json!([key]),
        ));
    }
    let mut out = Vec::new();
    for (i, v) in arr.iter().enumerate() {
        match v {
            Value::String(u) if is_http_url(u) => out.push(u.clone()),
            _ => errs.push(issue("Invalid url", json!([key, i]))),
        }
    }
    out
}

/// A loose absolute http(s) URL check: scheme, then a non-empty host without spaces.
pub fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(model: &str, inputs: Value) -> Value {
        json!({"model": model, "inputs": inputs})
    }

    fn paths(r: Result<ValidRequest, Rejection>) -> Vec<String> {
        match r {
            Err(Rejection::InvalidInputs(e)) => {
                e.iter().map(|i| i["path"][0].to_string()).collect()
            }
            other => panic!("expected invalid inputs, got {other:?}"),
        }
    }

    #[test]
    fn accepts_fixture_a2() {
        let v = validate(&json!({
            "model": "seedance-20",
            "inputs": {"prompt": "x", "imageUrls": ["https://a/b.png"], "videoUrls": [], "audioUrls": [],
                "mode": "keyframe", "duration": 5, "outputResolution": "720p", "aspectRatio": "16:9",
                "generate_audio": true, "bitrate_mode": "high", "seed": -1, "aspect_ratio": "9:16"},
            "callBackUrl": "https://example.com/hooks/kinovi"
        }))
        .expect("valid");
        assert_eq!(v.billed_seconds, 5);
        assert_eq!(v.aspect_ratio, "16:9");
    }

    #[test]
    fn string_duration_accepted() {
        let v = validate(&req(
            "seedance2-fast",
            json!({"prompt": "x", "duration": "8"}),
        ))
        .expect("valid");
        assert_eq!(v.billed_seconds, 8);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            validate(&req("seedance-2.0", json!({"prompt": "x"}))).err(),
            Some(Rejection::UnknownModel)
        );
        assert_eq!(
            validate(&json!({"model": "seedance-20", "inputs": {"prompt": "x"}, "callBackUrl": "not a url"})).err(),
            Some(Rejection::InvalidParams)
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "duration": 16})
            ))),
            vec!["\"duration\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "duration": 3})
            ))),
            vec!["\"duration\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance2.0-mini",
                json!({"prompt": "x", "outputResolution": "1080p"})
            ))),
            vec!["\"outputResolution\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "aspectRatio": "5:4"})
            ))),
            vec!["\"aspectRatio\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "mode": "frames"})
            ))),
            vec!["\"mode\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "generate_audio": "yes"})
            ))),
            vec!["\"generate_audio\""]
        );
        let long = "a".repeat(10_001);
        assert_eq!(
            paths(validate(&req("seedance-20", json!({"prompt": long})))),
            vec!["\"prompt\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "seed": 4_294_967_296_i64})
            ))),
            vec!["\"seed\""]
        );
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "bitrate_mode": "low"})
            ))),
            vec!["\"bitrate_mode\""]
        );
        let ten: Vec<String> = (0..10).map(|i| format!("https://x/{i}.png")).collect();
        assert_eq!(
            paths(validate(&req(
                "seedance-20",
                json!({"prompt": "x", "imageUrls": ten})
            ))),
            vec!["\"imageUrls\""]
        );
        assert_eq!(
            paths(validate(&req("seedance2-5-edit", json!({"prompt": "x"})))),
            vec!["\"videoUrls\""]
        );
    }
}
