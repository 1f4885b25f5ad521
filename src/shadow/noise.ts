import { coversPath, formatPath, generaliseIndices, parsePath, type Token } from './paths.js';
import type { Diff, NoiseStats } from './types.js';

interface LearnedPath {
  tokens: Token[];
  disagreements: number;
  filtered: number;
}

interface Endpoint {
  samples: number;
  paths: Map<string, LearnedPath>;
}

/**
 * Noise cancellation in the manner of Twitter's Diffy: where two calls of the primary itself disagree, a difference
 * between primary and shadow says nothing about the shadow. Paths are learned per endpoint with array indices
 * generalised (`items[*].ts`), and every primary-vs-shadow diff at or under a learned path is filtered. Bounded:
 * at most `maxEndpoints` endpoints and `maxPaths` paths each; beyond that nothing more is learned.
 */
export class NoiseModel {
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #maxEndpoints: number;
  readonly #maxPaths: number;
  #samples = 0;
  #filtered = 0;

  constructor(maxEndpoints: number, maxPaths: number) {
    this.#maxEndpoints = maxEndpoints;
    this.#maxPaths = maxPaths;
  }

  /** Records one primary-vs-secondary comparison. Diffs of kind 'error' (a failed call) teach nothing. */
  learn(endpoint: string, diffs: readonly Diff[]): void {
    let ep = this.#endpoints.get(endpoint);
    if (!ep) {
      if (this.#endpoints.size >= this.#maxEndpoints) return;
      ep = { samples: 0, paths: new Map() };
      this.#endpoints.set(endpoint, ep);
    }
    ep.samples++;
    this.#samples++;
    const seen = new Set<string>();
    for (const d of diffs) {
      if (d.kind === 'error') continue;
      const parsed = parsePath(d.path);
      if (typeof parsed === 'string') continue;
      const tokens = generaliseIndices(parsed);
      const key = formatPath(tokens);
      if (seen.has(key)) continue;
      seen.add(key);
      const known = ep.paths.get(key);
      if (known) known.disagreements++;
      else if (ep.paths.size < this.#maxPaths) ep.paths.set(key, { tokens, disagreements: 1, filtered: 0 });
    }
  }

  /** Splits diffs into those that count and those under a learned noisy path. */
  filter(endpoint: string, diffs: Diff[]): { kept: Diff[]; noise: Diff[] } {
    const ep = this.#endpoints.get(endpoint);
    if (!ep || ep.paths.size === 0 || diffs.length === 0) return { kept: diffs, noise: [] };
    const kept: Diff[] = [];
    const noise: Diff[] = [];
    for (const d of diffs) {
      const parsed = d.kind === 'error' ? undefined : parsePath(d.path);
      let hit: LearnedPath | undefined;
      if (parsed && typeof parsed !== 'string') {
        for (const p of ep.paths.values()) {
          if (coversPath(p.tokens, parsed)) {
            hit = p;
            break;
          }
        }
      }
      if (hit) {
        hit.filtered++;
        this.#filtered++;
        noise.push(d);
      } else kept.push(d);
    }
    return { kept, noise };
  }

  stats(): NoiseStats {
    return {
      samples: this.#samples,
      filtered: this.#filtered,
      endpoints: [...this.#endpoints].map(([endpoint, ep]) => ({
        endpoint,
        samples: ep.samples,
        paths: [...ep.paths.values()]
          .map((p) => ({ path: formatPath(p.tokens), disagreements: p.disagreements, filtered: p.filtered }))
          .sort((x, y) => y.disagreements - x.disagreements),
      })),
    };
  }
}
