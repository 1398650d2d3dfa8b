/**
 * The inspection and control API under /__sim (no auth, no faults, no quota): state, shipments,
 * reset, config, clock, seed, journey advance and webhooks.
 */
import express, { Router } from 'express';
import { ConfigError, applyConfigPatch, redactedConfig } from '../config';
import { isObj } from '../checker';
import { asyncHandler, issuesToErrors } from '../http-helpers';
import { occurredScans } from '../journey';
import type { SimRuntime } from '../runtime';
import { commitParcel, createResponseBody } from '../shipments';
import type { PlannedScan, SimShipment } from '../types';
import { validateShipRequest } from '../validation';
import { WebhookRegistrationError, type WebhookDispatcher } from '../webhooks';

export function shipmentView(s: SimShipment, now: number): Record<string, unknown> {
  const occurred = occurredScans(s.journey, now);
  const latest = occurred[occurred.length - 1];
  return {
    ...s,
    documents: s.documents.map((d) => ({
      id: d.id,
      trackingNumber: d.trackingNumber,
      contentType: d.contentType,
      docType: d.docType,
      bytes: Buffer.from(d.base64, 'base64').length,
    })),
    trackingNumbers: s.pieces.map((p) => p.trackingNumber),
    latestEventType: latest?.eventType,
    journey: s.journey.map((e) => ({ ...e, happened: e.dueAt <= now })),
  };
}

export function stateView(rt: SimRuntime): Record<string, unknown> {
  const now = rt.now();
  return { ...rt.state, now, shipments: rt.state.shipments.map((s) => shipmentView(s, now)) };
}

/**
 * Moves a shipment's journey forward without touching the clock. The scans that become due are
 * spread between the last happened scan and now (same order, plausible times, possibly equal
 * timestamps when there is no room); later scans keep their spacing.
 */
export function advanceJourney(
  s: SimShipment,
  now: number,
  opts: { to?: string; steps?: number; ms?: number },
): PlannedScan[] {
  const j = s.journey;
  const done = occurredScans(j, now).length;
  if (done >= j.length) return [];
  let k: number;
  let laterShift: number;
  if (opts.ms !== undefined) {
    const ms = Math.max(0, opts.ms);
    k = done - 1;
    for (let i = done; i < j.length; i++) if (j[i].dueAt - ms <= now) k = i;
    laterShift = ms;
  } else {
    if (opts.to !== undefined) {
      k = j.findIndex((e, i) => i >= done && e.eventType === opts.to);
      if (k < 0) return [];
    } else if (opts.steps !== undefined) {
      k = Math.min(j.length - 1, done + Math.max(1, Math.floor(opts.steps)) - 1);
    } else {
      k = j.length - 1;
    }
    laterShift = j[k].dueAt - now;
  }
  for (let i = k + 1; i < j.length; i++) j[i].dueAt -= laterShift;
  if (k < done) return [];
  const lastDue = done > 0 ? j[done - 1].dueAt : now;
  const count = k - done + 1;
  const step = Math.max(0, Math.min(1000, Math.floor((now - lastDue) / count)));
  for (let i = done; i <= k; i++) j[i].dueAt = Math.min(now, lastDue + step * (i - done + 1));
  return j.slice(done, k + 1);
}

