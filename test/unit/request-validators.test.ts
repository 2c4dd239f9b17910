/**
 * The router's request validators are ajv's code generated ahead of time from the request
 * schemas (lib/http/generated/request-validators.ts): the file must be what the generator makes of
 * today's schemas, and there is one validator per schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { requestSchemas, requestValidators } from '../../lib/http/schemas.ts';
import { requestValidatorsSource } from '../../scripts/request-validators-source.ts';

describe('generated request validators', () => {
  it('are what scripts/build-request-validators.ts makes of the current schemas', () => {
    const file = readFileSync(new URL('../../lib/http/generated/request-validators.ts', import.meta.url), 'utf8');
    assert.ok(file === requestValidatorsSource(), 'lib/http/generated/request-validators.ts is stale: run npm run build:validators');
  });

  it('cover every request schema, and check a body as the schema says', () => {
    assert.deepEqual(Object.keys(requestValidators).sort(), Object.keys(requestSchemas).sort());
    const validate = requestValidators.resetPassword;
    assert.equal(validate({ token: 't', password: 'p' }), true);
    assert.equal(validate({ token: 't', password: 'p', extra: 1 }), false);
    assert.equal(validate.errors?.[0]?.keyword, 'additionalProperties');
    // maxLength counts code points, as JSON Schema says: 4096 emoji are 8192 UTF-16 units.
    assert.equal(validate({ token: 't', password: '😀'.repeat(4096) }), true);
    assert.equal(validate({ token: 't', password: '😀'.repeat(4097) }), false);
  });
});
