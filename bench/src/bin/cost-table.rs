//! `cost-table`: writes `docs/costs.md`, the price of a 5-second clip for every model and
//! resolution exactly as the app shows it (`pricing::estimate` + `format_button_label`),
//! each row checked against the documentation's own table (§8.1, Era D).
//!
//! Owns only this report. The expected figures below are copied from the documentation, not
//! from `pricing/rates.json`, so a wrong rate in the shipped table fails the run (exit 1)
//! instead of being written down as fact.
//!
//! `cost-table > docs/costs.md`; mismatches are listed on stderr.

use std::process::ExitCode;

use seedance_core::media::MediaKind;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::pricing::{self, CreditEstimate, PricingError, Tier};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};

const CLIP_SECS: u32 = 5;

/// service-api §8.1: (credits per second, dollars per second) for the standard and the
/// reference-video tier; `None` where the documentation shows "–".
type ContractCell = Option<((f64, f64), (f64, f64))>;

fn contract_rate(model: ModelId, resolution: Resolution) -> ContractCell {
    use ModelId::*;
    use Resolution::*;
    match (model, resolution) {
        (Seedance20, P480) => Some(((15.0, 0.0707), (19.0, 0.0895))),
        (Seedance20, P720) => Some(((40.0, 0.1884), (48.0, 0.2261))),
        (Seedance20, P1080) => Some(((90.0, 0.4239), (108.0, 0.5087))),
        (Seedance20, K4) => Some(((200.0, 0.9420), (240.0, 1.1305))),
        (Seedance2Fast, P480) => Some(((14.0, 0.0659), (18.0, 0.0848))),
        (Seedance2Fast, P720) => Some(((28.0, 0.1319), (34.0, 0.1602))),
        (Seedance20Mini, P480) => Some(((7.5, 0.0353), (9.5, 0.0447))),
        (Seedance20Mini, P720) => Some(((20.0, 0.0942), (24.0, 0.1130))),
        (Seedance2Fast | Seedance20Mini, P1080 | K4) => None,
    }
}

/// The documentation's worked examples (§8.1) for 5 s at 720p: (model, tier, credits, dollars).
const WORKED_EXAMPLES: [(ModelId, Tier, f64, Option<f64>); 6] = [
    (ModelId::Seedance20, Tier::Standard, 200.0, Some(0.94)),
    (ModelId::Seedance20, Tier::ReferenceVideo, 240.0, Some(1.13)),
    (ModelId::Seedance2Fast, Tier::Standard, 140.0, None),
    (ModelId::Seedance2Fast, Tier::ReferenceVideo, 170.0, None),
    (ModelId::Seedance20Mini, Tier::Standard, 100.0, None),
    (ModelId::Seedance20Mini, Tier::ReferenceVideo, 120.0, None),
];

fn request(model: ModelId, resolution: Resolution, tier: Tier) -> GenerationRequest {
    let mut request = GenerationRequest::new(model, "cost table");
    request.duration_secs = CLIP_SECS;
    request.resolution = resolution;
    if tier == Tier::ReferenceVideo {
        request.references.push(Reference {
            kind: MediaKind::Video,
            source: ReferenceSource::Url {
                url: "https://example.invalid/reference.mp4".into(),
            },
            duration_ms: Some(5_000),
        });
    }
    request
}

/// One priced (or unpriceable) cell, with what went wrong against the documentation.
struct Cell {
    shown: String,
    problems: Vec<String>,
}

fn cell(model: ModelId, resolution: Resolution, tier: Tier) -> Cell {
    let expected = contract_rate(model, resolution).map(|(standard, reference)| match tier {
        Tier::Standard => standard,
        Tier::ReferenceVideo => reference,
    });
    let what = format!(
        "{} {} {}",
        model.wire_id(),
        resolution.wire_id(),
        tier.as_str()
    );
    let secs = f64::from(CLIP_SECS);
    match (
        pricing::estimate(&request(model, resolution, tier)),
        expected,
    ) {
        (Ok(estimate), Some((rate, usd_per_sec))) => {
            let mut problems = Vec::new();
            let credits = rate * secs;
            if estimate.credits != credits {
                problems.push(format!(
                    "{what}: app says {} credits, documented {credits}",
                    estimate.credits
                ));
            }
            // The documentation's dollars are rounded to 1/100 cent per second; the app shows
            // cents. Half a cent either way is rounding, more is a wrong credit value.
            let contract_usd = usd_per_sec * secs;
            if (estimate.usd - contract_usd).abs() > 0.005 {
                problems.push(format!(
                    "{what}: app says ${:.4}, contract ${contract_usd:.4}",
                    estimate.usd
                ));
            }
            Cell {
                shown: pricing::format_button_label(&estimate),
                problems,
            }
        }
        (Err(PricingError::UnsupportedResolution { .. }), None) => Cell {
            shown: "not offered".into(),
            problems: Vec::new(),
        },
        (Ok(estimate), None) => Cell {
            shown: pricing::format_button_label(&estimate),
            problems: vec![format!(
                "{what}: priced by the app, not offered by the documentation"
            )],
        },
        (Err(e), _) => Cell {
            shown: format!("error: {e}"),
            problems: vec![format!("{what}: the app cannot price it: {e}")],
        },
    }
}

