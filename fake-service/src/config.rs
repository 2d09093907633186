//! The fake's tunable settings ([`FakeConfig`]) and the Era D price table (service-api §8.1,
//! §12.3.1) with its per-rate overrides.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Settings of a running fake. Every field can be changed at run time with
/// [`crate::FakeService::set_config`] or `POST /__admin/config` (a partial JSON object with
/// these snake_case keys); changes apply to requests and tasks that come after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FakeConfig {
    /// Tasks in `waiting`/`generating` allowed per API key before createTask answers 429.
    pub concurrency_limit: u32,
    /// Credits in the wallet. There is ONE wallet shared by every key (the fake models a
    /// single account's balance; keys only separate concurrency and task ownership).
    /// Setting it (through `set_config` or the admin API) replaces the current balance.
    pub balance: f64,
    /// Multiplies every simulated duration (queue wait, generation, quick failures).
    /// `0.01` turns a 3-minute generation into 1.8 s. Explicit per-task times
    /// (`[fake:gen=S]`, plan `gen_seconds`) are real seconds and not scaled.
    pub time_scale: f64,
    /// When set, only this exact key (and the public demo key) is accepted; any other
    /// non-empty key is `401 Invalid API Key`. When unset, any key is valid except those
    /// starting with `invalid` (401) or `noaccess` (403).
    pub required_key: Option<String>,
    /// Rate overrides in credits per output second, keyed `"<model>/<resolution>"` or
    /// `"<model>/<resolution>/ref"` (reference-video tier), e.g. `"seedance-20/720p": 40`.
    /// Keys not listed use the Era D table.
    pub rates: BTreeMap<String, f64>,
    /// Seed for the deterministic choice of each task's queue and generation times.
    pub seed: u64,
    /// Lifetime of signed upload URLs in seconds (`expiresIn`). Negative values hand out
    /// URLs that are already expired, for testing the 403.
    pub upload_url_ttl_secs: i64,
    /// Largest JSON request body accepted (413 beyond).
    pub max_json_body_bytes: usize,
    /// Seconds of service time (multiplied by `time_scale`) between a 2.5 task's `success`
    /// and the rewrite of its `creditsUsed` to the settled amount (service-api §12.3.2).
    pub settlement_delay_secs: f64,
    /// Lifetime of a 2.5 `lastFrameImage` link after completion, in seconds of service time
    /// (multiplied by `time_scale`); also its `X-Tos-Expires`. The docs say 86,400.
    pub last_frame_ttl_secs: u64,
    /// Downloads a 2.5 `lastFrameImage` link serves before it answers 403.
    pub last_frame_max_downloads: u32,
    /// Make every successful task's files with ffmpeg (the prompt's colour and words, the
    /// task's length, size, codec and container) instead of serving the embedded 1 s test
    /// pattern. Off by default: unit tests stay fast and need no ffmpeg.
    pub render_results: bool,
    /// The ffmpeg program used in render mode (a name looked up on PATH, or a path).
    pub ffmpeg: String,
    /// Where rendered files are kept, by content, so a later run reuses them; `None` keeps
    /// them in the fake's temporary directory. Read when the fake starts.
    pub render_cache_dir: Option<PathBuf>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            concurrency_limit: 5,
            balance: 1_000_000.0,
            time_scale: 1.0,
            required_key: None,
            rates: BTreeMap::new(),
            seed: 20_260_101,
            upload_url_ttl_secs: 900,
            max_json_body_bytes: 10 * 1024 * 1024,
            settlement_delay_secs: 5.0,
            last_frame_ttl_secs: 86_400,
            last_frame_max_downloads: 100,
            render_results: false,
            ffmpeg: "ffmpeg".to_string(),
            render_cache_dir: None,
        }
    }
}

impl FakeConfig {
    /// Credits per output second for this model/resolution/tier, `None` if the model does
    /// not offer that resolution.
    pub fn rate(&self, model: &str, resolution: &str, reference_video: bool) -> Option<f64> {
        let key = if reference_video {
            format!("{model}/{resolution}/ref")
        } else {
            format!("{model}/{resolution}")
        };
        self.rates
            .get(&key)
            .copied()
            .or_else(|| default_rate(model, resolution, reference_video))
    }