export function adminRouter(rt: SimRuntime, webhooks: WebhookDispatcher, onConfigChanged: () => void): Router {
  const r = Router();
  r.use(express.json({ limit: '10mb' }));

  r.get('/state', (_req, res) => {
    res.json(stateView(rt));
  });

  r.get('/shipments', (_req, res) => {
    const now = rt.now();
    res.json(rt.state.shipments.map((s) => shipmentView(s, now)));
  });

  r.get('/shipments/:trackingNumber', (req, res) => {
    const s = rt.findShipment(req.params.trackingNumber);
    if (!s) {
      res.status(404).json({ error: 'unknown tracking number' });
      return;
    }
    res.json(shipmentView(s, rt.now()));
  });

  r.post('/reset', (_req, res) => {
    rt.reset();
    webhooks.clearQueues();
    res.json({ ok: true });
  });

  r.get('/config', (_req, res) => {
    res.json(redactedConfig(rt.config));
  });

  r.post('/config', (req, res) => {
    try {
      applyConfigPatch(rt.config, req.body);
      onConfigChanged();
      res.json(redactedConfig(rt.config));
    } catch (err) {
      if (err instanceof ConfigError) {
        res.status(400).json({ error: err.message });
        return;
      }
      throw err;
    }
  });

  /** {advanceMs} moves the sim clock forward; {offsetMs} sets the offset; returns the clock. */
  r.post('/clock', (req, res) => {
    const b = isObj(req.body) ? req.body : {};
    if (typeof b.advanceMs === 'number' && Number.isFinite(b.advanceMs)) rt.config.clockOffsetMs += b.advanceMs;
    else if (typeof b.offsetMs === 'number' && Number.isFinite(b.offsetMs)) rt.config.clockOffsetMs = b.offsetMs;
    else {
      res.status(400).json({ error: 'advanceMs or offsetMs (number) is required' });
      return;
    }
    res.json({ now: rt.now(), iso: new Date(rt.now()).toISOString(), clockOffsetMs: rt.config.clockOffsetMs });
  });

  /** {trackingNumber, to?: eventType, steps?: n, ms?: n}: makes the next scans happen now. */
  r.post('/advance', (req, res) => {
    const b = isObj(req.body) ? req.body : {};
    const s = typeof b.trackingNumber === 'string' ? rt.findShipment(b.trackingNumber) : undefined;
    if (!s) {
      res.status(404).json({ error: 'unknown trackingNumber' });
      return;
    }
    const advanced = advanceJourney(s, rt.now(), {
      to: typeof b.to === 'string' ? b.to : undefined,
      steps: typeof b.steps === 'number' ? b.steps : undefined,
      ms: typeof b.ms === 'number' ? b.ms : undefined,
    });
    res.json({ advanced: advanced.map((e) => e.eventType), shipment: shipmentView(s, rt.now()) });
  });

  /**
   * Creates shipments directly (no token, no quota), from Ship API create bodies:
   * {requests: [ {…create body…} ], clientId?, createdAt?} or a single {request}.
   */
  r.post('/seed', (req, res) => {
    const b = isObj(req.body) ? req.body : {};
    const requests: unknown[] = Array.isArray(b.requests) ? b.requests : b.request !== undefined ? [b.request] : [];
    if (requests.length === 0) {
      res.status(400).json({ error: 'request or requests is required' });
      return;
    }
    const createdAt = typeof b.createdAt === 'number' ? b.createdAt : undefined;
    const out: unknown[] = [];
    for (const body of requests) {
      const v = validateShipRequest(body, 'create', { requireTotalWeight: rt.config.requireTotalWeight });
      if (!v.ok) {
        res.status(400).json({ errors: issuesToErrors(v.issues) });
        return;
      }
      const client =
        (typeof b.clientId === 'string' ? rt.findClient(b.clientId) : undefined) ??
        rt.config.clients.find((c) => c.accountNumbers.includes(v.value.accountNumber)) ??
        rt.config.clients[0];
      const s = commitParcel(rt, client.clientId, v.value, undefined, createdAt);
      rt.addShipment(s);
      out.push(createResponseBody(rt, [s], { mergeLabelDocOption: v.value.mergeLabelDocOption, alerts: [] }));
    }
    res.status(201).json(out);
  });

  r.get('/webhooks', (_req, res) => {
    res.json({
      targets: rt.state.webhookTargets,
      deliveries: rt.state.webhookDeliveries,
      missed: rt.state.webhookMissed,
    });
  });

  r.post('/webhooks', (req, res) => {
    try {
      const b = isObj(req.body) ? req.body : {};
      const rec = webhooks.register({
        url: b.url as string,
        securityToken: b.securityToken as string,
        accountNumbers: Array.isArray(b.accountNumbers) ? b.accountNumbers.map(String) : undefined,
        trackingNumbers: Array.isArray(b.trackingNumbers) ? b.trackingNumbers.map(String) : undefined,
      });
      res.status(201).json(rec);
    } catch (err) {
      if (err instanceof WebhookRegistrationError) {
        res.status(400).json({ error: err.message });
        return;
      }
      throw err;
    }
  });

  r.delete('/webhooks/:id', (req, res) => {
    res.status(webhooks.remove(req.params.id) ? 204 : 404).end();
  });

  r.post(
    '/webhooks/flush',
    asyncHandler(async (_req, res) => {
      res.json({ deliveries: await webhooks.flush() });
    }),
  );

  r.post(
    '/webhooks/redeliver',
    asyncHandler(async (req, res) => {
      const b = isObj(req.body) ? req.body : {};
      const ids = Array.isArray(b.deliveryIds) ? b.deliveryIds.map(String) : undefined;
      res.json({ deliveries: await webhooks.redeliver(ids) });
    }),
  );

  return r;
}
