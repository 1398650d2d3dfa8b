import assert from 'node:assert/strict';
import { parseEntityOverride } from '../../../nodes/x3/entity-override';

describe('x3/entity-override', () => {
  it('an empty or blank setting is no override', () => {
    assert.equal(parseEntityOverride(undefined), undefined);
    assert.equal(parseEntityOverride(''), undefined);
    assert.equal(parseEntityOverride('  \n '), undefined);
  });

  it('reads the JSON the user typed', () => {
    assert.deepEqual(parseEntityOverride('{"stamp": "UPDDATTIM", "fields": {"ZTRACK": "ZTRACK"}}'), {
      stamp: 'UPDDATTIM',
      fields: { ZTRACK: 'ZTRACK' },
    });
  });

  it('refuses text that is not JSON, saying so and keeping the parser error as the cause', () => {
    assert.throws(
      () => parseEntityOverride('{stamp: UPDDATTIM}'),
      (err: Error) => /^the entity override is not valid JSON: /.test(err.message) && err.cause instanceof SyntaxError,
    );
  });
});