fn worked_example_problems() -> Vec<String> {
    WORKED_EXAMPLES
        .iter()
        .filter_map(|&(model, tier, credits, usd)| {
            let estimate: CreditEstimate =
                match pricing::estimate(&request(model, Resolution::P720, tier)) {
                    Ok(e) => e,
                    Err(e) => return Some(format!("worked example {}: {e}", model.wire_id())),
                };
            let usd_ok =
                usd.is_none_or(|usd| pricing::format_usd(estimate.usd) == pricing::format_usd(usd));
            (estimate.credits != credits || !usd_ok).then(|| {
                format!(
                    "worked example {} 720p {}: app shows \"{}\", documented {credits} credits{}",
                    model.wire_id(),
                    tier.as_str(),
                    pricing::format_button_label(&estimate),
                    usd.map(|u| format!(" (${u:.2})")).unwrap_or_default()
                )
            })
        })
        .collect()
}

fn main() -> ExitCode {
    let table = pricing::rate_table();
    let mut problems = Vec::new();
    let mut out = String::new();
    out.push_str(
        "# What a 5-second clip costs\n\n\
         Generated by `cargo run --release -p seedance-bench --bin cost-table > docs/costs.md` (also run by \
         `bash bench/bench.sh`); do not edit by hand.\n\n\
         Each cell is the Generate button's label for a 5-second clip at that resolution, \
         computed by the app (`pricing::estimate` + `pricing::format_button_label`), and \
         checked against the documentation's table (`docs/service-api.md` §8.1, Era D): \
         credits must match exactly, dollars within half a cent (the documentation rounds dollars \
         per second to four places). Credits are what the service charges; dollars are an \
         estimate at the implied credit value below.\n\n",
    );
    out.push_str(&format!(
        "Rate table `{}` ({}).\n\n",
        table.version, table.source
    ));
    out.push_str(
        "| Model | Resolution | Text / images / audio | With a reference video | service-api §8.1 × 5 s |\n",
    );
    out.push_str("|---|---|---|---|---|\n");
    for model in ModelId::ALL {
        for resolution in Resolution::ALL {
            let standard = cell(model, resolution, Tier::Standard);
            let reference = cell(model, resolution, Tier::ReferenceVideo);
            let contract = match contract_rate(model, resolution) {
                Some(((c, d), (rc, rd))) => {
                    let secs = f64::from(CLIP_SECS);
                    format!(
                        "{} / {} cr, ${:.4} / ${:.4}",
                        c * secs,
                        rc * secs,
                        d * secs,
                        rd * secs
                    )
                }
                None => "–".to_string(),
            };
            out.push_str(&format!(
                "| {} (`{}`) | {} | {} | {} | {contract} |\n",
                model.label(),
                model.wire_id(),
                resolution.wire_id(),
                standard.shown,
                reference.shown
            ));
            problems.extend(standard.problems);
            problems.extend(reference.problems);
        }
    }
    problems.extend(worked_example_problems());

    out.push_str("\nPer model:\n\n");
    for model in ModelId::ALL {
        if let Some(rates) = table.model(model) {
            out.push_str(&format!(
                "- {}: 1 credit ≈ ${}{}\n",
                model.label(),
                rates.usd_per_credit,
                rates
                    .note
                    .as_deref()
                    .map(|n| format!(". {n}"))
                    .unwrap_or_default()
            ));
        }
    }
    out.push_str(&format!(
        "\nCheck against the documentation: {}.\n",
        if problems.is_empty() {
            "every cell and the worked examples of §8.1 (5 s at 720p: 200/240, 140/170, \
             100/120 credits; $0.94 and $1.13 for Seedance 2.0) match"
                .to_string()
        } else {
            format!("{} MISMATCH(ES), see below", problems.len())
        }
    ));
    for problem in &problems {
        out.push_str(&format!("- MISMATCH: {problem}\n"));
    }
    print!("{out}");
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        for problem in &problems {
            eprintln!("cost-table: {problem}");
        }
        ExitCode::FAILURE
    }
}
