/**
 * `express-rbac-password/openapi`: the OpenAPI 3.1 document of the router, and the request
 * schemas the router enforces. The same document ships as `express-rbac-password/openapi.json`.
 */
export {
  createOpenApiDocument,
  errorComponentName,
  openApiDocument,
  OPENAPI_DOCUMENT_VERSION,
  type JsonValue,
  type OpenApiDocument,
  type OpenApiDocumentOptions,
} from './document.ts';
export { requestSchemas, MAX_FIELD_LENGTH, type RequestSchemaName } from './request-schemas.ts';
export { errorKindSchema, errorSchema, messageSchema, passwordValidationSchema, policyFailureSchema, resetTokenSchema } from './response-schemas.ts';
