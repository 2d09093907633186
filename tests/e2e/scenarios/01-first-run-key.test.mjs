// First run with no key: onboarding shows; the key is saved in the real keychain (the
// suite's private Secret Service), tested, and from then on can only be used, never read:
// no IPC command the page can call returns it, and none is named like a getter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cli,
  clickWhenReady,
  enterStudio,
  invoke,
  repoRoot,
  scenario,
  testKey,
  textOf,
  tid,
  until,
} from '../harness.mjs';

/**
 * The commands the shell registers: `COMMAND_NAMES` of the bindings generated from its one
 * list of commands (src-tauri/src/commands/list.rs).
 */
function registeredCommands() {
  const source = readFileSync(join(repoRoot, 'ui/src/bindings/commands.ts'), 'utf8');
  const list = source.match(/export const COMMAND_NAMES = (\[[^\]]*\]) as const;/);
  assert.ok(list, 'ui/src/bindings/commands.ts has COMMAND_NAMES');
  return JSON.parse(list[1]);
}

// Commands that open a native dialog and wait for a person; nothing else is skipped.
const NEEDS_A_PERSON = new Set([
  'settings_pick_library_dir',
  'references_pick',
  'prompts_export',
  'prompts_import',
  'spend_export_csv',
  'sequences_export',
  'support_packet_save',
]);
// Ends the app (scenario 16 calls it); everything else here needs the app afterwards.
const ENDS_THE_APP = new Set(['app_close']);

