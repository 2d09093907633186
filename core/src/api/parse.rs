//! Tolerant parsers for every documented answer shape (service-api §9): task records flat or
//! inside a `{code,message,data}` envelope, `status` or `state`, `error` as a string or
//! `{code,message}`, codes and numbers that arrive as strings, optional output fields,
//! fractional credits; plus error bodies, upload targets and `Retry-After`.
//!
//! Pure functions of bytes: no I/O, no clock but the one passed in, and no panic on any
//! input (property-tested). A value of the wrong type is treated as absent rather than
//! failing the whole body, because an old or newer service era must not stop polling.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::error::{ErrorBody, FieldIssue, RetryAfter};
use super::types::{OutputItem, TaskError, TaskRecord, TaskStatus, UploadTarget};

/// `Retry-After` values are clamped to this range: a `0` must not become a busy loop and a
/// year must not park a task forever.
pub const RETRY_AFTER_MIN: Duration = Duration::from_secs(1);
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(120);

/// Longer task ids are refused: no documented id comes close, and the id ends up in the
/// ledger and in URLs.
const MAX_TASK_ID_LEN: usize = 256;

/// A `recordInfo` answer (or webhook body) in any documented shape.
///
/// Errors only when the body is not JSON or names no task. An undocumented status becomes
/// [`TaskStatus::Unknown`] (a missing one `Unknown("")`), never success or fail; a
/// `success` without `output` gives an empty list and leaves the verdict to the caller.
pub fn parse_task_record(body: &[u8]) -> Result<TaskRecord, String> {
    let value = parse_json(body)?;
    let record = unwrap_envelope(&value)?;
    let task_id =
        task_id_of(record).ok_or_else(|| "the task record has no usable taskId".to_owned())?;
    let status = match record.get("status").or_else(|| record.get("state")) {
        Some(Value::String(s)) => TaskStatus::from_wire(s),
        None | Some(Value::Null) => TaskStatus::Unknown(String::new()),
        Some(other) => TaskStatus::Unknown(other.to_string()),
    };
    Ok(TaskRecord {
        task_id,
        model: string_of(record.get("model")),
        status,
        credits_used: number_of(record.get("creditsUsed")),
        output: output_of(record.get("output")),
        error: task_error_of(record.get("error")),
        create_time: integer_of(record.get("createTime")),
        complete_time: integer_of(record.get("completeTime")),
    })
}

/// A `createTask` answer: `{"taskId": …}`, flat or in an envelope.
pub fn parse_create_task(body: &[u8]) -> Result<String, String> {
    let value = parse_json(body)?;
    let record = unwrap_envelope(&value)?;
    task_id_of(record).ok_or_else(|| "the answer has no usable taskId".to_owned())
}

/// The documented JSON error body (`message`, plus `errors`, `required`/`available`,
/// `limit`/`current`). `None` when the body is not a JSON object carrying any of those
/// fields (an HTML page, S3 XML, `{}`), so the caller keeps the raw text instead.
pub fn parse_error_body(body: &[u8]) -> Option<ErrorBody> {
    let value: Value = serde_json::from_slice(trim_bom(body)).ok()?;
    let object = value.as_object()?;
    let parsed = ErrorBody {
        message: string_of(object.get("message")),
        errors: match object.get("errors") {
            Some(Value::Array(items)) => items.iter().filter_map(field_issue_of).collect(),
            _ => Vec::new(),
        },
        required: number_of(object.get("required")),
        available: number_of(object.get("available")),
        limit: count_of(object.get("limit")),
        current: count_of(object.get("current")),
    };
    let documented = parsed.message.is_some()
        || !parsed.errors.is_empty()
        || parsed.required.is_some()
        || parsed.available.is_some()
        || parsed.limit.is_some()
        || parsed.current.is_some();
    documented.then_some(parsed)
}

/// A `POST /uploads` answer: `uploadUrl` and `url` are required, the rest optional.
pub fn parse_upload_target(body: &[u8]) -> Result<UploadTarget, String> {
    let value = parse_json(body)?;
    let object = unwrap_envelope(&value)?;
    let upload_url = non_empty_string(object.get("uploadUrl"))
        .ok_or_else(|| "the upload answer has no uploadUrl".to_owned())?;
    let url = non_empty_string(object.get("url"))
        .ok_or_else(|| "the upload answer has no url".to_owned())?;
    Ok(UploadTarget {
        upload_url,
        url,
        content_type: non_empty_string(object.get("contentType")),
        expires_in_secs: integer_of(object.get("expiresIn")).and_then(|n| u64::try_from(n).ok()),
    })
}

