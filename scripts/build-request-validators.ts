/**
 * Regenerates `lib/http/generated/request-validators.ts` from the request body schemas. Run it
 * after changing `lib/openapi/request-schemas.ts`: `npm run build:validators`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requestValidatorsSource } from './request-validators-source.ts';

const target = fileURLToPath(new URL('../lib/http/generated/request-validators.ts', import.meta.url));
writeFileSync(target, requestValidatorsSource());
console.log(`wrote ${target}`);
