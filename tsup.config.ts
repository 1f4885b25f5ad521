import { defineConfig } from 'tsup';

// One build with every entry point and code splitting on, for ESM and CJS alike: shared modules
// (errors above all) land in shared chunks, so a class has one identity across entry points of a format.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      redis: 'src/store/redis-entry.ts',
      express: 'src/integrations/express/index.ts',
      koa: 'src/integrations/koa/index.ts',
      openfeature: 'src/integrations/openfeature/index.ts',
      testing: 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    // rollup, not sucrase, turns the split ESM into CJS: sucrase's imports transform also rewrites every ?. and ??
    // into helper calls (_optionalChain), measurably slower on hot paths
    treeshake: true,
    sourcemap: false,
    clean: ['!cli.cjs'], // everything but the bin, which the second build writes
    target: 'node20',
    platform: 'node',
    external: ['ioredis', 'express', 'koa', '@openfeature/server-sdk', 'vitest'],
  },
  // The `progressive-delivery` bin (package.json "bin"): one CommonJS file with commander bundled in (commander is
  // CommonJS, which an ESM bundle cannot require); ioredis stays external and is loaded only for --redis. Its
  // shebang is the first line of src/cli/main.ts.
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    dts: false,
    splitting: false,
    sourcemap: false,
    clean: false,
    target: 'node20',
    platform: 'node',
    external: ['ioredis'],
  },
]);
