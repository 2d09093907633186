//! The `/__admin/` control API (no auth; served to loopback peers only): stats, reset,
//! config, fault and outcome queues, and finishing a task now. The JSON shapes are the serde
//! shapes of the Rust types, documented in README.md.

use serde_json::{json, Value};

use crate::config::FakeConfig;
use crate::faults::QueuedFault;
use crate::http::{Request, Response};
use crate::server::Shared;
use crate::state::{Outcome, State, TaskPlan};

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
        ("POST", "/__admin/outcomes") => match parsed().and_then(|v| parse_plans(&v)) {
            Ok(list) => {
                st.plans.extend(list);
                Response::json(200, &to_json(&st.plans))
            }
            Err(r) => r,
        },
        ("DELETE", "/__admin/outcomes") | ("POST", "/__admin/outcomes/clear") => {
            st.plans.clear();
            Response::json(200, &json!([]))
        }
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
                Ok(v) => match serde_json::from_value::<Outcome>(v) {
                    Ok(o) => Some(o),
                    Err(e) => return Response::message(400, &format!("bad outcome: {e}")),
                },
                Err(r) => return r,
            };
            if !st.complete(id, outcome) {
                return Response::message(404, "Task not found");
            }
            match st.tasks.get(id) {
                Some(t) => {
                    Response::json(200, &t.record(std::time::Instant::now(), &shared.origin))
                }
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

/// Plans, each optionally with `"times": N` to queue it N times.
fn parse_plans(v: &Value) -> Result<Vec<TaskPlan>, Response> {
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
        let plan: TaskPlan = serde_json::from_value(item)
            .map_err(|e| Response::message(400, &format!("bad outcome: {e}")))?;
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
    if patch.contains_key("balance") {
        st.balance = config.balance;
    }
    st.config = config;
    Ok(())
}
