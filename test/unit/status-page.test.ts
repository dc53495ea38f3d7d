import { pipelineNotStarted } from '../../src/server/run-views';
import { renderStatusPage } from '../../src/server/status-page';
import { parseConfig } from '../../src/config/load-config';

const [spec] = parseConfig({
  target_namespace: 'acme',
  input_dataset: 'acme/images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: 'images',
});

test('every value on the status page is escaped, and only http(s) URLs become links', () => {
  const view = { ...pipelineNotStarted(spec!), model: '<script>alert(1)</script>', started: true };
  const html = renderStatusPage({
    generatedAt: new Date(0).toISOString(),
    pipelines: [
      {
        view,
        runs: [
          {
            workflowId: 'retrain:images:"><img src=x onerror=alert(2)>',
            runId: 'r',
            status: 'running',
            executionStatus: 'RUNNING',
            stage: 'training',
            startedAt: new Date(0).toISOString(),
            links: { job: 'javascript:alert(3)', model: 'https://huggingface.co/acme/m?a=1&b=<2>' },
          },
        ],
      },
    ],
  });
  const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
  expect(main).not.toContain('<script>');
  expect(main).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(main).not.toContain('<img');
  expect(main).not.toContain('href="javascript:');
  expect(main).toContain('href="https://huggingface.co/acme/m?a=1&amp;b=&lt;2&gt;"');
});