    /// The time scale made safe: finite and not negative.
    pub fn effective_time_scale(&self) -> f64 {
        if self.time_scale.is_finite() && self.time_scale >= 0.0 {
            self.time_scale
        } else {
            1.0
        }
    }
}

/// Service-api §8.1 (Era D) and §12.3.1 list rates, credits per output second.
pub fn default_rate(model: &str, resolution: &str, reference_video: bool) -> Option<f64> {
    // Columns: 480p, 720p, 1080p, 4k; then the same with a reference video.
    let (plain, with_ref): ([Option<f64>; 4], [Option<f64>; 4]) = match model {
        "seedance-20" => (
            [Some(15.0), Some(40.0), Some(90.0), Some(200.0)],
            [Some(19.0), Some(48.0), Some(108.0), Some(240.0)],
        ),
        "seedance2-fast" => (
            [Some(14.0), Some(28.0), None, None],
            [Some(18.0), Some(34.0), None, None],
        ),
        "seedance2.0-mini" => (
            [Some(7.5), Some(20.0), None, None],
            [Some(9.5), Some(24.0), None, None],
        ),
        "seedance2-5" => (
            [Some(26.0), Some(59.0), Some(143.4), None],
            [Some(16.0), Some(35.0), Some(85.68), None],
        ),
        // Edit/extend have a single rate whether or not (they always have) a video.
        "seedance2-5-edit" | "seedance2-5-extend" => (
            [Some(16.0), Some(35.0), Some(85.68), None],
            [Some(16.0), Some(35.0), Some(85.68), None],
        ),
        // Wan 3.0 has one rate whatever the media. The listed 720p rate is 28.51, but the
        // documented 5 s total is 142.57: the service bills a finer rate and rounds the
        // total (service-api §12.3.1), so 28.514 here.
        "wan3.0-text-to-video" | "wan3.0-image-to-video" | "wan3.0-ref-to-video" => (
            [Some(14.26), Some(28.514), Some(57.01), None],
            [Some(14.26), Some(28.514), Some(57.01), None],
        ),
        "wan3.0-prime-text-to-video"
        | "wan3.0-prime-image-to-video"
        | "wan3.0-prime-ref-to-video" => (
            [Some(18.86), Some(38.83), Some(77.66), None],
            [Some(18.86), Some(38.83), Some(77.66), None],
        ),
        _ => return None,
    };
    let col = match resolution {
        "480p" => 0,
        "720p" => 1,
        "1080p" => 2,
        "4k" => 3,
        _ => return None,
    };
    if reference_video {
        with_ref[col]
    } else {
        plain[col]
    }
}

/// Rounds credits to cents so `143.4 × 5` reads `717`, not `717.0000000000001`.
pub fn round_credits(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples() {
        let c = FakeConfig::default();
        let cost =
            |m: &str, r: &str, v: bool, d: f64| round_credits(c.rate(m, r, v).unwrap_or(0.0) * d);
        assert_eq!(cost("seedance-20", "720p", false, 5.0), 200.0);
        assert_eq!(cost("seedance-20", "720p", true, 5.0), 240.0);
        assert_eq!(cost("seedance2-fast", "720p", false, 5.0), 140.0);
        assert_eq!(cost("seedance2-fast", "720p", true, 10.0), 340.0);
        assert_eq!(cost("seedance2.0-mini", "720p", false, 5.0), 100.0);
        assert_eq!(cost("seedance2.0-mini", "480p", false, 5.0), 37.5);
        assert_eq!(cost("seedance2-5", "1080p", false, 5.0), 717.0);
        assert_eq!(cost("wan3.0-ref-to-video", "720p", true, 5.0), 142.57);
        assert_eq!(
            cost("wan3.0-prime-text-to-video", "720p", false, 5.0),
            194.15
        );
        assert_eq!(c.rate("seedance2-fast", "1080p", false), None);
    }

    #[test]
    fn override_wins() {
        let mut c = FakeConfig::default();
        c.rates.insert("seedance-20/720p".into(), 1.5);
        assert_eq!(c.rate("seedance-20", "720p", false), Some(1.5));
        assert_eq!(c.rate("seedance-20", "720p", true), Some(48.0));
    }
}
