/**
 * Login-helper timing: does `verifyLogin` take as long for an unknown login as for a known one?
 * Run: npx tsx bench/login-timing.ts [--cost 12] [--rounds 5] [--per-round 10]
 * Prints per-round medians and the ratio of medians; a ratio within 0.9-1.1 meets the goal.
 */
import { parseArgs } from 'node:util';
import { MemoryTokenStore, MemoryUserStore, createPasswordService } from '../lib/index.ts';

const { values } = parseArgs({ options: { cost: { type: 'string', default: '12' }, rounds: { type: 'string', default: '5' }, 'per-round': { type: 'string', default: '10' } } });
const cost = Number(values.cost);
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);

const users = new MemoryUserStore();
const service = createPasswordService({
  userStore: users,
  tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
  authorizer: { authenticate: () => null, canResetPassword: () => false },
  tokenKey: 'bench-secret-bench-secret-bench-secret',
  bcryptCost: cost,
  // Counting stays on, but high enough that the known account never locks during the run.
  failedAttemptsLockout: 1000,
});
users.createUser({ login: 'alice', passwordHash: await service.hashPassword('Correct-Horse-42-Battery') });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function time(login: string, password: string): Promise<number> {
  const start = process.hrtime.bigint();
  await service.verifyLogin(login, password);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm up: the dummy hash for unknown logins is made on first use, and workers start lazily.
await time('nobody', 'x');
await time('alice', 'wrong');

const cases = {
  'unknown login': ['nobody', 'Wrong-Password-1!'],
  'known login, wrong password': ['alice', 'Wrong-Password-1!'],
  'known login, right password': ['alice', 'Correct-Horse-42-Battery'],
} as const;
const roundMedians: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, [login, password]] of Object.entries(cases)) {
    const samples: number[] = [];
    // Interleaved rounds, so drift in machine load hits every case alike.
    for (let i = 0; i < perRound; i++) samples.push(await time(login, password));
    roundMedians[name] = [...(roundMedians[name] ?? []), median(samples)];
  }
}
await service.close();
const unknown = median(roundMedians['unknown login'] ?? []);
console.log(`verifyLogin at bcrypt cost ${cost}, ${rounds} rounds x ${perRound} calls, Node ${process.version}`);
console.log('| case | median of round medians (ms) | ratio to unknown login |');
console.log('|---|---|---|');
for (const name of Object.keys(cases)) {
  const m = median(roundMedians[name] ?? []);
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / unknown).toFixed(3)} |`);
}
