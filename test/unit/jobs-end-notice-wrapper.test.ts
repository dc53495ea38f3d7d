/**
 * The wrapper hub-retrain puts around a Hugging Face job's command (src/backends/hf-jobs/end-notice.ts), run here by a
 * real POSIX shell against a local HTTP server: it runs the command, posts the notice with the run's token, keeps the
 * command's exit code, and prints nothing of the token.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NOTICE_WRAPPER, withEndNotice } from '../../src/backends/hf-jobs/end-notice';

async function runWrapped(command: string[], url: string, token: string) {
  const child = spawn('sh', ['-c', NOTICE_WRAPPER, 'hub-retrain-notice', ...command], {
    env: { PATH: process.env.PATH, RETRAIN_NOTICE_URL: url, RETRAIN_NOTICE_TOKEN: token },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

test("the command runs, its exit code stands, and the notice is posted once with the run's token", async () => {
  const seen: Array<Pick<IncomingMessage, 'method' | 'url'> & { auth?: string }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    req.resume();
    res.writeHead(202).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/runs/retrain%3Ap%3Aab/training-ended`;
    const { code, output } = await runWrapped(['sh', '-c', 'echo training; exit 3'], url, 'the-run-token');
    expect(code).toBe(3);
    expect(output).toBe('training\n');
    expect(seen).toEqual([
      { method: 'POST', url: '/api/runs/retrain%3Ap%3Aab/training-ended', auth: 'Bearer the-run-token' },
    ]);
  } finally {
    server.close();
  }
});

test('an unreachable receiver does not change the exit code (the shared check is the safety net)', async () => {
  const { code, output } = await runWrapped(['true'], 'http://127.0.0.1:9/api/runs/x/training-ended', 'tok');
  expect(code).toBe(0);
  expect(output).not.toContain('tok');
}, 30_000);

test('the request keeps the command, adds the URL to the environment and the token to the secrets', () => {
  const request = withEndNotice(
    {
      dockerImage: 'img',
      command: ['python', 'train.py'],
      arguments: [],
      environment: { A: '1' },
      secrets: { HF_TOKEN: 'hf' },
      flavor: 'a10g-small',
      timeoutSeconds: 60,
      labels: {},
    },
    { receiverUrl: 'https://retrain.example/base/', webhookSecret: 'secret', workflowId: 'retrain:p:ab' },
  );
  expect(request.command).toEqual(['sh', '-c', NOTICE_WRAPPER, 'hub-retrain-notice', 'python', 'train.py']);
  expect(request.environment).toEqual({
    A: '1',
    RETRAIN_NOTICE_URL: 'https://retrain.example/base/api/runs/retrain%3Ap%3Aab/training-ended',
  });
  expect(Object.keys(request.secrets)).toEqual(['HF_TOKEN', 'RETRAIN_NOTICE_TOKEN']);
  expect(JSON.stringify(request)).not.toContain('"secret"');
});
