// Preload for `npm run test:express4`: registers the resolve hook before any test file loads.
import { register } from 'node:module';
register('./express4-hooks.mjs', import.meta.url);
