/**
 * The edit dialogs as a person uses them, in Debian's chromium (playwright-core): the rows each
 * dialog shows or hides as its settings change, the parts that fold and unfold, the webhook URL
 * previews, the X3 mapping panel, and what "Test connection" sends (the settings and the
 * credentials of the dialog, stored secrets as Node-RED shows them). The dialogs' code lives in
 * resources/editor.js; this is what it must keep doing for every node.
 *
 * One node of each type on a disabled tab (nothing runs, no simulator is needed: a test request
 * is only looked at, its answer does not matter here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { moduleDir } from '../support/e2e';
import { startNodeRed, type Runtime } from '../support/nodered';
import { ADMIN_AUTH_SETTINGS, launchChromium, openEditor, screenshotPath, type EditorRED } from '../support/browser';

declare const RED: EditorRED & {
  nodes: { getType(type: string): { defaults: Record<string, { value: unknown }> } };
};

const TAB = 'dialogs-tab';
const on = (id: string, type: string, props: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  type,
  z: TAB,
  x: 100,
  y: 100,
  wires: [],
  ...props,
});
const FLOWS = [
  { id: TAB, type: 'tab', label: 'dialogs', disabled: true },
  on('cfg-x3', 'x3-config', {
    url: 'http://127.0.0.1:9',
    folder: 'SEED',
    auth: 'connected-app',
    rejectUnauthorized: true,
    sessionLogoutPath: '/logout',
  }),
  on('cfg-fedex', 'fedex-config', {
    environment: 'sandbox',
    accountNumber: '123456789',
    grantType: 'client_credentials',
    timeoutSeconds: 30,
  }),
  on('cfg-ss', 'shipstation-config', { version: 'v1' }),
  on('cfg-audit', 'audit-config', { backend: 'sqlite', retentionDays: 90 }),
  on('n-x3-poll', 'x3-poll', { server: 'cfg-x3', entity: 'salesDelivery', initial: 'now', interval: 60 }),
  on('n-x3-update', 'x3-update', { server: 'cfg-x3', operation: 'update', trackingField: '' }),
  on('n-audit-sink', 'audit-sink', { audit: 'cfg-audit', alerts: false }),
  on('n-fedex-ship', 'fedex-ship', { fedex: 'cfg-fedex', operation: 'ship', paymentType: 'SENDER' }),
  on('n-fedex-track', 'fedex-track', { fedex: 'cfg-fedex' }),
  on('n-fedex-webhook', 'fedex-webhook', { fedex: 'cfg-fedex', audit: 'cfg-audit', path: '/fedex/webhook' }),
  on('n-ss-fetch', 'shipstation-fetch', { server: 'cfg-ss', operation: 'orders-modified', x3CustomerPrefix: 'WEB' }),
  on('n-ss-in', 'shipstation-in', { server: 'cfg-ss', version: 'v1', path: '/shipstation/webhook' }),
  on('n-ss-update', 'shipstation-update', { server: 'cfg-ss', operation: 'order' }),
];

describe('browser: the edit dialogs (resources/editor.js)', function () {
  this.timeout(10 * 60_000);
  let runtime: Runtime;
  let browser: Browser;
  let userDir: string;
  let page: Page;
  const errors: string[] = [];

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sx3s-dialogs-'));
    runtime = await startNodeRed({ moduleDir: moduleDir(), userDir, flows: FLOWS, extraSettings: ADMIN_AUTH_SETTINGS });
    browser = await launchChromium();
    page = await openEditor(browser, runtime.url, 'admin', errors);
  });

  after(async function () {
    await browser?.close();
    await runtime?.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await page.screenshot({ path: screenshotPath(`dialogs-${this.currentTest.title.slice(0, 40)}`) });
    }
    // close whatever dialog the test left open
    for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
      const button = page.locator(cancel);
      if (await button.isVisible().catch(() => false)) await button.click();
    }
    await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
  });

  async function edit(id: string, config = false): Promise<void> {
    await page.evaluate(
      ({ id, config }) => {
        const n = RED.nodes.node(id);
        if (config) RED.editor.editConfig('', n.type, id);
        else RED.editor.edit(n);
      },
      { id, config },
    );
    await page.locator('.red-ui-tray').last().waitFor({ state: 'visible' });
    await page.locator('.red-ui-tray-footer').last().waitFor({ state: 'visible' });
  }

  /** Whether the first element of a selector is shown. */
  async function shown(selector: string): Promise<boolean> {
    return page.locator(selector).first().isVisible();
  }

  async function expectShown(rows: Record<string, boolean>, when: string): Promise<void> {
    const seen: Record<string, boolean> = {};
    for (const selector of Object.keys(rows)) seen[selector] = await shown(selector);
    assert.deepEqual(seen, rows, when);
  }

  async function foldsAndUnfolds(link: string, part: string, initially = false): Promise<void> {
    assert.equal(await shown(part), initially, `${part} at first`);
    await page.click(link);
    assert.equal(await shown(part), !initially, `${part} after a click on ${link}`);
    await page.click(link);
    assert.equal(await shown(part), initially, `${part} after a second click`);
  }

  /** The body of the next "Test connection" request the dialog sends. */
  async function testBody(area: string, button: string): Promise<Record<string, unknown>> {
    assert.equal((await page.textContent(button))?.trim(), 'Test connection', `${button}: its text`);
    assert.equal(await page.locator(`${button}-result`).count(), 1, `${button}: the place of its answer`);
    const request = page.waitForRequest((r) => r.url().endsWith(`/sage-x3-shipping/${area}/test`));
    await page.click(button);
    return (await request).postDataJSON() as Record<string, unknown>;
  }

  it('x3-config: auth rows by authentication, advanced settings fold, Test connection sends the dialog', async function () {
    await edit('cfg-x3', true);
    await expectShown({ '.x3-auth-jwt': true, '.x3-auth-oauth2': false, '.x3-auth-app': true }, 'connected app');
    await page.selectOption('#node-config-input-auth', 'oauth2');
    await expectShown({ '.x3-auth-jwt': false, '.x3-auth-oauth2': true, '.x3-auth-app': true }, 'oauth2');
    await page.selectOption('#node-config-input-auth', 'basic');
    await expectShown({ '.x3-auth-jwt': false, '.x3-auth-oauth2': false, '.x3-auth-app': false }, 'basic');
    await foldsAndUnfolds('#node-config-x3-advanced-toggle', '#node-config-x3-advanced');
    await page.fill('#node-config-input-password', 'typed-password');
    const body = await testBody('x3', '#node-config-x3-test');
    assert.equal(await page.locator('#node-config-x3-schema-report').count(), 1, 'the place of the schema report');
    assert.equal(body.id, 'cfg-x3');
    const settings = body.settings as Record<string, unknown>;
    assert.equal(settings.url, 'http://127.0.0.1:9');
    assert.equal(settings.folder, 'SEED');
    assert.equal(settings.auth, 'basic');
    assert.equal(settings.rejectUnauthorized, true, 'a checkbox is sent as its state');
    assert.equal(settings.sessionLogoutPath, '/logout');
    assert.deepEqual(Object.keys(body.credentials as object).sort(), [
      'clientId',
      'clientSecret',
      'password',
      'refreshToken',
      'user',
      'username',
    ]);
    assert.equal((body.credentials as Record<string, unknown>).password, 'typed-password');
  });

  it('fedex-config: custom URL and child credentials rows, advanced settings fold, Test connection', async function () {
    await edit('cfg-fedex', true);
    await expectShown({ '.fedex-config-custom': false, '.fedex-config-child': false }, 'sandbox, client');
    await page.selectOption('#node-config-input-environment', 'custom');
    await page.selectOption('#node-config-input-grantType', 'csp_credentials');
    await expectShown({ '.fedex-config-custom': true, '.fedex-config-child': true }, 'custom, csp');
    await foldsAndUnfolds('#node-config-fedex-advanced-toggle', '#node-config-fedex-advanced');
    await page.fill('#node-config-input-url', 'http://127.0.0.1:9');
    await page.fill('#node-config-input-clientSecret', 'typed-secret');
    const body = await testBody('fedex', '#node-config-fedex-test');
    assert.deepEqual(body, {
      id: 'cfg-fedex',
      environment: 'custom',
      url: 'http://127.0.0.1:9',
      accountNumber: '123456789',
      grantType: 'csp_credentials',
      timeoutSeconds: '30',
      credentials: { clientId: '', clientSecret: 'typed-secret', childKey: '', childSecret: '' },
    });
  });

  it('shipstation-config: advanced settings fold, Test connection', async function () {
    await edit('cfg-ss', true);
    await foldsAndUnfolds('#node-config-shipstation-advanced-toggle', '#node-config-shipstation-advanced');
    await page.fill('#node-config-input-apiKey', 'typed-key');
    const body = await testBody('shipstation', '#node-config-shipstation-test');
    assert.deepEqual(body, {
      id: 'cfg-ss',
      v1Url: '',
      v2Url: '',
      credentials: { apiKey: 'typed-key', apiSecret: '', v2ApiKey: '' },
    });
  });

  it('audit-config: SQLite or PostgreSQL rows by backend', async function () {
    await edit('cfg-audit', true);
    await expectShown({ '.audit-config-sqlite': true, '.audit-config-postgres': false }, 'sqlite');
    await page.selectOption('#node-config-input-backend', 'postgres');
    await expectShown({ '.audit-config-sqlite': false, '.audit-config-postgres': true }, 'postgres');
  });

  it('audit-sink: the alert rows while alerts are on', async function () {
    await edit('n-audit-sink');
    await expectShown({ '.sx3s-alert-row': false }, 'alerts off');
    await page.check('#node-input-alerts');
    await expectShown({ '.sx3s-alert-row': true }, 'alerts on');
  });

  it('x3-poll: the start date row for "from a date"', async function () {
    await edit('n-x3-poll');
    await expectShown({ '.x3-poll-date': false }, 'now');
    await page.selectOption('#node-input-initial', 'date');
    await expectShown({ '.x3-poll-date': true }, 'date');
  });

  it('x3-update: rows by operation, the tracking mode once a tracking field is typed', async function () {
    await edit('n-x3-update');
    const rows = (write: boolean, update: boolean, create: boolean, tracking: boolean): Record<string, boolean> => ({
      '.x3-upd-write': write,
      '.x3-upd-ref': write,
      '.x3-upd-update': update,
      '.x3-upd-create': create,
      '.x3-upd-tracking': tracking,
    });
    await expectShown(rows(true, true, false, false), 'update, no tracking field');
    await page.locator('#node-input-trackingField').pressSequentially('YTRACK');
    await expectShown(rows(true, true, false, true), 'update, a tracking field typed');
    await page.selectOption('#node-input-operation', 'upsert');
    await expectShown(rows(true, true, true, true), 'upsert');
    await page.selectOption('#node-input-operation', 'create');
    await expectShown(rows(true, false, true, false), 'create');
    await page.selectOption('#node-input-operation', 'ensure');
    await expectShown(rows(false, false, false, false), 'ensure');
  });

  it('fedex-ship: parcel or freight rows, the payor, the create-only parts, label stocks, sections fold', async function () {
    await edit('n-fedex-ship');
    await expectShown(
      {
        '.fedex-ship-parcel': true,
        '.fedex-ship-freight': false,
        '.fedex-ship-payor': false,
        '.fedex-ship-create': true,
      },
      'parcel, sender pays, ship',
    );
    await page.check('#node-input-freight');
    await page.selectOption('#node-input-paymentType', 'RECIPIENT');
    await expectShown(
      {
        '.fedex-ship-parcel': false,
        '.fedex-ship-freight': true,
        '.fedex-ship-payor': true,
        '.fedex-ship-create': true,
      },
      'freight, recipient pays',
    );
    await page.selectOption('#node-input-labelImageType', 'ZPLII');
    assert.equal(await page.inputValue('#node-input-labelStockType'), 'STOCK_4X6', 'a thermal stock for ZPL');
    await page.selectOption('#node-input-operation', 'cancel');
    await expectShown({ '.fedex-ship-create': false }, 'cancel');
    await page.selectOption('#node-input-operation', 'ship');
    await foldsAndUnfolds('.fedex-ship-section-toggle[data-target="fedex-ship-address"]', '#fedex-ship-address', true);
    await foldsAndUnfolds('.fedex-ship-section-toggle[data-target="fedex-ship-packages"]', '#fedex-ship-packages');
  });

  it('fedex-webhook: the URL FedEx is to call, as the path is typed', async function () {
    await edit('n-fedex-webhook');
    const url = page.locator('#node-input-fedex-webhook-url');
    assert.equal(await url.textContent(), `${runtime.url}/fedex/webhook`);
    await page.fill('#node-input-path', 'fedex/events/');
    assert.equal(await url.textContent(), `${runtime.url}/fedex/events`);
  });

  it('shipstation-fetch: poll rows for the orders poll, the X3 mapping panel with the node values', async function () {
    await edit('n-ss-fetch');
    await expectShown({ '.shipstation-fetch-poll': true }, 'orders-modified');
    await page.selectOption('#node-input-operation', 'order');
    await expectShown({ '.shipstation-fetch-poll': false }, 'order');
    await foldsAndUnfolds('#node-input-shipstation-fetch-mapping-toggle', '#node-input-shipstation-fetch-mapping');
    assert.equal(await page.inputValue('#node-input-x3CustomerPrefix'), 'WEB');
    assert.equal(await page.locator('#node-input-shipstation-fetch-mapping input').count(), 7);
  });

  it('shipstation-in: V1 or V2 rows, retry settings fold, a generated token in the URL', async function () {
    await edit('n-ss-in');
    await expectShown({ '.shipstation-in-v1': true, '.shipstation-in-v2': false }, 'v1');
    await page.selectOption('#node-input-version', 'v2');
    await expectShown({ '.shipstation-in-v1': false, '.shipstation-in-v2': true }, 'v2');
    await foldsAndUnfolds('#node-input-shipstation-in-retry-toggle', '#node-input-shipstation-in-retry');
    await foldsAndUnfolds('#node-input-shipstation-in-mapping-toggle', '#node-input-shipstation-in-mapping');
    await page.click('#node-input-shipstation-in-generate');
    const token = await page.inputValue('#node-input-token');
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal(
      await page.locator('#node-input-shipstation-in-url').textContent(),
      `${runtime.url}/shipstation/webhook?token=${token}`,
    );
  });

  it('shipstation-update: the product merge row for product updates', async function () {
    await edit('n-ss-update');
    await expectShown({ '.shipstation-update-product': false }, 'order');
    await page.selectOption('#node-input-operation', 'product');
    await expectShown({ '.shipstation-update-product': true }, 'product');
  });

  it('a new shipstation-fetch or shipstation-in starts with the X3 mapping defaults', async function () {
    for (const type of ['shipstation-fetch', 'shipstation-in']) {
      const defaults = await page.evaluate((t) => {
        const d = RED.nodes.getType(t).defaults;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(d)) if (/^(mapToX3|x3)/.test(k)) out[k] = d[k].value;
        return out;
      }, type);
      assert.deepEqual(
        defaults,
        {
          mapToX3: true,
          x3SalesSite: '',
          x3ShippingSite: '',
          x3OrderType: '',
          x3Currency: '',
          x3CustomerPrefix: 'SS',
          x3TrackingField: 'YTRACKNUM',
          x3StatusField: 'YTRKSTA',
        },
        type,
      );
    }
  });

  it('logged no error of ours in the editor', function () {
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e)),
      [],
    );
  });
});
