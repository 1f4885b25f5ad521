import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The README's first command runs this program: it must exit 0 and tell the whole tour.
describe('npm run demo', () => {
  it('runs the tour on the in-memory store and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/promoted: the canary now serves 100% of traffic/);
    expect(out).toMatch(/Succeeded\s+weight 100%/);
    expect(out).toMatch(/rolled back: .*request-success-rate/);
    expect(out).toMatch(/Failed\s+weight\s+0%/);
    expect(out).toMatch(/alice: true \(TARGET_MATCH\)/);
    expect(out).toMatch(/green vs control: .* significant/);
    expect(out).not.toMatch(/not significant/);
    expect(out).toMatch(/sample ratio check: .* no mismatch/);
    expect(out).toMatch(/\d+ mismatched/);
    expect(out).toMatch(/first mismatch: total/);
    expect(out).toMatch(/rolled back instantly: serving blue/);
    // no escape codes when stdout is not a TTY
    expect(out).not.toMatch(/\x1b\[/);
  });
});
