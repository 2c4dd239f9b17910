import { describe, test } from 'node:test';
import { runConformance } from '../lib/conformance/index.ts';
import { MemoryTokenStore, MemoryUserStore } from '../lib/index.ts';

// The memory stores are the reference implementation: they must pass the published suite whole.
describe('conformance: memory stores', () => {
  runConformance(test, {
    createStores: async () => {
      const userStore = new MemoryUserStore();
      const tokenStore = new MemoryTokenStore({ sweepIntervalMs: 0 });
      return {
        userStore,
        tokenStore,
        createUser: async (input) => userStore.createUser(input),
        cleanup: () => tokenStore.close(),
      };
    },
  });
});
