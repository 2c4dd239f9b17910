/**
 * SQL identifiers (schema, table and column names) come from options, never from requests, but
 * they are still spliced into SQL text, so each one is checked once at construction and quoted.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** PostgreSQL truncates longer names silently, which would make two options name one table. */
const MAX_IDENTIFIER_LENGTH = 63;

/** Throws a `TypeError` that names the option when `value` is not a plain SQL identifier. */
export function assertIdentifier(option: string, value: string): void {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > MAX_IDENTIFIER_LENGTH) {
    throw new TypeError(
      `express-rbac-password/postgres: option ${option} must match /^[A-Za-z_][A-Za-z0-9_$]*$/ and be at most ${MAX_IDENTIFIER_LENGTH} characters, got ${JSON.stringify(value)}`,
    );
  }
}

/** Double-quotes an identifier that `assertIdentifier` accepted, so case and reserved words survive. */
export function quoteIdentifier(value: string): string {
  return `"${value}"`;
}

/** `"schema"."name"`, both parts already validated. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}
