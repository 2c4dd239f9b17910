/** Conformance cases for the optional reset-link slot pair (`claimResetLinkSlot`, `releaseResetLinkSlot`): the shared self-service cooldown. */
import assert from 'node:assert/strict';
import type { ResetLinkSlotInput, TokenStore } from '../types.ts';
import type { CaseContext } from './case-context.ts';
import type { CaseDefinition } from './case-definition.ts';

const COOLDOWN_MS = 60_000;

/** The pair's members, bound (the case runs only when the store has them). */
function slots(tokens: TokenStore) {
  const claim = tokens.claimResetLinkSlot?.bind(tokens) ?? assert.fail('the store has no TokenStore.claimResetLinkSlot');
  const release = tokens.releaseResetLinkSlot?.bind(tokens) ?? assert.fail('the store has no TokenStore.releaseResetLinkSlot');
  return { claim, release };
}

const input = (now: Date, cooldownMs = COOLDOWN_MS): ResetLinkSlotInput => ({ cooldownMs, now });
/** A clock far from the store's own, so a store that judges by its clock (or a TTL) fails. */
const farFuture = (ctx: CaseContext, ms = 0) => ctx.at(20 * 365 * 86_400_000 + ms);

export const resetLinkCases: readonly CaseDefinition[] = [
  {
    id: 'token.reset-link-slot',
    title: 'claimResetLinkSlot grants one slot per user per cooldown, judged by the now argument',
    requires: 'claimResetLinkSlot',
    async run(ctx) {
      const { claim } = slots(ctx.tokens);
      const [user, other] = [ctx.missingId(), ctx.missingId()];
      for (const start of [ctx.now, farFuture(ctx)]) {
        const at = (ms: number) => new Date(start.getTime() + ms);
        assert.equal(await claim(user, input(at(0))), true, 'the first claim was refused');
        assert.equal(await claim(user, input(at(0))), false, 'a second claim at the same time was granted');
        assert.equal(await claim(user, input(at(COOLDOWN_MS - 1))), false, 'a claim 1 ms before the window ends was granted');
        assert.equal(await claim(other, input(at(1))), true, "another user's claim was refused");
        assert.equal(await claim(user, input(at(COOLDOWN_MS))), true, 'a claim at exactly the end of the window was refused');
        assert.equal(await claim(other, input(at(COOLDOWN_MS + 1))), true);
      }
      const zero = ctx.missingId();
      assert.equal(await claim(zero, input(ctx.now, 0)), true);
      assert.equal(await claim(zero, input(ctx.now, 0)), true, 'a cooldown of 0 keeps no claim out');
    },
  },
  {
    id: 'token.reset-link-slot-release',
    title: 'releaseResetLinkSlot frees the claim made at claimedAt, and never a later one',
    requires: 'claimResetLinkSlot',
    async run(ctx) {
      const { claim, release } = slots(ctx.tokens);
      const user = ctx.missingId();
      assert.equal(await claim(user, input(ctx.now)), true);
      await release(user, ctx.now);
      assert.equal(await claim(user, input(ctx.at(1))), true, 'the released slot stayed claimed');
      await release(user, ctx.now);
      assert.equal(await claim(user, input(ctx.at(2))), false, 'releasing an earlier claim freed the later one');
      await release(ctx.missingId(), ctx.now);
    },
  },
  {
    id: 'token.reset-link-slot-concurrent',
    title: 'N concurrent claims for one user: exactly one is granted',
    requires: 'claimResetLinkSlot',
    concurrent: true,
    async run(ctx, settings) {
      const user = ctx.missingId();
      const count = Math.max(2, settings.concurrentAttempts);
      const granted = await ctx.spread(count, (pair) => slots(pair.tokens).claim(user, input(ctx.now)));
      assert.equal(granted.filter((won) => won === true).length, 1, `${granted.filter(Boolean).length} of ${count} concurrent claims were granted`);
    },
  },
];
