/**
 * Request body validation. The schemas come from `lib/openapi/request-schemas.ts`, the same
 * module the OpenAPI document is built from. Their validators are ajv's code for them (JSON Schema
 * 2020-12, the dialect OpenAPI 3.1 uses), generated ahead of time into
 * `generated/request-validators.ts` so that loading the library compiles nothing.
 */
import type { ValidateFunction } from 'ajv';
import { requestSchemas, type RequestSchemaName } from '../openapi/request-schemas.ts';
import * as generated from './generated/request-validators.ts';

export { requestSchemas };
export type SchemaName = RequestSchemaName;

/** The compiled validator of each request body. */
export const requestValidators: Record<SchemaName, ValidateFunction> = { ...generated };
