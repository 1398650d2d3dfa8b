/** Express glue shared by the route modules. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { FieldIssue } from './checker';
import { type FedexError, FedexHttpError, MSG } from './errors';

/** Express 4 does not route rejected promises to the error handler by itself. */
export function asyncHandler(
  fn: (req: Request, res: Response, next: NextFunction) => Promise<void> | void,
): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => fn(req, res, next))
      .catch(next);
  };
}

export function customerTransactionId(req: Request): string | undefined {
  const v = req.header('x-customer-transaction-id');
  return v === undefined || v === '' ? undefined : v;
}

/** Validation issues as FedEx errors: the field path in parameterList, like FedEx's own entries. */
export function issuesToErrors(issues: FieldIssue[]): FedexError[] {
  return issues.map((i) => ({
    code: i.code ?? 'INVALID.INPUT.EXCEPTION',
    message: i.message ?? (i.code === 'TRACKING.TRACKINGNUMBER.EMPTY' ? MSG.trackingEmpty : MSG.invalidInput),
    parameterList: [{ key: i.path || 'body', value: i.reason }],
  }));
}

export function badRequest(issues: FieldIssue[]): FedexHttpError {
  return new FedexHttpError(400, issuesToErrors(issues));
}

/** Body of a 200: transactionId, the echoed customerTransactionId, output. */
export function okBody(req: Request, output: unknown, transactionId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { transactionId };
  const ctid = customerTransactionId(req);
  if (ctid !== undefined) body.customerTransactionId = ctid;
  body.output = output;
  return body;
}
