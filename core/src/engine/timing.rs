//! What the engine has learned about how long each kind of task takes: the recent
//! durations per [`TimingKey`] (loaded from the ledger at start, extended as tasks end)
//! and the poll schedule's profile of each key, built when first needed and again after
//! the key's history grows.
//!
//! Owns no I/O: the scheduler loads the durations and reports each end.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crate::request::GenerationRequest;
use crate::schedule::{CompletionProfile, PollSchedule, TimingKey, HISTORY_LEN};

/// The most finished tasks read from the ledger at start, all keys together.
pub(super) const LOAD_LIMIT: usize = 5_000;

#[derive(Default)]
pub(super) struct Timing {
    schedule: PollSchedule,
    history: HashMap<TimingKey, VecDeque<Duration>>,
    profiles: HashMap<TimingKey, Arc<CompletionProfile>>,
}

impl Timing {
    /// Replaces what is known with `durations` (oldest first).
    pub(super) fn load(&mut self, durations: Vec<(TimingKey, Duration)>) {
        self.history.clear();
        self.profiles.clear();
        for (key, took) in durations {
            self.push(key, took);
        }
    }

    /// A task of `key` ended `took` after its createTask answer.
    pub(super) fn record(&mut self, key: TimingKey, took: Duration) {
        self.push(key, took);
        self.profiles.remove(&key);
    }

    fn push(&mut self, key: TimingKey, took: Duration) {
        let seen = self.history.entry(key).or_default();
        if seen.len() == HISTORY_LEN {
            seen.pop_front();
        }
        seen.push_back(took);
    }

    pub(super) fn schedule(&self) -> &PollSchedule {
        &self.schedule
    }

    /// The profile to poll a task of `request` with.
    pub(super) fn profile(&mut self, request: &GenerationRequest) -> Arc<CompletionProfile> {
        let key = TimingKey::of(request);
        if let Some(profile) = self.profiles.get(&key) {
            return profile.clone();
        }
        let window = request
            .model
            .expected_generation(request.resolution, request.has_reference_video());
        let seen: Vec<Duration> = self
            .history
            .get(&key)
            .map(|d| d.iter().copied().collect())
            .unwrap_or_default();
        let profile = Arc::new(self.schedule.profile(
            window,
            request.model.stuck_after(),
            key.fetches_references,
            &seen,
        ));
        self.profiles.insert(key, profile.clone());
        profile
    }
}
