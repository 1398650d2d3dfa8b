import assert from 'node:assert/strict';
import { parseMapping, renderMapping, renderTemplate } from '../../../nodes/core/template';

describe('core/template', () => {
  describe('renderTemplate', () => {
    it('does not HTML-escape values: "A&B <x>" stays as it is', () => {
      const view = { ref: 'A&B <x>', quote: `"O'Neil"` };
      assert.equal(renderTemplate('{{ref}}', view), 'A&B <x>');
      assert.equal(renderTemplate('PO {{ref}} / {{quote}}', view), `PO A&B <x> / "O'Neil"`);
      assert.equal(renderTemplate('{{{ref}}}|{{&ref}}', view), 'A&B <x>|A&B <x>');
    });

    it('reads dotted paths, sections and renders missing values as empty', () => {
      const view = { x3: { key: 'SDH-001', lines: [{ item: 'A' }, { item: 'B' }] }, qty: 3, zero: 0 };
      assert.equal(renderTemplate('{{x3.key}}', view), 'SDH-001');
      assert.equal(renderTemplate('{{#x3.lines}}[{{item}}]{{/x3.lines}}', view), '[A][B]');
      assert.equal(renderTemplate('{{qty}}x{{zero}}', view), '3x0');
      assert.equal(renderTemplate('<{{missing.path}}>', view), '<>');
      assert.equal(renderTemplate('no tags & <b>', view), 'no tags & <b>');
    });

    it('fails on an unclosed section rather than rendering half a reference', () => {
      assert.throws(() => renderTemplate('{{#a}}open', { a: true }), /Unclosed section/);
    });
  });

  describe('renderMapping', () => {
    it('renders every string of a nested mapping, keeps other values and does not touch the input', () => {
      const mapping = {
        customerReference: '{{payload.ref}}',
        weight: 2.5,
        residential: false,
        note: null,
        recipient: { address: { city: '{{payload.city}}', lines: ['{{payload.l1}}', 'fixed', 7] } },
        items: [{ sku: '{{payload.sku}}' }],
      };
      const before = JSON.stringify(mapping);
      const out = renderMapping(mapping, {
        payload: { ref: 'R&D <1>', city: 'Saint-Étienne', l1: '1 Rue', sku: 'S-1' },
      });
      assert.deepEqual(out, {
        customerReference: 'R&D <1>',
        weight: 2.5,
        residential: false,
        note: null,
        recipient: { address: { city: 'Saint-Étienne', lines: ['1 Rue', 'fixed', 7] } },
        items: [{ sku: 'S-1' }],
      });
      assert.equal(JSON.stringify(mapping), before);
    });
  });

  describe('parseMapping', () => {
    it('parses a JSON object; blank text is an empty mapping', () => {
      assert.deepEqual(parseMapping('{"a":"{{x}}","b":{"c":1}}', 'Field mapping'), { a: '{{x}}', b: { c: 1 } });
      assert.deepEqual(parseMapping('', 'Field mapping'), {});
      assert.deepEqual(parseMapping('   \n', 'Field mapping'), {});
    });

    it('names the setting when the JSON is broken, keeping the parser error as cause', () => {
      let caught: unknown;
      try {
        parseMapping('{"a": }', 'Recipient mapping');
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof Error);
      assert.match(caught.message, /^Recipient mapping is not valid JSON: /);
      assert.ok((caught as Error & { cause?: unknown }).cause instanceof SyntaxError);
    });

    it('refuses JSON that is not an object', () => {
      for (const text of ['[1,2]', '"text"', '42', 'null', 'true']) {
        assert.throws(
          () => parseMapping(text, 'Order mapping'),
          /^Error: Order mapping must be a JSON object of field: template$/,
        );
      }
    });
  });
});
