/**
 * Request body validation. The schemas come from `lib/openapi/request-schemas.ts`, the same
 * module the OpenAPI document is built from; they are compiled once with ajv's JSON Schema
 * 2020-12 dialect, the one OpenAPI 3.1 uses.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { requestSchemas, type RequestSchemaName } from '../openapi/request-schemas.ts';

export { requestSchemas };
export type SchemaName = RequestSchemaName;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = Object.fromEntries(Object.entries(requestSchemas).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<SchemaName, ValidateFunction>;

/** Validates a body; returns ajv's errors (without the submitted values) or null. */
export function validateBody(name: SchemaName, body: unknown): ErrorObject[] | null {
  const validate = validators[name];
  return validate(body) ? null : (validate.errors ?? []);
}
