//! Downloads into the library over real HTTP from the in-process fake: a finished task's
//! video and last frame, resume after a body cut mid-file, and an unwritable folder.
#![allow(clippy::unwrap_used)]

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::ledger::{Ledger, LocalState, TaskEntry};
use seedance_core::library::{
    partial_path, DiskProblem, DownloadProgress, Library, LibraryError, ResultFile,
};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use time::UtcOffset;

const VIDEO: &[u8] = include_bytes!("../../fake-service/assets/result.mp4");
const LAST_FRAME: &[u8] = include_bytes!("../../fake-service/assets/result_lastframe.png");

struct Setup {
    fake: FakeService,
    client: ApiClient,
    ledger: Ledger,
    _data: tempfile::TempDir,
}

async fn setup() -> Setup {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.001,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(data.path()).unwrap();
    Setup {
        fake,
        client,
        ledger,
        _data: data,
    }
}

/// A task created on the fake, finished there, and recorded in the ledger as Succeeded.
async fn succeeded_task(s: &Setup, prompt: &str) -> TaskEntry {
    let key = ApiKey::new("sk-test-library-0000").unwrap();
    let request = GenerationRequest::new(ModelId::Seedance2Fast, prompt);
    let id = s
        .ledger
        .create(&request, Some(10.0), None, LocalState::Queued)
        .unwrap();
    s.ledger.mark_submitting(id).unwrap();
    let remote = s
        .client
        .create_task(&key, &request.create_task_body().unwrap())
        .await
        .unwrap();
    s.ledger.record_submitted(id, &remote, 1).unwrap();
    assert!(s.fake.complete_task(&remote).await);
    let record = s.client.record_info(&key, &remote).await.unwrap();
    let change = s.ledger.apply_remote(id, &record, 2).unwrap().unwrap();
    assert_eq!(change.to, LocalState::Succeeded);
    let entry = s.ledger.get(id).unwrap();
    assert!(entry.output.as_ref().unwrap().last_frame_image.is_some());
    entry
}

fn library(root: &Path) -> Library {
    Library::with_utc_offset(root, UtcOffset::UTC)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[derive(Default)]
struct Progress(Mutex<Vec<DownloadProgress>>);

impl Progress {
    fn of(&self, file: ResultFile) -> Vec<(u64, Option<u64>)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.file == file)
            .map(|p| (p.received, p.total))
            .collect()
    }
}

#[tokio::test]
async fn a_finished_task_lands_in_the_library() {
    let s = setup().await;
    let entry = succeeded_task(&s, "Golden retriever running through autumn leaves").await;
    let root = tempfile::tempdir().unwrap();
    let lib = library(&root.path().join("Seedance Studio"));
    let progress = Progress::default();
    let record = |p: DownloadProgress| progress.0.lock().unwrap().push(p);

    let (video, poster) = lib
        .download_result(&s.client, &entry, &record)
        .await
        .unwrap();
    let poster = poster.unwrap();
    assert_eq!((video.clone(), poster.clone()), lib.paths_for(&entry));
    assert_eq!(std::fs::read(&video).unwrap(), VIDEO);
    assert_eq!(std::fs::read(&poster).unwrap(), LAST_FRAME);
    let name = video.file_name().unwrap().to_str().unwrap();
    assert!(
        name.contains(" golden-retriever-running-through")
            && name.ends_with(&format!("{}.mp4", entry.remote_task_id.as_deref().unwrap())),
        "{name}"
    );
    assert!(poster.extension().unwrap() == "png");
    // No partial is left behind; only the two finished files.
    let names = files_in(lib.root());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");

    // Progress is monotone and ends at the size.
    let video_progress = progress.of(ResultFile::Video);
    assert!(!video_progress.is_empty());
    assert!(video_progress.windows(2).all(|w| w[0].0 <= w[1].0));
    let total = VIDEO.len() as u64;
    assert_eq!(*video_progress.last().unwrap(), (total, Some(total)));
    assert_eq!(
        progress.of(ResultFile::LastFrame).last().unwrap().0,
        LAST_FRAME.len() as u64
    );

    let change = s
        .ledger
        .set_downloaded(entry.id, &video, Some(&poster))
        .unwrap();
    assert_eq!(change.to, LocalState::Downloaded);

    // A second call finds both files complete and fetches nothing.
    let gets = s.fake.stats().static_gets;
    let again = lib
        .download_result(&s.client, &entry, &|_| {})
        .await
        .unwrap();
    assert_eq!(again, (video, Some(poster)));
    assert_eq!(s.fake.stats().static_gets, gets);
}

