import type { Response } from 'express';

/** The Hub's error shape: JSON `{error}` plus X-Error-Code / X-Error-Message headers. */
export function hubError(res: Response, status: number, message: string, code?: string): void {
  if (code) res.setHeader('X-Error-Code', code);
  res.setHeader('X-Error-Message', message);
  res.status(status).json({ error: message });
}
