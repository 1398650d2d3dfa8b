import { strict as assert } from 'assert';
import { ApiError } from '../../../nodes/core/errors';
import { HttpClient } from '../../../nodes/core/http';
import { builtinEntities } from '../../../nodes/x3/entities';
import { GraphqlX3Client } from '../../../nodes/x3/graphql-client';
import { ScriptedDispatcher } from '../../support/scripted-dispatcher';

/** An X3 GraphQL endpoint that answers every request with `body` (HTTP 200). */
function answering(body: unknown): { client: GraphqlX3Client; sent: unknown[] } {
  const sent: unknown[] = [];
  const dispatcher = new ScriptedDispatcher((req) => {
    sent.push(req.body);
    return { status: 200, body };
  });
  const http = new HttpClient({ system: 'x3', baseURL: 'http://x3.test', dispatcher, retry: { maxRetries: 0 } });
  return { client: new GraphqlX3Client(http, { path: '/xtrem/api', folder: 'SEED', prefix: 'x3' }), sent };
}

const customer = builtinEntities().customer;

describe('x3/graphql-client: errors in a mutation answer', () => {
  it('a mutation answer with both data and errors is ambiguous (the create may have been applied)', async () => {
    const { client, sent } = answering({
      data: { x3MasterData: { customer: { create: { code: 'C1' } } } },
      errors: [{ message: 'field companyName could not be read', path: ['x3MasterData', 'customer', 'create'] }],
    });
    await assert.rejects(
      client.create(customer, { BPCNUM: 'C1', BPCNAM: 'Acme' }),
      (e: unknown) =>
        e instanceof ApiError && e.ambiguous === true && /companyName/.test(e.message) && e.retryable === false,
    );
    assert.equal(sent.length, 1, 'never sent again');
  });

  it('a mutation answer with errors and no data is a plain failure (nothing was applied)', async () => {
    const { client } = answering({ data: null, errors: [{ message: 'BPCNAM is mandatory' }] });
    await assert.rejects(
      client.create(customer, { BPCNUM: 'C1' }),
      (e: unknown) => e instanceof ApiError && e.ambiguous === false && e.code === 'X3_GRAPHQL_ERROR',
    );
  });

  it('a query answer with partial data and errors stays a plain error (a read changes nothing)', async () => {
    const { client } = answering({
      data: { x3MasterData: { customer: { read: null } } },
      errors: [{ message: 'no access' }],
    });
    await assert.rejects(
      client.read(customer, 'C1'),
      (e: unknown) => e instanceof ApiError && e.ambiguous === false && e.code === 'X3_GRAPHQL_ERROR',
    );
  });
});
