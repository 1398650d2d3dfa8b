/**
 * GraphQL endpoints: `POST /xtrem/api` (folder from `x-xtrem-endpoint`) and the X3 Cloud shape
 * `GET /v1/folders` + `POST /v1/service/{folder}/graphQL`.
 */
import express, { type Request, type Response, type Router } from 'express';
import { execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { gate, trackRequest, type SimContext } from './context';

function invalidEndpoint(res: Response, value: string | undefined): void {
  res.status(400).json({
    errors: [
      {
        message: value ? `Invalid X3 endpoint: '${value}'` : 'Missing x-xtrem-endpoint header',
        extensions: { code: 'invalid-endpoint' },
      },
    ],
  });
}

export function graphqlRouter(ctx: SimContext): Router {
  const router = express.Router();

  const handle = async (req: Request, res: Response, endpointFromPath?: string): Promise<void> => {
    const delay = { ms: 0 };
    trackRequest(ctx, 'graphql', req, res, delay);
    const user = await gate(ctx, 'graphql', req, res, delay);
    if (user === null) return;
    const endpoint = endpointFromPath ?? req.get('x-xtrem-endpoint');
    if (!endpoint || !ctx.folders.includes(endpoint)) return invalidEndpoint(res, endpoint);

    const body: unknown = req.body;
    const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (typeof b.query !== 'string' || b.query.trim() === '') {
      res.status(400).json({ errors: [{ message: 'Must provide query string.' }] });
      return;
    }
    const variables = b.variables === undefined || b.variables === null ? undefined : b.variables;
    if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables))) {
      res.status(400).json({ errors: [{ message: 'Variables must be an object.' }] });
      return;
    }
    let document: DocumentNode;
    try {
      document = parse(b.query);
    } catch (e) {
      const err = e instanceof GraphQLError ? e : new GraphQLError(String(e));
      res.status(400).json({ errors: [err.toJSON()] });
      return;
    }
    const validationErrors = validate(ctx.schema, document);
    if (validationErrors.length > 0) {
      res.status(400).json({ errors: validationErrors.map((e) => e.toJSON()) });
      return;
    }
    const result = await execute({
      schema: ctx.schema,
      document,
      variableValues: variables as Record<string, unknown> | undefined,
      operationName: typeof b.operationName === 'string' ? b.operationName : undefined,
      contextValue: { user },
    });
    // variable coercion failures come back without data: a request error, as graphql-http does
    res.status(result.data === undefined ? 400 : 200).json(result);
  };

  const json = express.json({ limit: '20mb' });
  // on-premises / customer-hosted: folder in the x-xtrem-endpoint header (reference 2.1, 3)
  router.post('/xtrem/api', json, (req: Request, res: Response) => handle(req, res));
  // X3 Cloud API gateway: per-folder data-service URL listed by GET /v1/folders (reference 2.2)
  router.post('/v1/service/:folder/graphQL', json, (req: Request, res: Response) =>
    handle(req, res, req.params.folder),
  );
  router.get('/v1/folders', async (req: Request, res: Response) => {
    const delay = { ms: 0 };
    trackRequest(ctx, 'graphql', req, res, delay);
    const user = await gate(ctx, 'graphql', req, res, delay);
    if (user === null) return;
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.json({
      folders: ctx.folders.map((name) => ({
        name,
        $urls: { dataService: `${base}/v1/service/${encodeURIComponent(name)}/graphQL` },
      })),
    });
  });
  return router;
}
