// The root entry: the public API of API.md, re-exported from each module's index. Nothing else.
export { createDelivery, Delivery, type DeliveryOptions } from './delivery.js';
export * from './core/index.js';
export * from './store/index.js';
export * from './flags/index.js';
export * from './experiments/index.js';
export * from './stats/index.js';
export * from './shadow/index.js';
export * from './metrics/index.js';
export * from './rollout/index.js';
