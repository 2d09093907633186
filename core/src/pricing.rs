//! What a generation will cost before it is submitted: what the service reserves at
//! submission and, where it differs, what it settles at after success (service-api §4.2,
//! §8.1, §12.3), in credits and an approximate dollar figure. Rates, the implied value of
//! a credit and the settlement rule of each model are data, in the model catalogue
//! (`model::Catalog`, `catalog/models.json`).
//!
//! Owns the estimate and its wording. It never stands in for the service's own figure: a
//! task's `creditsUsed` stays a [`Spend::Reported`] and is shown as the service's, never
//! recomputed. It does not validate a request (see `validate`); it only refuses to price
//! what has no price.

use crate::media::MediaKind;
use crate::model::{Catalog, ModelId, ModelSpec, Resolution, SettlementRule};
use crate::request::GenerationRequest;
use serde::{Deserialize, Serialize};

/// Which column of the rate table applies. Any reference video moves the whole clip to
/// the reference-video rate (for models that have one); images and audio never change
/// the price.
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

/// Our estimate of what a request will cost.
///
/// `credits` is what the service reserves at submission (the 402's `required`). For the
/// 2.0 family, Wan and 2.5 without a reference video it is also the final price (charged
/// in full, refunded on failure). For 2.5 with a reference video, extend and edit the
/// service rewrites the charge after success: [`CreditEstimate::settlement`] says to
/// what. `usd` is approximate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditEstimate {
    /// Reserved at submission: `rate_per_second × reserved_seconds`, rounded to 1/100
    /// credit (rates can be fractional).
    pub credits: f64,
    /// Unrounded `credits × usd_per_credit`; round only for display.
    pub usd: f64,
    pub rate_per_second: f64,
    pub tier: Tier,
    pub table_version: String,
    pub note: Option<String>,
    /// Seconds billed at submission (`duration`, or an edit's fixed reservation).
    #[serde(default)]
    pub reserved_seconds: f64,
    /// What the service settles at after success, when the model settles after success;
    /// `None` when the reservation is the final price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
}

/// The charge after success of a task that settles then (service-api §12.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// `rate_per_second × seconds`, rounded to 1/100 credit.
    pub credits: f64,
    pub usd: f64,
    /// Settled seconds, whole (the service rounds them).
    pub seconds: f64,
    /// A reference video's length is unknown here, so the most the rule can count was
    /// assumed: the real figure is this or less.
    pub upper_bound: bool,
}

impl CreditEstimate {
    /// What the task finally costs if it succeeds: the settled figure, or the
    /// reservation where that is final.
    pub fn settled_credits(&self) -> f64 {
        self.settlement.map_or(self.credits, |s| s.credits)
    }

