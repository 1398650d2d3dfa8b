import assert from 'node:assert/strict';
import { bool, number, text } from '../../../nodes/shared/settings';

describe('shared/settings', () => {
  describe('number', () => {
    it('reads numbers and numeric strings', () => {
      assert.equal(number('42', 7), 42);
      assert.equal(number(' 2.5 ', 7), 2.5);
      assert.equal(number(0, 7), 0);
    });

    it('falls back when empty, blank, not a number or of another type', () => {
      for (const v of [undefined, null, '', '   ', 'abc', 'Infinity', NaN, true, {}, []]) {
        assert.equal(number(v, 7), 7, `value ${String(v)}`);
      }
    });

    it('falls back outside the bounds: min inclusive, above exclusive', () => {
      assert.equal(number('-1', 7, { min: 0 }), 7);
      assert.equal(number('0', 7, { min: 0 }), 0);
      assert.equal(number('0', 7, { above: 0 }), 7);
      assert.equal(number('0.001', 7, { above: 0 }), 0.001);
      assert.equal(number('0.5', 7, { min: 1 }), 7);
    });

    it('without a default, answers undefined for what it cannot read', () => {
      assert.equal(number('', undefined, { min: 0 }), undefined);
      assert.equal(number('-3', undefined, { min: 0 }), undefined);
      assert.equal(number('3', undefined, { min: 0 }), 3);
    });
  });

  describe('bool', () => {
    it('reads checkboxes stored as booleans or strings', () => {
      assert.equal(bool(true, false), true);
      assert.equal(bool('true', false), true);
      assert.equal(bool(false, true), false);
      assert.equal(bool('false', true), false);
    });

    it('falls back when unset', () => {
      for (const v of [undefined, null, '']) {
        assert.equal(bool(v, true), true);
        assert.equal(bool(v, false), false);
      }
    });
  });

  describe('text', () => {
    it('trims, and falls back when empty or not a string', () => {
      assert.equal(text('  a b  '), 'a b');
      assert.equal(text('   '), undefined);
      assert.equal(text(5, 'd'), 'd');
      assert.equal(text('', 'd'), 'd');
      assert.equal(text(undefined, 'd'), 'd');
    });
  });
});
