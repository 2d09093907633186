//! `cost-table`: writes `docs/costs.md`, what every model in the catalogue costs exactly as
//! the app shows it (`pricing::estimate` + `format_button_label`): a 5-second clip per
//! model, resolution and tier, and every worked example of the documentation, with what is
//! reserved at submission and what is settled after success. Each row is checked against
//! the documentation's own figures (service-api §8.1, §12.3).
//!
//! Owns only this report. The expected figures below are copied from the documentation, not
//! from the catalogue (`catalog/models.json`), so a wrong rate or settlement rule in the
//! shipped table fails the run (exit 1) instead of being written down as fact.
//!
//! `cost-table > docs/costs.md`; mismatches are listed on stderr.

use std::process::ExitCode;

use seedance_core::media::MediaKind;
use seedance_core::model::{Catalog, ModelId, Resolution, TaskKind, VideoJob};
use seedance_core::pricing::{self, CreditEstimate, PricingError, Tier};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};

const CLIP_SECS: u32 = 5;

/// Documented (credits per second, dollars per second) for the standard and the
/// reference-video tier; `None` where the documentation shows "–". Models with one rate
/// list it in both.
type ContractCell = Option<((f64, f64), (f64, f64))>;

/// service-api §8.1 and §12.3.1, copied by hand.
fn contract_rate(model: ModelId, resolution: Resolution) -> ContractCell {
    use Resolution::*;
    let cell = match (model.wire_id(), resolution) {
        ("seedance-20", P480) => ((15.0, 0.0707), (19.0, 0.0895)),
        ("seedance-20", P720) => ((40.0, 0.1884), (48.0, 0.2261)),
        ("seedance-20", P1080) => ((90.0, 0.4239), (108.0, 0.5087)),
        ("seedance-20", K4) => ((200.0, 0.9420), (240.0, 1.1305)),
        ("seedance2-fast", P480) => ((14.0, 0.0659), (18.0, 0.0848)),
        ("seedance2-fast", P720) => ((28.0, 0.1319), (34.0, 0.1602)),
        ("seedance2.0-mini", P480) => ((7.5, 0.0353), (9.5, 0.0447)),
        ("seedance2.0-mini", P720) => ((20.0, 0.0942), (24.0, 0.1130)),
        ("seedance2-5", P480) => ((26.0, 0.1197), (16.0, 0.0737)),
        ("seedance2-5", P720) => ((59.0, 0.2717), (35.0, 0.1612)),
        ("seedance2-5", P1080) => ((143.4, 0.6605), (85.68, 0.3947)),
        ("seedance2-5-edit" | "seedance2-5-extend", P480) => ((16.0, 0.0737), (16.0, 0.0737)),
        ("seedance2-5-edit" | "seedance2-5-extend", P720) => ((35.0, 0.1612), (35.0, 0.1612)),
        ("seedance2-5-edit" | "seedance2-5-extend", P1080) => ((85.68, 0.3947), (85.68, 0.3947)),
        _ => return None,
    };
    Some(cell)
}

/// One documented example: the request, then the figures the documentation prints.
struct Example {
    what: &'static str,
    source: &'static str,
    request: GenerationRequest,
    reserved: f64,
    /// `None`: the reservation is the final price.
    settled: Option<f64>,
    /// The dollars printed next to the final figure, if any.
    usd: Option<f64>,
}

fn video(secs: f64) -> Reference {
    Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url {
            url: "https://example.invalid/reference.mp4".into(),
        },
        duration_ms: Some((secs * 1000.0).round() as u64),
    }
}

fn request(
    model: ModelId,
    resolution: Resolution,
    secs: u32,
    videos: &[f64],
    job: Option<VideoJob>,
) -> GenerationRequest {
    let mut request = GenerationRequest::new(model, "cost table");
    request.duration_secs = secs;
    request.resolution = resolution;
    request.references = videos.iter().map(|&s| video(s)).collect();
    request.video_job = job;
    request
}

