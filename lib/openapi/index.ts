/**
 * `express-rbac-password/openapi`: the OpenAPI 3.1 document of the router (`openApiDocument`,
 * with the defaults), the function that builds it for other settings (`createOpenApiDocument`),
 * and that function's options. `OpenApiDocument` and `JsonValue` are exported as types only, to
 * name what it returns. The same document ships as `express-rbac-password/openapi.json`; the
 * request and response schemas are in the document's `components.schemas`.
 */
export { createOpenApiDocument, openApiDocument, type JsonValue, type OpenApiDocument, type OpenApiDocumentOptions } from './document.ts';
