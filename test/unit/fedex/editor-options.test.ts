/**
 * The fedex-ship edit dialog offers exactly the FedEx values the request schemas accept, through
 * the build-generated resources/fedex-options.js, with a name for each value of a named list.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { FEDEX_SHIP_NAMED_OPTIONS, FEDEX_SHIP_OPTIONS, fedexOptionsScript } from '../../../nodes/fedex/editor-options';
import { LABEL_STOCK_TYPES, PARCEL_SERVICE_TYPES } from '../../../nodes/fedex/vocabulary';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const html = fs.readFileSync(path.join(ROOT, 'nodes/fedex/fedex-ship.html'), 'utf8');
const catalogue = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes/fedex/locales/en-US/fedex-ship.json'), 'utf8'))[
  'fedex-ship'
] as { option: Record<string, Record<string, string>> };

describe('fedex editor options', () => {
  it('the generated script gives the editor the schema lists', () => {
    const window: { SageX3Shipping?: { fedexShipOptions?: unknown; other?: number } } = {
      SageX3Shipping: { other: 1 },
    };
    vm.runInNewContext(fedexOptionsScript(), { window });
    // objects built in the vm's realm: compare their JSON
    assert.deepEqual(JSON.parse(JSON.stringify(window.SageX3Shipping?.fedexShipOptions)), {
      values: JSON.parse(JSON.stringify(FEDEX_SHIP_OPTIONS)),
      named: [...FEDEX_SHIP_NAMED_OPTIONS],
    });
    assert.equal(window.SageX3Shipping?.other, 1, 'keeps what editor.js put there');
    assert.deepEqual(FEDEX_SHIP_OPTIONS.serviceType, PARCEL_SERVICE_TYPES);
    assert.deepEqual(FEDEX_SHIP_OPTIONS.labelStockType, LABEL_STOCK_TYPES);
  });

  it('each list fills an empty select of the dialog, and each default is one of its values', () => {
    for (const [setting, values] of Object.entries(FEDEX_SHIP_OPTIONS)) {
      assert.match(html, new RegExp(`<select id="node-input-${setting}"[^>]*></select>`), setting);
      const def = new RegExp(`\\n\\s+${setting}: \\{ value: '([^']*)'`).exec(html)?.[1];
      assert.ok(def !== undefined && values.includes(def), `${setting} default ${def} not in ${values.join(', ')}`);
    }
    assert.doesNotMatch(html, /<option value="(FEDEX_GROUND|CLASS_070|PAPER_4X6|SENDER)"/, 'values retyped in html');
  });

  it('every value of a named list has exactly one name in the catalogue', () => {
    for (const setting of FEDEX_SHIP_NAMED_OPTIONS) {
      const names = catalogue.option[setting] ?? {};
      assert.deepEqual(Object.keys(names).sort(), [...FEDEX_SHIP_OPTIONS[setting]].sort(), setting);
    }
    assert.deepEqual(Object.keys(catalogue.option).sort(), [...FEDEX_SHIP_NAMED_OPTIONS].sort());
  });
});
