//! The shipped catalogue's prices against the documentation: every model × resolution ×
//! tier priced for 5 s (service-api §8.1, §12.3.1), in credits and in dollars to the cent;
//! what is reserved at submission and what is settled after success (§12.3.2); and every
//! worked example of §8.1 and §12.3.3, button label included.
#![allow(clippy::unwrap_used)]

use seedance_core::media::MediaKind;
use seedance_core::model::{Catalog, ModelId, OutputFormat, Resolution, VideoJob};
use seedance_core::pricing::{
    estimate, format_button_label, format_credits, CreditEstimate, PricingError, Spend, Tier,
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
        assert_eq!(e.table_version, Catalog::shipped().version);
        assert_eq!(
            e.settlement, None,
            "{case}: the 2.0 reservation is the price"
        );
    }
}

#[test]
fn the_case_list_covers_every_supported_combination_and_nothing_else() {
    let mut expected = 0;
    for model in [
        ModelId::Seedance20,
        ModelId::Seedance2Fast,
        ModelId::Seedance20Mini,
    ] {
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
fn the_catalogue_names_its_source_and_the_implied_credit_value() {
    let table = Catalog::shipped();
    assert!(
        table.source.contains("§8.1")
            && table.source.contains("Era D")
            && table.source.contains("§12"),
        "{}",
        table.source
    );
    assert!(!table.version.is_empty());
    for model in &table.models {
        // service-api §8.1, §12.3.4: about $0.00471 a credit for 2.0, $0.004606 for 2.5.
        let implied = if model.family == "seedance-2.0" {
            0.00471
        } else {
            0.004606
        };
        assert!(
            (model.pricing.usd_per_credit - implied).abs() < 1e-9,
            "{:?}",
            model.id
        );
    }
    assert_eq!(
        table.rate(ModelId::Seedance20Mini, Resolution::P480, false),
        Some(7.5)
    );
    assert_eq!(
        table.rate(ModelId::Seedance2Fast, Resolution::P1080, false),
        None
    );
    assert_eq!(
        table.rate(ModelId::Seedance25, Resolution::P1080, true),
        Some(85.68)
    );
    assert_eq!(table.rate(ModelId::Seedance25, Resolution::K4, false), None);
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

// ---- Seedance 2.5, edit and extend (service-api §12.3) ------------------------------------

fn video_ms(ms: Option<u64>) -> Reference {
    Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url {
            url: "https://example.test/source.mp4".into(),
        },
        duration_ms: ms,
    }
}

fn with_videos(
    model: ModelId,
    resolution: Resolution,
    secs: u32,
    videos: &[Option<u64>],
) -> GenerationRequest {
    let mut r = GenerationRequest::new(model, "a lighthouse at dusk");
    r.resolution = resolution;
    r.duration_secs = secs;
    r.references = videos.iter().map(|&ms| video_ms(ms)).collect();
    r
}

/// (reserved, settled or `None` when the reservation is final), as the service's figures.
fn figures(e: &CreditEstimate) -> (f64, Option<f64>) {
    (e.credits, e.settlement.map(|s| s.credits))
}

#[test]
fn seedance_2_5_rates_for_5_seconds() {
    // service-api §12.3.1: text/image 26 / 59 / 143.4; with a reference video (and edit,
    // extend) 16 / 35 / 85.68 per second.
    #[rustfmt::skip]
    let cases = [
        (Resolution::P480, 130.0, "$0.60", 80.0, 16.0),
        (Resolution::P720, 295.0, "$1.36", 175.0, 35.0),
        (Resolution::P1080, 717.0, "$3.30", 428.4, 85.68),
    ];
    for (resolution, plain, dollars, reference, rate) in cases {
        let e = estimate(&request(ModelId::Seedance25, resolution, 5, Tier::Standard)).unwrap();
        assert_eq!(figures(&e), (plain, None), "{resolution:?}");
        assert_eq!(cents(e.usd), dollars, "{resolution:?}");
        let e = estimate(&request(
            ModelId::Seedance25,
            resolution,
            5,
            Tier::ReferenceVideo,
        ))
        .unwrap();
        assert_eq!(
            (e.tier, e.credits),
            (Tier::ReferenceVideo, reference),
            "{resolution:?}"
        );
        for model in [ModelId::Seedance25Extend, ModelId::Seedance25Edit] {
            let r = with_videos(model, resolution, 5, &[Some(6_000)]);
            assert_eq!(estimate(&r).unwrap().rate_per_second, rate, "{model}");
        }
    }
}

#[test]
fn every_worked_example_of_the_2_5_family() {
    use ModelId as M;
    use Resolution::{P1080, P480, P720};
    // service-api §12.3.3 (and §8.1): task, reserved, final, and the dollars printed.
    #[rustfmt::skip]
    type Case = (&'static str, GenerationRequest, f64, Option<f64>, Option<&'static str>);
    let cases: Vec<Case> = vec![
        (
            "2.5, 5 s at 720p, text or image",
            with_videos(M::Seedance25, P720, 5, &[]),
            295.0,
            None,
            Some("$1.36"),
        ),
        (
            "2.5, 5 s at 720p from a 10 s clip",
            with_videos(M::Seedance25, P720, 5, &[Some(10_000)]),
            175.0,
            Some(525.0),
            Some("$2.42"),
        ),
        (
            "2.5, 4 s at 480p with a 10 s clip",
            with_videos(M::Seedance25, P480, 4, &[Some(10_000)]),
            64.0,
            Some(224.0),
            None,
        ),
        (
            "2.5, 4 s at 480p with 20 s + 6 s",
            with_videos(M::Seedance25, P480, 4, &[Some(20_000), Some(6_000)]),
            64.0,
            Some(480.0),
            None,
        ),
        (
            "extend a 6 s source by 5 s, 720p",
            with_videos(M::Seedance25Extend, P720, 5, &[Some(6_000)]),
            175.0,
            Some(385.0),
            None,
        ),
        (
            "extend a 10 s source by 5 s, 720p",
            with_videos(M::Seedance25Extend, P720, 5, &[Some(10_000)]),
            175.0,
            Some(525.0),
            Some("$2.42"),
        ),
        (
            "edit a 6 s source, 720p",
            with_videos(M::Seedance25Edit, P720, 0, &[Some(6_000)]),
            525.0,
            Some(420.0),
            None,
        ),
        (
            "edit a 10 s source, 720p",
            with_videos(M::Seedance25Edit, P720, 0, &[Some(10_000)]),
            525.0,
            Some(700.0),
            Some("$3.22"),
        ),
        (
            "edit a 7.4 s source, 720p",
            with_videos(M::Seedance25Edit, P720, 0, &[Some(7_400)]),
            525.0,
            Some(525.0),
            None,
        ),
        (
            "edit a 4 s source, 480p",
            with_videos(M::Seedance25Edit, P480, 0, &[Some(4_000)]),
            240.0,
            Some(128.0),
            None,
        ),
        (
            "worst case: extend 30 s by 30 s at 1080p",
            with_videos(M::Seedance25Extend, P1080, 30, &[Some(30_000)]),
            2570.4,
            Some(5140.8),
            Some("$23.68"),
        ),
    ];
    for (what, request, reserved, settled, dollars) in cases {
        let e = estimate(&request).unwrap();
        assert_eq!(figures(&e), (reserved, settled), "{what}");
        if let Some(dollars) = dollars {
            let usd = e.settlement.map_or(e.usd, |s| s.usd);
            assert_eq!(cents(usd), dollars, "{what}");
        }
        assert!(e.settlement.is_none_or(|s| !s.upper_bound), "{what}");
    }
}

#[test]
fn the_documented_records_settle_at_our_figures() {
    // C7: edit of a 6 s source, `creditsUsed` 420; C8: extend 6 s + 5 s, 385 (720p).
    let c7 = estimate(&with_videos(
        ModelId::Seedance25Edit,
        Resolution::P720,
        0,
        &[Some(6_000)],
    ))
    .unwrap();
    assert_eq!(c7.settled_credits(), 420.0);
    let c8 = estimate(&with_videos(
        ModelId::Seedance25Extend,
        Resolution::P720,
        5,
        &[Some(6_000)],
    ))
    .unwrap();
    assert_eq!(c8.settled_credits(), 385.0);
    // §12.5.1: the 402's `required` is the reservation: 295, 525 (edit), 175 (extend).
    let required = |r: &GenerationRequest| estimate(r).unwrap().credits;
    assert_eq!(
        required(&with_videos(ModelId::Seedance25, Resolution::P720, 5, &[])),
        295.0
    );
    assert_eq!(c7.credits, 525.0);
    assert_eq!(c8.credits, 175.0);
}

#[test]
fn the_button_shows_what_is_reserved_and_what_it_settles_at() {
    let label = |r: &GenerationRequest| format_button_label(&estimate(r).unwrap());
    assert_eq!(
        label(&with_videos(
            ModelId::Seedance25,
            Resolution::P720,
            5,
            &[Some(10_000)]
        )),
        "reserves 175 credits now, about 525 when done (≈ $2.42)"
    );
    assert_eq!(
        label(&with_videos(
            ModelId::Seedance25Edit,
            Resolution::P720,
            0,
            &[Some(6_000)]
        )),
        "reserves 525 credits now, about 420 when done (≈ $1.93)"
    );
    assert_eq!(
        label(&with_videos(
            ModelId::Seedance25Extend,
            Resolution::P720,
            5,
            &[Some(6_000)]
        )),
        "reserves 175 credits now, about 385 when done (≈ $1.77)"
    );
    assert_eq!(
        label(&with_videos(ModelId::Seedance25, Resolution::P720, 5, &[])),
        "295 credits ≈ $1.36"
    );
    // A reference of unknown length counts as the 30 s the rule stops at.
    let e = estimate(&with_videos(
        ModelId::Seedance25,
        Resolution::P720,
        5,
        &[Some(4_000), None],
    ))
    .unwrap();
    assert_eq!(figures(&e), (175.0, Some(1225.0)));
    assert!(e.settlement.unwrap().upper_bound);
    assert_eq!(
        format_button_label(&e),
        "reserves 175 credits now, at most 1,225 when done (≈ $5.64)"
    );
    let e = estimate(&with_videos(
        ModelId::Seedance25Edit,
        Resolution::P720,
        0,
        &[None],
    ))
    .unwrap();
    assert_eq!(figures(&e), (525.0, Some(2100.0)));
}

#[test]
fn the_spending_cap_counts_the_larger_of_reservation_and_settlement() {
    let cap = |r: &GenerationRequest| estimate(r).unwrap().cap_credits();
    assert_eq!(
        cap(&with_videos(
            ModelId::Seedance25,
            Resolution::P720,
            5,
            &[Some(10_000)]
        )),
        525.0
    );
    assert_eq!(
        cap(&with_videos(
            ModelId::Seedance25Extend,
            Resolution::P720,
            5,
            &[Some(6_000)]
        )),
        385.0
    );
    // An edit reserves 525 for a 6 s source that settles at 420: 525 may be taken.
    assert_eq!(
        cap(&with_videos(
            ModelId::Seedance25Edit,
            Resolution::P720,
            0,
            &[Some(6_000)]
        )),
        525.0
    );
    assert_eq!(
        cap(&with_videos(
            ModelId::Seedance25Edit,
            Resolution::P720,
            0,
            &[Some(10_000)]
        )),
        700.0
    );
    assert_eq!(
        cap(&request(
            ModelId::Seedance20,
            Resolution::P720,
            5,
            Tier::Standard
        )),
        200.0
    );
}

#[test]
fn an_edit_is_priced_by_its_source_whatever_the_duration_field_says() {
    for secs in [0, 5, 99] {
        let e = estimate(&with_videos(
            ModelId::Seedance25Edit,
            Resolution::P720,
            secs,
            &[Some(6_000)],
        ))
        .unwrap();
        assert_eq!(figures(&e), (525.0, Some(420.0)), "{secs}");
        assert_eq!(e.reserved_seconds, 15.0);
    }
    let err = estimate(&with_videos(
        ModelId::Seedance25Extend,
        Resolution::P720,
        31,
        &[Some(6_000)],
    ))
    .unwrap_err();
    assert!(err.to_string().contains("4 to 30 s"), "{err}");
}

#[test]
fn the_2_0_way_prices_the_reference_video_tier_with_the_sources_length() {
    let job = |model, job, source_ms, secs| {
        let mut r = with_videos(model, Resolution::P720, secs, &[Some(source_ms)]);
        r.video_job = Some(job);
        estimate(&r).unwrap()
    };
    // §12.2.2 / §8.1: a 10 s edit on seedance-20 is 480 credits ($2.26), a 5 s
    // extension 240 ($1.13), a restyle `duration` × 48.
    let e = job(ModelId::Seedance20, VideoJob::Edit, 10_000, 5);
    assert_eq!(
        (e.tier, e.credits, e.settlement),
        (Tier::ReferenceVideo, 480.0, None)
    );
    assert_eq!(format_button_label(&e), "480 credits ≈ $2.26");
    let e = job(ModelId::Seedance20, VideoJob::Extend, 10_000, 5);
    assert_eq!(format_button_label(&e), "240 credits ≈ $1.13");
    assert_eq!(
        job(ModelId::Seedance20, VideoJob::Restyle, 10_000, 8).credits,
        384.0
    );
    // Fast 340 and Mini 240 for the 10 s edit, as §8.1 prints.
    assert_eq!(
        job(ModelId::Seedance2Fast, VideoJob::Edit, 10_000, 5).credits,
        340.0
    );
    assert_eq!(
        job(ModelId::Seedance20Mini, VideoJob::Edit, 9_600, 5).credits,
        240.0
    );
}

#[test]
fn a_settled_estimate_round_trips_in_a_spend() {
    let e = estimate(&with_videos(
        ModelId::Seedance25,
        Resolution::P720,
        5,
        &[Some(10_000)],
    ))
    .unwrap();
    let spend = Spend::Estimated(e);
    let json = serde_json::to_value(&spend).unwrap();
    assert_eq!(json["settlement"]["credits"], 525.0);
    assert_eq!(json["settlement"]["upper_bound"], false);
    assert_eq!(serde_json::from_value::<Spend>(json).unwrap(), spend);
    assert_eq!(
        spend.label(),
        "reserves 175 credits now, about 525 when done (≈ $2.42) (estimate)"
    );
}

#[tokio::test]
async fn the_fake_service_reserves_and_settles_what_we_estimate() {
    use seedance_core::api::{ApiClient, ClientConfig};
    use seedance_core::secret::ApiKey;
    use seedance_fake::{FakeConfig, FakeService};

    let fake = FakeService::start(FakeConfig {
        time_scale: 0.01,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    let key = ApiKey::new("sk-pricing-0001").unwrap();
    let origin = fake.origin();
    let clip = |secs: f64| Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url {
            url: format!("{origin}/static/clip.mp4?duration={secs}"),
        },
        duration_ms: Some((secs * 1000.0) as u64),
    };
    let make = |model, secs, videos: Vec<Reference>| {
        let mut r = GenerationRequest::new(model, "a lighthouse at dusk");
        r.duration_secs = secs;
        r.references = videos;
        r
    };
    let mut two_oh_edit = make(ModelId::Seedance20, 5, vec![clip(10.0)]);
    two_oh_edit.video_job = Some(VideoJob::Edit);
    let mut mov_extend = make(ModelId::Seedance25Extend, 8, vec![clip(12.0)]);
    mov_extend.output_format = Some(OutputFormat::Mov);
    mov_extend.resolution = Resolution::P1080;
    let cases = [
        make(ModelId::Seedance25, 5, vec![]),
        make(ModelId::Seedance25, 5, vec![clip(10.0)]),
        make(ModelId::Seedance25, 4, vec![clip(20.0), clip(6.0)]),
        make(ModelId::Seedance25Extend, 5, vec![clip(6.0)]),
        make(ModelId::Seedance25Edit, 0, vec![clip(6.0)]),
        make(ModelId::Seedance25Edit, 0, vec![clip(7.4)]),
        two_oh_edit,
        mov_extend,
    ];
    for request in &cases {
        let estimate = estimate(request).unwrap();
        let body = request.create_task_body().unwrap();
        let id = client.create_task(&key, &body).await.unwrap();
        let summary = fake
            .stats()
            .tasks
            .into_iter()
            .find(|t| t.task_id == id)
            .unwrap();
        assert_eq!(summary.reserved_credits, estimate.credits, "{body}");
        assert_eq!(
            summary.final_credits,
            estimate.settlement.map(|s| s.credits),
            "{body}"
        );
        let format = request.output_format.map_or("mp4", |f| f.wire_id());
        assert_eq!(summary.output_format, format, "{body}");
        // After success and the settlement delay, the record says the settled figure.
        assert!(fake.complete_task(&id).await);
        fake.advance_service_time(60.0);
        let record = client.record_info(&key, &id).await.unwrap();
        assert_eq!(
            record.credits_used,
            Some(estimate.settled_credits()),
            "{body}"
        );
    }
    fake.shutdown().await;
}