#[tokio::test]
async fn a_body_cut_mid_file_resumes_byte_for_byte() {
    let s = setup().await;
    let entry = succeeded_task(&s, "a lighthouse in a storm").await;
    let root = tempfile::tempdir().unwrap();
    let lib = library(root.path());
    let (video, poster) = lib.paths_for(&entry);

    // The last frame is fetched first (its link may expire); the cut hits the video.
    assert_eq!(
        lib.save_last_frame(&s.client, &entry, &|_| {})
            .await
            .unwrap(),
        Some(poster.clone())
    );
    s.fake.push_fault(Endpoint::Static, Fault::Truncated, 1);
    let err = lib
        .download_result(&s.client, &entry, &|_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::Download { file: "video", .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!video.exists(), "a cut download must not look finished");
    assert_eq!(std::fs::read(&poster).unwrap(), LAST_FRAME);
    let kept = std::fs::read(partial_path(&video)).unwrap();
    assert!(
        !kept.is_empty() && kept.len() < VIDEO.len(),
        "{} bytes kept",
        kept.len()
    );
    assert_eq!(&kept[..], &VIDEO[..kept.len()]);
    // The ledger still has the remote URL to retry from.
    let stored = s.ledger.get(entry.id).unwrap();
    assert_eq!(stored.state, LocalState::Succeeded);
    assert_eq!(stored.output, entry.output);

    let resumed = Progress::default();
    let record = |p: DownloadProgress| resumed.0.lock().unwrap().push(p);
    let (video_done, poster_done) = lib
        .download_result(&s.client, &entry, &record)
        .await
        .unwrap();
    assert_eq!(video_done, video);
    assert_eq!(std::fs::read(&video).unwrap(), VIDEO);
    assert_eq!(std::fs::read(poster_done.unwrap()).unwrap(), LAST_FRAME);
    assert!(!partial_path(&video).exists());
    // It resumed: the first report already counts the bytes kept from the cut attempt.
    let first = resumed.of(ResultFile::Video)[0].0;
    assert!(
        first > kept.len() as u64,
        "first progress {first} after {} kept",
        kept.len()
    );
}

/// A library root that cannot be created. As root, permissions do not stop writes, so a
/// root whose parent is a regular file is used instead of a read-only folder.
fn unwritable_root(base: &Path) -> (PathBuf, DiskProblem) {
    let locked = base.join("locked");
    std::fs::create_dir(&locked).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(locked.join("probe"), b"x").is_err() {
            return (locked.join("Seedance Studio"), DiskProblem::ReadOnly);
        }
        std::fs::remove_file(locked.join("probe")).unwrap();
    }
    let file = base.join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    (file.join("Seedance Studio"), DiskProblem::NotAFolder)
}

#[tokio::test]
async fn an_unwritable_library_is_a_plain_error_and_nothing_looks_finished() {
    let s = setup().await;
    let entry = succeeded_task(&s, "paper boats on a rainy street").await;
    let base = tempfile::tempdir().unwrap();
    let (root, expected) = unwritable_root(base.path());
    let lib = library(&root);
    let gets = s.fake.stats().static_gets;

    let err = lib
        .download_result(&s.client, &entry, &|_| {})
        .await
        .unwrap_err();
    match &err {
        LibraryError::Disk {
            problem, message, ..
        } => {
            assert_eq!(*problem, expected);
            assert!(message.contains(&root.display().to_string()), "{message}");
            assert!(
                message.contains("Choose another library folder"),
                "{message}"
            );
        }
        other => panic!("expected a disk error, got {other:?}"),
    }
    assert!(!err.is_retryable());
    let (video, poster) = lib.paths_for(&entry);
    assert!(!video.exists() && !poster.exists());
    assert_eq!(
        s.fake.stats().static_gets,
        gets,
        "nothing fetched for nowhere"
    );
    assert_eq!(s.ledger.get(entry.id).unwrap().state, LocalState::Succeeded);
}

