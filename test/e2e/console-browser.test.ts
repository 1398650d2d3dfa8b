/**
 * The operator console as a person uses it: a real Node-RED (the packed package, examples 01 and
 * 08 against the simulators, adminAuth with an admin and a read-only user) and Debian's chromium
 * driven by playwright-core (no browser download). A real failure (X3 refuses the tracking
 * write-back) and a real unknown outcome (FedEx commits a label and drops the connection, and
 * every lookup that could prove it fails) are produced; then in the browser the read-only user
 * sees both but cannot act, and the admin replays the failure (X3 receives the write once) and
 * resolves the unknown outcome. Activity's Entity and Flow filters show only the entries of the
 * entity and tab picked. Screenshots go to .tmp/browser-artifacts/ (not tracked).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { createShipStationOrders, x3Records } from '../../sim/activity';
import { CONFIG_IDS, EXAMPLES_DIR } from '../../sim/example-wiring';
import { adminToken, runtimeProblems, startE2E, waitFor, type AuditEntry, type E2E } from '../support/e2e';
import { packageJson } from '../support/nodered';
import {
  USERS,
  launchChromium,
  openConsoleTab,
  openEditor,
  pages,
  screenshotPath,
  type EditorRED,
} from '../support/browser';
import {
  consoleE2EOptions,
  produceFailureAndUnknown,
  replayFailure,
  resolveUnknown,
} from '../support/console-scenario';

declare const RED: EditorRED;

describe('browser: the operator console (X3 shipping tab)', function () {
  this.timeout(10 * 60_000);
  let env: E2E;
  let browser: Browser;
  const errors: string[] = [];
  let failedId: string;
  let failedKey: string;
  let unknownKey: string;
  let droppedTracking: string;

  before(async function () {
    env = await startE2E(consoleE2EOptions());
    browser = await launchChromium();
    ({ failedId, failedKey, unknownKey, droppedTracking } = await produceFailureAndUnknown(env));
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
      await p.screenshot({ path: screenshotPath(`failed-${i}`) }).catch(() => undefined);
      console.log(
        await p
          .locator('.sx3s-console')
          .innerHTML()
          .catch(() => 'no console'),
      );
    }
  });

  it('a read-only user sees the failure and the unknown outcome but cannot replay or resolve', async function () {
    const page = await openEditor(browser, env.runtime.url, 'viewer', errors);
    await openConsoleTab(page);
    await page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${failedId}"]`).waitFor({ timeout: 30_000 });
    await page.locator('#sx3s-unknown .sx3s-ledger').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.sx3s-replay, .sx3s-replay-selected, .sx3s-resolve').count(), 0);
    await page.screenshot({ path: screenshotPath('console-read-only') });
    // and the routes refuse the viewer's token whatever the page shows
    const token = await adminToken(env.runtime.url, { username: 'viewer', password: USERS.viewer.password }, 'read');
    const headers = { authorization: `Bearer ${token}` };
    const replay = await env.runtime.request(
      'POST',
      `/sage-x3-shipping/console/${CONFIG_IDS.audit}/replay`,
      { ids: [failedId] },
      headers,
    );
    assert.ok(replay.status === 401 || replay.status === 403, `viewer replay: HTTP ${replay.status}`);
    const read = await env.runtime.request(
      'GET',
      `/sage-x3-shipping/console/${CONFIG_IDS.audit}/attention`,
      undefined,
      headers,
    );
    assert.equal(read.status, 200);
    const entry = (await env.audit({ id: failedId })).entries[0];
    assert.equal(entry.status, 'failed', 'nothing was replayed');
    await page.context().close();
  });

  it('the admin replays the failure (X3 gets the write once) and resolves the unknown outcome', async function () {
    const page = await openEditor(browser, env.runtime.url, 'admin', errors);
    await openConsoleTab(page);
    const row = page.locator(`#sx3s-failed .sx3s-entry[data-entry-id="${failedId}"]`);
    await row.waitFor({ timeout: 30_000 });
    const unknownRow = page.locator('#sx3s-unknown .sx3s-ledger').first();
    await unknownRow.waitFor();
    assert.match((await page.locator('.sx3s-nav .sx3s-badge').textContent()) ?? '', /^[1-9]/);
    await page.screenshot({ path: screenshotPath('console-needs-attention') });

    await replayFailure(env, page, row, { failedId, failedKey });

    await resolveUnknown(env, page, unknownRow, droppedTracking, () =>
      page.screenshot({ path: screenshotPath('console-resolve-dialog') }),
    );

    // the Timeline of the replayed delivery offers its stored label: Reprint prints it once more
    const printer = env.sims.printer;
    const [labelled] = (await x3Records(env.sims.x3.url, 'salesDelivery')).filter((d) => d.SDHNUM === failedKey);
    const tracking = String(labelled.YTRACKNUM).split(',')[0];
    const jobsOf = () => printer.jobs().filter((j) => j.complete && j.text.includes(tracking)).length;
    const printedBefore = jobsOf();
    await page.click('.sx3s-nav [data-view="timeline"]');
    await page.fill('.sx3s-timeline-value', failedKey);
    await page.click('.sx3s-timeline-go');
    const reprint = page.locator('.sx3s-label-actions .sx3s-reprint').first();
    await reprint.waitFor({ timeout: 30_000 });
    assert.ok(await page.locator('.sx3s-label-download').first().getAttribute('href'));
    await reprint.click();
    await page.locator('.sx3s-confirm').click();
    await waitFor('the reprint at the printer', async () => jobsOf() === printedBefore + 1 || undefined);
    const reprints = await env.audit({ operation: 'label.reprint' });
    assert.equal(reprints.entries.length, 1, 'the reprint is in the audit trail');

    // Activity finds the document; Health lists the config nodes and the poller
    await page.click('.sx3s-nav [data-view="activity"]');
    await page.fill('.sx3s-search', unknownKey);
    await page.click('.sx3s-search-go');
    await page.locator('.sx3s-list .sx3s-entry').first().waitFor();
    await page.screenshot({ path: screenshotPath('console-activity') });
    await page.click('.sx3s-nav [data-view="health"]');
    await page.locator('.sx3s-health[data-node-id]').first().waitFor();
    assert.ok((await page.locator('.sx3s-health').count()) >= 3, 'config nodes, poller and audit store listed');
    await page.screenshot({ path: screenshotPath('console-health') });
    await page.context().close();
    assert.deepEqual(
      errors.filter((e) => /sage-x3-shipping|sx3s|SageX3Shipping/i.test(e)),
      [],
    );
  });
  it('Activity shows only the entries of the entity and of the flow picked', async function () {
    // example 05 brings a ShipStation order into X3: entries of other entities, by another flow
    const [order] = await createShipStationOrders(env.sims.shipstation.v1Url, { prefix: 'CON-', start: 1, count: 1 });
    await waitFor(`X3 sales order of ShipStation order ${order.orderNumber} in the trail`, async () =>
      (await env.audit({ limit: 1000 })).entries.find((e) => e.correlation?.x3Entity === 'salesOrder'),
    );
    const page = await openEditor(browser, env.runtime.url, 'admin', errors);
    await openConsoleTab(page);
    await page.click('.sx3s-nav [data-view="activity"]');
    await page.locator('.sx3s-list .sx3s-entry').first().waitFor();
    const tabOf = (file: string): { tab: string; nodes: Set<string> } => {
      const flow = JSON.parse(fs.readFileSync(`${EXAMPLES_DIR}/${file}`, 'utf8')) as Array<{
        id: string;
        type: string;
        z?: string;
      }>;
      const tab = flow.find((n) => n.type === 'tab')?.id as string;
      // the nodes that record entries, as the editor sends them for a flow
      const recording = flow.filter((n) => n.z === tab && /^(x3-|fedex-|shipstation-|audit-sink)/.test(n.type));
      return { tab, nodes: new Set(recording.map((n) => n.id)) };
    };
    const flow01 = tabOf('01 X3 deliveries to FedEx labels.json');
    const flow05 = tabOf('05 ShipStation orders to X3 sales orders.json');
    const entryOf = async (id: string): Promise<AuditEntry> => (await env.audit({ id })).entries[0];
    /**
     * Picks a value in a filter and returns the entries the list then shows (once the list was
     * drawn for a query with `has` and without `lacks`) and the page's total.
     */
    const pick = async (
      select: string,
      value: string,
      query: { has: string[]; lacks: string[] },
    ): Promise<{ entries: AuditEntry[]; total: number }> => {
      await page.locator(`${select} option[value="${value}"]`).waitFor({ state: 'attached' });
      await page.selectOption(select, value);
      await page.waitForFunction((q) => {
        const drawn = document.querySelector('.sx3s-list')?.getAttribute('data-query') ?? '';
        return q.has.every((p) => drawn.includes(p)) && !q.lacks.some((p) => drawn.includes(p));
      }, query);
      const ids = await page
        .locator('.sx3s-list .sx3s-entry')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry-id') as string));
      const total = Number(/(\d+) entries/.exec((await page.textContent('.sx3s-page')) ?? '')?.[1]);
      return { entries: await Promise.all(ids.map(entryOf)), total };
    };
    const entityOf = (e: AuditEntry): string | undefined => e.correlation?.x3Entity;
    const trail = (await env.audit({ limit: 1000 })).entries;
    assert.ok(
      trail.some((e) => entityOf(e) !== 'salesDelivery') && trail.some((e) => !flow01.nodes.has(e.nodeId ?? '')),
      'the trail holds entries of other entities and of other flows or of no node',
    );

    // the entity: delivery entries only
    const byEntity = await pick('.sx3s-filter-entity', 'salesDelivery', { has: ['x3Entity=salesDelivery'], lacks: [] });
    await page.screenshot({ path: screenshotPath('console-activity-entity') });
    assert.ok(byEntity.entries.length > 0, 'delivery entries are listed');
    assert.deepEqual(
      byEntity.entries.filter((e) => entityOf(e) !== 'salesDelivery'),
      [],
      'only delivery entries',
    );

    // the flow (tab 01) on top: delivery entries its nodes recorded
    const byBoth = await pick('.sx3s-filter-flow', flow01.tab, {
      has: ['x3Entity=salesDelivery', 'nodeIds=', ...flow01.nodes],
      lacks: [],
    });
    assert.ok(byBoth.entries.length > 0, 'delivery entries of flow 01 are listed');
    assert.deepEqual(
      byBoth.entries.filter((e) => entityOf(e) !== 'salesDelivery' || !flow01.nodes.has(e.nodeId ?? '')),
      [],
      'only delivery entries of flow 01',
    );

    // the flow alone (entity back to any): every entity of flow 01, kept in the view state
    const byFlow = await pick('.sx3s-filter-entity', '', { has: ['nodeIds=', ...flow01.nodes], lacks: ['x3Entity'] });
    assert.equal(await page.inputValue('.sx3s-filter-flow'), flow01.tab, 'the flow stays picked');
    assert.ok(byFlow.total >= byBoth.total);
    assert.deepEqual(
      byFlow.entries.filter((e) => !flow01.nodes.has(e.nodeId ?? '')),
      [],
      'only entries of flow 01',
    );

    // another flow and another entity: the sales order example 05 wrote, none of flow 01's
    await pick('.sx3s-filter-flow', flow05.tab, { has: ['nodeIds=', ...flow05.nodes], lacks: [] });
    const of05 = await pick('.sx3s-filter-entity', 'salesOrder', {
      has: ['nodeIds=', ...flow05.nodes, 'x3Entity=salesOrder'],
      lacks: [],
    });
    assert.ok(of05.entries.length > 0, 'the sales order entries of flow 05 are listed');
    assert.deepEqual(
      of05.entries.filter((e) => entityOf(e) !== 'salesOrder' || !flow05.nodes.has(e.nodeId ?? '')),
      [],
      'only sales order entries of flow 05',
    );
    await page.screenshot({ path: screenshotPath('console-activity-flow') });
    await page.context().close();
  });

  it('opens every edit and config dialog, tests each connection, imports every example', async function () {
    const page = await openEditor(browser, env.runtime.url, 'admin', errors);
    const pkg = packageJson();
    const ours = Object.keys(pkg['node-red'].nodes);

    // Test connection against the simulators, then with a wrong secret: the system's own error
    const cases = [
      {
        id: CONFIG_IDS.x3,
        button: '#node-config-x3-test',
        result: '#node-config-x3-test-result',
        secret: '#node-config-input-clientSecret',
        says: /Invalid token/,
      },
      {
        id: CONFIG_IDS.fedex,
        button: '#node-config-fedex-test',
        result: '#node-config-fedex-test-result',
        secret: '#node-config-input-clientSecret',
        says: /NOT\.AUTHORIZED\.ERROR/,
      },
      {
        id: CONFIG_IDS.shipstation,
        button: '#node-config-shipstation-test',
        result: '#node-config-shipstation-test-result',
        secret: '#node-config-input-apiSecret',
        says: /Authorization has been denied/,
      },
    ];
    for (const c of cases) {
      await page.evaluate((id) => RED.editor.editConfig('', RED.nodes.node(id).type, id), c.id);
      await page.locator(c.button).waitFor({ state: 'visible' });
      await page.click(c.button);
      await page.waitForFunction((sel) => /^[✔✘]/.test(document.querySelector(sel)?.textContent ?? ''), c.result, {
        timeout: 60_000,
      });
      const ok = (await page.textContent(c.result)) ?? '';
      assert.match(ok, /^✔/, `${c.id}: ${ok}`);
      await page.fill(c.secret, 'wrong-secret-0000');
      await page.click(c.button);
      await page.waitForFunction((sel) => /^✘/.test(document.querySelector(sel)?.textContent ?? ''), c.result, {
        timeout: 60_000,
      });
      const refused = (await page.textContent(c.result)) ?? '';
      // the system's own words, as its simulator answers a wrong secret
      assert.match(refused, c.says, `${c.id}: ${refused}`);
      await page.screenshot({ path: screenshotPath(`test-connection-${c.id}`) });
      await page.click('#node-config-dialog-cancel');
      await page.locator(c.button).waitFor({ state: 'detached' });
    }
    // Import > Examples: each example of the package, as a person imports it (after the tests of
    // the deployed configs: an imported example brings its own definition of the shared configs)
    const examples = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
    for (const file of examples) {
      const before = await page.evaluate(() => RED.nodes.getWorkspaceOrder().length);
      await page.click('#red-ui-header-button-sidemenu');
      await page.click('#menu-item-import');
      await page.click('a[href="#red-ui-clipboard-dialog-import-tab-examples"]');
      const lib = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
      const folder = lib.locator('.red-ui-treeList-label', { hasText: pkg.name });
      const item = lib.locator('.red-ui-treeList-label', { hasText: file.replace(/\.json$/, '') });
      await folder.waitFor();
      // the tree keeps the package folder open between imports, once the list has been drawn
      const shown = await item.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (!shown) await folder.click();
      await item.click();
      await page.click('#red-ui-clipboard-dialog-ok');
      // the examples share their config nodes with the deployed ones: import copies of those
      const copy = page.getByRole('button', { name: 'Import copy' });
      if (
        await copy.waitFor({ state: 'visible', timeout: 5000 }).then(
          () => true,
          () => false,
        )
      )
        await copy.click();
      await page.waitForFunction((n) => RED.nodes.getWorkspaceOrder().length > n, before, { timeout: 30_000 });
    }
    const present = await page.evaluate(() => {
      const types = new Set<string>();
      RED.nodes.eachConfig((n) => types.add(n.type));
      return [...types];
    });
    const missing: string[] = [];
    for (const type of ours) {
      const n = await page.evaluate((t) => RED.nodes.filterNodes({ type: t }).length, type);
      if (!n && !present.includes(type)) missing.push(type);
    }
    assert.deepEqual(missing, [], 'every node type of the package is in the imported examples');

    // every node's edit dialog and every config dialog opens without an error
    for (const type of ours) {
      const isConfig = /-config$/.test(type);
      await page.evaluate(
        ({ t, config }) => {
          if (config) {
            let id = '';
            RED.nodes.eachConfig((n) => {
              if (!id && n.type === t) id = n.id;
            });
            RED.editor.editConfig('', t, id);
          } else RED.editor.edit(RED.nodes.filterNodes({ type: t })[0]);
        },
        { t: type, config: isConfig },
      );
      const tray = page.locator('.red-ui-tray').last();
      await tray.waitFor({ state: 'visible' });
      await page.waitForTimeout(300);
      await page.screenshot({ path: screenshotPath(`dialog-${type}`) });
      await page.click(isConfig ? '#node-config-dialog-cancel' : '#node-dialog-cancel');
      await tray.waitFor({ state: 'detached' });
    }

    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e)),
      [],
    );
    await page.context().close();
  });
});
