//! The shell's own logic without a window: drafts to requests, the compose check behind
//! the Generate button, guidance for the failure card, base-URL checks, and the key
//! check over real HTTP against the fake service on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use seedance_core::api::ApiClient;
use seedance_core::api::ClientConfig;
use seedance_core::guidance::{guidance_for, Failure};
use seedance_core::ledger::{Ledger, ListQuery, LocalState, LEDGER_FILE};
use seedance_core::secret::ApiKey;
use seedance_fake::{FakeConfig, FakeService};
use seedance_studio_lib::commands::account::account_page;
use seedance_studio_lib::commands::compose::check_draft as compose_check;
use seedance_studio_lib::commands::gallery::delete_from_history;
use seedance_studio_lib::commands::read_task;
use seedance_studio_lib::error::ErrorCode;
use seedance_studio_lib::models::{
    ActionView, Draft, DraftReference, FailureCategory, InputProblemCode, KeyCheck, KeyCheckResult,
    Kind, ProblemField, TaskView,
};
use tauri::Url;

fn draft(prompt: &str) -> Draft {
    Draft {
        model: "seedance-20".into(),
        prompt: prompt.into(),
        references: vec![],
        mode: None,
        duration_secs: 5,
        resolution: "720p".into(),
        aspect_ratio: Some("16:9".into()),
        generate_audio: true,
        high_bitrate: false,
        seed: None,
        output_format: None,
        video_job: None,
    }
}

#[test]
fn a_valid_draft_is_priced_for_the_button() {
    let check = compose_check(draft("A golden retriever on a beach")).unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let estimate = check.estimate.unwrap();
    assert_eq!(estimate.credits, 200.0);
    assert_eq!(estimate.label, "200 credits ≈ $0.94");
}

#[test]
fn problems_name_their_field_and_reference() {
    let mut d = draft("");
    d.resolution = "1080p".into();
    d.model = "seedance2-fast".into();
    d.references = vec![DraftReference {
        kind: Kind::Audio,
        path: None,
        url: Some("https://example.com/a.mp3".into()),
        duration_ms: Some(3000),
    }];
    let check = compose_check(d).unwrap();
    let fields: Vec<ProblemField> = check.problems.iter().map(|p| p.field).collect();
    assert!(fields.contains(&ProblemField::Prompt), "{fields:?}");
    assert!(fields.contains(&ProblemField::Resolution), "{fields:?}");
    assert!(
        fields.contains(&ProblemField::References),
        "audio alone: {fields:?}"
    );
}

#[test]
fn a_2_0_video_job_is_led_in_on_the_wire_and_priced_at_the_reference_video_tier() {
    let mut d = draft("The boat sails out of the harbour.");
    d.references = vec![DraftReference {
        kind: Kind::Video,
        path: None,
        url: Some("https://example.com/source.mp4".into()),
        duration_ms: Some(4000),
    }];
    let plain = compose_check(d.clone()).unwrap().estimate.unwrap();
    d.video_job = Some("extend".into());
    let request = d.to_request().unwrap();
    assert_eq!(
        request.wire_prompt(),
        "Continue this video from its final frame. The boat sails out of the harbour."
    );
    let check = compose_check(d.clone()).unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let extend = check.estimate.unwrap();
    // The reference-video tier, the same as any 2.0 draft with a video (5 s, 720p).
    assert_eq!(extend.credits, plain.credits);
    assert!(extend.credits > 200.0, "{extend:?}");
    // Sent back as a draft (remix), the job stays.
    assert_eq!(
        Draft::from_request(&request).video_job.as_deref(),
        Some("extend")
    );
    d.video_job = Some("dub".into());
    assert!(d.to_request().unwrap_err().0.starts_with("video_job: "));
}

#[test]
fn an_unknown_model_is_a_problem_not_a_crash() {
    let mut d = draft("p");
    d.model = "seedance-2.0".into();
    let check = compose_check(d).unwrap();
    assert_eq!(check.problems[0].field, ProblemField::Model);
    assert_eq!(check.problems[0].code, InputProblemCode::UnknownChoice);
    assert!(check.estimate.is_none());
}

#[test]
fn drafts_round_trip_through_the_core_request() {
    let mut d = draft("p");
    d.references = vec![DraftReference {
        kind: Kind::Image,
        path: Some("/tmp/a.png".into()),
        url: None,
        duration_ms: None,
    }];
    let request = d.to_request().unwrap();
    let back = Draft::from_request(&request);
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&d).unwrap()
    );
    d.references[0].url = Some("https://x/y.png".into());
    assert!(
        d.to_request().is_err(),
        "a reference is a file or a URL, not both"
    );
}

#[test]
fn guidance_becomes_one_action_for_the_card() {
    let view = seedance_studio_lib::models::GuidanceView::from(&guidance_for(&Failure::MissingKey));
    assert!(matches!(view.action, ActionView::FixKey));
    assert!(!view.title.is_empty());
    assert_eq!(view.category, FailureCategory::AuthMissingKey);
}

