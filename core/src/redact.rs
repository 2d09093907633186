//! Scrubbing secrets out of text before it reaches a log line or an error string: the
//! query values of signed URLs (upload targets, expiring result links) and any known
//! secret such as the API key.
//!
//! Works on plain text, never parses into a normalising URL type, so what is kept reads
//! exactly as it was received and malformed input is scrubbed too.

/// What replaces a removed value.
pub const REDACTED: &str = "REDACTED";

/// Query parameter names whose values are dropped, matched case-insensitively as
/// substrings: `signature` and `X-Amz-Signature` contain `sig`, `X-Tos-Expires` contains
/// `expires`, `apiKey` contains `key`. Over-matching only hides a harmless value.
const SENSITIVE_PARAMS: &[&str] = &[
    "sig",
    "token",
    "expires",
    "key",
    "secret",
    "credential",
    "password",
    "auth",
    "session",
    "policy",
];

/// `url` with the values of signature-like query parameters, any user-info and a
/// `key=value` fragment replaced by [`REDACTED`]; scheme, host, path and harmless
/// parameters (`taskId`, `path`) are kept as they were.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, frag)) => (head, Some(frag)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (before_fragment, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query.split('&').map(redact_pair).collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(if fragment.contains('=') {
            REDACTED
        } else {
            fragment
        });
    }
    out
}

/// `text` with every occurrence of every non-empty secret replaced by `<redacted>`.
/// Longer secrets are replaced first so one that contains another is removed whole.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut ordered: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    ordered.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for secret in ordered {
        if out.contains(secret) {
            out = out.replace(secret, "<redacted>");
        }
    }
    out
}

fn redact_userinfo(base: &str) -> String {
    let Some(scheme_end) = base.find("://") else {
        return base.to_owned();
    };
    let authority_start = scheme_end + 3;
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    match base[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{REDACTED}{}",
            &base[..authority_start],
            &base[authority_start + at..]
        ),
        None => base.to_owned(),
    }
}

fn redact_pair(pair: &str) -> String {
    let (name, has_value) = match pair.split_once('=') {
        Some((name, _)) => (name, true),
        None => (pair, false),
    };
    let lower = name.to_ascii_lowercase();
    if has_value && SENSITIVE_PARAMS.iter().any(|p| lower.contains(p)) {
        format!("{name}={REDACTED}")
    } else {
        pair.to_owned()
    }
}

/// `text` with the API key (if any) removed: for anything bound for an error or a log that
/// may echo what was sent (a transport error's chain, a body the service answered with).
pub fn scrub_key(text: &str, key: Option<&crate::secret::ApiKey>) -> String {
    match key {
        Some(key) => {
            let header = key.bearer_header_value();
            let secret = header.strip_prefix("Bearer ").unwrap_or(&header);
            redact_text(text, &[secret])
        }
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_upload_url_keeps_host_and_path() {
        let url =
            "http://127.0.0.1:4000/upload-target/abc123?expires=1790000000&signature=deadbeef";
        assert_eq!(
            redact_url(url),
            "http://127.0.0.1:4000/upload-target/abc123?expires=REDACTED&signature=REDACTED"
        );
    }

    #[test]
    fn cloud_signatures_are_removed_whatever_their_case() {
        let url = "https://ark.volces.com/a/b.jpeg?X-Tos-Expires=86400&X-Tos-Signature=s1&X-Amz-Signature=s2&X-Amz-Credential=c&X-Amz-Security-Token=t&sig=s3&Token=t2&width=10";
        let out = redact_url(url);
        for leaked in ["86400", "s1", "s2", "=c&", "=t&", "s3", "t2"] {
            assert!(!out.contains(leaked), "{leaked} survived in {out}");
        }
        assert!(out.starts_with("https://ark.volces.com/a/b.jpeg?"));
        assert!(out.ends_with("&width=10"));
    }

    #[test]
    fn harmless_parameters_and_plain_urls_are_untouched() {
        let url = "https://kinovi.ai/api/v1/jobs/recordInfo?taskId=task_abc&path=owned/x";
        assert_eq!(redact_url(url), url);
        assert_eq!(
            redact_url("https://static.kinovi.ai/v.mp4"),
            "https://static.kinovi.ai/v.mp4"
        );
        assert_eq!(redact_url(""), "");
        assert_eq!(redact_url("?"), "?");
        assert_eq!(redact_url("a?flag&token"), "a?flag&token");
    }

    #[test]
    fn user_info_and_token_fragments_are_removed() {
        assert_eq!(
            redact_url("https://user:pw@host.example/p?q=1"),
            "https://REDACTED@host.example/p?q=1"
        );
        assert_eq!(
            redact_url("https://host.example/cb#access_token=abc"),
            "https://host.example/cb#REDACTED"
        );
        assert_eq!(
            redact_url("https://host.example/p#section"),
            "https://host.example/p#section"
        );
    }

    #[test]
    fn malformed_urls_are_still_scrubbed() {
        assert_eq!(
            redact_url("not a url?token=x y"),
            "not a url?token=REDACTED"
        );
        assert_eq!(redact_url("://@?sig=="), "://REDACTED@?sig=REDACTED");
    }

    #[test]
    fn every_occurrence_of_every_secret_is_replaced() {
        let text = "Bearer sk-CANARY-1 failed; retry with sk-CANARY-1 or sk-CANARY-12";
        assert_eq!(
            redact_text(text, &["sk-CANARY-1", "sk-CANARY-12", ""]),
            "Bearer <redacted> failed; retry with <redacted> or <redacted>"
        );
        assert_eq!(redact_text("nothing here", &["secret"]), "nothing here");
        assert_eq!(redact_text("", &["x"]), "");
    }
}
