// The 'progressive-delivery/redis' entry point: the Redis store only (it needs the optional peer ioredis).
export { RedisStore, type RedisStoreOptions } from './redis.js';