test('first run: onboarding saves the key in the keychain, and no command gives it back', async (t) => {
  const key = testKey('first-run');
  const secretPart = key.slice(0, -4); // the last four may be shown; nothing before them
  // This scenario is about a first run: no key may be left over in the keychain.
  const cleared = await cli(['--json', 'key', 'clear']);
  assert.equal(cleared.code, 0, `seedance key clear: ${cleared.stderr}`);

  await scenario(t, '01-first-run-key', {}, async ({ fake, browser }) => {
    assert.equal(await enterStudio(browser, key), 'onboarding', 'a first run shows onboarding');

    // The chip shows only the last four characters and where the key lives.
    const chip = await textOf(browser, tid('key-chip'));
    assert.match(chip, new RegExp(`…${key.slice(-4)} · system keychain`));

    // It is in the OS keychain: another process (the CLI) finds it there.
    const status = await cli(['--json', 'key', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), {
      ok: true,
      present: true,
      last_four: key.slice(-4),
      source: 'system keychain',
    });
    assert.ok(!status.stdout.includes(secretPart));

    // Test it from the settings, as a creator would.
    await clickWhenReady(browser, tid('key-chip'), 'the key chip');
    await clickWhenReady(browser, tid('settings-key-test-button'), 'Test key');
    await until(async () => (await textOf(browser, tid('settings-key-test'))) === 'The key works.', '"The key works."');
    assert.match(
      await textOf(browser, tid('settings-key-status')),
      new RegExp(`…${key.slice(-4)} is saved \\(system keychain\\)`),
    );
    await clickWhenReady(browser, tid('settings-close'), 'Close settings');

    // The IPC surface: nothing named like a getter, and nothing that answers with the key.
    const commands = registeredCommands();
    assert.ok(commands.length >= 20, `found the handler list (${commands.join(', ')})`);
    const getterLike = commands.filter((c) =>
      /((get|read|reveal|export|show|load)_?(api_?)?key|key_(get|read|value|reveal|export|show|load|secret))/.test(c),
    );
    assert.deepEqual(getterLike, [], 'no command is named like a key getter');
    for (const name of ['get_api_key', 'key_get', 'api_key', 'key_value', 'key_reveal']) {
      const answer = await invoke(browser, name, {});
      assert.equal(answer.ok, false, `${name} is not a command`);
    }

    const draft = (prompt) => ({
      model: 'seedance-20',
      prompt,
      references: [],
      mode: null,
      duration_secs: 5,
      resolution: '720p',
      aspect_ratio: null,
      generate_audio: true,
      high_bitrate: false,
      seed: null,
    });
    const settings = await invoke(browser, 'settings_get');
    assert.ok(settings.ok);
    const submitted = await invoke(browser, 'tasks_submit', { draft: draft('A paper boat on a puddle') });
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const id = submitted.value.id;
    const image = join(repoRoot, 'core/tests/fixtures/media/image.png');
    // Reads first; the commands that change the key last.
    const calls = {
      key_status: {},
      key_test: {},
      settings_get: {},
      settings_set: { preferences: settings.value.preferences },
      catalog: {},
      compose_check: { draft: draft('A lighthouse in fog'), takes: 1 },
      tasks_submit: { draft: draft('') }, // refused: nothing to generate
      tasks_in_flight: {},
      engine_status: {},
      task_get: { id },
      tasks_retry: { id },
      tasks_cancel: { id },
      tasks_download_again: { id }, // refused: not a finished video waiting for its files
      tasks_resolve_unknown: { id, choice: 'abandon' },
      tasks_retarget: { id, confirm: false }, // the quote alone
      tasks_dismiss: { id },
      tasks_check_again: { id },
      references_add_paths: { paths: [image] },
      gallery_list: { query: { text: null, states: [], offset: 0, limit: 50 } },
      gallery_reveal: { id: 999_999 },
      gallery_save_as: { id: 999_999 },
      gallery_open_url: { id },
      gallery_remix: { id },
      gallery_continue: { id },
      gallery_delete: { id: 999_999 },
      prompts_save: { name: 'Probe', kind: 'snippet', text: 'slow dolly-in', replace: false },
      prompts_list: { query: '' },
      prompts_past: { query: 'lighthouse' },
      prompts_delete: { name: 'Probe' },
      spend_history: { days: 30, utcOffsetMinutes: 0 },
      sequences_create: { name: 'Probe sequence' },
      sequences_list: {},
      sequence_get: { id: 999_999 }, // refused: no such sequence
      sequences_rename: { id: 999_999, name: 'Renamed' },
      sequences_add_shot: {
        id: 999_999,
        shot: { prompt: 'a gull', model: 'seedance-20', durationSecs: 5, link: 'none' },
        position: null,
      },
      sequences_edit_shot: {
        shotId: 999_999,
        shot: { prompt: 'a gull', model: 'seedance-20', durationSecs: 5, link: 'none' },
      },
      sequences_move_shot: { shotId: 999_999, position: 1 },
      sequences_choose_take: { shotId: 999_999, task: null },
      sequences_remove_shot: { shotId: 999_999 },
      sequences_quote: { id: 999_999 },
      sequences_generate: { id: 999_999, confirmedCredits: 0 }, // refused: nothing sent
      sequences_generate_stop: { id: 999_999 },
      sequences_stitch: { id: 999_999 },
      sequences_stitch_cancel: { id: 999_999 },
      sequences_delete: { id: 999_999 },
      support_packet: { id: 999_999 }, // refused: no such task
      tasks_submit_takes: { draft: draft(''), takes: 3 }, // refused: nothing to generate
      task_set_verdict: { id: 999_999, verdict: 'starred' }, // refused: no such task
      task_takes: { id },
      task_request: { id },
      extend_quote: { id, change: 'extend', prompt: 'the boat sails on', seconds: 5 }, // refused: not finished
      extend_submit: { id, change: 'extend', prompt: 'the boat sails on', seconds: 5, confirmedCredits: 0 },
      extend_join: { id }, // refused: not an extension
      extend_made_from: { id }, // nothing made from it yet
      open_in_player: { id: 999_999, joined: false },
      account_add_credits: {}, // refused against the fake: no browser opens
      demo_switch: { useDemo: false }, // refused: this run is not the demo
      demo_balance: {}, // null: not the demo
      app_keep_open: {},
      key_set: { key: `${key} ` },
      key_set_session_only: { key },
      key_use_demo: {},
      key_clear: {},
    };
    const probed = [];
    for (const name of commands) {
      if (NEEDS_A_PERSON.has(name) || ENDS_THE_APP.has(name)) continue;
      assert.ok(name in calls, `the suite knows how to call ${name} (add it to this scenario)`);
    }
    for (const [name, args] of Object.entries(calls)) {
      assert.ok(commands.includes(name), `${name} is registered`);
      const answer = await invoke(browser, name, args);
      const text = JSON.stringify(answer);
      assert.ok(!text.includes(secretPart), `${name} answered with the key: ${text.slice(0, 200)}`);
      probed.push(`${name}:${answer.ok ? 'ok' : (answer.error?.code ?? 'error')}`);
    }
    // Answers that must have worked for the probe to mean anything.
    assert.ok(
      probed.includes('key_status:ok') && probed.includes('key_set:ok') && probed.includes('task_get:ok'),
      probed.join(' '),
    );
    t.diagnostic(`probed ${probed.length} commands: ${probed.join(' ')}`);

    const page = await browser.getPageSource();
    assert.ok(!page.includes(secretPart), 'the page never holds the key');
    // The app did use the key: the fake's task belongs to its account.
    const stats = await fake.stats();
    const account = createHash('sha256').update(key).digest('hex').slice(0, 12);
    assert.ok(
      stats.tasks.some((task) => task.account === account),
      'the submitted task carried the saved key',
    );
    assert.equal(stats.auth_header_leaks, 0);
  });
});
