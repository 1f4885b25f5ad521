// The admin dashboard's framework-neutral core, used by the Express and Koa adapters (not a public entry point).
export { AdminApp } from './app.js';
export type { AdminRouterOptions, AdminCommonOptions, AdminAuthOptions } from './options.js';
export type { AdminRequest, AdminResponse, SseSource } from './types.js';
