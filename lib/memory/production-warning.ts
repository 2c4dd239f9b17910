/** Warns once per store kind when an in-memory store runs with NODE_ENV=production. */
const warned = new Set<string>();

export function warnIfProduction(storeName: string): void {
  if (process.env['NODE_ENV'] !== 'production' || warned.has(storeName)) return;
  warned.add(storeName);
  process.emitWarning(
    `${storeName} keeps everything in this process's memory: it is lost on restart and not shared between instances. Use a persistent store (e.g. express-rbac-password/postgres) in production.`,
    { type: 'ExpressRbacPasswordWarning', code: 'ERBACPW_MEMORY_STORE' },
  );
}
