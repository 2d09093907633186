//! The `/__admin/` control API (no auth; served to loopback peers only): stats, reset,
//! config, fault and outcome queues (outcomes also by failure name), the service clock, and
//! finishing a task now. The JSON shapes are the serde shapes of the Rust types, documented
//! in README.md.

use std::time::Duration;

use serde_json::{json, Value};

use crate::config::FakeConfig;
use crate::faults::QueuedFault;
use crate::http::{Request, Response};
use crate::state::{Outcome, Shared, State, TaskPlan};

/// Answers one admin request.
pub fn handle(shared: &Shared, req: &Request, body: &[u8]) -> Response {
    let path = req.path.trim_end_matches('/');
    let method = req.method.as_str();
    let parsed = || -> Result<Value, Response> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(body).map_err(|e| Response::message(400, &format!("bad JSON: {e}")))
    };
    let mut st = shared.lock();
    match (method, path) {
        ("GET", "/__admin/stats") => Response::json(200, &to_json(&st.snapshot())),
        ("POST", "/__admin/reset") => {
            st.reset();
            Response::json(200, &json!({"ok": true}))
        }
        ("GET", "/__admin/config") => Response::json(200, &to_json(&st.config)),
        ("POST", "/__admin/config") => match parsed() {
            Ok(patch) => match patch_config(&mut st, &patch) {
                Ok(()) => Response::json(200, &to_json(&st.config)),
                Err(e) => Response::message(400, &e),
            },
            Err(r) => r,
        },
        ("POST", "/__admin/faults") => match parsed().and_then(|v| parse_list::<QueuedFault>(&v)) {
            Ok(list) => {
                for q in list {
                    st.faults.push(q.endpoint, q.fault, q.times);
                }
                Response::json(200, &to_json(&st.faults.pending()))
            }
            Err(r) => r,
        },
        ("DELETE", "/__admin/faults") | ("POST", "/__admin/faults/clear") => {
            st.faults.clear();
            Response::json(200, &json!([]))
        }
        ("POST", "/__admin/outcomes") => {
            match parsed().and_then(|v| parse_plans(&v, st.config.effective_time_scale())) {
                Ok(list) => {
                    st.plans.extend(list);
                    Response::json(200, &to_json(&st.plans))
                }
                Err(r) => r,
            }
        }
        ("DELETE", "/__admin/outcomes") | ("POST", "/__admin/outcomes/clear") => {
            st.plans.clear();
            Response::json(200, &json!([]))
        }
        ("GET", "/__admin/failures") => Response::json(200, &failure_catalogue()),
        ("GET", "/__admin/clock") => Response::json(200, &clock_json(&st)),
        ("POST", "/__admin/clock") => match parsed() {
            Ok(v) => {
                let real = v.get("advance_seconds").and_then(Value::as_f64);
                let service = v.get("advance_service_seconds").and_then(Value::as_f64);
                let scale = st.config.effective_time_scale();
                let by = match (real, service) {
                    (Some(r), None) => r,
                    (None, Some(s)) => s * scale,
                    _ => {
                        return Response::message(
                            400,
                            "send one of advance_seconds or advance_service_seconds",
                        )
                    }
                };
                if !by.is_finite() || by < 0.0 {
                    return Response::message(400, "the clock only moves forward");
                }
                st.advance_clock(Duration::from_secs_f64(by.min(1e10)));
                Response::json(200, &clock_json(&st))
            }
            Err(r) => r,
        },
        _ => task_route(&mut st, shared, method, path, parsed),
    }
}

