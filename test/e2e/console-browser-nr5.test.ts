/**
 * The operator console on Node-RED 5 (Node 22), whose sidebar changed in 5.0 (one icon button
 * per tab): the packed package, examples 01 and 08 against the simulators, adminAuth; a real
 * failure (X3 refuses the tracking write-back) is seen in the X3 shipping tab and replayed from
 * it, and X3 receives the write once. The full browser suite runs on Node-RED 4
 * (console-browser.test.ts); this one proves the plugin, the tab and its actions on 5.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { createX3Deliveries, x3Records } from '../../sim/activity';
import { runtimeProblems, startE2E, waitFor, type E2E } from '../support/e2e';
import { node22Binary, nodeRed5RedJs } from '../support/nodered';
import {
  ADMIN_AUTH_SETTINGS,
  USERS,
  launchChromium,
  openConsoleTab,
  openEditor,
  screenshotPath,
} from '../support/browser';

describe('browser: the operator console on Node-RED 5 (Node 22)', function () {
  this.timeout(15 * 60_000);
  let env: E2E;
  let browser: Browser;
  const errors: string[] = [];

  before(async function () {
    env = await startE2E({
      sims: { x3: { records: { customer: 5, product: 5, salesOrder: 10, salesDelivery: 0, purchaseOrder: 0 } } },
      wiring: { only: ['01', '08'], x3PollSeconds: 1 },
      webhooks: { fedex: false, shipstation: false },
      settings: ADMIN_AUTH_SETTINGS,
      login: { username: 'admin', password: USERS.admin.password },
      redJs: nodeRed5RedJs(),
      nodeBinary: node22Binary(),
    });
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await env?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(runtimeProblems(env.runtime), errors);
  });

  it('shows a real failure in the X3 shipping tab and replays it once', async function () {
    assert.match(env.runtime.log(), /Node-RED version: v5\./);
    env.sims.x3.config.soapPoolBusyCount = 1_000_000;
    const [key] = await createX3Deliveries(env.sims.x3.url, { prefix: 'SDN', start: 1, count: 1 });
    const failed = await waitFor('the failed write-back', async () => {
      const { entries } = await env.audit({ status: 'failed', operation: 'x3 delivery labels', x3Key: key });
      return entries[0];
    });
    env.sims.x3.config.soapPoolBusyCount = 0;

    const page = await openEditor(browser, env.runtime.url, 'admin', errors);
    await openConsoleTab(page);
    const row = page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${failed.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('nr5-console-needs-attention') });
    await row.locator('.sx3s-replay').click();
    const confirm = page.locator('.sx3s-confirm');
    if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.click();
    await waitFor('the replayed write-back in X3', async () => {
      const [doc] = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => d.SDHNUM === key);
      return doc?.YTRACKNUM ? doc : undefined;
    });
    const writes = env.sims.x3.logs.writes.filter(
      (w) => w.key === key && w.operation === 'update' && w.fields.includes('YTRACKNUM'),
    );
    assert.equal(writes.length, 1);
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(
      errors.filter((e) => /sage-x3-shipping|sx3s|SageX3Shipping/i.test(e)),
      [],
    );
    await page.context().close();
  });
});