#[tokio::test]
async fn key_check_reports_what_the_service_said() {
    let fake = FakeService::start(FakeConfig::default()).await.unwrap();
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    let good = KeyCheck::from_core(
        client
            .probe_key(&ApiKey::new("sk-good-1234").unwrap())
            .await,
        1,
    );
    let bad = KeyCheck::from_core(
        client.probe_key(&ApiKey::new("invalid-key").unwrap()).await,
        2,
    );
    assert_eq!(good.result, KeyCheckResult::Valid);
    assert_eq!(bad.result, KeyCheckResult::Invalid);
    let json = serde_json::to_string(&bad).unwrap();
    assert!(
        !json.contains("invalid-key"),
        "the key never reaches the UI: {json}"
    );
}

#[test]
fn deleting_a_task_that_is_not_in_the_history_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let missing = delete_from_history(&ledger, 4242).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound, "{}", missing.message);
    assert!(missing.message.contains("#4242"), "{}", missing.message);

    let request = draft("A kite over dunes").to_request().unwrap();
    let id = ledger
        .create(&request, Some(200.0), None, LocalState::Queued)
        .unwrap();
    delete_from_history(&ledger, id).unwrap();
    let again = delete_from_history(&ledger, id).unwrap_err();
    assert_eq!(again.code, ErrorCode::NotFound, "{}", again.message);
}

#[test]
fn a_history_that_cannot_be_read_is_a_storage_error_not_a_missing_task() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let request = draft("A kite over dunes").to_request().unwrap();
    let id = ledger
        .create(&request, Some(200.0), None, LocalState::Queued)
        .unwrap();
    assert_eq!(read_task(&ledger, id).unwrap().id, id);
    let missing = read_task(&ledger, id + 1).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound, "{}", missing.message);

    // The row is there, but its request no longer decodes (a damaged disk, a buggy build).
    let db = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
    let changed = db
        .execute("UPDATE tasks SET request = '{not json' WHERE id = ?1", [id])
        .unwrap();
    assert_eq!(changed, 1);
    let unreadable = read_task(&ledger, id).unwrap_err();
    assert_eq!(
        unreadable.code,
        ErrorCode::Storage,
        "{}",
        unreadable.message
    );
}

#[test]
fn a_gallery_row_names_the_task_it_retries() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let request = draft("A kite over dunes").to_request().unwrap();
    let first = ledger
        .create(&request, Some(200.0), None, LocalState::Queued)
        .unwrap();
    let retry = ledger
        .create(&request, Some(200.0), Some(first), LocalState::Queued)
        .unwrap();
    let rows: Vec<TaskView> = ledger
        .list(&ListQuery::default())
        .unwrap()
        .iter()
        .map(TaskView::from_summary)
        .collect();
    let of = |id| rows.iter().find(|r| r.id == id).unwrap().retry_of;
    assert_eq!(of(retry), Some(first));
    assert_eq!(of(first), None);
    let entry = ledger.get(retry).unwrap();
    let full = TaskView::from_entry(&entry, &seedance_core::engine::summary_of(&entry));
    assert_eq!(full.retry_of, Some(first));
}

#[test]
fn add_credits_opens_the_site_of_the_service_in_use() {
    let page = |base: &str| account_page(&Url::parse(base).unwrap());
    assert_eq!(
        page("https://kinovi.ai/api/v1").unwrap().as_str(),
        "https://kinovi.ai/"
    );
    assert_eq!(
        page("https://seedance2-pro.com/api/v1/").unwrap().as_str(),
        "https://seedance2-pro.com/"
    );
    // Another https address (a proxy, say): the account still lives on the service.
    assert_eq!(
        page("https://proxy.example/seedance/api/v1")
            .unwrap()
            .as_str(),
        "https://seedance2-pro.com/"
    );
    let demo = page("http://127.0.0.1:8123/api/v1").unwrap_err();
    assert_eq!(demo.code, ErrorCode::NotAllowed);
    assert!(demo.message.contains("demo"), "{}", demo.message);
}

#[test]
fn deleting_a_video_not_saved_yet_asks_first() {
    let refused = seedance_studio_lib::error::IpcError::from(
        seedance_core::ledger::LedgerError::NeedsConfirmation {
            id: 7,
            message: "Task 7 finished but its video is not in the library yet.".into(),
        },
    );
    assert_eq!(refused.code, ErrorCode::NeedsConfirmation);
    assert!(refused.message.contains("not in the library yet"));
}

#[test]
fn a_draft_asks_for_mov_only_where_the_model_offers_it() {
    let mut mov = draft("A harbour at dawn");
    mov.model = "seedance2-5".into();
    mov.output_format = Some("mov".into());
    let request = mov.to_request().unwrap();
    assert_eq!(
        request.output_format,
        Some(seedance_core::model::OutputFormat::Mov)
    );
    assert_eq!(
        Draft::from_request(&request).output_format.as_deref(),
        Some("mov")
    );
    let mut unknown = draft("A harbour at dawn");
    unknown.output_format = Some("avi".into());
    let refused = unknown.to_request().unwrap_err();
    assert!(refused.0.starts_with("output_format:"), "{refused}");
    let catalog = seedance_studio_lib::models::Catalog::current();
    let formats = |id: &str| {
        catalog
            .models
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.output_formats.clone())
            .unwrap()
    };
    assert_eq!(formats("seedance2-5"), ["mp4", "mov"]);
    assert_eq!(formats("seedance-20"), ["mp4"]);
}
