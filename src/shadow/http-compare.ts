import { compareOutcomes, compileOptions, type JsonComparatorOptions } from './compare.js';
import type { Comparator, Diff } from './types.js';

/** An HTTP response as the mirror sees it: the primary's as sent to the client, the target's as received. */
export interface HttpOutcome {
  status: number;
  /** Response headers, names in lower case, repeated values joined with ', '. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type says JSON and it parses; otherwise the text (UTF-8); '' when empty. */
  body: unknown;
}

/** Options of {@link httpComparator}: which headers count, and the JSON options applied to paths under `body`. */
export interface HttpComparatorOptions extends JsonComparatorOptions {
  /** Response headers compared (case-insensitive). @default ['content-type'] */
  headers?: string[];
}

/**
 * The mirror's default comparator: status, the chosen headers and the body (JSON-aware). Diff paths are `status`,
 * `headers.content-type`, `body.items[0].price`; `ignorePaths` are written the same way (`body.meta.*`).
 * A failed mirror request (refused, timed out) is a diff of kind 'error'.
 * @example
 * mirrorMiddleware({ target: 'http://127.0.0.1:4001', compare: httpComparator({ ignorePaths: ['body.generatedAt'] }) });
 */
export function httpComparator(opts: HttpComparatorOptions = {}): Comparator<HttpOutcome> {
  const cfg = compileOptions(opts, 'httpComparator');
  const headers = (opts.headers ?? ['content-type']).map((h) => String(h).toLowerCase());
  const view = (o: HttpOutcome | undefined): unknown => {
    if (!o || typeof o !== 'object') return o;
    const picked: Record<string, string> = {};
    for (const h of headers) {
      const v = o.headers?.[h];
      if (v !== undefined) picked[h] = v;
    }
    return { status: o.status, headers: picked, body: o.body };
  };
  return (primary, shadow): Diff[] => {
    const p = Object.hasOwn(primary, 'error') ? primary : { ...primary, value: view(primary.value) };
    const s = Object.hasOwn(shadow, 'error') ? shadow : { ...shadow, value: view(shadow.value) };
    return compareOutcomes(p as never, s as never, cfg);
  };
}
