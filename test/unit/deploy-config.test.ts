/** `deploy` in config.json: each target's keys, and wrong values named by their key path. */
import { parseConfig } from '../../src/config/load-config';
import { ENDPOINTS_API_URL } from '../../src/config/deploy-schema';
import { issuesOf } from '../helpers/config-issues';

const BASE = {
  name: 'shop',
  target_namespace: 'acme',
  input_dataset: 'acme/product-images',
  input_model: 'microsoft/resnet-50',
};

test('an Inference Endpoint target gets its defaults: the Endpoints API, 30 minutes to serve, 60 s per smoke input', () => {
  const [spec] = parseConfig({
    pipelines: [{ ...BASE, deploy: { type: 'endpoint', name: 'shop-images', smoke: { inputs: ['a.png'] } } }],
  });
  expect(spec!.deploy).toEqual({
    type: 'endpoint',
    name: 'shop-images',
    api_url: ENDPOINTS_API_URL,
    ready_timeout: 1800,
    smoke: { inputs: ['a.png'], timeout: 60 },
  });
});

test('a Space target and a local one parse; durations take units', () => {
  const [space, local] = parseConfig({
    pipelines: [
      {
        ...BASE,
        deploy: {
          type: 'space',
          space: 'acme/shop-demo',
          smoke_url: 'https://acme-shop-demo.hf.space/predict',
          smoke: { inputs: ['x'] },
          ready_timeout: '10m',
        },
      },
      {
        ...BASE,
        name: 'reviews',
        input_dataset: 'file:reviews',
        task: 'text-classification',
        input_model: 'tfidf',
        backend: { type: 'local', trainer: 'baseline' },
        deploy: { type: 'local' },
      },
    ],
  });
  expect(space!.deploy).toMatchObject({ type: 'space', variable: 'MODEL_REVISION', ready_timeout: 600 });
  expect(local!.deploy).toEqual({ type: 'local', ready_timeout: 1800 });
});

test('wrong deploy values name the key path and what was expected', () => {
  const issues = issuesOf({
    pipelines: [
      { ...BASE, deploy: { type: 'endpoint', name: 'Shop Images', smoke: { inputs: [] } } },
      { ...BASE, name: 'b', deploy: { type: 'kubernetes' } },
      {
        ...BASE,
        name: 'c',
        deploy: { type: 'space', space: 'acme/demo', smoke_url: 'not a url', smoke: { inputs: ['x'] }, varible: 'X' },
      },
      { ...BASE, name: 'd', deploy: { type: 'local' } },
    ],
  });
  expect(issues).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^pipelines\[0\]\.deploy\.name: expected an Inference Endpoint name/),
      'pipelines[0].deploy.smoke.inputs: expected at least one smoke input',
      expect.stringMatching(/^pipelines\[1\]\.deploy(\.type)?: expected "type": "endpoint", "space" or "local"/),
      expect.stringMatching(/^pipelines\[2\]\.deploy\.smoke_url: expected an http\(s\) URL/),
      expect.stringMatching(/^pipelines\[2\]\.deploy\.varible: unknown key; did you mean "variable"\?/),
      expect.stringMatching(/^pipelines\[3\]\.deploy\.type: "local" serves a model trained on this machine/),
    ]),
  );
});

test('a local backend deploying to the Hub needs a repo to push its model to', () => {
  const local = {
    ...BASE,
    input_dataset: 'file:x',
    task: 'text-classification',
    input_model: 'tfidf',
    backend: { type: 'local', trainer: 'baseline' },
  };
  expect(
    issuesOf({ pipelines: [{ ...local, deploy: { type: 'endpoint', name: 'x', smoke: { inputs: ['a'] } } }] }),
  ).toEqual([
    'pipelines[0].deploy.repository: "endpoint" serves a model from the Hub: set publish.repo (or deploy.repository) for a local backend',
  ]);
  expect(() =>
    parseConfig({
      pipelines: [
        { ...local, publish: { repo: 'acme/x' }, deploy: { type: 'endpoint', name: 'x', smoke: { inputs: ['a'] } } },
      ],
    }),
  ).not.toThrow();
});
