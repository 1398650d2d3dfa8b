/**
 * The schema an x3-config node works against: discovered once per deploy for each entity the
 * flows use (only the API faces its routes use), resolved per entity definition, read again once
 * after X3 refuses a property the schema was thought to have. Also the report behind "Test
 * connection" and the admin endpoint. One per X3Connection; Node-RED-free.
 */
import { ApiError } from '../core/errors';
import { isObj } from '../core/plain-object';
import type { ApiStyle, EntityDefinition } from './entities';
import {
  discoverGraphqlEntity,
  discoverRestEntity,
  GraphqlIntrospection,
  KNOWN_PREFIXES,
  packageCandidates,
  parseSoapDescription,
  type RunGraphql,
} from './schema-discovery';
import { resolveEntity, type DiscoveredEntity, type EntityReport } from './field-resolution';

/** How the cache reaches each face of X3 (absent: that face is not used or cannot be called). */
export interface SchemaSources {
  graphql?: { run: RunGraphql; prefix: string };
  rest?: { get: (url: string) => Promise<unknown>; classUrl: (def: EntityDefinition) => string };
  soap?: { describe: (publication: string) => Promise<string> };
  /** API style of each operation on an entity (x3-config routes). */
  styles: (def: EntityDefinition) => ApiStyle[];
  readStyle: ApiStyle;
  /** One warning per text per deploy (x3-config's node.warn). */
  warn?: (text: string) => void;
}

/** A property X3 refused: from a GraphQL validation error or an api1 400. */
export interface SchemaMismatch {
  property: string;
  type?: string;
  suggestions: string[];
  face: 'graphql' | 'rest';
}

