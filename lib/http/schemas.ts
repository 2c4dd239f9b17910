/**
 * Request body validation. The schemas come from `lib/openapi/request-schemas.ts`, the same
 * module the OpenAPI document is built from; they are compiled once with ajv's JSON Schema
 * 2020-12 dialect, the one OpenAPI 3.1 uses.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { requestSchemas, type RequestSchemaName } from '../openapi/request-schemas.ts';

export { requestSchemas };
export type SchemaName = RequestSchemaName;

const ajv = new Ajv2020({ allErrors: true, strict: true });
/** The compiled validator of each request body. */
export const requestValidators = Object.fromEntries(Object.entries(requestSchemas).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<SchemaName, ValidateFunction>;
