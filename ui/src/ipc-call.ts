// The one door to the shell's commands. `call` invokes a command by name, with the
// arguments and answer the generated list says it has (bindings/commands.ts, from the
// shell's one list of commands), and turns any rejection into an `IpcError` with a code
// the views can branch on (they never parse message strings). Only the generated
// functions call it; the views import them through `ipc.ts`.

import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type { CommandName, Commands } from './bindings/commands';
import type { ErrorCode } from './bindings/ErrorCode';
import { ERROR_CODES } from './bindings/errorCodes';

const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);

/** A command's rejection. `code` is `'unknown'` when the shell sent something this UI does not know. */
export class IpcError extends Error {
  readonly code: ErrorCode | 'unknown';

  constructor(code: ErrorCode | 'unknown', message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }

  static from(raw: unknown): IpcError {
    if (raw instanceof IpcError) return raw;
    if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
      return new IpcError(isErrorCode(raw.code) ? raw.code : 'unknown', String(raw.message));
    }
    const text = raw instanceof Error ? raw.message : typeof raw === 'string' ? raw : 'Something went wrong.';
    return new IpcError('unknown', text);
  }
}

export async function call<C extends CommandName>(
  command: C,
  args: Commands[C]['args'],
): Promise<Commands[C]['answer']> {
  try {
    return await invoke<Commands[C]['answer']>(command, args as InvokeArgs);
  } catch (raw) {
    throw IpcError.from(raw);
  }
}