const GQL_PATTERNS = [
  /Cannot query field "([^"]+)" on type "([^"]+)"\.(?:\s*Did you mean (.+)\?)?/,
  /Field "([^"]+)" is not defined by type "([^"]+)"\.(?:\s*Did you mean (.+)\?)?/,
];

function suggestionsOf(text: string | undefined): string[] {
  return text ? [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
}

/** The unknown property an X3 error names, if that is what it is about. */
export function schemaMismatchOf(err: unknown): SchemaMismatch | undefined {
  if (!(err instanceof ApiError)) return undefined;
  // X3 answers a validation error with HTTP 400 or with errors[] beside a 200
  const errors = isObj(err.details) && Array.isArray(err.details.errors) ? err.details.errors : [];
  for (const e of errors) {
    const text = isObj(e) && typeof e.message === 'string' ? e.message : '';
    for (const re of GQL_PATTERNS) {
      const m = re.exec(text);
      if (m) return { property: m[1], type: m[2], suggestions: suggestionsOf(m[3]), face: 'graphql' };
    }
  }
  if (errors.length === 0 && err.status === 400) {
    const m = /unknown (?:property|field)[^A-Za-z0-9_]*'?([A-Za-z0-9_]+)'?/i.exec(err.message);
    if (m) return { property: m[1], suggestions: [], face: 'rest' };
  }
  return undefined;
}

/** Auth and transport failures stop discovery (the call is retried later); anything else is a face X3 will not describe. */
function fatal(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.retryable === true || err.status === undefined);
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class SchemaCache {
  private intro?: GraphqlIntrospection;
  private readonly discovered = new Map<string, Promise<DiscoveredEntity>>();
  private resolved = new WeakMap<EntityDefinition, Promise<{ def: EntityDefinition; report: EntityReport }>>();
  private readonly warned = new Set<string>();
  /** Mismatches that already caused a re-discovery: the same one again does not. */
  private readonly rediscoveredFor = new Set<string>();
  /** Times the schema was read again after a mismatch (tests, report). */
  rediscoveries = 0;

  constructor(private readonly sources: SchemaSources) {}

  private introspection(): GraphqlIntrospection | undefined {
    if (!this.sources.graphql) return undefined;
    this.intro ??= new GraphqlIntrospection(this.sources.graphql.run);
    return this.intro;
  }

  private cacheKey(def: EntityDefinition, faces: string[]): string {
    return JSON.stringify([
      def.name,
      def.graphql.package,
      def.graphql.node,
      def.graphql.inputType ?? '',
      def.rest,
      def.soap.publication,
      faces,
    ]);
  }

  /** What X3 shows for this entity on the faces its operations use. */
  discover(def: EntityDefinition, faces?: ApiStyle[]): Promise<DiscoveredEntity> {
    const used = faces ?? [...new Set(this.sources.styles(def))];
    const key = this.cacheKey(def, used);
    let p = this.discovered.get(key);
    if (!p) {
      p = this.read(def, used);
      this.discovered.set(key, p);
      // a failed discovery is tried again by the next call
      p.catch(() => this.discovered.get(key) === p && this.discovered.delete(key));
    }
    return p;
  }

  private async read(def: EntityDefinition, faces: ApiStyle[]): Promise<DiscoveredEntity> {
    const out: DiscoveredEntity = { notDiscovered: [] };
    const { graphql, rest, soap } = this.sources;
    const attempt = async (face: string, work: () => Promise<void>): Promise<void> => {
      try {
        await work();
      } catch (err) {
        if (fatal(err)) throw err;
        out.notDiscovered.push(`${face}: ${reason(err)}`);
      }
    };
    if (faces.includes('graphql')) {
      const intro = this.introspection();
      if (!intro || !graphql) out.notDiscovered.push('graphql: not configured');
      else if (def.graphql.package && def.graphql.node) {
        await attempt('graphql', async () => {
          const g = await discoverGraphqlEntity(intro, def, graphql.prefix);
          if (g) out.graphql = g;
          else out.graphqlMissing = { packages: packageCandidates(def, graphql.prefix, KNOWN_PREFIXES) };
        });
      }
    }
    if (faces.includes('rest') && def.rest.class) {
      if (!rest) out.notDiscovered.push('rest: not configured');
      else
        await attempt(
          'rest',
          async () => void (out.rest = await discoverRestEntity(rest.get, rest.classUrl(def), def)),
        );
    }
    if (faces.includes('soap') && def.soap.publication) {
      if (!soap) out.notDiscovered.push('soap: no web-service user name/password to read the publication with');
      else
        await attempt('soap', async () => {
          const d = parseSoapDescription(await soap.describe(def.soap.publication));
          if (d.fields.size) out.soap = d;
          else out.notDiscovered.push(`soap: ${def.soap.publication} has no description`);
        });
    }
    return out;
  }

  private resolution(def: EntityDefinition): Promise<{ def: EntityDefinition; report: EntityReport }> {
    let p = this.resolved.get(def);
    if (!p) {
      p = this.discover(def).then((found) => {
        const r = resolveEntity(def, found, this.sources.readStyle);
        for (const w of r.report.warnings) this.warnOnce(w);
        for (const n of r.report.notDiscovered)
          this.warnOnce(`${def.name}: schema not read (${n}): the catalogue's names are used`);
        return r;
      });
      this.resolved.set(def, p);
      p.catch(() => this.resolved.get(def) === p && this.resolved.delete(def));
    }
    return p;
  }

  /** The definition as this X3 has it; a missing key or stamp is an error naming it. */
  async resolve(def: EntityDefinition): Promise<EntityDefinition> {
    const r = await this.resolution(def);
    if (r.report.errors.length) {
      throw new ApiError({
        system: 'x3',
        code: 'X3_SCHEMA',
        message: `x3-config: ${def.name} cannot be used with this X3: ${r.report.errors.join('; ')}`,
        retryable: false,
        details: { entity: def.name, errors: r.report.errors },
      });
    }
    return r.def;
  }

  /** The report for these entities; a property an override names and X3 lacks gets X3's suggestions. */
  async report(
    defs: EntityDefinition[],
    probe?: (def: EntityDefinition, property: string) => Promise<string[]>,
  ): Promise<EntityReport[]> {
    const out: EntityReport[] = [];
    for (const def of defs) {
      let r: EntityReport;
      try {
        r = (await this.resolution(def)).report;
      } catch (err) {
        out.push({ entity: def.name, notDiscovered: [reason(err)], errors: [reason(err)], warnings: [] });
        continue;
      }
      const props = (await this.discover(def)).graphql?.properties;
      if (r.graphql && props && probe) {
        for (const f of r.graphql.fields) {
          if (f.match !== 'override' || !f.property || props.has(f.property)) continue;
          f.suggestions = await probe(def, f.property).catch(() => []);
        }
      }
      out.push(r);
    }
    return out;
  }

  /**
   * X3 refused a property: the schema is read again once for this mismatch (a release upgrade
   * renamed it); the same mismatch again is only reported. Returns whether it re-reads.
   */
  noteMismatch(def: EntityDefinition, m: SchemaMismatch): boolean {
    const key = `${def.name}|${m.face}|${m.type ?? ''}|${m.property}`;
    if (this.rediscoveredFor.has(key)) return false;
    this.rediscoveredFor.add(key);
    this.invalidate();
    this.rediscoveries++;
    return true;
  }

  /** Forgets everything read: the next call discovers again. */
  invalidate(): void {
    this.intro = undefined;
    this.discovered.clear();
    this.resolved = new WeakMap();
  }

  private warnOnce(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.sources.warn?.(text);
  }
}
