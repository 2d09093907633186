// A failed task's details offer one action for support: it copies the packet the shell
// builds (shown in the details as copied) and asks where to save it in the native save
// dialog. The packet names the service's task id and the app's own, and holds no part of
// the key.

import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickWhenReady, compose, enterStudio, scenario, taskRows, testKey, textOf, tid, until } from '../harness.mjs';

/** Whether a top-level X window with this title exists on the display (xwininfo, x11-utils). */
function nativeWindowTitled(title) {
  return execFileSync('xwininfo', ['-root', '-tree'], { encoding: 'utf8' }).includes(`"${title}"`);
}

test('support packet: a failed task copies its packet, with the task id and no key', async (t) => {
  await scenario(t, '27-support-packet', {}, async ({ fake, browser }) => {
    const key = testKey('support-packet');
    await enterStudio(browser, key);

    // A failure: its details offer the packet.
    await compose(browser, {
      prompt: 'A storm over the harbour [fake:fail=transient]',
      model: 'seedance-20',
      resolution: '720p',
      duration: 5,
    });
    await clickWhenReady(browser, `${tid('generate')}:not([disabled])`, 'Generate');
    await until(async () => (await taskRows(browser)).some((r) => r.state === 'failed'), 'the failed task', 60_000);
    const failed = (await taskRows(browser)).find((r) => r.state === 'failed');
    await clickWhenReady(browser, `${tid('gallery-card')}[data-task-id="${failed.id}"]`, 'the failed card');
    await clickWhenReady(browser, tid('action-support-packet', tid('details')), 'Copy support packet');

    await until(async () => (await browser.$(tid('support-packet-text'))).isExisting(), 'the copied packet');
    const text = await textOf(browser, tid('support-packet-text'));
    const stats = await fake.stats();
    const serviceTask = stats.tasks.find((task) => task.status === 'fail');
    assert.ok(serviceTask?.task_id, `the fake made the failed task: ${JSON.stringify(stats.tasks)}`);
    assert.match(text, new RegExp(`^Task id: ${serviceTask.task_id}$`, 'm'), text);
    assert.match(text, new RegExp(`^Local task: #${failed.id}$`, 'm'));
    assert.match(text, /^State in the app: failed$/m);
    assert.ok(!text.includes(key.slice(0, -4)), 'no part of the key before its last four');
    assert.ok(!text.includes(key.slice(-8)), "not even the key's tail");

    // The same action asks where to save it, in the native dialog the shell opens.
    await until(async () => nativeWindowTitled('Save the support packet'), 'the native save dialog');
    assert.equal(stats.create_task_calls, 1, 'the packet sent nothing');
  });
});