fn task_route(
    st: &mut State,
    shared: &Shared,
    method: &str,
    path: &str,
    parsed: impl FnOnce() -> Result<Value, Response>,
) -> Response {
    let Some(rest) = path.strip_prefix("/__admin/tasks/") else {
        return Response::message(404, "Not found");
    };
    let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
    match (method, action) {
        ("GET", "") => match st.task_summary(id) {
            Some(s) => Response::json(200, &to_json(&s)),
            None => Response::message(404, "Task not found"),
        },
        ("POST", "complete") => {
            let outcome = match parsed() {
                Ok(Value::Null) => None,
                Ok(v) => match named_failure(&v) {
                    Some(Ok((o, _))) => Some(o),
                    Some(Err(r)) => return r,
                    None => match serde_json::from_value::<Outcome>(v) {
                        Ok(o) => Some(o),
                        Err(e) => return Response::message(400, &format!("bad outcome: {e}")),
                    },
                },
                Err(r) => return r,
            };
            if !st.complete(id, outcome) {
                return Response::message(404, "Task not found");
            }
            let view = st.view(&shared.origin, &shared.secret);
            match st.tasks.get(id) {
                Some(t) => Response::json(200, &t.record(&view)),
                None => Response::message(404, "Task not found"),
            }
        }
        _ => Response::message(404, "Not found"),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// One object or an array of them.
fn parse_list<T: serde::de::DeserializeOwned>(v: &Value) -> Result<Vec<T>, Response> {
    let items = match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    items
        .into_iter()
        .map(|i| {
            serde_json::from_value(i).map_err(|e| Response::message(400, &format!("bad item: {e}")))
        })
        .collect()
}

/// The failure catalogue of the markers, as JSON.
fn failure_catalogue() -> Value {
    Value::Array(
        crate::markers::FAILURES
            .iter()
            .map(|(name, code, message, quick)| {
                json!({"name": name, "code": code, "message": message, "quick": quick})
            })
            .collect(),
    )
}

fn clock_json(st: &State) -> Value {
    json!({
        "offset_ms": u64::try_from(st.clock_offset().as_millis()).unwrap_or(u64::MAX),
        "now_ms": st.wall_ms(),
        "time_scale": st.config.effective_time_scale(),
    })
}

/// A `{"failure":"1001-busy"}` item: the named failure of the marker catalogue with its
/// "quick" flag. `None` when the item names no failure.
fn named_failure(v: &Value) -> Option<Result<(Outcome, bool), Response>> {
    let name = v.get("failure")?;
    Some(
        name.as_str()
            .and_then(crate::markers::failure)
            .ok_or_else(|| Response::message(400, &format!("unknown failure {name}"))),
    )
}

/// Plans, each optionally with `"times": N` to queue it N times. An item may name a failure
/// of the catalogue (`{"failure":"1001-copyright"}`) instead of spelling out its code and
/// message; a quick one then takes the quick timing unless the item sets its own.
fn parse_plans(v: &Value, scale: f64) -> Result<Vec<TaskPlan>, Response> {
    let items = match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for mut item in items {
        let times = item
            .as_object_mut()
            .and_then(|o| o.remove("times"))
            .and_then(|t| t.as_u64())
            .unwrap_or(1);
        let plan = match named_failure(&item) {
            Some(named) => {
                let (outcome, quick) = named?;
                let secs = |k: &str| item.get(k).and_then(Value::as_f64);
                let quick_secs = quick.then_some(scale);
                TaskPlan {
                    outcome,
                    wait_seconds: secs("wait_seconds").or(quick_secs),
                    gen_seconds: secs("gen_seconds").or(quick_secs),
                }
            }
            None => serde_json::from_value(item)
                .map_err(|e| Response::message(400, &format!("bad outcome: {e}")))?,
        };
        for _ in 0..times.min(10_000) {
            out.push(plan.clone());
        }
    }
    Ok(out)
}

/// Merges a partial config object. `rates` entries merge into the existing map (a `null`
/// rate removes the override); a `balance` key also replaces the current balance.
fn patch_config(st: &mut State, patch: &Value) -> Result<(), String> {
    let Some(patch) = patch.as_object() else {
        return Err("config patch must be a JSON object".into());
    };
    let mut current = serde_json::to_value(&st.config).map_err(|e| e.to_string())?;
    let Some(cur) = current.as_object_mut() else {
        return Err("config is not an object".into());
    };
    for (k, v) in patch {
        if k == "rates" {
            let rates = cur.entry("rates").or_insert_with(|| json!({}));
            if let (Some(dst), Some(src)) = (rates.as_object_mut(), v.as_object()) {
                for (rk, rv) in src {
                    if rv.is_null() {
                        dst.remove(rk);
                    } else {
                        dst.insert(rk.clone(), rv.clone());
                    }
                }
                continue;
            }
        }
        cur.insert(k.clone(), v.clone());
    }
    let config: FakeConfig = serde_json::from_value(current).map_err(|e| e.to_string())?;
    if config.render_results && (!st.config.render_results || config.ffmpeg != st.config.ffmpeg) {
        crate::render::check_ffmpeg(&config.ffmpeg)?;
    }
    if patch.contains_key("balance") {
        st.balance = config.balance;
    }
    st.config = config;
    Ok(())
}
