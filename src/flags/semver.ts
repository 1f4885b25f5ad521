/** A parsed SemVer 2.0 version; build metadata is dropped (it never affects precedence). */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers: numbers for numeric identifiers, strings otherwise. Empty for a release. */
  pre: (string | number)[];
}

const NUM = '0|[1-9]\\d*';
const ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const SEMVER = new RegExp(`^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${ID}(?:\\.${ID})*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`);

/**
 * Parses a SemVer 2.0 string (an optional leading `v` is accepted); undefined when it is not one.
 * @example parseSemver('v1.2.3-beta.1+build.7') // { major: 1, minor: 2, patch: 3, pre: ['beta', 1] }
 */
export function parseSemver(s: string): SemVer | undefined {
  if (s.length > 256) return undefined;
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = Number(m[3]);
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor) || !Number.isSafeInteger(patch)) return undefined;
  const pre = m[4] ? m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { major, minor, patch, pre };
}

/** SemVer 2.0 precedence: negative when a < b, 0 when equal, positive when a > b. */
export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  // a release has higher precedence than any of its pre-releases
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  const n = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < n; i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    if (x === y) continue;
    const xn = typeof x === 'number';
    const yn = typeof y === 'number';
    if (xn && yn) return x < y ? -1 : 1;
    if (xn) return -1; // numeric identifiers sort below alphanumeric ones
    if (yn) return 1;
    return x < y ? -1 : 1; // ASCII order
  }
  return a.pre.length - b.pre.length;
}
