//! The imitation of the third-party object host that Seedance 2.5 last frames live on
//! (service-api §12.4): a signed link under `/tos/` with `X-Tos-Expires`, which stops serving
//! (403 with an XML error, like the real store) once it has expired or has been downloaded
//! too often. This module owns the links' shape, their signatures and the error bodies; the
//! route that serves them is in `routes`.

use sha2::{Digest, Sha256};

use crate::http::Response;

/// Path prefix of the imitated bucket.
pub const PREFIX: &str = "/tos/doubao-seedance-2-5/";

/// `YYYYMMDD` and `HHMMSS` (UTC) of a time in ms.
fn date_parts(ms: u64) -> (String, String) {
    let nanos = i128::from(ms) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => (
            format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day()),
            format!("{:02}{:02}{:02}", t.hour(), t.minute(), t.second()),
        ),
        Err(_) => ("19700101".into(), "000000".into()),
    }
}

/// The object's path for a task that completed at `at_ms`, shaped like the documented
/// `…/cgt-20260922232536-nl0kv.jpeg`.
pub fn object_path(key: &str, at_ms: u64) -> String {
    let (day, clock) = date_parts(at_ms);
    format!("{PREFIX}{day}/cgt-{day}{clock}-{key}.jpeg")
}

/// The object key (`nl0kv`) named by a request path, if it has the right shape.
pub fn key_of(path: &str) -> Option<&str> {
    let name = path.strip_prefix(PREFIX)?.rsplit('/').next()?;
    let stem = name.strip_prefix("cgt-")?.strip_suffix(".jpeg")?;
    let (_, key) = stem.rsplit_once('-')?;
    (!key.is_empty()).then_some(key)
}

fn signature(secret: &str, path: &str, date: &str, expires: &str) -> String {
    hex::encode(Sha256::digest(
        format!("tos:{secret}:{path}:{date}:{expires}").as_bytes(),
    ))
}

/// Where signed links point and how they are signed.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    /// `http://127.0.0.1:PORT`
    pub origin: &'a str,
    pub secret: &'a str,
    /// `X-Tos-Expires` (service seconds).
    pub ttl_secs: u64,
}

/// The signed link handed out as `lastFrameImage`.
pub fn signed_url(signer: &Signer<'_>, key: &str, at_ms: u64) -> String {
    let path = object_path(key, at_ms);
    let (day, clock) = date_parts(at_ms);
    let date = format!("{day}T{clock}Z");
    let expires = signer.ttl_secs.to_string();
    let sig = signature(signer.secret, &path, &date, &expires);
    format!(
        "{origin}{path}?X-Tos-Algorithm=TOS4-HMAC-SHA256\
         &X-Tos-Credential=AKLTfakeseedance%2F{day}%2Fcn-beijing%2Ftos%2Frequest\
         &X-Tos-Date={date}&X-Tos-Expires={expires}&X-Tos-SignedHeaders=host\
         &X-Tos-Signature={sig}",
        origin = signer.origin
    )
}

/// Checks a request's signature; returns the link's lifetime in service seconds.
pub fn verify(
    secret: &str,
    path: &str,
    query: impl Fn(&str) -> Option<String>,
) -> Result<u64, Response> {
    let date = query("X-Tos-Date").unwrap_or_default();
    let expires = query("X-Tos-Expires").unwrap_or_default();
    let given = query("X-Tos-Signature").unwrap_or_default();
    if given.is_empty() || signature(secret, path, &date, &expires) != given {
        return Err(error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    expires
        .parse::<u64>()
        .map_err(|_| error(403, "AccessDenied", "Invalid X-Tos-Expires in the request."))
}

/// An object-store XML error, as the real host sends them.
pub fn error(status: u16, code: &str, message: &str) -> Response {
    let request_id = crate::ids::random_alnum(24);
    let mut r = Response::raw(
        status,
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message><RequestId>{request_id}</RequestId>\
             <HostId>ark-acg-cn-beijing.tos-cn-beijing.volces.com</HostId></Error>"
        )
        .into_bytes(),
    );
    r.set_header("x-tos-request-id", &request_id);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        // 2026-09-22 23:25:36 UTC, the documented example's timestamp.
        let p = object_path("nl0kv", 1_790_119_536_000);
        assert_eq!(
            p,
            "/tos/doubao-seedance-2-5/20260922/cgt-20260922232536-nl0kv.jpeg"
        );
        assert_eq!(key_of(&p), Some("nl0kv"));
        assert_eq!(key_of("/tos/doubao-seedance-2-5/x/nope.png"), None);
    }
}
