//! The prompt library, the search over past prompts and the spend history, on a real
//! SQLite file in a temp dir.
#![allow(clippy::unwrap_used)]

use seedance_core::api::{ApiError, Endpoint, ErrorBody, TaskError, TaskRecord, TaskStatus};
use seedance_core::guidance::{guidance_for, Failure};
use seedance_core::ledger::{Ledger, LedgerError, LocalState, PromptKind, TaskId};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// 2026-12-04 10:00 UTC.
const T0: i64 = 1_796_378_400_000;
const DAY_MS: i64 = 86_400_000;

struct Fixture {
    dir: tempfile::TempDir,
    ledger: Ledger,
    now: Arc<AtomicI64>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let now = Arc::new(AtomicI64::new(T0));
    let clock = now.clone();
    let ledger = ledger.with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    Fixture { dir, ledger, now }
}

impl Fixture {
    fn at(&self, ms: i64) -> i64 {
        self.now.store(ms, Ordering::SeqCst);
        ms
    }

    fn task(&self, model: ModelId, prompt: &str, estimate: f64) -> TaskId {
        self.ledger
            .create(
                &GenerationRequest::new(model, prompt),
                Some(estimate),
                None,
                LocalState::Queued,
            )
            .unwrap()
    }

    /// A task sent at `at` and answered with `remote`.
    fn sent(&self, model: ModelId, prompt: &str, estimate: f64, at: i64) -> TaskId {
        self.at(at);
        let id = self.task(model, prompt, estimate);
        self.ledger.mark_submitting(id).unwrap();
        self.ledger
            .record_submitted(id, &format!("remote-{id}"), at)
            .unwrap();
        id
    }

    fn finish(&self, id: TaskId, status: TaskStatus, credits_used: Option<f64>) {
        let failed = status == TaskStatus::Fail;
        let record = TaskRecord {
            task_id: format!("remote-{id}"),
            model: None,
            status,
            credits_used,
            output: Vec::new(),
            error: failed.then(|| TaskError {
                code: Some("500".into()),
                message: "Internal error".into(),
            }),
            create_time: None,
            complete_time: None,
        };
        let now = self.now.load(Ordering::SeqCst);
        self.ledger.apply_remote(id, &record, now).unwrap();
    }
}

