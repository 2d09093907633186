//! The retry rules as a table (every endpoint × every kind of failure), exact attempt
//! counts of the loops the engine runs, and the backoff's bounds as properties.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::Duration;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use seedance_core::api::error::TransportKind;
use seedance_core::api::{
    ApiError, Endpoint, ErrorBody, RetryAfter, TransportError, TransportStage,
};
use seedance_core::retry::{
    backoff, clamped_retry_after, decide, submission_outcome_unknown, RetryDecision, RetryPolicy,
};

const ALL_ENDPOINTS: [Endpoint; 5] = [
    Endpoint::CreateTask,
    Endpoint::RecordInfo,
    Endpoint::UploadTarget,
    Endpoint::UploadPut,
    Endpoint::Download,
];

const BAD_GATEWAY_PAGE: &str =
    "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";

fn json(message: &str) -> Option<ErrorBody> {
    Some(ErrorBody {
        message: Some(message.to_owned()),
        ..ErrorBody::default()
    })
}

fn http(endpoint: Endpoint, status: u16, body: Option<ErrorBody>) -> ApiError {
    let raw = body.is_none().then(|| BAD_GATEWAY_PAGE.to_owned());
    ApiError::Http {
        endpoint,
        status,
        body,
        raw,
        retry_after: None,
    }
}

fn with_retry_after(error: ApiError, after: Duration) -> ApiError {
    match error {
        ApiError::Http {
            endpoint,
            status,
            body,
            raw,
            ..
        } => ApiError::Http {
            endpoint,
            status,
            body,
            raw,
            retry_after: Some(RetryAfter(after)),
        },
        other => other,
    }
}

fn transport(endpoint: Endpoint, stage: TransportStage, kind: TransportKind) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: TransportError {
            stage,
            kind,
            detail: "simulated".to_owned(),
        },
    }
}

