/**
 * The operator console's runtime half, loaded by Node-RED as a plugin ("node-red".plugins in
 * package.json): registers the plugin (its editor half, console-plugin.html, adds the sidebar
 * tab) and the console's admin routes. Live counts are pushed by each audit-config (live.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerConsoleRoutes } from './console-routes';

const CONSOLE_PLUGIN_ID = 'sage-x3-shipping-console';

export = function (RED: NodeAPI): void {
  RED.plugins.registerPlugin(CONSOLE_PLUGIN_ID, { type: CONSOLE_PLUGIN_ID });
  registerConsoleRoutes(RED);
};
