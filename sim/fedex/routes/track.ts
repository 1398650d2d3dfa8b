/**
 * Track API [spec TrackingNumbers-Resource, ReferenceNumbers; reference §5]: at most 30 numbers per
 * call; unknown numbers are reported inside the 200 as trackResults[].error; track by reference
 * finds shipments by a customer reference within a ship-date range for an account (or destination).
 */
import { Router } from 'express';
import { TRACK_REFERENCE_TYPE_MAP } from '../catalog';
import { MSG, newTransactionId } from '../errors';
import { asyncHandler, badRequest, okBody } from '../http-helpers';
import { occurredScans } from '../journey';
import { getAuth } from '../auth';
import { type SimRuntime, pushCapped, utcDay } from '../runtime';
import { carrierMatches, invalidResult, notFoundResult, trackResult, uniqueIdOf } from '../track-results';
import type { SimPiece, SimShipment } from '../types';
import { type TrackItem, validateReferenceTrackRequest, validateTrackRequest } from '../validation';

const DAY_MS = 86_400_000;

function visible(rt: SimRuntime, s: SimShipment): boolean {
  const now = rt.now();
  return now >= s.createdAt + rt.config.trackVisibilityDelayMs && occurredScans(s.journey, now).length > 0;
}

function pieceOf(s: SimShipment, trackingNumber: string): SimPiece {
  return s.pieces.find((p) => p.trackingNumber === trackingNumber) ?? s.pieces[0];
}

function lookup(rt: SimRuntime, item: TrackItem): { s: SimShipment; piece: SimPiece } | 'invalid' | undefined {
  if (!/^[A-Za-z0-9]{10,34}$/.test(item.trackingNumber)) return 'invalid';
  const s = rt.findShipment(item.trackingNumber);
  if (!s || !visible(rt, s)) return undefined;
  if (!carrierMatches(s, item.carrierCode)) return undefined;
  if (item.trackingNumberUniqueId && item.trackingNumberUniqueId !== uniqueIdOf(s, item.trackingNumber))
    return undefined;
  if (item.shipDateBegin && s.shipDate < item.shipDateBegin) return undefined;
  if (item.shipDateEnd && s.shipDate > item.shipDateEnd) return undefined;
  return { s, piece: pieceOf(s, item.trackingNumber) };
}

export function trackRouter(rt: SimRuntime): Router {
  const r = Router();

  r.post(
    '/track/v1/trackingnumbers',
    asyncHandler((req, res) => {
      const v = validateTrackRequest(req.body);
      const requested = Array.isArray((req.body as { trackingInfo?: unknown })?.trackingInfo)
        ? ((req.body as { trackingInfo: unknown[] }).trackingInfo.length as number)
        : 0;
      if (!v.ok) {
        pushCapped(rt.state.trackCalls, {
          at: rt.now(),
          path: req.path,
          status: 400,
          numbers: [],
          count: requested,
          notFound: 0,
        });
        throw badRequest(v.issues);
      }
      const now = rt.now();
      let notFound = 0;
      const completeTrackResults = v.value.items.map((item) => {
        const found = lookup(rt, item);
        if (found === 'invalid' || found === undefined) {
          notFound += 1;
          return {
            trackingNumber: item.trackingNumber,
            trackResults: [
              found === 'invalid' ? invalidResult(item.trackingNumber) : notFoundResult(item.trackingNumber),
            ],
          };
        }
        return {
          trackingNumber: item.trackingNumber,
          trackResults: [trackResult(found.s, found.piece, now, v.value.includeDetailedScans)],
        };
      });
      pushCapped(rt.state.trackCalls, {
        at: now,
        path: req.path,
        status: 200,
        numbers: v.value.items.map((i) => i.trackingNumber),
        count: v.value.items.length,
        notFound,
      });
      res.status(200).json(okBody(req, { completeTrackResults, alerts: [] }, newTransactionId()));
    }),
  );

  r.post(
    '/track/v1/referencenumbers',
    asyncHandler((req, res) => {
      const auth = getAuth(res);
      const v = validateReferenceTrackRequest(req.body);
      if (!v.ok) {
        pushCapped(rt.state.trackCalls, {
          at: rt.now(),
          path: req.path,
          status: 400,
          numbers: [],
          count: 0,
          notFound: 0,
        });
        throw badRequest(v.issues);
      }
      const q = v.value;
      const now = rt.now();
      // "If ShipDateRangeBegin and End are not present, begin = today − 30 days, end = today + 1 day."
      const begin = q.shipDateBegin ?? utcDay(now - 30 * DAY_MS);
      const end = q.shipDateEnd ?? utcDay(now + DAY_MS);
      const types = q.type ? (TRACK_REFERENCE_TYPE_MAP[q.type] ?? [q.type]) : undefined;
      const wanted = q.value.trim().toUpperCase();
      // Reference tracking only sees the caller's own accounts when searching by account.
      const accountOk = (s: SimShipment) =>
        q.accountNumber !== undefined &&
        s.accountNumber === q.accountNumber &&
        auth.accountNumbers.includes(q.accountNumber);
      const destinationOk = (s: SimShipment) =>
        q.accountNumber === undefined &&
        q.destinationCountryCode === s.recipient.countryCode &&
        (q.destinationPostalCode === undefined ||
          (s.recipient.postalCode ?? '').toUpperCase().startsWith(q.destinationPostalCode.toUpperCase()));

      const matches: Array<{ s: SimShipment; piece: SimPiece }> = [];
      for (const s of rt.state.shipments) {
        if (!visible(rt, s) || s.shipDate < begin || s.shipDate > end) continue;
        if (!accountOk(s) && !destinationOk(s)) continue;
        if (!carrierMatches(s, q.carrierCode)) continue;
        for (const piece of s.pieces) {
          const refs = [...piece.references, ...(s.kind === 'ltl' ? s.references : [])];
          if (refs.some((ref) => (!types || types.includes(ref.type)) && ref.value.trim().toUpperCase() === wanted))
            matches.push({ s, piece });
        }
      }
      const completeTrackResults =
        matches.length > 0
          ? matches.map(({ s, piece }) => ({
              trackingNumber: piece.trackingNumber,
              trackResults: [trackResult(s, piece, now, q.includeDetailedScans)],
            }))
          : [
              {
                trackingNumber: q.value,
                trackResults: [
                  { error: { code: 'TRACKING.REFERENCENUMBER.NOTFOUND', message: MSG.referenceNotFound } },
                ],
              },
            ];
      pushCapped(rt.state.trackCalls, {
        at: now,
        path: req.path,
        status: 200,
        numbers: [q.value],
        count: 1,
        notFound: matches.length === 0 ? 1 : 0,
      });
      res.status(200).json(okBody(req, { completeTrackResults, alerts: [] }, newTransactionId()));
    }),
  );

  return r;
}
