/**
 * FedEx's error envelope [spec ErrorResponseVO]:
 * {transactionId, customerTransactionId?, errors:[{code, message, parameterList?:[{key, value}]}]}.
 */
import { randomUUID } from 'node:crypto';

export interface FedexErrorParameter {
  key: string;
  value: string;
}

export interface FedexError {
  code: string;
  message: string;
  parameterList?: FedexErrorParameter[];
}

export interface FedexErrorEnvelope {
  transactionId: string;
  customerTransactionId?: string;
  errors: FedexError[];
}

/** Thrown by handlers; the app's error handler turns it into the envelope with this status. */
export class FedexHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FedexError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.code).join(', '));
  }
}

export function newTransactionId(): string {
  return randomUUID();
}

export function envelope(errors: FedexError[], customerTransactionId?: string): FedexErrorEnvelope {
  const body: FedexErrorEnvelope = { transactionId: newTransactionId(), errors };
  if (customerTransactionId !== undefined) body.customerTransactionId = customerTransactionId;
  return body;
}

/* Messages quoted from the specs' examples. */
export const MSG = {
  invalidCredentials: 'The given client credentials were not valid. Please modify your request and try again.',
  tokenExpired: 'Access token expired. Please modify your request and try again.',
  invalidToken: 'The given JWT is invalid. Please modify your request and try again.',
  badRequest: 'Missing or duplicate parameters. Please modify your request and try again.',
  forbidden: 'We could not authorize your credentials. Please check your permissions and try again.',
  notFound: 'The resource you requested is no longer available. Please modify your request and try again.',
  internal:
    'We encountered an unexpected error and are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.',
  unavailable:
    'The service is currently unavailable and we are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.',
  invalidInput: 'Invalid field value in the input',
  accountRegistration: 'Please enter a valid 9-digit FedEx account number or register for a new FedEx account number.',
  userUnauthorized: 'Requested user is not authorized to perform the operation.',
  trackingNumberEntered: 'Error with entered Tracking Number. Please verify the entered Tracking Number.',
  trackingEmpty: 'Please provide tracking number.',
  trackingNotFound:
    "The tracking number you entered can't be found right now. Please check the number with the shipper or try again later.",
  trackingInvalid: 'Invalid tracking number. Please verify the tracking number and try again.',
  referenceNotFound: 'Reference number cannot be found. Please correct the reference number and try again.',
  rateLimited: 'We have received too many requests in a short duration. Please wait a while to try again.',
  orgDailyQuota: 'Daily transaction quota exceeded. Retry after 12:00AM GMT',
  trackDailyQuota: 'Per project daily quota exceeded. Retry after 12:00 AM GMT',
} as const;

/** FedEx names no code for 429s; this follows its XXX.ERROR naming (reference §8 lists none). */
export const RATE_LIMIT_CODE = 'TOO.MANY.REQUESTS.ERROR';
