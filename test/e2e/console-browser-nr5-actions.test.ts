/**
 * The operator console acting on Node-RED 5 (Node 22), as on Node-RED 4 (console-browser.test.ts):
 * the packed package, its SQLite addon compiled for Node 22 (support/nodered.ts node22ModuleDir),
 * examples 01, 05 and 08 against the simulators, adminAuth with an admin and a read-only user. A
 * real failure and a real unknown outcome are produced; in chromium the read-only user sees both
 * but cannot act, and the admin replays the failure through the 5.0 sidebar (X3 receives the write
 * once) and resolves the unknown outcome.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { CONFIG_IDS } from '../../sim/example-wiring';
import { adminToken, moduleDir, runtimeProblems, startE2E, type E2E } from '../support/e2e';
import { node22Binary, node22ModuleDir, nodeRed5RedJs } from '../support/nodered';
import { USERS, launchChromium, openConsoleTab, openEditor, pages, screenshotPath } from '../support/browser';
import {
  consoleE2EOptions,
  produceFailureAndUnknown,
  replayFailure,
  resolveUnknown,
  type ConsoleScenario,
} from '../support/console-scenario';

describe('browser: the operator console acting on Node-RED 5 (Node 22)', function () {
  this.timeout(25 * 60_000);
  let env: E2E;
  let browser: Browser;
  let s: ConsoleScenario;
  const errors: string[] = [];

  before(async function () {
    const nodeBinary = node22Binary();
    env = await startE2E(
      consoleE2EOptions({
        redJs: nodeRed5RedJs(),
        nodeBinary,
        moduleDir: node22ModuleDir(moduleDir(), nodeBinary),
      }),
    );
    assert.match(env.runtime.log(), /Node-RED version: v5\./);
    assert.match(env.runtime.log(), /Node\.js {2}version: v22\./);
    browser = await launchChromium();
    s = await produceFailureAndUnknown(env);
  });

  after(async function () {
    await browser?.close();
    await env?.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(runtimeProblems(env.runtime), errors);
    for (const [i, p] of pages.entries()) {
      if (p.isClosed()) continue;
      await p.screenshot({ path: screenshotPath(`nr5-failed-${i}`) }).catch(() => undefined);
    }
  });

  it('a read-only user sees the failure and the unknown outcome but cannot replay or resolve', async function () {
    const page = await openEditor(browser, env.runtime.url, 'viewer', errors);
    await openConsoleTab(page);
    await page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${s.failedId}"]`).waitFor({ timeout: 30_000 });
    await page.locator('#sx3s-unknown .sx3s-ledger').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.sx3s-replay, .sx3s-replay-selected, .sx3s-resolve').count(), 0);
    await page.screenshot({ path: screenshotPath('nr5-console-read-only') });
    const token = await adminToken(env.runtime.url, { username: 'viewer', password: USERS.viewer.password }, 'read');
    const replay = await env.runtime.request(
      'POST',
      `/sage-x3-shipping/console/${CONFIG_IDS.audit}/replay`,
      { ids: [s.failedId] },
      { authorization: `Bearer ${token}` },
    );
    assert.ok(replay.status === 401 || replay.status === 403, `viewer replay: HTTP ${replay.status}`);
    assert.equal((await env.audit({ id: s.failedId })).entries[0].status, 'failed', 'nothing was replayed');
    await page.context().close();
  });

  it('the admin replays the failure (X3 gets the write once) and resolves the unknown outcome', async function () {
    const page = await openEditor(browser, env.runtime.url, 'admin', errors);
    await openConsoleTab(page);
    const row = page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${s.failedId}"]`);
    await row.waitFor({ timeout: 30_000 });
    const unknownRow = page.locator('#sx3s-unknown .sx3s-ledger').first();
    await unknownRow.waitFor();
    await page.screenshot({ path: screenshotPath('nr5-console-needs-attention') });

    await replayFailure(env, page, row, s);

    await resolveUnknown(env, page, unknownRow, s.droppedTracking);
    await page.screenshot({ path: screenshotPath('nr5-console-resolved') });
    await page.context().close();
    assert.deepEqual(
      errors.filter((e) => /sage-x3-shipping|sx3s|SageX3Shipping/i.test(e)),
      [],
    );
  });
});