    /// What a spending cap must count for this request until the service has settled
    /// it: the larger of the reservation and the settled figure (an edit reserves more
    /// than it may settle at; a 2.5 task with a reference video settles higher than it
    /// reserves). Once the task's `creditsUsed` is read after settlement, that replaces
    /// it.
    pub fn cap_credits(&self) -> f64 {
        self.credits.max(self.settled_credits())
    }
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

/// Prices a request from the shipped catalogue.
///
/// Errors when the model lacks the resolution or the duration is outside the model's
/// range, because the service would refuse the request and charge nothing.
pub fn estimate(request: &GenerationRequest) -> Result<CreditEstimate, PricingError> {
    estimate_with(Catalog::shipped(), request)
}

/// [`estimate`] against `catalog` (a model added as data, or a test's copy).
///
/// Reservation: `duration × rate` at the resolution's rate (the reference-video rate
/// when any reference video is attached), or an edit's fixed `reserve_secs × rate`.
/// Settlement after success, per the model's rule: `(the reference videos' seconds up to
/// the rule's cap + duration) × rate`, or `2 × the source's seconds (capped) × rate`,
/// settled seconds rounded to whole seconds as the service does. A video of unknown
/// length counts as the cap, so the figure is an upper bound.
pub fn estimate_with(
    catalog: &Catalog,
    request: &GenerationRequest,
) -> Result<CreditEstimate, PricingError> {
    let model = request.model;
    let spec = catalog
        .model(model)
        .ok_or(PricingError::ModelNotPriced { model })?;
    let duration_secs = request.effective_duration_secs_with(catalog);
    if let Some(range) = spec.duration {
        if !(range.min_secs..=range.max_secs).contains(&duration_secs) {
            return Err(PricingError::DurationOutOfRange {
                model,
                duration_secs,
                min_secs: range.min_secs,
                max_secs: range.max_secs,
            });
        }
    }
    let tier = Tier::for_request(request);
    let rate = spec
        .rate(request.resolution, tier == Tier::ReferenceVideo)
        .ok_or(PricingError::UnsupportedResolution {
            model,
            resolution: request.resolution,
        })?;
    let duration = f64::from(duration_secs);
    let reserved_seconds = match spec.pricing.settlement {
        SettlementRule::DoubleSource { reserve_secs, .. } => reserve_secs,
        SettlementRule::AtSubmit | SettlementRule::VideosPlusDuration { .. } => duration,
    };
    let usd_per_credit = spec.pricing.usd_per_credit;
    let credits = round_credits(rate * reserved_seconds);
    let settlement = settled_seconds(spec, request, duration).map(|(seconds, upper_bound)| {
        let credits = round_credits(rate * seconds);
        Settlement {
            credits,
            usd: credits * usd_per_credit,
            seconds,
            upper_bound,
        }
    });
    Ok(CreditEstimate {
        credits,
        usd: credits * usd_per_credit,
        rate_per_second: rate,
        tier,
        table_version: catalog.version.clone(),
        note: spec.pricing.note.clone(),
        reserved_seconds,
        settlement,
    })
}

/// Seconds the service settles at after success, and whether an unknown length made it
/// an upper bound; `None` when the reservation is final.
fn settled_seconds(
    spec: &ModelSpec,
    request: &GenerationRequest,
    duration: f64,
) -> Option<(f64, bool)> {
    let videos = || {
        request
            .references_of(MediaKind::Video)
            .map(|r| r.duration_ms)
    };
    match spec.pricing.settlement {
        SettlementRule::AtSubmit => None,
        SettlementRule::VideosPlusDuration { max_video_secs } => {
            if !request.has_reference_video() {
                return None;
            }
            let unknown = videos().any(|d| d.is_none());
            let known: u64 = videos().flatten().fold(0, u64::saturating_add);
            let counted = if unknown {
                max_video_secs
            } else {
                (known as f64 / 1000.0).min(max_video_secs)
            };
            Some(((counted + duration).round(), unknown))
        }
        SettlementRule::DoubleSource {
            max_source_secs, ..
        } => {
            let source = request.source_video_ms();
            let counted = source.map_or(max_source_secs, |ms| {
                (ms as f64 / 1000.0).min(max_source_secs)
            });
            Some(((2.0 * counted).round(), source.is_none()))
        }
    }
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

/// The Generate button's cost: "200 credits ≈ $0.94" where the reservation is the
/// price; "reserves 175 credits now, about 525 when done (≈ $2.42)" where the service
/// settles after success ("at most" when a reference's length is unknown).
pub fn format_button_label(estimate: &CreditEstimate) -> String {
    match estimate.settlement {
        None => format!(
            "{} ≈ {}",
            format_credits(estimate.credits),
            format_usd(estimate.usd)
        ),
        Some(settled) => format!(
            "reserves {} now, {} {} when done (≈ {})",
            format_credits(estimate.credits),
            if settled.upper_bound {
                "at most"
            } else {
                "about"
            },
            format_number(settled.credits),
            format_usd(settled.usd)
        ),
    }
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
    fn the_reference_video_rate_is_higher_on_2_0_and_lower_on_2_5() {
        // service-api §12.3.1: the 2.5 reference-video rate is lower per second, but the
        // reference's own seconds are billed too.
        for model in Catalog::shipped().models.iter() {
            for row in &model.pricing.rates {
                let Some(reference) = row.reference_video else {
                    continue;
                };
                if model.family == "seedance-2.0" {
                    assert!(reference > row.standard, "{:?}", model.id);
                } else {
                    assert!(reference < row.standard, "{:?}", model.id);
                }
            }
        }
    }

    #[test]
    fn the_button_says_both_figures_when_the_charge_settles_later() {
        let settled = |credits: f64, upper_bound: bool| CreditEstimate {
            credits: 175.0,
            usd: 175.0 * 0.004606,
            rate_per_second: 35.0,
            tier: Tier::ReferenceVideo,
            table_version: "t".into(),
            note: None,
            reserved_seconds: 5.0,
            settlement: Some(Settlement {
                credits,
                usd: credits * 0.004606,
                seconds: credits / 35.0,
                upper_bound,
            }),
        };
        let e = settled(525.0, false);
        assert_eq!(
            format_button_label(&e),
            "reserves 175 credits now, about 525 when done (≈ $2.42)"
        );
        assert_eq!((e.settled_credits(), e.cap_credits()), (525.0, 525.0));
        let e = settled(1225.0, true);
        assert_eq!(
            format_button_label(&e),
            "reserves 175 credits now, at most 1,225 when done (≈ $5.64)"
        );
        let mut e = settled(140.0, false);
        e.settlement = e.settlement.map(|s| Settlement {
            credits: 140.0,
            ..s
        });
        assert_eq!(e.cap_credits(), 175.0, "the cap counts the larger figure");
        e.settlement = None;
        assert_eq!(format_button_label(&e), "175 credits ≈ $0.81");
        assert_eq!((e.settled_credits(), e.cap_credits()), (175.0, 175.0));
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
