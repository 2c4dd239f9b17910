/**
 * The Redis stores used to live here as an example; they are now the supported subpath
 * `express-rbac-password/redis` (lib/redis). Kept so code importing this example still works.
 */
export { createRedisStores, RedisKeys, RedisTokenStore, RedisUserStore, type NewRedisUser, type RedisLike } from 'express-rbac-password/redis';
