import { describe, expect, it } from 'vitest';
import { compareSemver, parseSemver } from '../../src/flags/semver.js';

describe('semver', () => {
  it.each([
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '1.0.0-beta'],
    ['1.0.0-beta', '1.0.0-beta.2'],
    ['1.0.0-beta.2', '1.0.0-beta.11'],
    ['1.0.0-beta.11', '1.0.0-rc.1'],
    ['1.0.0-rc.1', '1.0.0'],
    ['1.0.0', '2.0.0'],
    ['2.0.0', '2.1.0'],
    ['2.1.0', '2.1.1'],
    ['1.9.0', '1.10.0'],
    ['v1.2.3', '1.2.4'],
  ])('%s < %s (SemVer 2.0 precedence)', (a, b) => {
    const pa = parseSemver(a)!;
    const pb = parseSemver(b)!;
    expect(compareSemver(pa, pb)).toBeLessThan(0);
    expect(compareSemver(pb, pa)).toBeGreaterThan(0);
  });

  it('ignores build metadata for precedence', () => {
    expect(compareSemver(parseSemver('1.0.0+build.1')!, parseSemver('1.0.0+other')!)).toBe(0);
  });

  it.each(['1', '1.2', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', 'x.y.z', '', 'vv1.2.3', '1.2.3.4', ' 1.2.3'])('rejects %j', (s) => {
    expect(parseSemver(s)).toBeUndefined();
  });

  it('parses pre-release identifiers as numbers or strings', () => {
    expect(parseSemver('v1.2.3-beta.1+build.7')).toEqual({ major: 1, minor: 2, patch: 3, pre: ['beta', 1] });
  });
});
