//! The shipped rate table against service-api §8.1: every model × resolution × tier priced
//! for 5 s, in credits and in dollars to the cent, plus the worked examples.
#![allow(clippy::unwrap_used)]

use seedance_core::media::MediaKind;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::pricing::{
    estimate, format_button_label, format_credits, rate_table, PricingError, Spend, Tier,
};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};

fn reference(kind: MediaKind, url: &str) -> Reference {
    Reference {
        kind,
        source: ReferenceSource::Url { url: url.into() },
        duration_ms: Some(5_000),
    }
}

fn request(model: ModelId, resolution: Resolution, secs: u32, tier: Tier) -> GenerationRequest {
    let mut r = GenerationRequest::new(model, "a lighthouse at dusk");
    r.resolution = resolution;
    r.duration_secs = secs;
    if tier == Tier::ReferenceVideo {
        r.references
            .push(reference(MediaKind::Video, "https://example.test/v.mp4"));
    }
    r
}

/// service-api §8.1, 5 s: (model, resolution, tier, credits, dollars as the table's
/// per-second dollar figure × 5, rounded to the cent by hand).
const TABLE_5S: &[(ModelId, Resolution, Tier, f64, &str)] = &[
    (
        ModelId::Seedance20,
        Resolution::P480,
        Tier::Standard,
        75.0,
        "$0.35",
    ),
    (
        ModelId::Seedance20,
        Resolution::P720,
        Tier::Standard,
        200.0,
        "$0.94",
    ),
    (
        ModelId::Seedance20,
        Resolution::P1080,
        Tier::Standard,
        450.0,
        "$2.12",
    ),
    (
        ModelId::Seedance20,
        Resolution::K4,
        Tier::Standard,
        1000.0,
        "$4.71",
    ),
    (
        ModelId::Seedance20,
        Resolution::P480,
        Tier::ReferenceVideo,
        95.0,
        "$0.45",
    ),
    (
        ModelId::Seedance20,
        Resolution::P720,
        Tier::ReferenceVideo,
        240.0,
        "$1.13",
    ),
    (
        ModelId::Seedance20,
        Resolution::P1080,
        Tier::ReferenceVideo,
        540.0,
        "$2.54",
    ),
    (
        ModelId::Seedance20,
        Resolution::K4,
        Tier::ReferenceVideo,
        1200.0,
        "$5.65",
    ),
    (
        ModelId::Seedance2Fast,
        Resolution::P480,
        Tier::Standard,
        70.0,
        "$0.33",
    ),
    (
        ModelId::Seedance2Fast,
        Resolution::P720,
        Tier::Standard,
        140.0,
        "$0.66",
    ),
    (
        ModelId::Seedance2Fast,
        Resolution::P480,
        Tier::ReferenceVideo,
        90.0,
        "$0.42",
    ),
    (
        ModelId::Seedance2Fast,
        Resolution::P720,
        Tier::ReferenceVideo,
        170.0,
        "$0.80",
    ),
    (
        ModelId::Seedance20Mini,
        Resolution::P480,
        Tier::Standard,
        37.5,
        "$0.18",
    ),
    (
        ModelId::Seedance20Mini,
        Resolution::P720,
        Tier::Standard,
        100.0,
        "$0.47",
    ),
    (
        ModelId::Seedance20Mini,
        Resolution::P480,
        Tier::ReferenceVideo,
        47.5,
        "$0.22",
    ),
    (
        ModelId::Seedance20Mini,
        Resolution::P720,
        Tier::ReferenceVideo,
        120.0,
        "$0.57",
    ),
];

fn cents(usd: f64) -> String {
    format!("${:.2}", (usd * 100.0).round() / 100.0)
}

