/**
 * Ship API [spec Shipment-Resource, LTLFreight-Resource; reference §3–§4]:
 * create, validate, cancel, async results and LTL freight create. A create may be "committed then
 * dropped": stored as a real shipment, then the socket is destroyed without an answer.
 */
import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { getAuth } from '../auth';
import { FedexHttpError, MSG, newTransactionId } from '../errors';
import { asyncHandler, badRequest, customerTransactionId, okBody } from '../http-helpers';
import { cancellationScan, occurredScans } from '../journey';
import { type SimRuntime, pushCapped } from '../runtime';
import { commitLtl, commitParcel, createResponseBody, placeOf } from '../shipments';
import type { CancelRecord, SimShipment } from '../types';
import {
  MAX_SYNC_PIECES,
  validateCancelRequest,
  validateLtlRequest,
  validateResultsRequest,
  validateShipRequest,
} from '../validation';

function accountError(): FedexHttpError {
  return new FedexHttpError(400, [
    {
      code: 'ACCOUNTNUMBER.REGISTRATION.REQUIRED',
      message: MSG.accountRegistration,
      parameterList: [{ key: 'accountNumber.value', value: 'not an account of this project' }],
    },
  ]);
}

/** Decides (and consumes) a commit-then-drop for this create. */
function shouldDrop(rt: SimRuntime): 'next' | 'rate' | undefined {
  if (rt.config.commitThenDropNext > 0) {
    rt.config.commitThenDropNext -= 1;
    return 'next';
  }
  if (rt.config.commitThenDropRate > 0 && rt.rng() < rt.config.commitThenDropRate) return 'rate';
  return undefined;
}

function finishCreate(
  rt: SimRuntime,
  req: Request,
  res: Response,
  s: SimShipment,
  body: Record<string, unknown>,
): void {
  const trigger = shouldDrop(rt);
  const ctid = customerTransactionId(req);
  if (trigger) {
    s.dropped = true;
    pushCapped(rt.state.drops, { at: rt.now(), masterTrackingNumber: s.masterTrackingNumber, trigger });
    pushCapped(rt.state.creates, {
      at: rt.now(),
      path: req.path,
      status: 0,
      masterTrackingNumber: s.masterTrackingNumber,
      dropped: true,
      customerTransactionId: ctid,
    });
    // The shipment exists (and costs money); the client only sees a reset connection.
    res.socket?.destroy();
    return;
  }
  pushCapped(rt.state.creates, {
    at: rt.now(),
    path: req.path,
    status: 200,
    masterTrackingNumber: s.masterTrackingNumber,
    dropped: false,
    customerTransactionId: ctid,
  });
  res.status(200).json(body);
}

function recordFailedCreate(rt: SimRuntime, req: Request, status: number): void {
  pushCapped(rt.state.creates, {
    at: rt.now(),
    path: req.path,
    status,
    dropped: false,
    customerTransactionId: customerTransactionId(req),
  });
}

