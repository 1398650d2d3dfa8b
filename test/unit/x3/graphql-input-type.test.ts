/**
 * The input type of a node's mutations is whatever X3's schema declares for their `data`
 * argument (reference 3.5: "check introspection"), not a name derived from the node: discovery
 * reads it and the client sends it (issue 13). The schema is a real graphql-js one, introspected
 * as X3's would be.
 */
import { strict as assert } from 'assert';
import { buildSchema, graphql } from 'graphql';
import { HttpClient } from '../../../nodes/core/http';
import { builtinEntities } from '../../../nodes/x3/entities';
import { resolveEntity } from '../../../nodes/x3/field-resolution';
import { GraphqlX3Client } from '../../../nodes/x3/graphql-client';
import { discoverGraphqlEntity, GraphqlIntrospection, type RunGraphql } from '../../../nodes/x3/schema-discovery';
import { ScriptedDispatcher } from '../../support/scripted-dispatcher';

// a customer node whose type is not named after the node, and whose input type is not `<Type>_Input`
const SDL = `
  type Query { x3MasterData: MasterDataQuery }
  type Mutation { x3MasterData: MasterDataMutation }
  type MasterDataQuery { customer: CustomerNodeQuery }
  type MasterDataMutation { customer: CustomerNodeMutation }
  type CustomerNodeQuery { read(_id: ID!): BusinessPartnerCustomer }
  type CustomerNodeMutation {
    create(data: BpCustomerCreate_Input!): BusinessPartnerCustomer
    update(data: BpCustomerCreate_Input!): BusinessPartnerCustomer
  }
  type BusinessPartnerCustomer { _id: ID _updateStamp: String code: String companyName: String }
  input BpCustomerCreate_Input { _id: ID code: String companyName: String }
  input BusinessPartnerCustomer_Input { code: String }
`;

const run: RunGraphql = async (query, variables) => {
  const res = await graphql({ schema: buildSchema(SDL), source: query, variableValues: variables });
  if (res.errors?.length) throw new Error(res.errors.map((e) => e.message).join('; '));
  return (res.data ?? {}) as Record<string, unknown>;
};

function answering(): { client: GraphqlX3Client; sent: Array<{ query: string }> } {
  const sent: Array<{ query: string }> = [];
  const dispatcher = new ScriptedDispatcher((req) => {
    sent.push(JSON.parse(String(req.body)) as { query: string });
    const data = { x3MasterData: { customer: { create: { code: 'C1' }, update: { code: 'C1' } } } };
    return { status: 200, body: { data } };
  });
  const http = new HttpClient({ system: 'x3', baseURL: 'http://x3.test', dispatcher, retry: { maxRetries: 0 } });
  return { client: new GraphqlX3Client(http, { path: '/xtrem/api', folder: 'SEED', prefix: 'x3' }), sent };
}

describe('x3: the GraphQL input type comes from the schema', () => {
  it('discovery reads the mutations’ data argument type and the client sends that name', async () => {
    const catalogue = builtinEntities().customer;
    const found = await discoverGraphqlEntity(new GraphqlIntrospection(run), catalogue, 'x3');
    assert.ok(found, 'the customer node is found');
    const { def } = resolveEntity(catalogue, { graphql: found, notDiscovered: [] }, 'graphql');
    const { client, sent } = answering();
    await client.create(def, { BPCNUM: 'C1', BPCNAM: 'Acme' });
    await client.update(def, 'C1', { BPCNAM: 'Acme Inc' });
    assert.equal(sent.length, 2);
    for (const { query } of sent) assert.match(query, /\$data: BpCustomerCreate_Input!/, query);
    assert.equal(found.inputType, 'BpCustomerCreate_Input');
    assert.deepEqual([...(found.inputFields ?? [])].sort(), ['_id', 'code', 'companyName']);
  });

  it('a name the user set is kept when X3 has it', async () => {
    const catalogue = builtinEntities().customer;
    const named = { ...catalogue, graphql: { ...catalogue.graphql, inputType: 'BusinessPartnerCustomer_Input' } };
    const found = await discoverGraphqlEntity(new GraphqlIntrospection(run), named, 'x3');
    assert.equal(found?.inputType, 'BusinessPartnerCustomer_Input');
    assert.deepEqual([...(found?.inputFields ?? [])], ['code']);
  });

  it('a name the user set that X3 lacks is sent as given (X3 answers what is wrong)', async () => {
    const catalogue = builtinEntities().customer;
    const named = { ...catalogue, graphql: { ...catalogue.graphql, inputType: 'Misspelt_Input' } };
    const found = await discoverGraphqlEntity(new GraphqlIntrospection(run), named, 'x3');
    assert.ok(found);
    assert.equal(found.inputType, undefined);
    const { def } = resolveEntity(named, { graphql: found, notDiscovered: [] }, 'graphql');
    const { client, sent } = answering();
    await client.create(def, { BPCNUM: 'C1' });
    assert.match(sent[0].query, /\$data: Misspelt_Input!/);
  });
});
