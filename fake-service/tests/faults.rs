//! Every fault actually happens on the wire: statuses and bodies, broken JSON, truncation,
//! trickle, delay, stalls, and real TCP resets before and after acting.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::*;
use seedance_fake::{Endpoint, Fault};
use serde_json::{json, Value};

#[tokio::test]
async fn status_faults_then_normal_again() {
    let fake = start(0.01).await;
    let c = client();
    fake.push_fault(Endpoint::CreateTask, Fault::internal_error(), 2);
    for _ in 0..2 {
        let r = create(&c, &fake, KEY, &t2v("x")).await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"message": "Internal server error"})
        );
    }
    fake.push_fault(
        Endpoint::CreateTask,
        Fault::concurrency_limit(5, 5, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
        1,
    );
    let r = create(&c, &fake, KEY, &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_eq!(r.json::<Value>().await.unwrap()["limit"], 5);
    fake.push_fault(
        Endpoint::CreateTask,
        Fault::json(
            402,
            json!({"message": "Insufficient credits", "required": 2.5, "available": 1.25}),
        ),
        1,
    );
    assert_eq!(
        create(&c, &fake, KEY, &t2v("x")).await.unwrap().status(),
        402
    );
    fake.push_fault(Endpoint::CreateTask, Fault::ProxyHtml { status: 502 }, 1);
    let r = create(&c, &fake, KEY, &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert!(r.text().await.unwrap().contains("502 Bad Gateway"));
    // None of those acted; the next call is normal.
    assert_eq!(fake.stats().tasks_created, 0);
    create_ok(&c, &fake, &t2v("x")).await;
    let stats = fake.stats();
    assert_eq!(stats.faults_applied, 5);
    assert_eq!(stats.responses_5xx, 3);
    assert_eq!(stats.responses_by_status[&429], 1);
    // Same body five times then once more: one fingerprint, six calls.
    assert_eq!(stats.create_task_by_fingerprint.len(), 1);
    assert_eq!(stats.create_task_by_fingerprint.values().sum::<u64>(), 6);
}

#[tokio::test]
async fn reset_after_act_creates_the_task_and_resets() {
    let fake = start(0.01).await;
    fake.push_fault(Endpoint::CreateTask, Fault::ResetAfterAct, 1);
    let (resp, err) = raw(&fake, &raw_create(&t2v("x"))).await;
    assert!(resp.is_empty());
    assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::ConnectionReset));
    let stats = fake.stats();
    assert_eq!(stats.tasks_created, 1);
    assert_eq!(stats.balance, 1_000_000.0 - 200.0);
    // Through reqwest: an error that is not a status, and a second task.
    fake.push_fault(Endpoint::CreateTask, Fault::ResetAfterAct, 1);
    let e = create(&client(), &fake, KEY, &t2v("x")).await.unwrap_err();
    assert!(e.status().is_none() && e.is_request(), "{e:?}");
    assert_eq!(fake.stats().tasks_created, 2);
}

#[tokio::test]
async fn reset_before_read_does_nothing() {
    let fake = start(0.01).await;
    fake.push_fault(Endpoint::CreateTask, Fault::ResetBeforeRead, 1);
    let (resp, err) = raw(&fake, &raw_create(&t2v("x"))).await;
    assert!(resp.is_empty());
    assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::ConnectionReset));
    assert_eq!(fake.stats().tasks_created, 0);
    assert_eq!(fake.balance(), 1_000_000.0);
}

