export type { Store, StoreChange, Versioned, PutOptions } from './types.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