/// A `Retry-After` header: delta-seconds (RFC 9110: digits only) or an HTTP-date, clamped
/// to [[`RETRY_AFTER_MIN`], [`RETRY_AFTER_MAX`]]; a date in the past means the minimum.
/// Anything else (negative, fractional, `inf`, `nan`, a number beyond `u64`, garbage)
/// gives `None`, and the retry policy falls back to its own backoff.
pub fn parse_retry_after(header: &str, now: SystemTime) -> Option<RetryAfter> {
    let text = header.trim();
    if text.is_empty() {
        return None;
    }
    let wait = if text.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(text.parse::<u64>().ok()?)
    } else {
        let at = httpdate::parse_http_date(text).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(RetryAfter(wait.clamp(RETRY_AFTER_MIN, RETRY_AFTER_MAX)))
}

fn trim_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

fn parse_json(body: &[u8]) -> Result<Value, String> {
    let body = trim_bom(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the body is empty".to_owned());
    }
    serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON ({e})"))
}

/// The object that holds the payload: the body itself, or `data` of a
/// `{code, message, data}` envelope.
fn unwrap_envelope(value: &Value) -> Result<&Map<String, Value>, String> {
    let object = value
        .as_object()
        .ok_or_else(|| "the body is JSON but not an object".to_owned())?;
    if object.contains_key("taskId") || object.contains_key("uploadUrl") {
        return Ok(object);
    }
    match object.get("data") {
        Some(Value::Object(data)) => Ok(data),
        _ => Ok(object),
    }
}

fn task_id_of(record: &Map<String, Value>) -> Option<String> {
    let id = match record.get("taskId")? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let usable = !id.is_empty() && id.len() <= MAX_TASK_ID_LEN && !id.chars().any(char::is_control);
    usable.then_some(id)
}

fn string_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn non_empty_string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// A finite number, or a string holding one (`"2.17"`).
fn number_of(value: Option<&Value>) -> Option<f64> {
    let n = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A whole number (epoch milliseconds, seeds): integers, integral floats, numeric strings.
fn integer_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| float_to_i64(n.as_f64()?)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| float_to_i64(s.parse::<f64>().ok()?))
        }
        _ => None,
    }
}

#[allow(clippy::cast_possible_truncation)] // range and integrality are checked first
fn float_to_i64(f: f64) -> Option<i64> {
    // 2^63 as f64 is exact; anything at or above it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

fn count_of(value: Option<&Value>) -> Option<u32> {
    integer_of(value).and_then(|n| u32::try_from(n).ok())
}

/// `output` is a list of items; a single object is read as a one-item list. Items without
/// a `url` are dropped: there is nothing to download.
fn output_of(value: Option<&Value>) -> Vec<OutputItem> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(output_item_of).collect(),
        Some(item @ Value::Object(_)) => output_item_of(item).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn output_item_of(item: &Value) -> Option<OutputItem> {
    let item = item.as_object()?;
    Some(OutputItem {
        url: non_empty_string(item.get("url"))?,
        width: count_of(item.get("width")),
        height: count_of(item.get("height")),
        media_type: non_empty_string(item.get("mediaType")),
        seed: integer_of(item.get("seed")),
        last_frame_image: non_empty_string(item.get("lastFrameImage")),
    })
}

/// `error` as a bare string (Era A) or `{code, message}` (Era B/D); a numeric code becomes
/// its string. An object with neither field still counts as an error with no words.
fn task_error_of(value: Option<&Value>) -> Option<TaskError> {
    match value? {
        // Some services send `""` for "no error".
        Value::String(message) if message.trim().is_empty() => None,
        Value::String(message) => Some(TaskError {
            code: None,
            message: message.clone(),
        }),
        Value::Object(object) => Some(TaskError {
            code: string_of(object.get("code")).filter(|c| !c.is_empty()),
            message: string_of(object.get("message")).unwrap_or_default(),
        }),
        _ => None,
    }
}

fn field_issue_of(item: &Value) -> Option<FieldIssue> {
    match item {
        Value::String(message) => Some(FieldIssue {
            code: None,
            message: message.clone(),
            path: Vec::new(),
        }),
        Value::Object(object) => Some(FieldIssue {
            code: string_of(object.get("code")),
            message: string_of(object.get("message")).unwrap_or_default(),
            path: match object.get("path") {
                Some(Value::Array(parts)) => {
                    parts.iter().filter_map(|p| string_of(Some(p))).collect()
                }
                Some(Value::String(p)) => vec![p.clone()],
                _ => Vec::new(),
            },
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_with_error_and_no_data_is_not_a_record() {
        let err = parse_task_record(br#"{"code":404,"message":"Task not found","data":null}"#)
            .expect_err("no record");
        assert!(err.contains("taskId"), "{err}");
    }

    #[test]
    fn float_conversion_rejects_what_does_not_fit() {
        assert_eq!(float_to_i64(1.5), None);
        assert_eq!(float_to_i64(f64::NAN), None);
        assert_eq!(float_to_i64(1e19), None);
        assert_eq!(float_to_i64(-1e19), None);
        assert_eq!(float_to_i64(1_789_985_778_346.0), Some(1_789_985_778_346));
    }
}