#[tokio::test]
async fn a_task_without_output_is_refused() {
    let s = setup().await;
    let id = s
        .ledger
        .create(
            &GenerationRequest::new(ModelId::Seedance20, "x"),
            None,
            None,
            LocalState::Draft,
        )
        .unwrap();
    let entry = s.ledger.get(id).unwrap();
    let root = tempfile::tempdir().unwrap();
    let err = library(root.path())
        .download_result(&s.client, &entry, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, LibraryError::NoResult { .. }), "{err:?}");
    assert!(files_in(root.path()).is_empty());
}

fn entry_with(prompt: &str, remote: Option<&str>, created_at_ms: i64) -> TaskEntry {
    TaskEntry {
        id: 42,
        request: GenerationRequest::new(ModelId::Seedance20, prompt),
        state: LocalState::Succeeded,
        remote_task_id: remote.map(str::to_owned),
        retry_of: None,
        retried_as: None,
        service: None,
        dismissed: false,
        estimate_credits: None,
        service_credits: None,
        output: None,
        failure: None,
        error_raw: None,
        video_path: None,
        poster_path: None,
        created_at_ms,
        submitted_at_ms: None,
        updated_at_ms: created_at_ms,
        completed_at_ms: None,
        queue_position: None,
        poll_count: 0,
        cap_credits: None,
        settled_credits: None,
        settled_at_ms: None,
        output_check: None,
        last_frame_path: None,
        source_task: None,
        joined_path: None,
        reported_model: None,
        take: None,
        verdict: None,
    }
}

#[test]
fn file_names_are_readable_and_portable() {
    // 2026-11-25 14:32:10 UTC.
    let at = 1_795_617_130_000;
    let lib = library(Path::new("/lib"));
    assert_eq!(
        lib.file_stem_for(&entry_with(
            "Golden retriever: running through autumn/leaves!",
            Some("task_abc123"),
            at
        )),
        "2026-11-25 1432 golden-retriever-running-through-autumn-leaves task_abc123"
    );
    let cet = Library::with_utc_offset("/lib", UtcOffset::from_hms(1, 0, 0).unwrap());
    assert!(cet
        .file_stem_for(&entry_with("x", Some("task_1"), at))
        .starts_with("2026-11-25 1532 "));

    let windows_reserved: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];
    let hostile = [
        "CON",
        "../../etc/passwd",
        "a:b/c\\d|e?f*g<h>i\"j",
        "\u{0}\u{1f}\u{7f} control",
        "   ",
        "🎬🎥",
        "東京の夜、雨の中を走るタクシーのシネマティックなショット、長い説明がここに続きます",
        &"word ".repeat(100),
    ];
    for prompt in hostile {
        for remote in [Some("task_abc123"), Some("../..\\evil:id"), None] {
            let stem = lib.file_stem_for(&entry_with(prompt, remote, at));
            assert!(stem.chars().count() <= 80, "{stem:?}");
            assert!(stem.len() <= 160, "{stem:?}");
            assert!(!stem.contains(windows_reserved), "{stem:?}");
            assert!(!stem.chars().any(char::is_control), "{stem:?}");
            assert!(!stem.ends_with(['.', ' ']), "{stem:?}");
            assert!(stem.starts_with("2026-11-25 1432 "), "{stem:?}");
            let (video, poster) = lib.paths_for(&entry_with(prompt, remote, at));
            assert_eq!(video.parent(), Some(Path::new("/lib")), "{video:?}");
            assert_eq!(poster.parent(), Some(Path::new("/lib")), "{poster:?}");
        }
    }
    assert_eq!(
        lib.file_stem_for(&entry_with("🎬🎥", None, at)),
        "2026-11-25 1432 video local-42"
    );
    assert!(lib
        .file_stem_for(&entry_with("東京の夜", Some("task_x"), at))
        .contains("東京の夜"));
}
