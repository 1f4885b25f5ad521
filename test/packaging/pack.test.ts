/**
 * The package as users get it: build (tsup) in a private copy of the sources, `npm pack`, install the tarball into a
 * fresh project, then import every entry point of package.json's `exports` from ESM and from CJS, lint with publint
 * and attw, check that the root loads no optional peer, and that error classes keep one identity per format.
 * Generic over the exports map, so entry points added later are covered without editing this file.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping } from '../helpers/redis.js';

const root = resolve('.');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
const specifier = (sub: string) => (sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`);
/** Optional peers (and vitest, for /testing) that importing the root must not load. */
const HEAVY = ['ioredis', 'express', 'koa', '@openfeature/server-sdk', 'vitest'];

const work = mkdtempSync(join(tmpdir(), 'pd-pack-'));
const buildDir = join(work, 'build');
const project = join(work, 'project');
let tarball = '';
let installedWith = '';

const run = (cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000, ...opts }) as string;
const node = (file: string, cwd = project) => run(process.execPath, [file], { cwd });

beforeAll(() => {
  // a private copy, so a build here never races another build of the shared tree
  mkdirSync(buildDir);
  for (const f of ['package.json', 'tsconfig.json', 'tsup.config.ts', 'src', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(buildDir, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
  run('npm', ['run', 'build'], { cwd: buildDir });
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: buildDir })) as { filename: string }[];
  tarball = join(work, packed[0]!.filename);

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }));
  try {
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline', '--no-save', '--ignore-scripts'], { cwd: project });
    installedWith = 'npm install --offline';
  } catch {
    // no network and an incomplete cache: unpack the tarball by hand; dependencies come from the repo's node_modules
    const dest = join(project, 'node_modules', pkg.name);
    mkdirSync(dest, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);
    installedWith = 'tar (offline install unavailable)';
  }
  // the optional peers (and dependencies npm could not fetch offline) come from the repo, as a user's app would have them
  const deps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});
  for (const name of [...HEAVY, ...deps, '@openfeature/core']) {
    const target = join(project, 'node_modules', name);
    if (existsSync(target) || !existsSync(join(root, 'node_modules', name))) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), target, 'dir');
  }
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('contains the built entry points and no sources or tests', () => {
    const files = run('tar', ['-tzf', tarball]).split('\n').filter(Boolean);
    expect(files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);
    for (const sub of subpaths) {
      const name = sub === '.' ? 'index' : sub.slice(2);
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(files, `${name}${ext}`).toContain(`package/dist/${name}${ext}`);
    }
    expect(installedWith).not.toBe('');
  });

  it.each(subpaths)('%s imports from ESM and requires from CJS, with the same export names', (sub) => {
    const spec = specifier(sub);
    writeFileSync(join(project, 'esm.mjs'), `const m = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).sort()));`);
    writeFileSync(join(project, 'cjs.cjs'), `const m = require(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule').sort()));`);
    const esm = JSON.parse(node('esm.mjs')) as string[];
    expect(esm.length).toBeGreaterThan(0);
    if (sub === './testing') {
      // vitest itself cannot be require()d ("Vitest cannot be imported in a CommonJS module"): the CJS build of
      // /testing loads and fails only at vitest, exactly as a CJS test file importing vitest would
      let message = '';
      try {
        node('cjs.cjs');
      } catch (err) {
        message = String((err as { stderr?: string }).stderr);
      }
      if (message) {
        expect(message).toMatch(/Vitest cannot be imported in a CommonJS module/);
        expect(message).toContain('dist/testing.cjs');
      }
      return;
    }
    const cjs = JSON.parse(node('cjs.cjs')) as string[];
    expect(cjs).toEqual(esm);
  });

  it('the installed bin runs: `progressive-delivery --help` exits 0 and prints the usage', () => {
    const bin = join(project, 'node_modules', '.bin', 'progressive-delivery');
    if (installedWith.startsWith('tar')) {
      // unpacked by hand: link and mark the bin as npm install does, from package.json's `bin`
      const target = join(project, 'node_modules', pkg.name, (pkg.bin ?? {})['progressive-delivery'] ?? 'missing');
      mkdirSync(dirname(bin), { recursive: true });
      chmodSync(target, 0o755);
      symlinkSync(target, bin);
    }
    // run as a shell runs it (shebang and mode), not through `node FILE`
    const out = run(bin, ['--help'], { cwd: project });
    expect(out).toMatch(/^Usage: progressive-delivery \[options\] \[command\]$/m);
    for (const group of ['flags', 'segments', 'experiments', 'rollouts', 'watch']) expect(out).toMatch(new RegExp(`^\\s+${group}\\b`, 'm'));
  });

  it('the root exports what API.md promises from it', () => {
    writeFileSync(join(project, 'names.mjs'), `const m = await import(${JSON.stringify(pkg.name)}); console.log(JSON.stringify(Object.keys(m)));`);
    const names = JSON.parse(node('names.mjs')) as string[];
    for (const n of ['createDelivery', 'MemoryStore', 'FileStore', 'DeliveryError', 'ValidationError', 'ConflictError', 'StoreUnavailableError', 'bucket', 'createManualClock']) {
      expect(names).toContain(n);
    }
  });

  it('importing the root loads none of ioredis, express, koa, OpenFeature, vitest (CJS: require.cache)', () => {
    writeFileSync(
      join(project, 'cache.cjs'),
      `require(${JSON.stringify(pkg.name)}); console.log(JSON.stringify(Object.keys(require.cache)));`,
    );
    const loaded = JSON.parse(node('cache.cjs')) as string[];
    expect(loaded.some((f) => f.includes(`${pkg.name}`))).toBe(true);
    for (const heavy of HEAVY) expect(loaded.filter((f) => f.includes(`/node_modules/${heavy}/`)), heavy).toEqual([]);
  });

  it('importing the root loads none of them either (ESM: a resolve hook records every module)', () => {
    writeFileSync(
      join(project, 'hooks.mjs'),
      `let port; export function initialize(data) { port = data.port; }
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); port.postMessage(r.url); return r; }`,
    );
    writeFileSync(
      join(project, 'trace.mjs'),
      `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const urls = [];
port1.on('message', (u) => urls.push(u));
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
await import(${JSON.stringify(pkg.name)});
await import('node:path'); // a marker: once it is recorded, every earlier resolution was too
while (!urls.includes('node:path')) await new Promise((r) => setTimeout(r, 5));
port1.close();
console.log(JSON.stringify(urls));`,
    );
    const urls = JSON.parse(node('trace.mjs')) as string[];
    expect(urls.some((u) => u.includes(`/node_modules/${pkg.name}/dist/index.js`))).toBe(true);
    for (const heavy of HEAVY) expect(urls.filter((u) => u.includes(`/node_modules/${heavy}/`) || u === heavy), heavy).toEqual([]);
  });

  it('error classes keep one identity across entry points of a format (CJS and ESM)', async () => {
    const redisUp = await ping(6379);
    const body = (load: (s: string) => string) => `
const root = ${load(pkg.name)};
const redis = ${load(`${pkg.name}/redis`)};
const out = {};
try { new redis.RedisStore({ commandTimeoutMs: -1 }); } catch (e) { out.validation = e instanceof root.ValidationError && e instanceof root.DeliveryError; }
if (${redisUp}) {
  const store = new redis.RedisStore({ url: 'redis://127.0.0.1:6379', prefix: 'pd-pack-' + process.pid + ':' });
  try { await store.put('never-written', 1, { expectedVersion: 5 }); } catch (e) { out.conflict = e instanceof root.ConflictError && e instanceof root.DeliveryError; }
  await store.close();
}
console.log(JSON.stringify(out));`;
    writeFileSync(join(project, 'identity.mjs'), body((s) => `await import(${JSON.stringify(s)})`));
    writeFileSync(join(project, 'identity.cjs'), `(async () => {${body((s) => `require(${JSON.stringify(s)})`)}})();`);
    const expected = redisUp ? { validation: true, conflict: true } : { validation: true };
    expect(JSON.parse(node('identity.mjs'))).toEqual(expected);
    expect(JSON.parse(node('identity.cjs'))).toEqual(expected);
  });

  it('publint reports no problem on the tarball', () => {
    const out = run(join(root, 'node_modules/.bin/publint'), ['run', tarball, '--level', 'suggestion'], { cwd: work });
    expect(out).toMatch(/All good!/);
  });

  it('are-the-types-wrong reports no problem (node16 profile: Node >= 20, so node10 resolution is out of scope)', () => {
    let out: string;
    try {
      out = run(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'node16', '--format', 'json'], { cwd: work });
    } catch (err) {
      out = (err as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(out) as { problems?: Record<string, { entrypoint: string; resolutionKind?: string }[]> };
    const problems = Object.values(report.problems ?? {})
      .flat()
      .filter((p) => p.resolutionKind !== 'node10');
    expect(problems).toEqual([]);
  });

  it('leaves no build output in the repository (dist/ is git-ignored)', () => {
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toMatch(/^dist\/?$/m);
    expect(readdirSync(work)).toContain('project');
  });
});
