/** Workflow histories as text, for scanning what Temporal stored (inputs, results, memos, failures). */
import type { Client } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';

/**
 * The exported JSON form of a history (payloads base64-encoded, as `temporal workflow show` writes it) plus
 * every payload decoded to text, so a secret is found whatever its position in an encoded payload.
 */
export function historyText(history: History): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) decoded.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return `${historyToJSON(history)}\n${decoded.join('\n')}`;
}

export async function fetchHistoryText(client: Client, workflowId: string): Promise<string> {
  return historyText(await client.workflow.getHandle(workflowId).fetchHistory());
}

/**
 * Fails if `secret` (or its base64 form) is in any of the histories. `expected` must be found in each, which
 * proves the payloads were decoded and the scan could have failed.
 */
export async function expectSecretAbsentFromHistories(
  client: Client,
  workflowIds: string[],
  secret: string,
  expected: string,
): Promise<void> {
  for (const id of workflowIds) {
    const text = await fetchHistoryText(client, id);
    expect(text).toContain(expected);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  }
}