/// service-api §8.1 (the 2.0 family's examples, 720p) and §12.3.3 (the 2.5 family's).
fn examples() -> Vec<Example> {
    use ModelId as M;
    use Resolution::{P1080, P480, P720};
    let ex = |what, source, request, reserved, settled, usd| Example {
        what,
        source,
        request,
        reserved,
        settled,
        usd,
    };
    vec![
        ex(
            "Seedance 2.0, 5 s",
            "§8.1",
            request(M::Seedance20, P720, 5, &[], None),
            200.0,
            None,
            Some(0.94),
        ),
        ex(
            "Seedance 2.0, 5 s with a reference video",
            "§8.1",
            request(M::Seedance20, P720, 5, &[5.0], None),
            240.0,
            None,
            Some(1.13),
        ),
        ex(
            "Seedance 2.0, edit a 10 s clip (the 2.0 way)",
            "§8.1, §12.2.2",
            request(M::Seedance20, P720, 5, &[10.0], Some(VideoJob::Edit)),
            480.0,
            None,
            Some(2.26),
        ),
        ex(
            "Seedance 2.0, extend a clip by 5 s (the 2.0 way)",
            "§12.2.2",
            request(M::Seedance20, P720, 5, &[10.0], Some(VideoJob::Extend)),
            240.0,
            None,
            Some(1.13),
        ),
        ex(
            "Seedance 2.0 Fast, 5 s",
            "§8.1",
            request(M::Seedance2Fast, P720, 5, &[], None),
            140.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.0 Fast, 5 s with a reference video",
            "§8.1",
            request(M::Seedance2Fast, P720, 5, &[5.0], None),
            170.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.0 Fast, edit a 10 s clip (the 2.0 way)",
            "§8.1",
            request(M::Seedance2Fast, P720, 5, &[10.0], Some(VideoJob::Edit)),
            340.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.0 Mini, 5 s",
            "§8.1",
            request(M::Seedance20Mini, P720, 5, &[], None),
            100.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.0 Mini, 5 s with a reference video",
            "§8.1",
            request(M::Seedance20Mini, P720, 5, &[5.0], None),
            120.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.0 Mini, edit a 10 s clip (the 2.0 way)",
            "§8.1",
            request(M::Seedance20Mini, P720, 5, &[10.0], Some(VideoJob::Edit)),
            240.0,
            None,
            None,
        ),
        ex(
            "Seedance 2.5, 5 s, text or image",
            "§12.3.3",
            request(M::Seedance25, P720, 5, &[], None),
            295.0,
            None,
            Some(1.36),
        ),
        ex(
            "Seedance 2.5, 5 s from a 10 s clip",
            "§8.1, §12.3.3",
            request(M::Seedance25, P720, 5, &[10.0], None),
            175.0,
            Some(525.0),
            Some(2.42),
        ),
        ex(
            "Seedance 2.5, 4 s at 480p with a 10 s clip",
            "§12.3.3",
            request(M::Seedance25, P480, 4, &[10.0], None),
            64.0,
            Some(224.0),
            None,
        ),
        ex(
            "Seedance 2.5, 4 s at 480p with clips of 20 s + 6 s",
            "§12.3.3",
            request(M::Seedance25, P480, 4, &[20.0, 6.0], None),
            64.0,
            Some(480.0),
            None,
        ),
        ex(
            "Extend a 6 s source by 5 s",
            "§8.1, §12.3.3, C8",
            request(M::Seedance25Extend, P720, 5, &[6.0], None),
            175.0,
            Some(385.0),
            None,
        ),
        ex(
            "Extend a 10 s source by 5 s",
            "§8.1, §12.3.3",
            request(M::Seedance25Extend, P720, 5, &[10.0], None),
            175.0,
            Some(525.0),
            Some(2.42),
        ),
        ex(
            "Edit a 6 s source",
            "§8.1, §12.3.3, C7",
            request(M::Seedance25Edit, P720, 0, &[6.0], None),
            525.0,
            Some(420.0),
            None,
        ),
        ex(
            "Edit a 10 s source",
            "§8.1, §12.3.3",
            request(M::Seedance25Edit, P720, 0, &[10.0], None),
            525.0,
            Some(700.0),
            Some(3.22),
        ),
        ex(
            "Edit a 7.4 s source",
            "§12.3.3",
            request(M::Seedance25Edit, P720, 0, &[7.4], None),
            525.0,
            Some(525.0),
            None,
        ),
        ex(
            "Edit a 4 s source at 480p",
            "§12.3.3",
            request(M::Seedance25Edit, P480, 0, &[4.0], None),
            240.0,
            Some(128.0),
            None,
        ),
        ex(
            "Worst case: extend a 30 s source by 30 s at 1080p",
            "§12.3.3",
            request(M::Seedance25Extend, P1080, 30, &[30.0], None),
            2570.4,
            Some(5140.8),
            Some(23.68),
        ),
    ]
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
    let videos: &[f64] = if tier == Tier::ReferenceVideo {
        &[5.0]
    } else {
        &[]
    };
    let secs = f64::from(CLIP_SECS);
    match (
        pricing::estimate(&request(model, resolution, CLIP_SECS, videos, None)),
        expected,
    ) {
        (Ok(estimate), Some((rate, usd_per_sec))) => {
            let mut problems = Vec::new();
            let credits = (rate * secs * 100.0).round() / 100.0;
            if estimate.credits != credits {
                problems.push(format!(
                    "{what}: app reserves {} credits, documented {credits}",
                    estimate.credits
                ));
            }
            // The documentation's dollars are rounded to 1/100 cent per second; the app shows
            // cents. Half a cent either way is rounding, more is a wrong credit value.
            let contract_usd = usd_per_sec * secs;
            if (estimate.usd - contract_usd).abs() > 0.005 {
                problems.push(format!(
                    "{what}: app says ${:.4}, documented ${contract_usd:.4}",
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

/// An edit or extension's per-second rate and its dollars, against the documentation.
fn rate_check(model: ModelId, resolution: Resolution) -> (String, Vec<String>) {
    let what = format!("{} {}", model.wire_id(), resolution.wire_id());
    let request = request(model, resolution, CLIP_SECS, &[6.0], None);
    let estimate = match pricing::estimate(&request) {
        Ok(e) => e,
        Err(e) => return (format!("error: {e}"), vec![format!("{what}: {e}")]),
    };
    let usd_per_second = estimate.usd / estimate.reserved_seconds;
    let shown = format!(
        "{} per s (≈ ${usd_per_second:.4})",
        pricing::format_credits(estimate.rate_per_second),
    );
    let mut problems = Vec::new();
    match contract_rate(model, resolution) {
        Some(((rate, usd), _)) => {
            if estimate.rate_per_second != rate {
                problems.push(format!(
                    "{what}: app rate {}, documented {rate}",
                    estimate.rate_per_second
                ));
            }
            // As for the 5-second cells: within half a cent over 5 s (the implied value
            // of a credit is itself rounded).
            if (usd_per_second - usd).abs() * f64::from(CLIP_SECS) > 0.005 {
                problems.push(format!(
                    "{what}: app ${usd_per_second:.5} per s, documented ${usd:.4}"
                ));
            }
        }
        None => problems.push(format!("{what}: priced by the app, not documented")),
    }
    (shown, problems)
}

fn example_row(example: &Example) -> (String, Vec<String>) {
    let estimate: CreditEstimate = match pricing::estimate(&example.request) {
        Ok(e) => e,
        Err(e) => {
            let problem = format!("{}: the app cannot price it: {e}", example.what);
            return (
                format!("| {} | error | | | |\n", example.what),
                vec![problem],
            );
        }
    };
    let mut problems = Vec::new();
    if estimate.credits != example.reserved {
        problems.push(format!(
            "{}: app reserves {}, documented {}",
            example.what, estimate.credits, example.reserved
        ));
    }
    let settled = estimate.settlement.map(|s| s.credits);
    if settled != example.settled {
        problems.push(format!(
            "{}: app settles at {settled:?}, documented {:?}",
            example.what, example.settled
        ));
    }
    let final_usd = estimate.settlement.map_or(estimate.usd, |s| s.usd);
    if let Some(usd) = example.usd {
        if pricing::format_usd(final_usd) != pricing::format_usd(usd) {
            problems.push(format!(
                "{}: app says {}, documented {}",
                example.what,
                pricing::format_usd(final_usd),
                pricing::format_usd(usd)
            ));
        }
    }
    let documented = format!(
        "{}{}{}",
        number(example.reserved),
        example
            .settled
            .map(|s| format!(" → {}", number(s)))
            .unwrap_or_default(),
        example
            .usd
            .map(|u| format!(" ({})", pricing::format_usd(u)))
            .unwrap_or_default()
    );
    let row = format!(
        "| {} (`{}`, {}) | {} | {} | {} | {documented} ({}) |\n",
        example.what,
        example.request.model.wire_id(),
        example.request.resolution.wire_id(),
        pricing::format_credits(estimate.credits),
        settled.map_or_else(|| "the same".to_string(), pricing::format_credits),
        pricing::format_button_label(&estimate),
        example.source,
    );
    (row, problems)
}

/// "200", "2570.4": the documentation's way of writing credits.
fn number(credits: f64) -> String {
    format!("{credits}")
}

fn main() -> ExitCode {
    let catalog = Catalog::shipped();
    let mut problems = Vec::new();
    let mut out = String::new();
    out.push_str(
        "# What a generation costs\n\n\
         Generated by `cargo run --release -p seedance-bench --bin cost-table > docs/costs.md` (also run by \
         `bash bench/bench.sh`); do not edit by hand.\n\n\
         Every figure is computed by the app (`pricing::estimate` + `pricing::format_button_label`) \
         from the model catalogue and checked against the documentation (`docs/service-api.md` \
         §8.1 and §12.3): credits must match exactly, dollars within half a cent (the \
         documentation rounds dollars per second to four places). Credits are what the service \
         charges; dollars are an estimate at the implied credit value below.\n\n\
         What is charged, and when (service-api §4.2, §12.3.2): the service **reserves** credits \
         at submission (a failure refunds them). For the 2.0 family and for Seedance 2.5 without \
         a reference video, the reservation is the price. Seedance 2.5 with a reference video, \
         Extend and Edit **settle after success**: `(the reference videos' seconds, up to 30, + \
         duration) × rate` for 2.5 and Extend, `2 × the source's seconds (up to 30) × rate` for \
         Edit (which reserves 15 s), so the final charge can be higher (or, for an edit, lower) \
         than the reservation. The Generate button then shows both \
         (`seedance extend`/`edit` print them and ask for `--yes` when the settled figure is \
         larger). The engine reads the task again after success until `creditsUsed` shows the \
         settled figure and keeps it beside the reservation in the history (`seedance status`, \
         `list --json`, the support packet); the spending cap counts the larger of the \
         reservation and the estimated settlement until then, and the settled figure after.\n\n",
    );
    out.push_str(&format!(
        "Catalogue `{}` ({}).\n\n",
        catalog.version, catalog.source
    ));

    out.push_str("## A 5-second clip\n\n");
    out.push_str(
        "With a reference video, the 2.5 cell is what is reserved and settled for a 5 s \
         reference clip. Edit and Extend are in the worked examples below (an edit has no \
         duration of its own).\n\n",
    );
    out.push_str(
        "| Model | Resolution | Text / images / audio | With a reference video | Documented rate × 5 s |\n",
    );
    out.push_str("|---|---|---|---|---|\n");
    for model in catalog
        .models
        .iter()
        .filter(|m| m.task == TaskKind::Generate)
    {
        for resolution in Resolution::ALL {
            let standard = cell(model.id, resolution, Tier::Standard);
            let reference = cell(model.id, resolution, Tier::ReferenceVideo);
            let contract = match contract_rate(model.id, resolution) {
                Some(((c, d), (rc, rd))) => {
                    let secs = f64::from(CLIP_SECS);
                    format!(
                        "{} / {} cr, ${:.4} / ${:.4}",
                        (c * secs * 100.0).round() / 100.0,
                        (rc * secs * 100.0).round() / 100.0,
                        d * secs,
                        rd * secs
                    )
                }
                None => "–".to_string(),
            };
            out.push_str(&format!(
                "| {} (`{}`) | {} | {} | {} | {contract} |\n",
                model.label,
                model.id.wire_id(),
                resolution.wire_id(),
                standard.shown,
                reference.shown
            ));
            problems.extend(standard.problems);
            problems.extend(reference.problems);
        }
    }
    out.push_str("\n## Edit and Extend, per second\n\n");
    out.push_str(
        "One rate whatever the media. An extension reserves `duration × rate`; an edit \
         reserves 15 s; both settle after success (see the worked examples).\n\n",
    );
    out.push_str("| Model | Resolution | Rate | Documented |\n|---|---|---|---|\n");
    for model in catalog
        .models
        .iter()
        .filter(|m| m.task != TaskKind::Generate)
    {
        for &resolution in &model.resolutions {
            let (shown, rate_problems) = rate_check(model.id, resolution);
            out.push_str(&format!(
                "| {} (`{}`) | {} | {shown} | {} |\n",
                model.label,
                model.id.wire_id(),
                resolution.wire_id(),
                contract_rate(model.id, resolution).map_or("–".to_string(), |((c, d), _)| format!(
                    "{c} cr (${d:.4}) per s"
                )),
            ));
            problems.extend(rate_problems);
        }
    }

    out.push_str("\n## Worked examples\n\n");
    out.push_str(
        "At 720p unless noted. \"Reserved\" is the 402's `required`; \"After success\" is the \
         `creditsUsed` the service rewrites a few seconds after `success`.\n\n",
    );
    out.push_str("| Task | Reserved | After success | The Generate button | Documented |\n");
    out.push_str("|---|---|---|---|---|\n");
    for example in examples() {
        let (row, row_problems) = example_row(&example);
        out.push_str(&row);
        problems.extend(row_problems);
    }

    out.push_str("\nPer model:\n\n");
    for model in &catalog.models {
        out.push_str(&format!(
            "- {} (`{}`): 1 credit ≈ ${}{}\n",
            model.label,
            model.id.wire_id(),
            model.pricing.usd_per_credit,
            model
                .pricing
                .note
                .as_deref()
                .map(|n| format!(". {n}"))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "\nCheck against the documentation: {}.\n",
        if problems.is_empty() {
            "every rate of §8.1 and §12.3.1 and every worked example of §8.1 and §12.3.3 match"
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
