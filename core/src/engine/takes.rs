//! Several takes at once (issue 21, "Generate ×N") and takes of a sequence's shots: one
//! request becomes N linked tasks with different seeds, priced, cap-checked and recorded
//! together, so either all N are queued or none is and nothing is paid.
//!
//! The cap check and the ledger transaction that records the takes run under the same
//! submission lock as [`EngineHandle::submit`], so N takes cannot squeeze past the cap
//! between a check and a create. The takes then wait in the ordinary queue: the engine's
//! learned concurrency limit decides how many are on the service at once.

use rand::Rng;

use super::{cap, lock, Command, EngineError, EngineHandle, SpendingCapCheck, SubmitRefusal};
use crate::ledger::{LocalState, NewTask, ShotId, TakesCreated, TaskId};
use crate::request::GenerationRequest;
use crate::validate::validate;

/// The most takes one "Generate ×N" makes.
pub const MAX_TAKES: u32 = 4;

impl EngineHandle {
    /// Queues `takes` (1 to [`MAX_TAKES`]) tasks from `request`, each with its own seed
    /// (see [`take_seeds`]), as one take group; with `shot`, as takes of that sequence
    /// shot. The spending cap counts all of them before any is recorded; a refusal
    /// records and sends nothing.
    ///
    /// Like [`EngineHandle::submit`], the same draft asked for again within
    /// [`super::EngineSettings::duplicate_window`] (a double click on "Generate ×N", a
    /// repeated shortcut, the same draft sent as one task moments ago) is refused with
    /// [`SubmitRefusal::Duplicate`] and nothing is recorded, unless `confirm_duplicate`
    /// says the creator asked for another set of takes. The check is made in the ledger
    /// transaction that records the takes.
    pub async fn submit_takes(
        &self,
        request: GenerationRequest,
        takes: u32,
        shot: Option<ShotId>,
        confirm_duplicate: bool,
    ) -> Result<Vec<TaskId>, SubmitRefusal> {
        if !(1..=MAX_TAKES).contains(&takes) {
            return Err(SubmitRefusal::NotAllowed {
                message: format!(
                    "takes: {takes} is not between 1 and {MAX_TAKES}; ask for 1 to {MAX_TAKES} takes."
                ),
                needs_confirmation: false,
            });
        }
        let validation = validate(&request);
        if !validation.problems.is_empty() {
            return Err(SubmitRefusal::Invalid {
                problems: validation.problems,
            });
        }
        let estimate = crate::pricing::estimate(&request).map_err(|e| SubmitRefusal::NoPrice {
            message: e.to_string(),
        })?;
        let seed_max = request.model.limits().seed_max;
        let requests: Vec<GenerationRequest> =
            take_seeds(request.seed, takes, seed_max, &mut rand::thread_rng())
                .into_iter()
                .map(|seed| GenerationRequest {
                    seed,
                    ..request.clone()
                })
                .collect();
        let shared = self.inner.shared.clone();
        let ids = {
            let _serial = self.inner.submit_lock.lock().await;
            self.check_cap_locked(estimate.credits * f64::from(takes))
                .await?;
            let service = shared.service.clone();
            let credits = estimate.credits;
            let window = shared.settings.duplicate_window;
            let duplicate_window_ms = (!confirm_duplicate && !window.is_zero())
                .then(|| i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
            let created = shared
                .ledger(move |l| {
                    l.record_takes(
                        &NewTask {
                            request: &request,
                            estimate_credits: Some(credits),
                            initial: LocalState::Queued,
                            service: Some(&service),
                            duplicate_window_ms,
                        },
                        &requests,
                        shot,
                    )
                })
                .await?;
            match created {
                TakesCreated::New(ids) => ids,
                TakesCreated::Duplicate {
                    existing,
                    created_at_ms,
                } => {
                    let seconds_ago =
                        (shared.ledger_now_ms() - created_at_ms).max(0) as f64 / 1000.0;
                    let what = if takes == 1 {
                        "Send it again (and pay for it twice)?".to_owned()
                    } else {
                        format!("Make {takes} more takes (and pay for them again)?")
                    };
                    return Err(SubmitRefusal::Duplicate {
                        existing,
                        seconds_ago,
                        message: format!(
                            "The same request was sent {seconds_ago:.0} s ago as task {existing}. {what}"
                        ),
                    });
                }
            }
        };
        lock(&shared.own).extend(ids.iter().copied());
        for id in &ids {
            shared.emit_task(*id).await;
        }
        self.send(Command::Wake)
            .map_err(|_| SubmitRefusal::Stopped)?;
        Ok(ids)
    }

    /// Whether `credits` more fit under the creator's spending cap now, for a quote of
    /// several generations sent one after another (a sequence): refused as a whole with
    /// the cap's guidance. Each later submission is checked again when it is made.
    pub async fn check_spending(&self, credits: f64) -> Result<(), SubmitRefusal> {
        let _serial = self.inner.submit_lock.lock().await;
        self.check_cap_locked(credits).await
    }

    /// Sends task `id` in its turn although it was queued before this engine started (a
    /// take of a sequence shot queued by a run that was stopped): the creator asked for it
    /// again. Only a task still `Queued` for this engine's service: it was never sent,
    /// so sending it pays once. A task that left the queue meanwhile (being sent, or
    /// withdrawn) is left as it is.
    pub async fn send_queued(&self, id: TaskId) -> Result<(), EngineError> {
        let shared = &self.inner.shared;
        let entry = shared.ledger(move |l| l.get(id)).await?;
        if entry.state != LocalState::Queued {
            return Ok(());
        }
        shared.sendable(&entry).or_else(|wait| match wait {
            crate::ledger::TaskWait::NotSentByThisRun => Ok(()),
            _ => Err(EngineError::NotAllowed {
                message: format!(
                    "Task {id} was composed for another service ({}); move it to this one first.",
                    entry.service.as_deref().unwrap_or("unknown")
                ),
            }),
        })?;
        lock(&shared.own).insert(id);
        shared.emit_task(id).await;
        self.send(Command::Wake)
    }

    /// The cap check; the caller holds the submission lock.
    async fn check_cap_locked(&self, needed: f64) -> Result<(), SubmitRefusal> {
        let shared = &self.inner.shared;
        let Some(cap) = shared.settings.spending_cap else {
            return Ok(());
        };
        let now = shared.clock.now_ms();
        let check = shared
            .ledger(move |l| cap::check(l, &cap, now, needed))
            .await?;
        match check {
            SpendingCapCheck::Within => Ok(()),
            SpendingCapCheck::Over(guidance) => Err(SubmitRefusal::SpendingCap {
                guidance: Box::new(guidance),
            }),
        }
    }
}

/// The seeds of `takes` takes: the creator's seed for the first and the next ones after it
/// (wrapping within `0..=seed_max`), or, for a random seed (`None`, `-1`), distinct random
/// seeds, so no two takes of a group ask for the same picture.
pub fn take_seeds(
    seed: Option<i64>,
    takes: u32,
    seed_max: u64,
    rng: &mut impl Rng,
) -> Vec<Option<i64>> {
    if takes <= 1 {
        return vec![seed];
    }
    let max = i64::try_from(seed_max).unwrap_or(i64::MAX).max(1);
    match seed {
        Some(first) if first >= 0 => (0..i64::from(takes))
            .map(|i| Some((first + i) % (max + 1)))
            .collect(),
        _ => {
            let mut seeds: Vec<Option<i64>> = Vec::new();
            while seeds.len() < takes as usize {
                let candidate = Some(rng.gen_range(0..=max));
                if !seeds.contains(&candidate) {
                    seeds.push(candidate);
                }
            }
            seeds
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_and_follow_the_creators_seed() {
        let mut rng = rand::thread_rng();
        assert_eq!(take_seeds(Some(5), 1, 100, &mut rng), [Some(5)]);
        assert_eq!(take_seeds(None, 1, 100, &mut rng), [None]);
        assert_eq!(
            take_seeds(Some(99), 3, 100, &mut rng),
            [Some(99), Some(100), Some(0)]
        );
        let random = take_seeds(Some(-1), 4, 3, &mut rng);
        let mut sorted: Vec<i64> = random.iter().map(|s| s.unwrap()).collect();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3]);
    }
}
