//! What a generation will cost before it is submitted: credits and an approximate dollar
//! figure, from the one rate table in `pricing/rates.json` (service-api §8.1, Era D).
//!
//! Owns the rate table, the estimate and its wording. It never stands in for the
//! service's own figure: a task's `creditsUsed` stays a [`Spend::Reported`] and is shown
//! as the service's, never recomputed. It does not validate a request (see `validate`);
//! it only refuses to price what has no price.

use crate::model::{ModelId, Resolution};
use crate::request::GenerationRequest;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const RATES_JSON: &str = include_str!("../pricing/rates.json");

/// The rate table as shipped. Credits per output second, per model × resolution × tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateTable {
    /// Changes whenever a rate changes; recorded with every estimate.
    pub version: String,
    /// Where the rates come from, for the docs and the about box.
    pub source: String,
    pub models: Vec<ModelRates>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRates {
    pub model: ModelId,
    /// Implied dollar value of one credit. The service bills credits; dollars are only
    /// ever our estimate.
    pub usd_per_credit: f64,
    /// Shown next to every estimate for this model (e.g. a launch discount whose effect
    /// on the credits charged is undocumented).
    pub note: Option<String>,
    /// Only the resolutions the model offers; a missing row means "not available".
    pub rates: Vec<ResolutionRates>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResolutionRates {
    pub resolution: Resolution,
    /// Credits per output second without a reference video.
    pub standard: f64,
    /// Credits per output second, for the whole duration, when any reference video is
    /// attached.
    pub reference_video: f64,
}

/// Which column of the table applies. Any reference video moves the whole clip to the
/// reference-video rate; images and audio never change the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Standard,
    ReferenceVideo,
}

impl Tier {
    pub fn for_request(request: &GenerationRequest) -> Tier {
        if request.has_reference_video() {
            Tier::ReferenceVideo
        } else {
            Tier::Standard
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::ReferenceVideo => "reference_video",
        }
    }
}

impl ResolutionRates {
    pub fn rate(&self, tier: Tier) -> f64 {
        match tier {
            Tier::Standard => self.standard,
            Tier::ReferenceVideo => self.reference_video,
        }
    }
}

impl ModelRates {
    pub fn for_resolution(&self, resolution: Resolution) -> Option<&ResolutionRates> {
        self.rates.iter().find(|r| r.resolution == resolution)
    }
}

impl RateTable {
    pub fn model(&self, model: ModelId) -> Option<&ModelRates> {
        self.models.iter().find(|m| m.model == model)
    }

    /// Credits per output second, `None` when the model does not offer `resolution`.
    pub fn rate(&self, model: ModelId, resolution: Resolution, tier: Tier) -> Option<f64> {
        Some(self.model(model)?.for_resolution(resolution)?.rate(tier))
    }
}

/// The shipped rate table, parsed on first use.
pub fn rate_table() -> &'static RateTable {
    static TABLE: OnceLock<RateTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is compiled in and checked by this module's tests, so a parse failure
        // can only be a build of an edited table that skipped them.
        serde_json::from_str(RATES_JSON).expect("pricing/rates.json is valid (unit-tested)")
    })
}

/// Our estimate of what a request will cost. Credits are the documented final price for
/// the 2.0 family (charged in full at submit, refunded on failure); `usd` is approximate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditEstimate {
    /// `rate_per_second × duration`, rounded to 1/100 credit (rates can be fractional).
    pub credits: f64,
    /// Unrounded `credits × usd_per_credit`; round only for display.
    pub usd: f64,
    pub rate_per_second: f64,
    pub tier: Tier,
    pub table_version: String,
    pub note: Option<String>,
}

/// Why a request has no price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PricingError {
    #[error("{} has no {} option, so it has no price; it offers {}.", model.label(), resolution.wire_id(), list_resolutions(*model))]
    UnsupportedResolution {
        model: ModelId,
        resolution: Resolution,
    },
    #[error("A {duration_secs} s clip has no price: {} generates {min_secs} to {max_secs} s.", model.label())]
    DurationOutOfRange {
        model: ModelId,
        duration_secs: u32,
        min_secs: u32,
        max_secs: u32,
    },
    #[error("The rate table has no rates for {}.", model.label())]
    ModelNotPriced { model: ModelId },
}

fn list_resolutions(model: ModelId) -> String {
    let names: Vec<&str> = model.resolutions().iter().map(|r| r.wire_id()).collect();
    join_words(&names, "and")
}

