/**
 * Checks answers against the served OpenAPI document: each response's status must be documented for its
 * route and its JSON body must match the documented schema; and the routes an Express app serves can be
 * listed to compare with the document's paths.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { Express } from 'express';

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(readonly doc: OpenApiDoc) {
    this.ajv.addSchema(doc, 'openapi.json');
    this.templates = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The documented path template a concrete URL path matches. */
  templateOf(path: string): string {
    const bare = path.split('?')[0] ?? path;
    const found = this.templates.find((t) => t.pattern.test(bare));
    if (!found) throw new Error(`${bare} is not in the OpenAPI document`);
    return found.template;
  }

  /** Throws unless the status is documented for the route and the JSON body matches its schema. */
  check(method: string, path: string, answer: Answer): void {
    const template = this.templateOf(path);
    const operation = this.doc.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in the OpenAPI document`);
    const documented = operation.responses[String(answer.status)];
    if (!documented) {
      throw new Error(
        `${method.toUpperCase()} ${template} answered ${answer.status}, which is not documented: ${JSON.stringify(answer.body)}`,
      );
    }
    const contentType = String(answer.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/json')) return;
    if (!documented.content?.['application/json'])
      throw new Error(`${template} ${answer.status}: JSON is not documented`);
    const ref = `openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', String(answer.status), 'content', 'application/json', 'schema')}`;
    const validate = this.ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    if (!validate(answer.body)) {
      throw new Error(
        `${method.toUpperCase()} ${path} ${answer.status}: the body does not match the OpenAPI schema: ` +
          `${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body, null, 2)}`,
      );
    }
  }
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route an Express app serves, as `METHOD /path/{param}`. */
export function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of ([] as string[]).concat(layer.route.path)) {
          for (const method of Object.keys(layer.route.methods)) {
            out.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(out)].sort();
}

export function documentedRoutes(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}
