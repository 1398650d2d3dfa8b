/**
 * Driving the Node-RED editor in Debian's chromium with playwright-core (no browser download):
 * an adminAuth with an admin and a read-only user, logging in through the editor's own dialog,
 * opening the X3 shipping tab, screenshots as test artefacts in .tmp/browser-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './nodered';

export interface EditorNode {
  id: string;
  type: string;
}
/** The part of the editor's RED the tests call inside the page (declare const RED: EditorRED). */
export interface EditorRED {
  nodes: {
    getWorkspaceOrder(): string[];
    filterNodes(q: { type: string }): EditorNode[];
    eachConfig(cb: (n: EditorNode) => void): void;
    node(id: string): EditorNode;
  };
  editor: { edit(n: EditorNode): void; editConfig(name: string, type: string, id: string): void };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, '.tmp', 'browser-artifacts');

export const USERS = {
  admin: { password: 'admin-password-1', permissions: '*' },
  viewer: { password: 'viewer-password-1', permissions: 'read' },
};

/** adminAuth with two users; the check is a plain function, so no bcrypt hash is needed. */
export const ADMIN_AUTH_SETTINGS = `telemetry: { enabled: false },
  adminAuth: {
    type: 'credentials',
    users: function (username) {
      const u = ${JSON.stringify(USERS)}[username];
      return Promise.resolve(u ? { username: username, permissions: u.permissions } : null);
    },
    authenticate: function (username, password) {
      const u = ${JSON.stringify(USERS)}[username];
      return Promise.resolve(u && u.password === password ? { username: username, permissions: u.permissions } : null);
    },
  },`;

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Opens the editor, logs in through its login dialog and waits for the flows to be drawn. */
export async function openEditor(
  browser: Browser,
  url: string,
  user: keyof typeof USERS,
  errors: string[],
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`${user}: ${err.message}`));
  page.on('console', (msg) => {
    // jQuery reports an exception thrown in a .then callback as a warning
    if (msg.type() === 'error' || /exception/i.test(msg.text())) errors.push(`${user}: ${msg.text()}`);
  });
  pages.push(page);
  await page.goto(url);
  await page.fill('#node-dialog-login-username', user);
  await page.fill('#node-dialog-login-password', USERS[user].password);
  await page.click('#node-dialog-login-submit');
  await page.waitForFunction(
    () => {
      const red = (window as unknown as { RED?: { nodes?: { getWorkspaceOrder?: () => string[] } } }).RED;
      return !!red?.nodes?.getWorkspaceOrder && red.nodes.getWorkspaceOrder().length > 0;
    },
    undefined,
    { timeout: 120_000 },
  );
  return page;
}

/** The tab as a person finds it: its button in the sidebar's tab bar, else the View menu's entry. */
export async function openConsoleTab(page: Page): Promise<void> {
  // Node-RED 5: one icon button per tab in the sidebar's tab bar; Node-RED 4: a pinned link
  const button = page.locator('button[data-tab-id="sage-x3-shipping"]');
  const link = page.locator('a.red-ui-tab-link-button[href="#sage-x3-shipping"]');
  if (await button.isVisible().catch(() => false)) await button.click();
  else if (await link.isVisible().catch(() => false)) await link.click();
  else {
    await page.click('#red-ui-header-button-sidemenu');
    await page.hover('#menu-item-view-menu');
    await page.click('#menu-item-view-menu-sage-x3-shipping');
  }
  await page.locator('.sx3s-console').waitFor({ state: 'visible', timeout: 30_000 });
}

/** Pages opened by the browser tests, for a screenshot when a test fails. */
export const pages: Page[] = [];

export function screenshotPath(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `${name}.png`);
}
