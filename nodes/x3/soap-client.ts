/**
 * X3Client over the classic SOAP web services (CAdxWebServiceXmlCC), the write path for classic
 * documents (issue 5): `save` creates, `modify` updates, `read`/`query` read, `run` calls a
 * published subprogram. A status-0 answer becomes an ApiError with X3's messages; the pool-busy
 * fault ("No Web services accepted") is retried by the core HTTP retry (isPoolBusy).
 */
import { ValidationError } from '../core/errors';
import type { HttpClient } from '../core/http';
import type { PageQuery, X3Client, X3WriteResult } from './client';
import type { EntityDefinition, X3Record } from './entities';
import {
  buildParamXml,
  buildRunInputXml,
  buildSoapEnvelope,
  parseSoapAnswer,
  recordFromSoapResult,
  recordsFromSoapQuery,
  soapFailure,
  type SoapAnswer,
  type SoapCallContext,
  type SoapOperation,
  type SoapRequest,
} from './soap';

export interface SoapClientOptions {
  path: string;
  context: SoapCallContext;
}

/** X3's answer to a read of a key that does not exist (wording varies by release and language). */
const NOT_FOUND = /(does not exist|not found|inexistant|n'existe pas|no record)/i;

export class SoapX3Client implements X3Client {
  readonly style = 'soap' as const;

  constructor(
    private readonly http: HttpClient,
    private readonly options: SoapClientOptions,
  ) {}

  /** One call; the answer when X3's status flag is 1, else an ApiError with X3's messages. */
  async call(req: Omit<SoapRequest, 'context'>): Promise<SoapAnswer> {
    const answer = await this.send(req);
    if (answer.status !== 1) throw soapFailure(req.operation, req.publicName, answer);
    return answer;
  }

  private async send(req: Omit<SoapRequest, 'context'>): Promise<SoapAnswer> {
    const readOnly: SoapOperation[] = ['read', 'query', 'getDescription'];
    const res = await this.http.request<string>({
      method: 'POST',
      url: this.options.path,
      data: buildSoapEnvelope({ ...req, context: this.options.context }),
      headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' },
      responseType: 'text',
      idempotent: readOnly.includes(req.operation),
    });
    return parseSoapAnswer(typeof res.data === 'string' ? res.data : String(res.data));
  }

  private publication(def: EntityDefinition): string {
    if (!def.soap.publication) {
      throw new ValidationError(
        'x3',
        'soap.publication',
        `${def.name} has no SOAP publication configured (entities.${def.name}.soap.publication)`,
      );
    }
    return def.soap.publication;
  }

  // eslint-disable-next-line require-yield
  async *queryPages(def: EntityDefinition, _q: PageQuery): AsyncGenerator<X3Record[], void, void> {
    void _q;
    throw new ValidationError(
      'x3',
      'api',
      `${def.name}: SOAP cannot list records changed since a date; route ${def.name} reads to GraphQL or REST in x3-config`,
    );
  }

  async read(def: EntityDefinition, key: string): Promise<X3Record | undefined> {
    const publicName = this.publication(def);
    const answer = await this.send({ operation: 'read', publicName, keys: [{ key: def.key, value: key }] });
    if (answer.status !== 1) {
      if (answer.messages.some((m) => m.type === 'error' && NOT_FOUND.test(m.text))) return undefined;
      throw soapFailure('read', publicName, answer);
    }
    return recordFromSoapResult(def, answer.result);
  }

  async findBy(def: EntityDefinition, field: string, value: string): Promise<X3Record | undefined> {
    const publicName = this.publication(def);
    const answer = await this.call({ operation: 'query', publicName, keys: [{ key: field, value }], listSize: 2 });
    const rows = recordsFromSoapQuery(def, answer.result).filter((r) => String(r[field] ?? '') === value);
    const key = rows[0]?.[def.key];
    if (key === undefined || key === null || key === '') return rows[0];
    return this.read(def, String(key));
  }

  async create(def: EntityDefinition, record: X3Record): Promise<X3WriteResult> {
    const publicName = this.publication(def);
    const answer = await this.call({ operation: 'save', publicName, objectXml: buildParamXml(def, record) });
    return { record: recordFromSoapResult(def, answer.result), messages: answer.messages };
  }

  async update(def: EntityDefinition, key: string, changes: X3Record): Promise<X3WriteResult> {
    const publicName = this.publication(def);
    const answer = await this.call({
      operation: 'modify',
      publicName,
      keys: [{ key: def.key, value: key }],
      objectXml: buildParamXml(def, changes),
    });
    return { record: recordFromSoapResult(def, answer.result), messages: answer.messages };
  }

  /** Runs a published subprogram with one input group; returns its output fields. */
  async run(publicName: string, groupId: string, fields: Record<string, unknown>): Promise<X3WriteResult> {
    if (!publicName) throw new ValidationError('x3', 'subprogram', 'no subprogram publication given');
    const answer = await this.call({ operation: 'run', publicName, inputXml: buildRunInputXml(groupId, fields) });
    return { record: recordFromSoapResult(undefined, answer.result), messages: answer.messages };
  }
}

export function isSoapClient(client: X3Client): client is SoapX3Client {
  return client.style === 'soap' && client instanceof SoapX3Client;
}