fn malformed(endpoint: Endpoint) -> ApiError {
    ApiError::Malformed {
        endpoint,
        status: 200,
        reason: "EOF while parsing an object".to_owned(),
        raw: "{\"taskId\":\"task_".to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Retry,
    Slot,
    GiveUp,
}

fn kind_of(decision: RetryDecision) -> Want {
    match decision {
        RetryDecision::RetryAfter(_) => Want::Retry,
        RetryDecision::WaitForSlot => Want::Slot,
        RetryDecision::GiveUp => Want::GiveUp,
    }
}

/// (name, error for an endpoint, decision on createTask, decision on the other endpoints,
/// whether a createTask failing this way may have created a paid task)
type Case = (&'static str, fn(Endpoint) -> ApiError, Want, Want, bool);

fn cases() -> Vec<Case> {
    use TransportKind as K;
    use TransportStage as S;
    use Want::*;
    vec![
        (
            "connection refused",
            |e| transport(e, S::Connect, K::Refused),
            Retry,
            Retry,
            false,
        ),
        (
            "dns failure",
            |e| transport(e, S::Connect, K::Dns),
            Retry,
            Retry,
            false,
        ),
        (
            "connect timeout",
            |e| transport(e, S::Connect, K::Timeout),
            Retry,
            Retry,
            false,
        ),
        (
            "tls handshake",
            |e| transport(e, S::Connect, K::Tls),
            Retry,
            Retry,
            false,
        ),
        (
            "reset after send",
            |e| transport(e, S::Request, K::Reset),
            GiveUp,
            Retry,
            true,
        ),
        (
            "timeout after send",
            |e| transport(e, S::Request, K::Timeout),
            GiveUp,
            Retry,
            true,
        ),
        (
            "body broke off",
            |e| transport(e, S::ResponseBody, K::Reset),
            GiveUp,
            Retry,
            true,
        ),
        (
            "body timeout",
            |e| transport(e, S::ResponseBody, K::Timeout),
            GiveUp,
            Retry,
            true,
        ),
        (
            "400 invalid request",
            |e| http(e, 400, json("Invalid request parameters")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "400 unknown model",
            |e| http(e, 400, json("Unknown model")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "401 invalid key",
            |e| http(e, 401, json("Invalid API Key")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "401 missing header",
            |e| http(e, 401, json("Missing Authorization header")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "402 credits",
            |e| http(e, 402, json("Insufficient credits")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "403 not enabled",
            |e| http(e, 403, json("API access not enabled for this account")),
            GiveUp,
            GiveUp,
            false,
        ),
        ("403 html", |e| http(e, 403, None), GiveUp, GiveUp, false),
        (
            "404 not found",
            |e| http(e, 404, json("Task not found")),
            GiveUp,
            GiveUp,
            false,
        ),
        (
            "408 request timeout",
            |e| http(e, 408, None),
            GiveUp,
            Retry,
            false,
        ),
        ("418 teapot", |e| http(e, 418, None), GiveUp, GiveUp, false),
        (
            "429 concurrency",
            |e| http(e, 429, json("Concurrency limit reached (3).")),
            Slot,
            Retry,
            false,
        ),
        ("429 html", |e| http(e, 429, None), Slot, Retry, false),
        (
            "500 service json",
            |e| http(e, 500, json("Internal server error")),
            Retry,
            Retry,
            false,
        ),
        (
            "500 empty json object",
            |e| http(e, 500, Some(ErrorBody::default())),
            Retry,
            Retry,
            false,
        ),
        ("500 html", |e| http(e, 500, None), GiveUp, Retry, true),
        ("502 html", |e| http(e, 502, None), GiveUp, Retry, true),
        ("503 html", |e| http(e, 503, None), GiveUp, Retry, true),
        ("504 html", |e| http(e, 504, None), GiveUp, Retry, true),
        (
            "502 json",
            |e| http(e, 502, json("Bad gateway")),
            GiveUp,
            Retry,
            true,
        ),
        (
            "520 unknown 5xx",
            |e| http(e, 520, None),
            GiveUp,
            Retry,
            true,
        ),
        ("malformed 200", malformed, GiveUp, Retry, true),
    ]
}

#[test]
fn decision_table_for_every_endpoint_and_failure() {
    let policy = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(7);
    let mut checked = 0;
    for (name, make, on_create, on_other, unknown_outcome) in cases() {
        for endpoint in ALL_ENDPOINTS {
            let error = make(endpoint);
            let want = if endpoint == Endpoint::CreateTask {
                on_create
            } else {
                on_other
            };
            let got = decide(&policy, endpoint, &error, 1, &mut rng);
            assert_eq!(kind_of(got), want, "{name} on {endpoint:?}: {got:?}");
            assert_eq!(
                submission_outcome_unknown(&error),
                unknown_outcome && endpoint == Endpoint::CreateTask,
                "{name} on {endpoint:?}: outcome unknown?"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, cases().len() * ALL_ENDPOINTS.len());
}

/// Runs the loop the engine runs: attempt, and on failure ask `decide`. `outcome(n)` is
/// the error of the n-th attempt (1-based), `None` when it succeeded. Returns the attempts made, the waits and the
/// final decision.
fn simulate(
    policy: &RetryPolicy,
    endpoint: Endpoint,
    outcome: impl Fn(u32) -> Option<ApiError>,
) -> (u32, Vec<Duration>, Option<RetryDecision>) {
    let mut rng = StdRng::seed_from_u64(42);
    let mut waits = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        assert!(attempt <= 1000, "the loop must end");
        let Some(error) = outcome(attempt) else {
            return (attempt, waits, None);
        };
        match decide(policy, endpoint, &error, attempt, &mut rng) {
            RetryDecision::RetryAfter(wait) => waits.push(wait),
            stop => return (attempt, waits, Some(stop)),
        }
    }
}

#[test]
fn create_task_explicit_500_is_sent_three_times_waiting_1s_then_2s() {
    let policy = RetryPolicy::default();
    let (attempts, waits, last) = simulate(&policy, Endpoint::CreateTask, |_| {
        Some(http(
            Endpoint::CreateTask,
            500,
            json("Internal server error"),
        ))
    });
    assert_eq!(attempts, 3);
    assert_eq!(waits, vec![Duration::from_secs(1), Duration::from_secs(2)]);
    assert_eq!(last, Some(RetryDecision::GiveUp));
}

#[test]
fn create_task_500_then_success_takes_two_attempts() {
    let (attempts, waits, last) = simulate(&RetryPolicy::default(), Endpoint::CreateTask, |n| {
        if n == 1 {
            Some(http(
                Endpoint::CreateTask,
                500,
                json("Internal server error"),
            ))
        } else {
            None
        }
    });
    assert_eq!((attempts, waits.len(), last), (2, 1, None));
}

#[test]
fn create_task_connect_failure_is_retried_at_most_twice() {
    let (attempts, waits, last) = simulate(&RetryPolicy::default(), Endpoint::CreateTask, |_| {
        Some(transport(
            Endpoint::CreateTask,
            TransportStage::Connect,
            TransportKind::Refused,
        ))
    });
    assert_eq!(attempts, 3, "one try and two retries");
    assert_eq!(waits, vec![Duration::from_secs(1), Duration::from_secs(2)]);
    assert_eq!(last, Some(RetryDecision::GiveUp));
}

#[test]
fn create_task_that_may_have_reached_the_service_is_sent_exactly_once() {
    let policy = RetryPolicy::default();
    let ambiguous = [
        transport(
            Endpoint::CreateTask,
            TransportStage::Request,
            TransportKind::Reset,
        ),
        transport(
            Endpoint::CreateTask,
            TransportStage::Request,
            TransportKind::Timeout,
        ),
        transport(
            Endpoint::CreateTask,
            TransportStage::ResponseBody,
            TransportKind::Reset,
        ),
        http(Endpoint::CreateTask, 502, None),
        http(Endpoint::CreateTask, 503, None),
        http(Endpoint::CreateTask, 504, None),
        malformed(Endpoint::CreateTask),
    ];
    for error in ambiguous {
        let (attempts, waits, last) =
            simulate(&policy, Endpoint::CreateTask, |_| Some(error.clone()));
        assert_eq!(attempts, 1, "{error:?}");
        assert!(waits.is_empty());
        assert_eq!(last, Some(RetryDecision::GiveUp));
        assert!(submission_outcome_unknown(&error), "{error:?}");
    }
}

#[test]
fn create_task_documented_refusals_are_sent_once_and_429_waits_for_a_slot() {
    let policy = RetryPolicy::default();
    for status in [400, 401, 402, 403] {
        let (attempts, _, last) = simulate(&policy, Endpoint::CreateTask, |_| {
            Some(http(Endpoint::CreateTask, status, json("refused")))
        });
        assert_eq!(
            (attempts, last),
            (1, Some(RetryDecision::GiveUp)),
            "{status}"
        );
    }
    let (attempts, _, last) = simulate(&policy, Endpoint::CreateTask, |_| {
        Some(with_retry_after(
            http(
                Endpoint::CreateTask,
                429,
                json("Concurrency limit reached (3)."),
            ),
            Duration::from_secs(7),
        ))
    });
    assert_eq!((attempts, last), (1, Some(RetryDecision::WaitForSlot)));
}

#[test]
fn record_info_5xx_is_retried_up_to_max_attempts_with_capped_waits() {
    let policy = RetryPolicy::default();
    for status in [500, 502, 503, 504] {
        let (attempts, waits, last) = simulate(&policy, Endpoint::RecordInfo, |_| {
            Some(http(Endpoint::RecordInfo, status, None))
        });
        assert_eq!(attempts, policy.max_attempts, "{status}");
        assert_eq!(waits.len() as u32, policy.max_attempts - 1);
        for (i, wait) in waits.iter().enumerate() {
            let ceiling = policy.base * 2u32.pow(i as u32);
            assert!(*wait <= ceiling.min(policy.cap), "wait {i}: {wait:?}");
        }
        assert_eq!(last, Some(RetryDecision::GiveUp));
    }
}

#[test]
fn record_info_recovers_after_three_failures() {
    let (attempts, waits, last) =
        simulate(&RetryPolicy::default(), Endpoint::RecordInfo, |n| match n {
            1 => Some(malformed(Endpoint::RecordInfo)),
            2 => Some(transport(
                Endpoint::RecordInfo,
                TransportStage::ResponseBody,
                TransportKind::Timeout,
            )),
            3 => Some(http(Endpoint::RecordInfo, 502, None)),
            _ => None,
        });
    assert_eq!((attempts, waits.len(), last), (4, 3, None));
}

#[test]
fn reads_never_retry_client_errors() {
    let policy = RetryPolicy::default();
    for endpoint in [
        Endpoint::RecordInfo,
        Endpoint::Download,
        Endpoint::UploadPut,
    ] {
        for status in [400, 401, 402, 403, 404] {
            let (attempts, _, last) = simulate(&policy, endpoint, |_| {
                Some(http(endpoint, status, json("no")))
            });
            assert_eq!((attempts, last), (1, Some(RetryDecision::GiveUp)));
        }
    }
}

#[test]
fn a_custom_policy_bounds_the_attempts() {
    let policy = RetryPolicy {
        max_attempts: 2,
        create_task_max_attempts: 1,
        ..RetryPolicy::default()
    };
    let (read_attempts, _, _) = simulate(&policy, Endpoint::Download, |_| {
        Some(transport(
            Endpoint::Download,
            TransportStage::ResponseBody,
            TransportKind::Reset,
        ))
    });
    let (create_attempts, _, _) = simulate(&policy, Endpoint::CreateTask, |_| {
        Some(http(
            Endpoint::CreateTask,
            500,
            json("Internal server error"),
        ))
    });
    assert_eq!((read_attempts, create_attempts), (2, 1));
}

#[test]
fn retry_after_is_honoured_and_clamped() {
    let policy = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(1);
    let wait_for = |after: Duration, endpoint: Endpoint, status: u16, rng: &mut StdRng| {
        let body = json("Internal server error");
        let error = with_retry_after(http(endpoint, status, body), after);
        decide(&policy, endpoint, &error, 1, rng)
    };
    let cases = [
        (Duration::from_secs(7), Duration::from_secs(7)),
        (Duration::ZERO, Duration::from_secs(1)),
        (Duration::from_millis(1), Duration::from_secs(1)),
        (Duration::from_secs(3600), policy.cap),
        (Duration::MAX, policy.cap),
    ];
    for (after, want) in cases {
        assert_eq!(
            wait_for(after, Endpoint::RecordInfo, 429, &mut rng),
            RetryDecision::RetryAfter(want),
            "429 with Retry-After {after:?}"
        );
        assert_eq!(
            wait_for(after, Endpoint::CreateTask, 500, &mut rng),
            RetryDecision::RetryAfter(want),
            "createTask 500 with Retry-After {after:?}"
        );
    }
}

#[test]
fn a_cap_below_one_second_wins_over_the_retry_after_floor() {
    let policy = RetryPolicy {
        cap: Duration::from_millis(200),
        ..RetryPolicy::default()
    };
    let error = with_retry_after(http(Endpoint::RecordInfo, 503, None), Duration::ZERO);
    assert_eq!(
        clamped_retry_after(&policy, &error),
        Some(Duration::from_millis(200))
    );
}

#[test]
fn attempt_zero_is_treated_as_the_first() {
    let policy = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(3);
    let error = http(Endpoint::CreateTask, 500, json("Internal server error"));
    assert_eq!(
        decide(&policy, Endpoint::CreateTask, &error, 0, &mut rng),
        RetryDecision::RetryAfter(Duration::from_secs(1))
    );
}

#[test]
fn backoff_is_jittered() {
    let policy = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(99);
    let samples: HashSet<Duration> = (0..100).map(|_| backoff(&policy, 3, &mut rng)).collect();
    assert!(samples.len() > 1, "100 samples at attempt 3 were all equal");
    assert!(samples.iter().all(|d| *d <= Duration::from_secs(4)));
}

#[test]
fn backoff_survives_the_largest_attempt_and_degenerate_policies() {
    let mut rng = StdRng::seed_from_u64(5);
    let policy = RetryPolicy::default();
    assert!(backoff(&policy, u32::MAX, &mut rng) <= policy.cap);
    let huge = RetryPolicy {
        base: Duration::MAX,
        cap: Duration::MAX,
        ..RetryPolicy::default()
    };
    let _ = backoff(&huge, u32::MAX, &mut rng);
    let zero = RetryPolicy {
        base: Duration::ZERO,
        cap: Duration::ZERO,
        ..RetryPolicy::default()
    };
    assert_eq!(backoff(&zero, 17, &mut rng), Duration::ZERO);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn backoff_stays_within_zero_and_cap(attempt in 0u32..=10_000, seed: u64, cap_ms in 0u64..=600_000) {
        let policy = RetryPolicy { cap: Duration::from_millis(cap_ms), ..RetryPolicy::default() };
        let mut rng = StdRng::seed_from_u64(seed);
        let wait = backoff(&policy, attempt, &mut rng);
        prop_assert!(wait <= policy.cap);
        let default_wait = backoff(&RetryPolicy::default(), attempt, &mut rng);
        prop_assert!(default_wait <= Duration::from_secs(60));
    }

    #[test]
    fn every_read_wait_is_within_cap_and_retry_after_within_one_second_and_cap(
        attempt in 0u32..=10_000,
        seed: u64,
        after_secs: u64,
        after_nanos in 0u32..1_000_000_000,
    ) {
        let policy = RetryPolicy { max_attempts: u32::MAX, ..RetryPolicy::default() };
        let mut rng = StdRng::seed_from_u64(seed);
        let error = with_retry_after(
            http(Endpoint::RecordInfo, 429, None),
            Duration::new(after_secs, after_nanos),
        );
        match decide(&policy, Endpoint::RecordInfo, &error, attempt, &mut rng) {
            RetryDecision::RetryAfter(wait) => {
                prop_assert!(wait >= Duration::from_secs(1));
                prop_assert!(wait <= policy.cap);
            }
            other => prop_assert!(false, "unexpected {:?}", other),
        }
        let plain = http(Endpoint::RecordInfo, 503, None);
        match decide(&policy, Endpoint::RecordInfo, &plain, attempt, &mut rng) {
            RetryDecision::RetryAfter(wait) => prop_assert!(wait <= policy.cap),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
