/**
 * Webhook payloads are pointers (`resource_url`) that we fetch with our credentials. V1 webhooks
 * are unsigned, so a forged POST could point anywhere; credentials may only ever go to the API
 * host the config names. "Same host" means the same scheme, host name and port as the configured
 * base URL, and a path under the base path — nothing looser (no sub-domains, no http downgrade,
 * no path that starts with `//` once made relative).
 */
import { ApiError } from '../core/errors';

export type ApiVersion = 'v1' | 'v2';

export interface ResolvedResource {
  version: ApiVersion;
  /** Path + query relative to the version's base URL, ready for the HTTP client. */
  relative: string;
  url: URL;
}

export interface ApiBases {
  v1: string;
  v2: string;
}

/** The V2 API lives under /v2 of its host; the configured V2 URL is the host root. */
export const V2_API_PREFIX = '/v2';

function basePath(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}

function describeHost(u: URL): string {
  return `${u.protocol}//${u.host}`;
}

/** Base URL of the V2 API (host root + /v2), whatever form the override was given in. */
export function v2ApiBase(v2Root: string): string {
  return `${v2Root.replace(/\/+$/, '').replace(/\/v2$/i, '')}${V2_API_PREFIX}`;
}

function matches(url: URL, baseText: string): string | undefined {
  let base: URL;
  try {
    base = new URL(baseText);
  } catch {
    return undefined;
  }
  if (url.protocol !== base.protocol || url.host.toLowerCase() !== base.host.toLowerCase()) return undefined;
  const prefix = basePath(base);
  if (prefix && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return undefined;
  return `${url.pathname.slice(prefix.length) || '/'}${url.search}`;
}

/**
 * Checks a resource_url against the configured API bases and returns where to fetch it. Throws
 * an ApiError with code FOREIGN_RESOURCE_URL (never fetched) when it points elsewhere.
 * `only` restricts the check to one API version (a V1 webhook may not point at V2 and back).
 */
export function resolveResourceUrl(raw: unknown, bases: ApiBases, only?: ApiVersion): ResolvedResource {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ApiError({
      system: 'shipstation',
      code: 'BAD_RESOURCE_URL',
      status: 400,
      message: 'resource_url is missing',
    });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ApiError({
      system: 'shipstation',
      code: 'BAD_RESOURCE_URL',
      status: 400,
      message: 'resource_url is not an absolute URL',
    });
  }
  if (url.username || url.password) {
    throw foreign(url, bases, only, 'it carries user info');
  }
  const candidates: Array<[ApiVersion, string]> = [];
  if (only !== 'v2') candidates.push(['v1', bases.v1]);
  if (only !== 'v1') candidates.push(['v2', v2ApiBase(bases.v2)]);
  for (const [version, base] of candidates) {
    const relative = matches(url, base);
    if (relative === undefined) continue;
    // "//host/..." relative to a base is a network-path reference: an HTTP client may send it,
    // with our credentials, to that other host
    if (relative.startsWith('//')) throw foreign(url, bases, only, 'its path starts with //');
    return { version, relative, url };
  }
  throw foreign(url, bases, only);
}

function foreign(url: URL, bases: ApiBases, only: ApiVersion | undefined, why?: string): ApiError {
  const allowed = [only !== 'v2' ? bases.v1 : undefined, only !== 'v1' ? v2ApiBase(bases.v2) : undefined]
    .filter((b): b is string => !!b)
    .join(' or ');
  return new ApiError({
    system: 'shipstation',
    code: 'FOREIGN_RESOURCE_URL',
    status: 400,
    message: `resource_url ${describeHost(url)} is not the configured ShipStation API (${allowed})${
      why ? `: ${why}` : ''
    }; it was not fetched`,
  });
}