/// "a", "a and b", "a, b and c".
pub(crate) fn join_words(items: &[&str], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

/// Prices a request from the shipped table: `duration × rate` for its resolution, at the
/// reference-video rate if any reference video is attached.
///
/// Errors when the model lacks the resolution or the duration is outside the model's
/// range, because the service would refuse the request and charge nothing.
pub fn estimate(request: &GenerationRequest) -> Result<CreditEstimate, PricingError> {
    estimate_with(rate_table(), request)
}

/// [`estimate`] against a given table (tests, or a table the user chose to load).
pub fn estimate_with(
    table: &RateTable,
    request: &GenerationRequest,
) -> Result<CreditEstimate, PricingError> {
    let model = request.model;
    let limits = model.limits();
    if !(limits.min_duration_secs..=limits.max_duration_secs).contains(&request.duration_secs) {
        return Err(PricingError::DurationOutOfRange {
            model,
            duration_secs: request.duration_secs,
            min_secs: limits.min_duration_secs,
            max_secs: limits.max_duration_secs,
        });
    }
    let model_rates = table
        .model(model)
        .ok_or(PricingError::ModelNotPriced { model })?;
    let tier = Tier::for_request(request);
    let rate = model_rates
        .for_resolution(request.resolution)
        // The service refuses the resolution whatever a loaded table says.
        .filter(|_| model.resolutions().contains(&request.resolution))
        .ok_or(PricingError::UnsupportedResolution {
            model,
            resolution: request.resolution,
        })?
        .rate(tier);
    let credits = round_credits(rate * f64::from(request.duration_secs));
    Ok(CreditEstimate {
        credits,
        usd: credits * model_rates.usd_per_credit,
        rate_per_second: rate,
        tier,
        table_version: table.version.clone(),
        note: model_rates.note.clone(),
    })
}

/// Hundredths of a credit, so `143.4 × 5` is `717`, not `717.0000000000001`.
fn round_credits(credits: f64) -> f64 {
    (credits * 100.0).round() / 100.0
}

/// "200 credits", "37.5 credits", "1 credit", "3,600 credits".
pub fn format_credits(credits: f64) -> String {
    let rounded = round_credits(credits);
    let unit = if rounded == 1.0 { "credit" } else { "credits" };
    format!("{} {unit}", format_number(rounded))
}

/// "$0.94"; amounts under a cent read "< $0.01" rather than "$0.00".
pub fn format_usd(usd: f64) -> String {
    if usd > 0.0 && usd < 0.005 {
        return "< $0.01".to_string();
    }
    // Estimates are never negative; clamp rather than print "$-0.00".
    let cents = (usd.max(0.0) * 100.0).round() as u64;
    format!("${}.{:02}", group_digits(cents / 100), cents % 100)
}

/// The Generate button's cost, e.g. "200 credits ≈ $0.94".
pub fn format_button_label(estimate: &CreditEstimate) -> String {
    format!(
        "{} ≈ {}",
        format_credits(estimate.credits),
        format_usd(estimate.usd)
    )
}

fn format_number(value: f64) -> String {
    let hundredths = (value.max(0.0) * 100.0).round() as u64;
    let whole = group_digits(hundredths / 100);
    match hundredths % 100 {
        0 => whole,
        frac if frac % 10 == 0 => format!("{whole}.{}", frac / 10),
        frac => format!("{whole}.{frac:02}"),
    }
}

/// "1,234,567".
pub(crate) fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let groups: Vec<String> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect();
    groups.join(",")
}

/// Credits attached to a task, keeping apart whose figure it is. The UI must never show
/// our estimate as what the service charged, nor sum the two kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Spend {
    /// Our figure, before submission.
    Estimated(CreditEstimate),
    /// The service's `creditsUsed`, verbatim. It keeps the reserved amount even after a
    /// failure is refunded, so it is not proof of a charge.
    Reported { credits_used: f64 },
}

impl Spend {
    pub fn credits(&self) -> f64 {
        match self {
            Spend::Estimated(estimate) => estimate.credits,
            Spend::Reported { credits_used } => *credits_used,
        }
    }

    /// "200 credits ≈ $0.94 (estimate)" or "200 credits (reported by the service)".
    pub fn label(&self) -> String {
        match self {
            Spend::Estimated(estimate) => format!("{} (estimate)", format_button_label(estimate)),
            Spend::Reported { credits_used } => {
                format!(
                    "{} (reported by the service)",
                    format_credits(*credits_used)
                )
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_covers_exactly_each_models_resolutions() {
        let table: RateTable = serde_json::from_str(RATES_JSON).unwrap();
        assert_eq!(table.models.len(), ModelId::ALL.len());
        for model in ModelId::ALL {
            let rates = table.model(model).unwrap();
            let mut priced: Vec<Resolution> = rates.rates.iter().map(|r| r.resolution).collect();
            priced.sort();
            assert_eq!(priced, model.resolutions(), "{model:?}");
            for row in &rates.rates {
                assert!(row.standard > 0.0 && row.reference_video >= row.standard);
            }
        }
    }

    #[test]
    fn numbers_are_grouped_and_trimmed() {
        assert_eq!(format_number(37.5), "37.5");
        assert_eq!(format_number(3600.0), "3,600");
        assert_eq!(format_number(1234567.25), "1,234,567.25");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(group_digits(4_294_967_295), "4,294,967,295");
        assert_eq!(group_digits(100), "100");
        assert_eq!(format_credits(1.0), "1 credit");
        assert_eq!(format_usd(1234.5), "$1,234.50");
        assert_eq!(format_usd(0.001), "< $0.01");
        assert_eq!(format_usd(0.0), "$0.00");
    }

    #[test]
    fn join_words_reads_naturally() {
        assert_eq!(join_words(&["a"], "and"), "a");
        assert_eq!(join_words(&["a", "b"], "or"), "a or b");
        assert_eq!(join_words(&["a", "b", "c"], "and"), "a, b and c");
    }
}