#[test]
fn prompts_and_snippets_are_saved_found_replaced_and_removed() {
    let f = fixture();
    let l = &f.ledger;
    let saved = l
        .save_prompt(
            "Dolly in",
            PromptKind::Snippet,
            "slow dolly-in, 35 mm",
            false,
        )
        .unwrap();
    assert_eq!(
        (saved.name.as_str(), saved.kind),
        ("Dolly in", PromptKind::Snippet)
    );
    l.save_prompt(
        "Harbour at dawn",
        PromptKind::Prompt,
        "A fishing harbour at dawn, mist, gulls",
        false,
    )
    .unwrap();

    // A name is unique in any letter case; replacing is explicit.
    let again = l.save_prompt("DOLLY IN", PromptKind::Snippet, "fast", false);
    match again {
        Err(LedgerError::Invalid(m)) => {
            assert!(
                m.contains("already a saved prompt called “Dolly in”"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    f.at(T0 + 5_000);
    let replaced = l
        .save_prompt(
            "dolly in",
            PromptKind::Snippet,
            "slow dolly-in, 50 mm",
            true,
        )
        .unwrap();
    assert_eq!(replaced.text, "slow dolly-in, 50 mm");
    assert_eq!(replaced.created_at_ms, T0);
    assert_eq!(replaced.updated_at_ms, T0 + 5_000);

    let names = |q: &str| -> Vec<String> {
        l.saved_prompts(q)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(names(""), ["dolly in", "Harbour at dawn"]);
    assert_eq!(names("MIST gulls"), ["Harbour at dawn"]);
    assert_eq!(names("50"), ["dolly in"]);
    // LIKE's wildcards are taken literally.
    assert!(names("%").is_empty());
    assert!(names("_").is_empty());

    assert!(l.delete_saved_prompt("Dolly In").unwrap());
    assert!(!l.delete_saved_prompt("Dolly In").unwrap());
    assert_eq!(names(""), ["Harbour at dawn"]);

    // It lives in the history's file: a reopen keeps it.
    let Fixture { dir, ledger, .. } = f;
    drop(ledger);
    let (reopened, report) = Ledger::open(dir.path()).unwrap();
    assert!(!report.created);
    assert!(reopened.saved_prompt("harbour AT dawn").unwrap().is_some());
}

#[test]
fn bad_entries_are_refused_with_the_field_and_the_fix() {
    let f = fixture();
    let refusal = |name: &str, text: &str| match f.ledger.save_prompt(
        name,
        PromptKind::Prompt,
        text,
        false,
    ) {
        Err(LedgerError::Invalid(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(refusal("  ", "x").contains("The name is empty"));
    assert!(refusal(&"n".repeat(81), "x").contains("names can be at most 80"));
    assert!(refusal("n", " \n").contains("The text is empty"));
    let long = refusal("n", &"é".repeat(30_002));
    assert!(
        long.contains("30002 characters") && long.contains("Shorten it by 2"),
        "{long}"
    );
    assert!(f.ledger.saved_prompts("").unwrap().is_empty());
}

#[test]
fn export_then_import_elsewhere_keeps_the_creators_existing_text() {
    let f = fixture();
    f.ledger
        .save_prompt(
            "Noir",
            PromptKind::Snippet,
            "black and white, hard light",
            false,
        )
        .unwrap();
    f.ledger
        .save_prompt(
            "Rain",
            PromptKind::Snippet,
            "heavy rain, reflections",
            false,
        )
        .unwrap();
    let file = f.dir.path().join("my prompts.json");
    assert_eq!(f.ledger.export_prompts(&file).unwrap(), 2);

    let other = fixture();
    other
        .ledger
        .save_prompt("rain", PromptKind::Snippet, "light drizzle", false)
        .unwrap();
    let report = other.ledger.import_prompts(&file).unwrap();
    assert_eq!(report.added, 1);
    assert_eq!(report.kept_existing, ["Rain"]);
    assert_eq!(
        other.ledger.saved_prompt("Rain").unwrap().unwrap().text,
        "light drizzle"
    );
    // Importing the same file twice adds nothing.
    let twice = other.ledger.import_prompts(&file).unwrap();
    assert_eq!((twice.added, twice.unchanged), (0, 1));

    // Files that are not ours, or broken, change nothing and say what to do.
    for (name, body) in [
        ("empty.json", ""),
        (
            "truncated.json",
            "{\"format\":\"seedance-prompts\",\"version\":1,\"prom",
        ),
        (
            "other.json",
            "{\"format\":\"something\",\"version\":1,\"prompts\":[]}",
        ),
        ("page.html", "<html><body>Not found</body></html>"),
    ] {
        let path = f.dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        match other.ledger.import_prompts(&path) {
            Err(LedgerError::Invalid(m)) => {
                assert!(m.contains("is not a prompt library file"), "{name}: {m}")
            }
            x => panic!("{name}: {x:?}"),
        }
    }
    let newer = f.dir.path().join("newer.json");
    std::fs::write(
        &newer,
        "{\"format\":\"seedance-prompts\",\"version\":9,\"prompts\":[]}",
    )
    .unwrap();
    match other.ledger.import_prompts(&newer) {
        Err(LedgerError::Invalid(m)) => assert!(m.contains("Update the app"), "{m}"),
        x => panic!("{x:?}"),
    }
    let bad_entry = f.dir.path().join("bad-entry.json");
    std::fs::write(
        &bad_entry,
        "{\"format\":\"seedance-prompts\",\"version\":1,\"prompts\":[\
         {\"name\":\"ok\",\"kind\":\"prompt\",\"text\":\"fine\",\"created_at_ms\":1,\"updated_at_ms\":1},\
         {\"name\":\"blank\",\"kind\":\"prompt\",\"text\":\"  \",\"created_at_ms\":1,\"updated_at_ms\":1}]}",
    )
    .unwrap();
    match other.ledger.import_prompts(&bad_entry) {
        Err(LedgerError::Invalid(m)) => {
            assert!(m.contains("“blank”") && m.contains("empty"), "{m}")
        }
        x => panic!("{x:?}"),
    }
    assert!(
        other.ledger.saved_prompt("ok").unwrap().is_none(),
        "checked before adding"
    );
}

#[test]
fn past_prompts_are_searched_newest_first_each_once() {
    let f = fixture();
    f.sent(ModelId::Seedance20, "A red kite over the dunes", 100.0, T0);
    f.sent(
        ModelId::Seedance20,
        "A lighthouse in a storm",
        100.0,
        T0 + 1_000,
    );
    f.sent(
        ModelId::Seedance25,
        "A red kite over the dunes",
        150.0,
        T0 + 2_000,
    );
    f.at(T0 + 3_000);
    f.task(ModelId::Seedance20, "100% red, no_grain", 100.0);

    let found = f.ledger.search_past_prompts("red", 10).unwrap();
    let prompts: Vec<&str> = found.iter().map(|p| p.prompt.as_str()).collect();
    assert_eq!(prompts, ["100% red, no_grain", "A red kite over the dunes"]);
    assert_eq!(found[1].uses, 2);
    assert_eq!(found[1].model, ModelId::Seedance25.wire_id());
    assert_eq!(
        f.ledger
            .search_past_prompts("KITE dunes", 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(f.ledger.search_past_prompts("", 2).unwrap().len(), 2);
    let literal = f.ledger.search_past_prompts("100%", 10).unwrap();
    assert_eq!(literal.len(), 1, "{literal:?}");
    assert!(f.ledger.search_past_prompts("no_", 10).unwrap().len() == 1);
}

#[test]
fn spend_is_reserved_settled_refunded_and_held_per_day_and_model() {
    let f = fixture();
    // Day 1: a 2.0 success the service billed as estimated, a 2.0 failure (refunded),
    // a 2.5 task that settled higher than it reserved.
    let a = f.sent(ModelId::Seedance20, "a", 200.0, T0);
    f.finish(a, TaskStatus::Success, Some(200.0));
    let b = f.sent(ModelId::Seedance20, "b", 100.0, T0 + 1_000);
    f.finish(b, TaskStatus::Fail, None);
    let c = f.sent(ModelId::Seedance25Extend, "c", 175.0, T0 + 2_000);
    f.finish(c, TaskStatus::Success, Some(175.0));
    // The settled charge is read after success and kept beside the reservation.
    assert!(f.ledger.record_settlement(c, 525.0, T0 + 3_000).unwrap());
    // Day 2: one still generating, one refused by a 402 before anything was reserved,
    // and one never sent.
    let d = f.sent(ModelId::Seedance20, "d", 300.0, T0 + DAY_MS);
    f.finish(d, TaskStatus::Generating, None);
    f.at(T0 + DAY_MS + 1_000);
    let e = f.task(ModelId::Seedance20, "e", 400.0);
    f.ledger.mark_submitting(e).unwrap();
    let refused = ApiError::Http {
        endpoint: Endpoint::CreateTask,
        status: 402,
        body: Some(ErrorBody {
            message: Some("Insufficient credits".into()),
            required: Some(400.0),
            available: Some(57.5),
            ..ErrorBody::default()
        }),
        raw: None,
        retry_after: None,
    };
    let guidance = serde_json::to_value(guidance_for(&Failure::Api(&refused))).unwrap();
    f.ledger.mark_failed(e, &guidance, None).unwrap();
    f.task(ModelId::Seedance20, "queued", 999.0);

    let report = f.ledger.spend_since(T0 - DAY_MS, 0).unwrap();
    let rows: Vec<(&str, &str, u32, f64, f64, f64, f64)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.day.as_str(),
                r.model.as_str(),
                r.tasks,
                r.reserved,
                r.settled,
                r.refunded,
                r.held,
            )
        })
        .collect();
    let v20 = ModelId::Seedance20.wire_id();
    let extend = ModelId::Seedance25Extend.wire_id();
    let mut expected = vec![
        ("2026-12-04", v20, 2, 300.0, 200.0, 100.0, 0.0),
        ("2026-12-04", extend, 1, 175.0, 525.0, 0.0, 0.0),
        ("2026-12-05", v20, 1, 300.0, 0.0, 0.0, 300.0),
    ];
    expected.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    assert_eq!(rows, expected);
    assert_eq!(report.totals(), (775.0, 725.0, 100.0, 300.0));
    let balance = report.last_balance.unwrap();
    assert_eq!(
        (balance.credits, balance.at_ms),
        (57.5, T0 + DAY_MS + 1_000)
    );

    // The creator's time zone moves a late task to the next day.
    let late = f.sent(ModelId::Seedance20, "late", 50.0, T0 + 13 * 3_600_000);
    f.finish(late, TaskStatus::Success, Some(50.0));
    let tokyo = f.ledger.spend_since(T0 + 12 * 3_600_000, 9 * 3600).unwrap();
    assert_eq!(tokyo.rows.len(), 1);
    assert_eq!(tokyo.rows[0].day, "2026-12-05");

    let csv = report.to_csv();
    assert!(csv.starts_with("day,model,tasks,reserved,settled,refunded,held\n"));
    assert!(
        csv.contains(&format!("2026-12-04,{v20},2,300,200,100,0\n")),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4);
}
