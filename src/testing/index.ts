// The 'progressive-delivery/testing' entry point: test utilities for vitest users (it imports vitest).
export { describeStoreContract, type StoreContractOptions } from './contract.js';
