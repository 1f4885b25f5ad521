export type { Store, StoreChange, Versioned, PutOptions } from './types.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { FileStore, type FileStoreOptions, type FileStoreEvents } from './file.js';
export { validateDocument, documentEntries, type DeliveryDocument } from './document.js';
