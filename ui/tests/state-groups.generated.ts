// Generated from StateGroups::current() by src-tauri/src/bindings.rs; do not edit.
import type { StateGroups } from '../src/bindings/StateGroups';

export const STATE_GROUPS: StateGroups = {
  "in_flight": [
    "queued",
    "submitting",
    "waiting",
    "generating",
    "stuck"
  ],
  "on_service": [
    "waiting",
    "generating",
    "stuck"
  ],
  "needs_decision": [
    "submission_unknown"
  ],
  "finished": [
    "succeeded",
    "downloaded"
  ],
  "failed": [
    "failed",
    "not_found"
  ],
  "cancelled": [
    "cancelled"
  ],
  "settled": [
    "downloaded",
    "failed",
    "cancelled"
  ]
};
