/**
 * Document links returned for labelResponseOptions URL_ONLY ("valid 24 h", reference §3). The path
 * imitates FedEx's …/document/v2/document/retrieve/SH,<trackingNumber>_<id>/isLabel=… links.
 */
import { Router } from 'express';
import { FedexHttpError, MSG } from '../errors';
import { asyncHandler } from '../http-helpers';
import { mimeType } from '../labels';
import type { SimRuntime } from '../runtime';

export function documentsRouter(rt: SimRuntime): Router {
  const r = Router();
  r.get(
    /^\/document\/v2\/document\/retrieve\/SH,(\d+)_(doc_\d+)(?:\/.*)?$/,
    asyncHandler((req, res) => {
      const params = req.params as unknown as Record<string, string>;
      const trackingNumber = params[0];
      const docId = params[1];
      const s = rt.findShipment(trackingNumber);
      const doc = s?.documents.find((d) => d.id === docId && d.trackingNumber === trackingNumber);
      if (!doc || rt.now() > doc.createdAt + rt.config.labelUrlTtlMs) {
        throw new FedexHttpError(404, [{ code: 'NOT.FOUND.ERROR', message: MSG.notFound }]);
      }
      res.status(200).type(mimeType(doc.docType)).send(Buffer.from(doc.base64, 'base64'));
    }),
  );
  return r;
}
