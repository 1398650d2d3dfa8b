import assert from 'node:assert/strict';
import { asObject, asObjectList } from '../../../nodes/fedex/json-shape';

describe('fedex/json-shape', () => {
  it('asObject: a plain object as it is; arrays, null and scalars are nothing', () => {
    const o = { a: 1 };
    assert.equal(asObject(o), o);
    for (const v of [[o], null, undefined, 'x', 3, true]) assert.equal(asObject(v), undefined);
  });

  it('asObjectList: the objects of an array, in order; anything else is an empty list', () => {
    assert.deepEqual(asObjectList([{ a: 1 }, null, 'x', [2], { b: 2 }]), [{ a: 1 }, { b: 2 }]);
    for (const v of [{ a: 1 }, null, undefined, 'x']) assert.deepEqual(asObjectList(v), []);
  });
});
