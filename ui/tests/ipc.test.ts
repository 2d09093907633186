import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import * as ipc from '../src/ipc';

afterEach(() => clearMocks());

describe('ipc', () => {
  it('turns a rejection into an IpcError with its code', async () => {
    mockIPC((cmd) => {
      if (cmd === 'key_set') throw { code: 'keychain_unavailable', message: 'No system keychain is available.' };
      return null;
    });
    const error = await ipc.keySet('sk-123').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ipc.IpcError);
    expect((error as ipc.IpcError).code).toBe('keychain_unavailable');
    expect((error as ipc.IpcError).message).toBe('No system keychain is available.');
  });

  it('reads a code this UI does not know as unknown, keeping the message', async () => {
    mockIPC(() => {
      throw { code: 'service_on_fire', message: 'The service is on fire.' };
    });
    const error = (await ipc.keyStatus().catch((e: unknown) => e)) as ipc.IpcError;
    expect(error.code).toBe('unknown');
    expect(error.message).toBe('The service is on fire.');
  });

  it('marks a rejection it does not understand as unknown', async () => {
    mockIPC(() => {
      throw 'boom';
    });
    const error = (await ipc.keyStatus().catch((e: unknown) => e)) as ipc.IpcError;
    expect(error.code).toBe('unknown');
    expect(error.message).toBe('boom');
  });

  it('sends the arguments the commands expect', async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return { id: 7 };
    });
    await ipc.tasksRetry(7, true);
    await ipc.referencesAddPaths(['/tmp/a.png']);
    await ipc.tasksDownloadAgain(7);
    await ipc.accountAddCredits();
    expect(seen).toEqual([
      ['tasks_retry', { id: 7, confirmMayChargeTwice: true }],
      ['references_add_paths', { paths: ['/tmp/a.png'] }],
      ['tasks_download_again', { id: 7 }],
      ['account_add_credits', {}],
    ]);
  });
});
