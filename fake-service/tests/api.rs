//! Contract behaviour over real TCP: lifecycle, validation, auth, 429, 402/refunds, uploads,
//! static files with Range, scripted failures, stats, the admin API and the binary.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use seedance_fake::{Outcome, TaskPlan, DEMO_API_KEY};
use serde_json::{json, Value};

#[tokio::test]
async fn happy_path_waiting_generating_success_and_files() {
    // Scale 0.005: generation of 120–240 s takes 0.6–1.2 s; the wait marker makes `waiting`
    // observable.
    let fake = start(0.005).await;
    let c = client();
    let id = create_ok(&c, &fake, &t2v("a dog [fake:wait=0.3]")).await;
    assert_eq!(fake.balance(), 1_000_000.0 - 200.0);

    let mut seen: Vec<String> = Vec::new();
    let mut last = Value::Null;
    for _ in 0..200 {
        let (s, v) = record(&c, &fake, KEY, &id).await;
        assert_eq!(s, 200);
        let st = v["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&st) {
            seen.push(st.clone());
        }
        last = v;
        if st == "success" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(seen, vec!["waiting", "generating", "success"]);
    assert_eq!(last["taskId"], id.as_str());
    assert_eq!(last["model"], "seedance-20");
    assert_eq!(last["creditsUsed"], json!(200));
    assert_eq!(last["error"], Value::Null);
    let out = &last["output"][0];
    assert_eq!(
        (out["width"].as_u64(), out["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert_eq!(out["mediaType"], "video/mp4");
    assert!(out["seed"].is_u64());
    let url = out["url"].as_str().unwrap();
    assert_eq!(url, format!("{}/static/videos/{id}.mp4", fake.origin()));
    assert!(last["completeTime"].as_u64().unwrap() >= last["createTime"].as_u64().unwrap());

    // The video, whole and resumed with Range.
    let full = c.get(url).send().await.unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "video/mp4");
    let bytes = full.bytes().await.unwrap();
    assert!(bytes.len() > 1000 && &bytes[4..8] == b"ftyp");
    let part = c
        .get(url)
        .header("Range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-{}/{}", bytes.len() - 1, bytes.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), bytes.slice(1000..));
    let bad = c
        .get(url)
        .header("Range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 416);
    let png = c
        .get(out["lastFrameImage"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(&png.bytes().await.unwrap()[1..4], b"PNG");

    let stats = fake.stats();
    assert!(stats.record_info_by_task[&id] >= 3);
    assert_eq!(stats.static_gets, 4);
    assert_eq!(stats.tasks[0].status, "success");
    assert_eq!(stats.auth_header_leaks, 0);
    fake.shutdown().await;
}

#[tokio::test]
async fn validation_errors() {
    let fake = start(0.01).await;
    let c = client();
    let cases: Vec<(Value, Value)> = vec![
        (
            json!({"model": "seedance-2.0", "inputs": {"prompt": "x"}}),
            json!({"message": "Unknown model"}),
        ),
        (
            json!({"model": "seedance-20", "inputs": {"prompt": "x"}, "callBackUrl": "not a url"}),
            json!({"message": "Invalid request parameters"}),
        ),
    ];
    for (body, want) in cases {
        let r = create(&c, &fake, KEY, &body).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap(), want);
    }
    let r = c
        .post(format!("{}/jobs/createTask", fake.base_url()))
        .bearer_auth(KEY)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Invalid request parameters"
    );

    let bad_inputs = [
        (json!({"prompt": "x", "duration": 16}), "duration"),
        (
            json!({"prompt": "x", "outputResolution": "2k"}),
            "outputResolution",
        ),
        (json!({"prompt": "x", "aspectRatio": "5:4"}), "aspectRatio"),
        (json!({"prompt": "x", "mode": "frames"}), "mode"),
        (
            json!({"prompt": "x", "generate_audio": "yes"}),
            "generate_audio",
        ),
        (json!({"prompt": "x", "seed": -2}), "seed"),
    ];
    for (inputs, path) in bad_inputs {
        let r = create(
            &c,
            &fake,
            KEY,
            &json!({"model": "seedance-20", "inputs": inputs}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["message"], "Invalid inputs for model");
        assert_eq!(v["errors"][0]["code"], "custom");
        assert_eq!(v["errors"][0]["path"], json!([path]));
    }
    let r = create(
        &c,
        &fake,
        KEY,
        &json!({"model": "seedance2-fast", "inputs": {"prompt": "x", "outputResolution": "1080p"}}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    // Nothing was charged; unknown keys and string durations are fine.
    assert_eq!(fake.balance(), 1_000_000.0);
    let id = create_ok(
        &c,
        &fake,
        &json!({"model": "seedance2.0-mini", "inputs": {"prompt": "x", "duration": "5", "aspect_ratio": "9:16", "outputResolution": "480p"}}),
    )
    .await;
    assert_eq!(fake.task(&id).unwrap().credits_used, 37.5);
    assert_eq!(fake.task(&id).unwrap().aspect_ratio, "16:9");
    // 3 images without mode: accepted, images 3+ dropped.
    let imgs: Vec<String> = (0..4).map(|i| format!("https://e.com/{i}.png")).collect();
    let id = create_ok(
        &c,
        &fake,
        &json!({"model": "seedance-20", "inputs": {"prompt": "x", "imageUrls": imgs}}),
    )
    .await;
    assert_eq!(fake.task(&id).unwrap().images_dropped, 2);
    assert_eq!(fake.stats().create_task_calls, 12);
}

#[tokio::test]
async fn auth_rules_and_ownership() {
    let fake = start(0.01).await;
    let c = client();
    let url = format!("{}/jobs/createTask", fake.base_url());
    let r = c.post(&url).json(&t2v("x")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Missing Authorization header"
    );
    let r = create(&c, &fake, "invalid_key", &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Invalid API Key"
    );
    let r = create(&c, &fake, "noaccess_1", &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "API access not enabled for this account"
    );

    let id = create_ok(&c, &fake, &t2v("x")).await;
    assert_eq!(
        record(&c, &fake, "sk_bob", &id).await,
        (403, json!({"message": "Access denied"}))
    );
    assert_eq!(
        record(&c, &fake, KEY, "task_aaaaaaaaaaaaaaaaaaaaaaaa").await,
        (404, json!({"message": "Task not found"}))
    );
    assert_eq!(
        record(&c, &fake, KEY, "bad id!").await,
        (400, json!({"message": "Invalid taskId"}))
    );
    assert_eq!(
        record(&c, &fake, KEY, "").await,
        (400, json!({"message": "Missing taskId parameter"}))
    );
    let r = c
        .get(format!("{}/jobs/recordInfo?taskId={id}", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Demo tasks: readable by any key, the demo key has no credits.
    let (s, v) = record(&c, &fake, "sk_anyone", "demo_task_fail_text_moderation").await;
    assert_eq!(s, 200);
    assert_eq!(v["error"]["code"], "2038");
    let (s, v) = record(&c, &fake, DEMO_API_KEY, "demo_task_t2v_success").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("success")));
    let r = create(&c, &fake, DEMO_API_KEY, &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 402);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Insufficient credits", "required": 200, "available": 0})
    );

    // required_key: only that key (and the demo key) is valid.
    fake.set_config(|cfg| cfg.required_key = Some("sk_only".into()));
    assert_eq!(
        create(&c, &fake, KEY, &t2v("x")).await.unwrap().status(),
        401
    );
    assert_eq!(
        create(&c, &fake, "sk_only", &t2v("x"))
            .await
            .unwrap()
            .status(),
        200
    );
    let stats = fake.stats();
    assert!(stats.responses_4xx >= 9, "{}", stats.responses_4xx);
}

#[tokio::test]
async fn concurrency_limit_429() {
    let fake = start(0.01).await;
    fake.set_config(|cfg| cfg.concurrency_limit = 2);
    let c = client();
    let a = create_ok(&c, &fake, &t2v("one [fake:stuck]")).await;
    create_ok(&c, &fake, &t2v("two [fake:stuck]")).await;
    let r = create(&c, &fake, KEY, &t2v("three")).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({
            "message": "Concurrency limit reached (2). You have 2 tasks in progress. Please wait for them to complete, or join our Discord for higher limits.",
            "limit": 2, "current": 2
        })
    );
    // Another key is another account.
    assert_eq!(
        create(&c, &fake, "sk_bob", &t2v("x"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(fake.complete_task(&a).await);
    assert_eq!(record(&c, &fake, KEY, &a).await.1["status"], "success");
    create_ok(&c, &fake, &t2v("three again")).await;
}

#[tokio::test]
async fn insufficient_credits_and_refunds() {
    let fake = start(0.01).await;
    fake.set_balance(100.0);
    let c = client();
    let r = create(&c, &fake, KEY, &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 402);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Insufficient credits", "required": 200, "available": 100})
    );
    // Mini 480p: 7.5 cr/s, fractional.
    let mini = json!({"model": "seedance2.0-mini", "inputs": {"prompt": "x [fake:fail=moderation]", "outputResolution": "480p"}});
    let id = create_ok(&c, &fake, &mini).await;
    assert_eq!(fake.balance(), 62.5);
    let r = create(&c, &fake, KEY, &json!({"model": "seedance2.0-mini", "inputs": {"prompt": "y", "outputResolution": "720p"}}))
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Insufficient credits", "required": 100, "available": 62.5})
    );
    // Quick failure (about 2 s scaled = 20 ms), then refunded; creditsUsed keeps the reservation.
    let v = wait_terminal(&c, &fake, &id, 5.0).await;
    assert_eq!(v["status"], "fail");
    assert_eq!(v["creditsUsed"], json!(37.5));
    assert_eq!(
        v["error"],
        json!({"code": "2038", "message": "Your input text violates platform rules. Please modify and try again."})
    );
    assert_eq!(fake.balance(), 100.0);
    assert!(fake.task(&id).unwrap().refunded);
}

#[tokio::test]
async fn input_derived_failures_and_queued_outcomes() {
    let fake = start(0.01).await;
    let c = client();
    let audio_only = json!({"model": "seedance-20", "inputs": {"prompt": "x", "audioUrls": ["https://e.com/a.mp3"]}});
    let long_refs = json!({"model": "seedance-20", "inputs": {"prompt": "x",
        "videoUrls": ["https://e.com/a.mp4?duration=10", "https://e.com/b.mp4?duration=6"]}});
    let a = create_ok(&c, &fake, &audio_only).await;
    let b = create_ok(&c, &fake, &long_refs).await;
    assert_eq!(fake.task(&b).unwrap().credits_used, 240.0); // reference-video tier
    fake.queue_outcome(Outcome::Fail {
        code: None,
        message: "Task execution failed".into(),
    });
    fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.0),
        gen_seconds: Some(0.05),
    });
    let legacy = create_ok(&c, &fake, &t2v("x [fake:gen=0.05]")).await;
    let quick = create_ok(&c, &fake, &t2v("x [fake:fail=transient]")).await;
    let va = wait_terminal(&c, &fake, &a, 5.0).await;
    assert_eq!(va["error"]["code"], "InvalidParameter");
    assert!(va["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Audio cannot be the only reference input."));
    let vb = wait_terminal(&c, &fake, &b, 5.0).await;
    assert!(vb["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Reference video total duration exceeds the limit."));
    let vl = wait_terminal(&c, &fake, &legacy, 5.0).await;
    assert_eq!(vl["error"], json!("Task execution failed"));
    // The queued plan won over the prompt's transient-failure marker.
    assert_eq!(
        wait_terminal(&c, &fake, &quick, 5.0).await["status"],
        "success"
    );
    // Markers: every failure name gives a fail record.
    for (name, code, _, _) in seedance_fake::MARKER_FAILURES {
        let id = create_ok(
            &c,
            &fake,
            &t2v(&format!("x [fake:fail={name}] [fake:gen=0] [fake:wait=0]")),
        )
        .await;
        let v = wait_terminal(&c, &fake, &id, 3.0).await;
        assert_eq!(v["status"], "fail", "{name}");
        match code {
            Some(code) => assert_eq!(v["error"]["code"], *code),
            None => assert!(v["error"].is_string()),
        }
    }
}

#[tokio::test]
async fn upload_put_confirm_static_round_trip() {
    let fake = start(0.01).await;
    let c = client();
    let r = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "clip one.mp4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let slot: Value = r.json().await.unwrap();
    assert_eq!(slot["method"], "PUT");
    assert_eq!(slot["contentType"], "video/mp4");
    assert_eq!(slot["expiresIn"], 900);
    assert_eq!(slot["assetTtlSeconds"], 86400);
    let upload_url = slot["uploadUrl"].as_str().unwrap();
    let url = slot["url"].as_str().unwrap();
    assert!(upload_url.starts_with(&format!("{}/upload-target/", fake.origin())));
    assert!(url.starts_with(&format!("{}/static/temp-uploads/", fake.origin())));

    let confirm = format!(
        "{}/uploads?path={}",
        fake.base_url(),
        slot["path"].as_str().unwrap()
    );
    assert_eq!(
        c.get(&confirm)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The real 1 s result clip as the body.
    let clip = include_bytes!("../assets/result.mp4").to_vec();
    let r = c
        .put(upload_url)
        .header("Content-Type", "video/mp4")
        .body(clip.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(&confirm).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["size"], clip.len());
    let got = c.get(url).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "video/mp4");
    assert_eq!(got.bytes().await.unwrap().to_vec(), clip);
    let part = c
        .get(url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().to_vec(), clip[10..20].to_vec());

    // Wrong signature, expired URL: S3-style 403.
    let tampered = upload_url.replace("signature=", "signature=0");
    let r = c.put(&tampered).body("x").send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("SignatureDoesNotMatch"));
    fake.set_config(|cfg| cfg.upload_url_ttl_secs = -5);
    let slot2: Value = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "a.png"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = c
        .put(slot2["uploadUrl"].as_str().unwrap())
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("expired"));

    // The uploaded clip as a reference video (its mvhd says 1 s, so 3 copies are fine).
    let three = create_ok(
        &c,
        &fake,
        &json!({"model": "seedance-20", "inputs": {"prompt": "x", "videoUrls": [url, url, url]}}),
    )
    .await;
    assert_eq!(fake.task(&three).unwrap().effective_mode, "reference");

    // A leaked API key on the storage host is counted.
    c.get(url).bearer_auth(KEY).send().await.unwrap();
    let stats = fake.stats();
    assert_eq!(stats.auth_header_leaks, 1);
    assert_eq!(
        (stats.upload_requests, stats.upload_confirms, stats.puts),
        (2, 2, 3)
    );
    assert_eq!(stats.put_bytes, clip.len() as u64);
}

