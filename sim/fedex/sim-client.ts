/**
 * A minimal HTTP client for driving the simulator from tests and scripts (not the plugin's FedEx
 * client): raw status, headers and parsed body, no retries, no token cache.
 */
import { DEFAULT_CLIENT } from './config';

export interface SimResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function toResponse<T>(res: Response): Promise<SimResponse<T>> {
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

export class FedexSimClient {
  constructor(
    readonly baseUrl: string,
    readonly clientId = DEFAULT_CLIENT.clientId,
    readonly clientSecret = DEFAULT_CLIENT.clientSecret,
  ) {}

  /** POST /oauth/token with a form body; `extra` adds/overrides form fields. */
  async requestToken(extra: Record<string, string> = {}): Promise<SimResponse<TokenBody | Record<string, unknown>>> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.clientId,
      client_secret: this.clientSecret,
      ...extra,
    });
    const res = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return toResponse(res);
  }

  async token(): Promise<string> {
    const r = await this.requestToken();
    if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${r.text}`);
    return (r.body as TokenBody).access_token;
  }

  async call<T = Record<string, unknown>>(
    method: 'POST' | 'PUT' | 'GET',
    path: string,
    token: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<SimResponse<T>> {
    const h: Record<string, string> = { 'content-type': 'application/json', 'x-locale': 'en_US', ...headers };
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return toResponse<T>(res);
  }

  async admin<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<SimResponse<T>> {
    const res = await fetch(`${this.baseUrl}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return toResponse<T>(res);
  }
}
