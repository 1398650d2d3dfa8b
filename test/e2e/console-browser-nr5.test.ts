/**
 * The operator console on Node-RED 5 (Node 22), whose sidebar changed in 5.0 (one icon button
 * per tab): the packed package in a Node-RED 5 runtime with adminAuth, the editor in chromium;
 * the plugin loads, its tab button opens the X3 shipping tab, the tab reaches its admin routes
 * (no audit-config is deployed, so it says so) and the editor logs no error of ours.
 *
 * No flows run here (an empty workspace is what a new user first sees); the console's actions on
 * Node-RED 5, with an audit store on the addon compiled for Node 22, are in
 * console-browser-nr5-actions.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { moduleDir } from '../support/e2e';
import { node22Binary, nodeRed5RedJs, startNodeRed, type Runtime } from '../support/nodered';
import { ADMIN_AUTH_SETTINGS, launchChromium, openConsoleTab, openEditor, screenshotPath } from '../support/browser';

describe('browser: the operator console on Node-RED 5 (Node 22)', function () {
  this.timeout(15 * 60_000);
  let runtime: Runtime;
  let browser: Browser;
  let userDir: string;
  const errors: string[] = [];

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sx3s-nr5-console-'));
    runtime = await startNodeRed({
      moduleDir: moduleDir(),
      userDir,
      redJs: nodeRed5RedJs(),
      nodeBinary: node22Binary(),
      flows: [{ id: 'tab1', type: 'tab', label: 'empty' }],
      extraSettings: ADMIN_AUTH_SETTINGS,
    });
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await runtime?.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('loads the plugin; the tab button of the 5.0 sidebar opens the X3 shipping tab', async function () {
    assert.match(runtime.log(), /Node-RED version: v5\./);
    const page = await openEditor(browser, runtime.url, 'admin', errors);
    assert.equal(await page.locator('button[data-tab-id="sage-x3-shipping"]').count(), 1, 'the tab button');
    await openConsoleTab(page);
    await page.locator('.sx3s-console .sx3s-note', { hasText: 'Deploy an audit-config' }).waitFor({ timeout: 30_000 });
    await page.click('.sx3s-nav [data-view="health"]');
    await page.screenshot({ path: screenshotPath('nr5-console') });
    assert.deepEqual(
      errors.filter((e) => /sage-x3-shipping|sx3s|SageX3Shipping/i.test(e)),
      [],
    );
    await page.context().close();
  });
});
