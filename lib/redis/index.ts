/**
 * `express-rbac-password/redis`: `UserStore` and `TokenStore` on Redis (a connected node-redis
 * client; `redis` is an optional peer dependency and nothing here imports it). Every change is
 * one Lua script, so it is atomic across every connection and app instance.
 */
import type { RedisLike } from './redis-client.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisTokenStore } from './redis-token-store.ts';
import { RedisUserStore } from './redis-user-store.ts';

export { RedisKeys, RedisTokenStore, RedisUserStore, type RedisLike };
export type { NewRedisUser } from './redis-user-store.ts';

/** Both stores on one client, under `prefix` (default `rbac-password:`). */
export function createRedisStores(redis: RedisLike, prefix = 'rbac-password:'): { userStore: RedisUserStore; tokenStore: RedisTokenStore; keys: RedisKeys } {
  const keys = new RedisKeys(prefix);
  return { userStore: new RedisUserStore(redis, keys), tokenStore: new RedisTokenStore(redis, keys), keys };
}