#[test]
fn every_model_resolution_and_tier_matches_the_documented_rates_for_5_seconds() {
    for &(model, resolution, tier, credits, dollars) in TABLE_5S {
        let e = estimate(&request(model, resolution, 5, tier)).unwrap();
        let case = format!("{model:?} {resolution:?} {tier:?}");
        assert_eq!(e.credits, credits, "{case}");
        assert_eq!(e.tier, tier, "{case}");
        assert_eq!(e.rate_per_second, credits / 5.0, "{case}");
        assert_eq!(cents(e.usd), dollars, "{case}");
        assert_eq!(e.table_version, rate_table().version);
    }
}

#[test]
fn the_case_list_covers_every_supported_combination_and_nothing_else() {
    let mut expected = 0;
    for model in ModelId::ALL {
        for &resolution in model.resolutions() {
            for tier in [Tier::Standard, Tier::ReferenceVideo] {
                expected += 1;
                assert!(
                    TABLE_5S
                        .iter()
                        .any(|c| c.0 == model && c.1 == resolution && c.2 == tier),
                    "{model:?} {resolution:?} {tier:?} missing from the test table"
                );
            }
        }
    }
    assert_eq!(TABLE_5S.len(), expected);
}

#[test]
fn unsupported_resolutions_have_no_price() {
    for model in [ModelId::Seedance2Fast, ModelId::Seedance20Mini] {
        for resolution in [Resolution::P1080, Resolution::K4] {
            for tier in [Tier::Standard, Tier::ReferenceVideo] {
                let err = estimate(&request(model, resolution, 5, tier)).unwrap_err();
                assert_eq!(
                    err,
                    PricingError::UnsupportedResolution { model, resolution }
                );
                let text = err.to_string();
                assert!(text.contains(resolution.wire_id()), "{text}");
                assert!(text.contains("480p and 720p"), "{text}");
            }
        }
    }
}

#[test]
fn durations_outside_the_model_range_have_no_price() {
    for secs in [0, 3, 16, 1_000] {
        let err = estimate(&request(
            ModelId::Seedance20,
            Resolution::P720,
            secs,
            Tier::Standard,
        ))
        .unwrap_err();
        assert!(
            matches!(err, PricingError::DurationOutOfRange { duration_secs, min_secs: 4, max_secs: 15, .. } if duration_secs == secs)
        );
        assert!(err.to_string().contains("4 to 15 s"));
    }
    for secs in [4, 15] {
        assert!(estimate(&request(
            ModelId::Seedance20,
            Resolution::P720,
            secs,
            Tier::Standard
        ))
        .is_ok());
    }
}

#[test]
fn worked_examples_from_the_documentation() {
    let label = |m, r, s, t| format_button_label(&estimate(&request(m, r, s, t)).unwrap());
    assert_eq!(
        label(ModelId::Seedance20, Resolution::P720, 5, Tier::Standard),
        "200 credits ≈ $0.94"
    );
    assert_eq!(
        label(
            ModelId::Seedance20,
            Resolution::P720,
            5,
            Tier::ReferenceVideo
        ),
        "240 credits ≈ $1.13"
    );
    assert_eq!(
        label(ModelId::Seedance2Fast, Resolution::P720, 5, Tier::Standard),
        "140 credits ≈ $0.66"
    );
    assert_eq!(
        label(
            ModelId::Seedance2Fast,
            Resolution::P720,
            5,
            Tier::ReferenceVideo
        ),
        "170 credits ≈ $0.80"
    );
    assert_eq!(
        label(ModelId::Seedance20Mini, Resolution::P720, 5, Tier::Standard),
        "100 credits ≈ $0.47"
    );
    assert_eq!(
        label(
            ModelId::Seedance20Mini,
            Resolution::P720,
            5,
            Tier::ReferenceVideo
        ),
        "120 credits ≈ $0.57"
    );
    // The edit example: a 10 s clip with its source video attached, at the reference rate.
    assert_eq!(
        label(
            ModelId::Seedance20,
            Resolution::P720,
            10,
            Tier::ReferenceVideo
        ),
        "480 credits ≈ $2.26"
    );
    assert_eq!(
        label(
            ModelId::Seedance2Fast,
            Resolution::P720,
            10,
            Tier::ReferenceVideo
        ),
        "340 credits ≈ $1.60"
    );
    assert_eq!(
        label(
            ModelId::Seedance20Mini,
            Resolution::P720,
            10,
            Tier::ReferenceVideo
        ),
        "240 credits ≈ $1.13"
    );
    // Fractional rates stay fractional; large ones are grouped.
    assert_eq!(
        label(ModelId::Seedance20Mini, Resolution::P480, 5, Tier::Standard),
        "37.5 credits ≈ $0.18"
    );
    assert_eq!(
        label(
            ModelId::Seedance20Mini,
            Resolution::P480,
            7,
            Tier::ReferenceVideo
        ),
        "66.5 credits ≈ $0.31"
    );
    assert_eq!(
        label(
            ModelId::Seedance20,
            Resolution::K4,
            15,
            Tier::ReferenceVideo
        ),
        "3,600 credits ≈ $16.96"
    );
}

