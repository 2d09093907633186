// What a task row says when the engine holds it: "Waiting for a working key" rather than
// "Generating", "Waiting: made for another service" rather than "Waiting for a free slot".
// The reason is the engine's (`waiting_for` on the task); the UI only words it.

import type { TaskView } from '../bindings/TaskView';
import type { WaitingFor } from '../bindings/WaitingFor';
import { stateLabel } from '../format';

/** The host of a service address, for a short label; the address itself when unparsable. */
export function serviceHost(service: string | null): string {
  if (!service) return 'another service';
  try {
    return new URL(service).host;
  } catch {
    return service;
  }
}

export function waitLabel(wait: WaitingFor): string {
  switch (wait.reason) {
    case 'working_key':
      return 'Waiting for a working key';
    case 'other_service':
      return `Waiting: made for another service (${serviceHost(wait.service)})`;
    case 'free_slot':
      return 'Waiting for a free slot';
    case 'not_sent_by_this_run':
      return 'Waiting: queued before this start';
    default:
      return 'Waiting';
  }
}

/** The row's state line: why the engine holds the task, or its state. */
export function taskStateLabel(task: TaskView): string {
  return task.waiting_for ? waitLabel(task.waiting_for) : stateLabel(task.state);
}
