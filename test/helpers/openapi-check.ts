/**
 * Checks the router's answers against the OpenAPI document. `openApiRecorder()` is an Express
 * middleware that the test app mounts in front of the router: it records each answer (method,
 * route, status, headers, body) and validates it against the document's response schemas with
 * ajv. Every file that builds its app with `createTestApp` fails at the end if any answer was not
 * documented, so the whole HTTP suite (on Express 5 and 4) is checked. Set `OPENAPI_CHECK=0` to
 * switch it off while debugging.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { NextFunction, Request, Response } from 'express';
import { createOpenApiDocument, type OpenApiDocument } from '../../lib/openapi/index.ts';

/** One answer of the router as the recorder saw it. */
export interface RecordedResponse {
  readonly method: string;
  /** The documented path template, e.g. `/users/{sid}/password/reset`, or the raw path when none matched. */
  readonly route: string;
  readonly documented: boolean;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly problems: readonly string[];
}

const recorded: RecordedResponse[] = [];
const enabled = process.env['OPENAPI_CHECK'] !== '0';

/** Every answer recorded so far in this process. */
export function recordedResponses(): readonly RecordedResponse[] {
  return recorded;
}

interface Operation {
  readonly responses: Record<string, { readonly headers?: Record<string, { $ref?: string; required?: boolean; schema?: object }>; readonly content?: Record<string, unknown> }>;
}

/** Compiles response schemas of one document (one per error namespace) on demand. */
class DocumentValidator {
  readonly #ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
  readonly #cache = new Map<string, ValidateFunction>();
  readonly #routes: readonly { template: string; pattern: RegExp }[];

  constructor(readonly document: OpenApiDocument) {
    // Only `paths` and `components` hold schemas; they are annotations to ajv, reached by $ref.
    this.#ajv.addKeyword({ keyword: 'paths' });
    this.#ajv.addKeyword({ keyword: 'components' });
    this.#ajv.addSchema({ $id: 'https://express-rbac-password.invalid/openapi.json', paths: document.paths, components: document.components } as object);
    this.#routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  route(path: string): string | undefined {
    return this.#routes.find((r) => r.pattern.test(path))?.template;
  }

  validator(pointer: string): ValidateFunction {
    let validate = this.#cache.get(pointer);
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: `https://express-rbac-password.invalid/openapi.json#${pointer}` });
      this.#cache.set(pointer, validate);
    }
    return validate;
  }

  /** Problems with one answer, or none. */
  check(method: string, route: string, status: number, headers: Record<string, unknown>, contentType: string | undefined, body: string): string[] {
    const operation = (this.document.paths[route] as Record<string, unknown> | undefined)?.[method.toLowerCase()] as Operation | undefined;
    if (operation === undefined) return [`${method} ${route} is not documented`];
    const response = operation.responses[String(status)];
    if (response === undefined) return [`status ${status} is not documented for ${method} ${route}`];
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = declared.$ref === undefined ? declared : (this.document.components.headers[declared.$ref.split('/').pop() ?? ''] as typeof declared);
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required === true) problems.push(`header ${name} is missing`);
        continue;
      }
      const validate = this.#ajv.compile(header.schema ?? {});
      if (!validate(String(value))) problems.push(`header ${name}: ${this.#ajv.errorsText(validate.errors)}`);
    }
    const content = response.content ?? {};
    const mediaType = contentType?.split(';')[0]?.trim();
    if (mediaType === undefined || !(mediaType in content)) {
      problems.push(`content type ${String(contentType)} is not documented for ${status} (${Object.keys(content).join(', ')})`);
      return problems;
    }
    const pointer = `/paths/${escapePointer(route)}/${method.toLowerCase()}/responses/${status}/content/${escapePointer(mediaType)}/schema`;
    let parsed: unknown = body;
    if (mediaType === 'application/json') {
      try {
        parsed = JSON.parse(body);
      } catch {
        problems.push('the body is not JSON');
        return problems;
      }
    }
    const validate = this.validator(pointer);
    if (!validate(parsed)) problems.push(`body: ${this.#ajv.errorsText(validate.errors)}`);
    return problems;
  }
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

const validators = new Map<string, DocumentValidator>();

/** The validator for the document of a given error namespace (compiled once per namespace). */
export function documentValidator(errorNamespace = 'puppetlabs.rbac/'): DocumentValidator {
  let validator = validators.get(errorNamespace);
  if (validator === undefined) {
    // With the self-service route: it is documented only when mounted, and the recorder checks it too.
    validator = new DocumentValidator(createOpenApiDocument({ errorNamespace, selfServiceReset: true }));
    validators.set(errorNamespace, validator);
  }
  return validator;
}

/**
 * Middleware to mount right before the router, at the same path. Records and checks each answer
 * once it is sent. Requests to paths the document does not list are recorded as undocumented but
 * not failed: they are the host's, not the router's.
 */
export function openApiRecorder(errorNamespace?: string) {
  return function recordForOpenApi(req: Request, res: Response, next: NextFunction): void {
    if (!enabled) {
      next();
      return;
    }
    const validator = documentValidator(errorNamespace);
    const method = req.method;
    const path = req.path;
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    (res as { write: unknown }).write = (chunk: unknown, encoding?: unknown, ...rest: unknown[]) => {
      keep(chunk, encoding);
      return write(chunk, encoding, ...rest);
    };
    (res as { end: unknown }).end = (chunk?: unknown, encoding?: unknown, ...rest: unknown[]) => {
      keep(chunk, encoding);
      return end(chunk, encoding, ...rest);
    };
    res.on('finish', () => {
      const route = validator.route(path);
      const body = Buffer.concat(chunks).toString('utf8');
      const contentType = res.get('content-type');
      const documentedRoute = route !== undefined && (validator.document.paths[route] as Record<string, unknown>)[method.toLowerCase()] !== undefined;
      const problems = documentedRoute ? validator.check(method, route, res.statusCode, res.getHeaders(), contentType, body) : [];
      recorded.push({ method, route: route ?? path, documented: documentedRoute, status: res.statusCode, contentType, body, problems });
    });
    next();
  };
}

/** Fails the test file when any recorded answer broke the document. */
function assertAllDocumented(): void {
  const failures = recorded.filter((r) => r.problems.length > 0).map((r) => `${r.method} ${r.route} -> ${r.status}: ${r.problems.join('; ')} (body ${r.body.slice(0, 200)})`);
  assert.deepEqual(failures, [], `answers that do not match the OpenAPI document:\n${failures.join('\n')}`);
}

if (enabled) after(assertAllDocumented);