export function shipRouter(rt: SimRuntime): Router {
  const r = Router();

  r.post(
    '/ship/v1/shipments',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const v = validateShipRequest(req.body, 'create', { requireTotalWeight: rt.config.requireTotalWeight });
      if (!v.ok) {
        recordFailedCreate(rt, req, 400);
        throw badRequest(v.issues);
      }
      if (!auth.accountNumbers.includes(v.value.accountNumber)) {
        recordFailedCreate(rt, req, 400);
        throw accountError();
      }
      const ctid = customerTransactionId(req);
      const s = commitParcel(rt, auth.clientId, v.value, ctid);
      const asyncJob = v.value.pieceCount > MAX_SYNC_PIECES;
      if (asyncJob) s.jobId = randomUUID();
      rt.addShipment(s);
      const opts = { mergeLabelDocOption: v.value.mergeLabelDocOption, alerts: rt.config.createAlerts };
      const body = asyncJob
        ? okBody(req, { jobId: s.jobId, alerts: rt.config.createAlerts }, newTransactionId())
        : createResponseBody(rt, [s], opts, ctid);
      finishCreate(rt, req, res, s, body);
    }),
  );

  r.post(
    '/ship/v1/shipments/packages/validate',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const v = validateShipRequest(req.body, 'validate', { requireTotalWeight: rt.config.requireTotalWeight });
      if (!v.ok) throw badRequest(v.issues);
      if (!auth.accountNumbers.includes(v.value.accountNumber)) throw accountError();
      res.status(200).json(
        okBody(
          req,
          {
            alerts: [
              {
                code: 'SHIPMENT.VALIDATION.SUCCESS',
                alertType: 'NOTE',
                message: 'Shipment validated successfully. No errors found.',
              },
            ],
          },
          newTransactionId(),
        ),
      );
    }),
  );

  r.post(
    '/ship/v1/shipments/results',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const v = validateResultsRequest(req.body);
      if (!v.ok) throw badRequest(v.issues);
      if (!auth.accountNumbers.includes(v.value.accountNumber)) throw accountError();
      const s = rt.byJobId.get(v.value.jobId);
      if (!s || s.accountNumber !== v.value.accountNumber) {
        throw new FedexHttpError(404, [
          { code: 'NOT.FOUND.ERROR', message: MSG.notFound, parameterList: [{ key: 'jobId', value: 'unknown job' }] },
        ]);
      }
      res
        .status(200)
        .json(
          createResponseBody(
            rt,
            [s],
            { mergeLabelDocOption: 'LABELS_AND_DOCS', alerts: [] },
            customerTransactionId(req),
          ),
        );
    }),
  );

  r.put(
    '/ship/v1/shipments/cancel',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const record = (trackingNumber: string, status: number, outcome: CancelRecord['outcome']) =>
        pushCapped(rt.state.cancels, { at: rt.now(), trackingNumber, status, outcome });
      const v = validateCancelRequest(req.body);
      if (!v.ok) {
        record('', 400, 'invalid');
        throw badRequest(v.issues);
      }
      const { trackingNumber, accountNumber, emailShipment } = v.value;
      const s = rt.findShipment(trackingNumber);
      if (!s) {
        record(trackingNumber, 400, 'unknown');
        throw new FedexHttpError(400, [
          {
            code: 'TRACKINGNUMBER.ENTERED.INVALID',
            message: MSG.trackingNumberEntered,
            parameterList: [{ key: 'trackingNumber', value: trackingNumber }],
          },
        ]);
      }
      if (!auth.accountNumbers.includes(accountNumber) || s.accountNumber !== accountNumber) {
        record(trackingNumber, 400, 'unauthorized');
        throw new FedexHttpError(400, [{ code: 'SHIPMENT.USER.UNAUTHORIZED', message: MSG.userUnauthorized }]);
      }
      if (s.status === 'cancelled') {
        record(trackingNumber, 400, 'already_cancelled');
        throw new FedexHttpError(400, [
          {
            code: 'SHIPMENT.ALREADY.CANCELLED',
            message: 'This shipment has already been cancelled.',
            parameterList: [{ key: 'trackingNumber', value: trackingNumber }],
          },
        ]);
      }
      const now = rt.now();
      const occurred = occurredScans(s.journey, now);
      const tendered = occurred.some((e) => e.eventType !== 'OC');
      const notAllowed = (reason: string) => {
        record(trackingNumber, 400, 'not_cancellable');
        return new FedexHttpError(400, [
          {
            code: 'SHIPMENT.CANCEL.NOTALLOWED',
            message: reason,
            parameterList: [{ key: 'trackingNumber', value: trackingNumber }],
          },
        ]);
      };
      if (s.kind === 'ltl')
        throw notAllowed('Freight LTL shipments cannot be cancelled with the Ship API cancel request.');
      if (emailShipment)
        throw notAllowed('This shipment is confirmed; emailShipment applies only to pending email-label shipments.');
      if (tendered) {
        const delivered = occurred.some((e) => e.eventType === 'DL');
        throw notAllowed(
          delivered
            ? 'The shipment has been delivered and cannot be cancelled.'
            : 'The shipment has been tendered to FedEx and cannot be cancelled.',
        );
      }
      s.status = 'cancelled';
      s.cancelledAt = now;
      // The rest of the journey will not happen; a CA scan records the cancellation.
      s.journey = [...occurred, cancellationScan(occurred.length, now, placeOf(s.shipper))];
      record(trackingNumber, 200, 'cancelled');
      res.status(200).json(
        okBody(
          req,
          {
            cancelledShipment: true,
            cancelledHistory: true,
            message: 'Shipment is successfully cancelled',
            alerts: [],
          },
          newTransactionId(),
        ),
      );
    }),
  );

  r.post(
    '/ship/v1/freight/shipments',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const v = validateLtlRequest(req.body);
      if (!v.ok) {
        recordFailedCreate(rt, req, 400);
        throw badRequest(v.issues);
      }
      if (!auth.accountNumbers.includes(v.value.accountNumber)) {
        recordFailedCreate(rt, req, 400);
        throw accountError();
      }
      const ctid = customerTransactionId(req);
      const s = commitLtl(rt, auth.clientId, v.value, ctid);
      rt.addShipment(s);
      finishCreate(
        rt,
        req,
        res,
        s,
        createResponseBody(rt, [s], { mergeLabelDocOption: 'NONE', alerts: rt.config.createAlerts }, ctid),
      );
    }),
  );

  return r;
}
