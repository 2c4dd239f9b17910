import { startServer } from '../server.ts';
const { port } = await startServer({ hasher: 'default', cost: 4, changers: 0 });
console.log(port);
setTimeout(() => process.exit(0), 7000);