#[tokio::test]
async fn broken_bodies() {
    let fake = start(0.01).await;
    let c = client();
    let id = create_ok(&c, &fake, &t2v("x [fake:stuck]")).await;
    let url = format!("{}/jobs/recordInfo?taskId={id}", fake.base_url());
    let get = || c.get(&url).bearer_auth(KEY).send();

    fake.push_fault(Endpoint::RecordInfo, Fault::Truncated, 1);
    let r = get().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err(), "truncated body must fail to read");

    fake.push_fault(Endpoint::RecordInfo, Fault::InvalidJson, 1);
    assert!(get().await.unwrap().json::<Value>().await.is_err());

    fake.push_fault(Endpoint::RecordInfo, Fault::EmptyOk, 1);
    let r = get().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());

    fake.push_fault(
        Endpoint::RecordInfo,
        Fault::UnknownStatus {
            status: "paused".into(),
        },
        1,
    );
    let v: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "paused");
    assert_eq!(v["taskId"], id.as_str());

    fake.push_fault(Endpoint::RecordInfo, Fault::OutputMissing, 1);
    let v: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "success");
    assert!(v.get("output").is_none());

    fake.push_fault(Endpoint::RecordInfo, Fault::Huge { bytes: 4_000_000 }, 1);
    let b = get().await.unwrap().bytes().await.unwrap();
    assert!(b.len() > 4_000_000);
    assert_eq!(
        serde_json::from_slice::<Value>(&b).unwrap()["taskId"],
        id.as_str()
    );

    // Still normal afterwards, and the task is still generating.
    let v: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "generating");
}

#[tokio::test]
async fn truncated_download_can_resume_with_range() {
    let fake = start(0.01).await;
    let c = client();
    let id = create_ok(&c, &fake, &t2v("x [fake:gen=0] [fake:wait=0]")).await;
    let v = wait_terminal(&c, &fake, &id, 3.0).await;
    let url = v["output"][0]["url"].as_str().unwrap().to_string();
    let full = c.get(&url).send().await.unwrap().bytes().await.unwrap();

    fake.push_fault(Endpoint::Static, Fault::Truncated, 1);
    let mut got = Vec::new();
    let mut r = c.get(&url).send().await.unwrap();
    loop {
        match r.chunk().await {
            Ok(Some(ch)) => got.extend_from_slice(&ch),
            Ok(None) => panic!("truncated body must not end cleanly"),
            Err(_) => break,
        }
    }
    assert!(!got.is_empty() && got.len() < full.len());
    let rest = c
        .get(&url)
        .header("Range", format!("bytes={}-", got.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 206);
    got.extend_from_slice(&rest.bytes().await.unwrap());
    assert!(got == full.to_vec());
}

#[tokio::test]
async fn slow_faults_delay_trickle_stall() {
    let fake = start(0.01).await;
    let c = client();
    fake.push_fault(Endpoint::RecordInfo, Fault::Delay { ms: 300 }, 1);
    let t = Instant::now();
    let (s, _) = record(&c, &fake, KEY, "demo_task_t2v_success").await;
    assert_eq!(s, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    fake.push_fault(Endpoint::RecordInfo, Fault::Trickle { ms_per_byte: 2 }, 1);
    let t = Instant::now();
    let (s, v) = record(&c, &fake, KEY, "demo_task_fail_server_error").await;
    assert_eq!(s, 200);
    let len = v.to_string().len() as u64;
    assert!(
        t.elapsed() >= Duration::from_millis(len * 2 / 2),
        "{:?} for {len} bytes",
        t.elapsed()
    );

    // Stall: no answer, nothing done; the client times out.
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fake.push_fault(Endpoint::CreateTask, Fault::Stall, 1);
    let e = create(&short, &fake, KEY, &t2v("x")).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(fake.stats().tasks_created, 0);
    // Stall after acting: the task exists although the client never heard.
    fake.push_fault(Endpoint::CreateTask, Fault::StallAfterAct, 1);
    let e = create(&short, &fake, KEY, &t2v("x")).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(fake.stats().tasks_created, 1);
    // Shutdown closes stalled sockets too.
    tokio::time::timeout(Duration::from_secs(2), fake.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn upload_and_put_faults() {
    let fake = start(0.01).await;
    let c = client();
    fake.push_fault(Endpoint::Uploads, Fault::internal_error(), 1);
    let r = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "a.png"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let slot: Value = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "a.png"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    fake.push_fault(Endpoint::Put, Fault::ResetBeforeRead, 1);
    let e = c
        .put(slot["uploadUrl"].as_str().unwrap())
        .body(vec![7u8; 200_000])
        .send()
        .await
        .unwrap_err();
    assert!(e.is_request(), "{e:?}");
    let r = c
        .put(slot["uploadUrl"].as_str().unwrap())
        .header("Content-Type", "image/png")
        .body(vec![7u8; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats = fake.stats();
    assert_eq!(stats.put_bytes, 200_000);
    assert_eq!(stats.put_content_type_mismatches, 0);
}
