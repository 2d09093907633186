//! Scrubbing secrets out of text before it reaches a log line or an error string: the
//! query values of signed URLs (upload targets, expiring result links) and any known
//! secret such as the API key, wherever it appears (not only after `Bearer`): in an
//! answer's body, JSON-escaped, or percent-encoded in a URL the service echoes.
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

/// Every way a secret can be written in a service's answer: as is, JSON-escaped (`/` as
/// `\/`, any character as `\uXXXX`) and percent-encoded (in a URL the service echoes).
fn secret_forms(secret: &str) -> Vec<Vec<u8>> {
    let mut forms = vec![secret.as_bytes().to_vec()];
    let slash_escaped = secret.replace('/', "\\/");
    let unicode_escaped: String = secret
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let mut percent = String::new();
    let mut percent_all = String::new();
    for byte in secret.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            percent.push(char::from(byte));
        } else {
            percent.push_str(&format!("%{byte:02X}"));
        }
        percent_all.push_str(&format!("%{byte:02X}"));
    }
    for form in [slash_escaped, unicode_escaped, percent, percent_all] {
        if !form.is_empty() && !forms.iter().any(|f| f == form.as_bytes()) {
            forms.push(form.into_bytes());
        }
    }
    forms
}

/// `bytes` with every occurrence of `secret`, in any of the forms a JSON body or a URL
/// can carry it, replaced by `<redacted>` (matched case-insensitively for the encoded
/// forms). Works on bytes, so a body that is not UTF-8 is scrubbed without being
/// changed elsewhere; borrowed when there is nothing to remove.
pub fn scrub_secret_bytes<'a>(bytes: &'a [u8], secret: &str) -> std::borrow::Cow<'a, [u8]> {
    if secret.is_empty() {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut forms = secret_forms(secret);
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    let mut out: Option<Vec<u8>> = None;
    for form in &forms {
        let current: &[u8] = out.as_deref().unwrap_or(bytes);
        if !contains_ignoring_case(current, form, form != secret.as_bytes()) {
            continue;
        }
        out = Some(replace_all(current, form, form != secret.as_bytes()));
    }
    match out {
        Some(scrubbed) => std::borrow::Cow::Owned(scrubbed),
        None => std::borrow::Cow::Borrowed(bytes),
    }
}

fn matches_at(haystack: &[u8], at: usize, needle: &[u8], fold: bool) -> bool {
    haystack.get(at..at + needle.len()).is_some_and(|window| {
        if fold {
            window.eq_ignore_ascii_case(needle)
        } else {
            window == needle
        }
    })
}

fn contains_ignoring_case(haystack: &[u8], needle: &[u8], fold: bool) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && (0..=haystack.len() - needle.len()).any(|at| matches_at(haystack, at, needle, fold))
}

fn replace_all(haystack: &[u8], needle: &[u8], fold: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut at = 0;
    while at < haystack.len() {
        if matches_at(haystack, at, needle, fold) {
            out.extend_from_slice(b"<redacted>");
            at += needle.len();
        } else {
            out.push(haystack[at]);
            at += 1;
        }
    }
    out
}

/// `bytes` (an answer from the service) with the API key removed in every form; see
/// [`scrub_secret_bytes`]. Applied before an answer is parsed, so no field of it, no
/// error message and no stored failure can carry the key.
pub fn scrub_key_bytes<'a>(
    bytes: &'a [u8],
    key: Option<&crate::secret::ApiKey>,
) -> std::borrow::Cow<'a, [u8]> {
    match key {
        Some(key) => {
            let header = key.bearer_header_value();
            let secret = header.strip_prefix("Bearer ").unwrap_or(&header);
            scrub_secret_bytes(bytes, secret)
        }
        None => std::borrow::Cow::Borrowed(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_removed_in_every_form_a_body_can_carry_it() {
        let secret = "sk-CANARY/a+b=9";
        let body = concat!(
            "{\"message\":\"Invalid API key sk-CANARY/a+b=9\",",
            "\"escaped\":\"sk-CANARY\\/a+b=9\",",
            "\"url\":\"https://x.example/cb?apiKey=sk-CANARY%2Fa%2Bb%3D9&q=1\",",
            "\"lower\":\"sk-canary%2fa%2bb%3d9\",",
            "\"u\":\"\\u0073\\u006b\\u002d\\u0043\\u0041\\u004e\\u0041\\u0052\\u0059\\u002f\\u0061\\u002b\\u0062\\u003d\\u0039\"}"
        );
        let out = scrub_secret_bytes(body.as_bytes(), secret);
        let text = String::from_utf8(out.into_owned()).expect("utf-8");
        assert!(
            !text.contains("CANARY") && !text.contains("canary"),
            "{text}"
        );
        assert!(!text.contains("\\u0043\\u0041\\u004e"), "{text}");
        assert_eq!(text.matches("<redacted>").count(), 5, "{text}");
        // Still JSON, with the rest as it was.
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert!(value["url"].as_str().expect("url").ends_with("&q=1"));
        // Nothing to remove: the very same bytes.
        let clean = b"\xff\xfe not utf-8, no key";
        assert!(matches!(
            scrub_secret_bytes(clean, secret),
            std::borrow::Cow::Borrowed(_)
        ));
    }

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
