import assert from 'node:assert/strict';
import { isObj } from '../../../nodes/core/plain-object';

describe('core/plain-object', () => {
  it('isObj: a JSON object, not null, an array or a scalar', () => {
    assert.equal(isObj({}), true);
    assert.equal(isObj({ a: 1 }), true);
    assert.equal(isObj(Object.create(null)), true);
    for (const v of [null, undefined, [], [1], 'x', 1, true]) assert.equal(isObj(v), false, String(v));
  });
});
