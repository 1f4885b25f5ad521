export { systemClock, createManualClock, type Clock, type ManualClock } from './clock.js';
export { parseDuration, type Duration } from './duration.js';
export { DeliveryError, ValidationError, ConflictError, StoreUnavailableError, type ValidationIssue } from './errors.js';
export { bucket, crc32, BUCKETS } from './bucket.js';
export type { Logger } from './logger.js';
export type { JsonValue, JsonObject, JsonArray, JsonPrimitive } from './json.js';
export type { DeliveryContext } from './context.js';
export { seededRandom, type Random } from './random.js';