#[tokio::test]
async fn chunked_put_streams_to_disk() {
    let fake = start(0.01).await;
    let c = client();
    let slot: Value = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "big.bin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload_url = slot["uploadUrl"].as_str().unwrap();
    let target = &upload_url[fake.origin().len()..];
    // 3 MB in 1000-byte chunks, chunked transfer coding, over a raw socket.
    let mut req = format!("PUT {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").into_bytes();
    let mut expected = Vec::new();
    for i in 0..3000u32 {
        let chunk: Vec<u8> = (0..1000u32).map(|j| ((i + j) % 251) as u8).collect();
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(&chunk);
        req.extend_from_slice(b"\r\n");
        expected.extend_from_slice(&chunk);
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let (resp, err) = raw(&fake, &req).await;
    assert!(err.is_none());
    assert!(
        resp.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&resp)
    );
    let got = c
        .get(slot["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), expected.len());
    assert!(got.to_vec() == expected);
}

#[tokio::test]
async fn admin_http_api() {
    let fake = start(0.01).await;
    let c = client();
    let admin = |p: &str| format!("{}/__admin/{p}", fake.origin());
    let cfg: Value = c
        .post(admin("config"))
        .json(&json!({"concurrency_limit": 7, "balance": 500, "rates": {"seedance-20/720p": 10}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["concurrency_limit"], 7);
    assert_eq!(fake.balance(), 500.0);
    let r = c
        .post(admin("faults"))
        .json(&json!({"endpoint": "createTask", "fault": {"kind": "status", "status": 503, "body": "{\"message\":\"busy\"}", "headers": [["Retry-After", "soon"]]}, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = create(&c, &fake, KEY, &t2v("x")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "soon");
    c.post(admin("outcomes"))
        .json(&json!({"kind": "stuck", "times": 1}))
        .send()
        .await
        .unwrap();
    let id = create_ok(&c, &fake, &t2v("x")).await;
    assert_eq!(fake.balance(), 450.0); // the rate override: 10 cr/s
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rec: Value = c
        .post(admin(&format!("tasks/{id}/complete")))
        .json(&json!({"kind": "fail", "code": "500", "message": "Generation failed. Please try again."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rec["status"], "fail");
    assert_eq!(fake.balance(), 500.0);
    let stats: Value = c
        .get(admin("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["create_task_calls"], 2);
    assert_eq!(stats["tasks"][0]["task_id"], id.as_str());
    assert_eq!(stats["tasks"][0]["status"], "fail");
    assert_eq!(stats["responses_5xx"], 1);
    let typed: seedance_fake::Stats = serde_json::from_value(stats).unwrap();
    assert_eq!(typed.tasks.len(), 1);
    c.post(admin("reset")).send().await.unwrap();
    let stats = fake.stats();
    assert!(stats.tasks.is_empty());
    assert_eq!(stats.balance, 1_000_000.0);
    assert_eq!(fake.config().concurrency_limit, 5);
}

#[tokio::test]
async fn binary_prints_its_address_and_serves() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-seedance"))
        .args([
            "--port",
            "0",
            "--time-scale",
            "0.01",
            "--concurrency-limit",
            "3",
            "--balance",
            "77",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let base = line.strip_prefix("fake-seedance listening on ").unwrap();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/api/v1"),
        "{line}"
    );
    let origin = base.trim_end_matches("/api/v1");
    let cfg: Value = client()
        .get(format!("{origin}/__admin/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (cfg["concurrency_limit"].as_u64(), cfg["balance"].as_f64()),
        (Some(3), Some(77.0))
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_demo_balance_is_the_wallet_after_each_charge() {
    let fake = start(0.005).await;
    let c = client();
    let balance = |c: reqwest::Client, origin: String| async move {
        let response = c
            .get(format!("{origin}/__demo/balance"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["balance"].clone()
    };
    assert_eq!(balance(c.clone(), fake.origin()).await, json!(1_000_000));
    create_ok(&c, &fake, &t2v("a dog")).await;
    assert_eq!(balance(c.clone(), fake.origin()).await, json!(999_800));
}
