/**
 * The smoke check after a deploy: each of the pipeline's smoke inputs sent to what now serves, and every answer
 * must name one of the model's labels. A wrong answer is a SmokeCheckFailed (no retry: the deploy is rolled
 * back); a target that does not answer in time, or answers 5xx (an endpoint waking from zero), is retried by the
 * activity's policy until the smoke check's time is up, and then rolled back too.
 */
import { PermanentBackendError } from '../errors';
import { requestJson } from '../http/request-json';

export class SmokeCheckFailed extends PermanentBackendError {
  override readonly name = 'SmokeCheckFailed';
}

/** What a smoke check saw: each input's answer, and the labels it was held to. */
export interface SmokeResult {
  answers: Array<{ input: string; label: string }>;
  labels?: string[];
}

/**
 * The top label of an answer: the Inference API's `[{label, score}, ...]` (or that list in a list, one per
 * input), or the local predict endpoint's `{predictions: [{label}]}`.
 */
export function topLabel(body: unknown): string | undefined {
  let list: unknown = body;
  if (typeof body === 'object' && body !== null && 'predictions' in body) list = body.predictions;
  if (Array.isArray(list) && Array.isArray(list[0])) list = list[0];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const scored = (list as unknown[]).filter(
    (e): e is { label: string; score?: number } =>
      typeof e === 'object' && e !== null && 'label' in e && typeof e.label === 'string',
  );
  const best = scored.reduce<{ label: string; score?: number } | undefined>(
    (top, e) => (top === undefined || (e.score ?? 0) > (top.score ?? 0) ? e : top),
    undefined,
  );
  return best?.label;
}

export interface SmokeOptions {
  url: string;
  inputs: string[];
  /** The labels answers must name; undefined: any label will do. */
  labels?: string[];
  token?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export async function smokeCheck(options: SmokeOptions): Promise<SmokeResult> {
  const answers: SmokeResult['answers'] = [];
  for (const input of options.inputs) {
    const res = await requestJson(options.url, {
      method: 'POST',
      body: { inputs: input },
      token: options.token,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
    const label = topLabel(res.body);
    if (label === undefined) {
      throw new SmokeCheckFailed(`the smoke check's answer to ${JSON.stringify(input)} names no label`);
    }
    if (options.labels && !options.labels.includes(label)) {
      throw new SmokeCheckFailed(
        `the smoke check's answer to ${JSON.stringify(input)} is "${label}", not one of the model's labels (${options.labels.join(', ')})`,
      );
    }
    answers.push({ input, label });
  }
  return { answers, labels: options.labels };
}
