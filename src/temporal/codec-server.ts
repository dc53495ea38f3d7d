/**
 * A codec server for the Temporal Web UI (its "Codec Server" setting): POST /encode and /decode with
 * `{"payloads": [...]}` in proto JSON. Run it where the key is (`hub-retrain codec-server`, on localhost)
 * and point the UI at it: people who hold the key see decoded payloads; the server never sees them.
 */
import express, { type Request, type Response } from 'express';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import type { PayloadCodec } from '@temporalio/common';

export function codecApp(codec: PayloadCodec, allowedOrigins: string[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });
  app.use(express.json({ limit: '4mb' }));
  const handler = (direction: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const body = req.body as { payloads?: unknown };
    if (!Array.isArray(body?.payloads)) return void res.status(400).json({ error: 'expected {"payloads": [...]}' });
    try {
      const payloads = (body.payloads as JSONPayload[]).map(JSONToPayload);
      const out = await codec[direction](payloads);
      res.json({ payloads: out.map(payloadToJSON) });
    } catch (err) {
      res.status(400).json({ error: `could not ${direction}: ${(err as Error).message}` });
    }
  };
  app.post('/encode', (req, res) => void handler('encode')(req, res));
  app.post('/decode', (req, res) => void handler('decode')(req, res));
  return app;
}
