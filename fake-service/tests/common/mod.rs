//! Helpers shared by the fake's integration tests: starting a fake, a plain reqwest client,
//! createTask/recordInfo shortcuts and raw-socket requests for transport checks.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use seedance_fake::{FakeConfig, FakeService};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const KEY: &str = "sk_test_alice";

pub async fn start(time_scale: f64) -> FakeService {
    FakeService::start(FakeConfig {
        time_scale,
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

pub fn t2v(prompt: &str) -> Value {
    json!({"model": "seedance-20", "inputs": {"prompt": prompt, "duration": 5, "outputResolution": "720p", "aspectRatio": "16:9"}})
}

pub async fn create(
    c: &reqwest::Client,
    fake: &FakeService,
    key: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    c.post(format!("{}/jobs/createTask", fake.base_url()))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
}

/// createTask expecting 200; returns the task id.
pub async fn create_ok(c: &reqwest::Client, fake: &FakeService, body: &Value) -> String {
    let r = create(c, fake, KEY, body).await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    let id = v["taskId"].as_str().unwrap().to_string();
    assert!(id.starts_with("task_") && id.len() == 29, "{id}");
    id
}

pub async fn record(c: &reqwest::Client, fake: &FakeService, key: &str, id: &str) -> (u16, Value) {
    let r = c
        .get(format!("{}/jobs/recordInfo", fake.base_url()))
        .query(&[("taskId", id)])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

/// Polls until the task is terminal (or the deadline passes); returns the last record.
pub async fn wait_terminal(c: &reqwest::Client, fake: &FakeService, id: &str, secs: f64) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs_f64(secs);
    loop {
        let (_, v) = record(c, fake, KEY, id).await;
        if v["status"] == "success" || v["status"] == "fail" || std::time::Instant::now() > deadline
        {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// Sends raw bytes on a fresh connection and reads until EOF or error.
pub async fn raw(fake: &FakeService, request: &[u8]) -> (Vec<u8>, Option<std::io::Error>) {
    let mut s = TcpStream::connect(fake.addr()).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0)) => return (out, None),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return (out, Some(e)),
            Err(_) => return (out, Some(std::io::Error::other("timeout"))),
        }
    }
}

/// A raw createTask request with `Connection: close`.
pub fn raw_create(body: &Value) -> Vec<u8> {
    let b = body.to_string();
    format!(
        "POST /api/v1/jobs/createTask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
        b.len()
    )
    .into_bytes()
}

/// A fake with this configuration.
pub async fn start_with(config: FakeConfig) -> FakeService {
    FakeService::start(config).await.expect("fake starts")
}

/// createTask with `model` and `inputs`, expecting 200.
pub async fn create_model(
    c: &reqwest::Client,
    fake: &FakeService,
    model: &str,
    inputs: Value,
) -> String {
    create_ok(c, fake, &json!({"model": model, "inputs": inputs})).await
}

/// createTask with `model` and `inputs`, returning the status and JSON body.
pub async fn create_raw(
    c: &reqwest::Client,
    fake: &FakeService,
    model: &str,
    inputs: Value,
) -> (u16, Value) {
    let r = create(c, fake, KEY, &json!({"model": model, "inputs": inputs}))
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

/// A GET without credentials: status, content type and body.
pub async fn fetch(c: &reqwest::Client, url: &str) -> (u16, String, Vec<u8>) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, ct, r.bytes().await.unwrap().to_vec())
}

/// A POST of JSON to the admin API; the answer's status and JSON.
pub async fn admin_post(
    c: &reqwest::Client,
    fake: &FakeService,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = c
        .post(format!("{}/__admin/{path}", fake.origin()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

/// The record's one output item.
pub fn output(record: &Value) -> &Value {
    &record["output"][0]
}