#[test]
fn images_and_audio_do_not_change_the_price_and_any_video_does_for_the_whole_clip() {
    let mut r = request(ModelId::Seedance20, Resolution::P720, 8, Tier::Standard);
    r.references
        .push(reference(MediaKind::Image, "https://example.test/a.png"));
    r.references
        .push(reference(MediaKind::Audio, "https://example.test/a.mp3"));
    let e = estimate(&r).unwrap();
    assert_eq!((e.tier, e.credits), (Tier::Standard, 320.0));
    r.references
        .push(reference(MediaKind::Video, "https://example.test/a.mp4"));
    let e = estimate(&r).unwrap();
    assert_eq!((e.tier, e.credits), (Tier::ReferenceVideo, 384.0));
}

#[test]
fn launch_discounts_are_noted_on_fast_and_mini_only() {
    let note = |m| {
        estimate(&request(m, Resolution::P720, 5, Tier::Standard))
            .unwrap()
            .note
    };
    assert_eq!(note(ModelId::Seedance20), None);
    let fast = note(ModelId::Seedance2Fast).unwrap();
    assert!(
        fast.contains("25%") && fast.contains("Oct 8, 2026"),
        "{fast}"
    );
    let mini = note(ModelId::Seedance20Mini).unwrap();
    assert!(
        mini.contains("40%") && mini.contains("Oct 8, 2026"),
        "{mini}"
    );
}

#[test]
fn rate_table_names_its_source_and_the_implied_credit_value() {
    let table = rate_table();
    assert!(
        table.source.contains("§8.1") && table.source.contains("Era D"),
        "{}",
        table.source
    );
    assert!(!table.version.is_empty());
    for model in &table.models {
        assert!(
            (model.usd_per_credit - 0.00471).abs() < 1e-9,
            "{:?}",
            model.model
        );
    }
    assert_eq!(
        table.rate(ModelId::Seedance20Mini, Resolution::P480, Tier::Standard),
        Some(7.5)
    );
    assert_eq!(
        table.rate(ModelId::Seedance2Fast, Resolution::P1080, Tier::Standard),
        None
    );
}

#[test]
fn spend_keeps_our_estimate_apart_from_the_services_figure() {
    let e = estimate(&request(
        ModelId::Seedance20,
        Resolution::P720,
        5,
        Tier::Standard,
    ))
    .unwrap();
    let ours = Spend::Estimated(e.clone());
    let theirs = Spend::Reported {
        credits_used: 200.0,
    };
    assert_eq!(ours.credits(), theirs.credits());
    assert_ne!(ours, theirs);
    assert_eq!(ours.label(), "200 credits ≈ $0.94 (estimate)");
    assert_eq!(theirs.label(), "200 credits (reported by the service)");
    let json = serde_json::to_value(&theirs).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"source": "reported", "credits_used": 200.0})
    );
    let json = serde_json::to_value(&ours).unwrap();
    assert_eq!(json["source"], "estimated");
    assert_eq!(json["tier"], "standard");
    assert_eq!(serde_json::from_value::<Spend>(json).unwrap(), ours);
    assert_eq!(format_credits(2.17), "2.17 credits");
}
