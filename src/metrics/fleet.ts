// The fleet view: each instance writes one document per (target, version, slot) under
// `metrics/<target>/<version>/<slot start>/<instanceId>`, with a TTL of the retention. Rewriting a slot's
// document replaces it (it always holds the whole slot), so a slot flushed twice is never counted twice.
import { NS } from '../core/context.js';
import type { JsonObject } from '../core/json.js';
import { BUCKET_COUNT, LAYOUT } from './log-linear.js';
import { forEachPacked, type Series } from './series.js';

/** One instance's slot, as read back from the store. */
export interface SlotDoc {
  instance: string;
  /** Slot start and width in ms. */
  start: number;
  width: number;
  requests: number;
  errors: number;
  classes: number[];
  sumMs: number;
  idx: number[];
  cnt: number[];
}

/** `metrics/<target>/<version>/`: every slot of every instance for one series. */
export function seriesPrefix(target: string, version: string): string {
  return `${NS.metrics}${encodeURIComponent(target)}/${encodeURIComponent(version)}/`;
}

/** Zero-padded so that keys sort by time. */
export function slotKey(prefix: string, start: number, instance: string): string {
  return `${prefix}${String(start).padStart(16, '0')}/${instance}`;
}

/** The document of ring position `p` of `series`. */
export function encodeSlot(series: Series, p: number, width: number, instance: string): JsonObject {
  const i: number[] = [];
  const c: number[] = [];
  forEachPacked(series.histogramOf(p), (bucket, n) => {
    if (i[i.length - 1] === bucket) c[c.length - 1]! += n;
    else {
      i.push(bucket);
      c.push(n);
    }
  });
  return {
    layout: LAYOUT,
    instance,
    start: series.index[p]! * width,
    width,
    requests: series.requests[p]!,
    errors: series.errors[p]!,
    classes: Array.from(series.classes.subarray(p * 5, p * 5 + 5)),
    sumMs: series.sumMs[p]!,
    i,
    c,
  };
}

const count = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** Reads a stored slot document; undefined when it is not one this layout can merge (skipped, never thrown). */
export function decodeSlot(value: unknown): SlotDoc | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const { instance, start, width, requests, errors, classes, sumMs, i, c } = v;
  if (v.layout !== LAYOUT || typeof instance !== 'string' || !Number.isFinite(start) || !(typeof width === 'number' && width > 0)) return undefined;
  if (!count(requests) || !count(errors) || !count(sumMs) || errors > requests) return undefined;
  if (!Array.isArray(classes) || classes.length !== 5 || !classes.every(count)) return undefined;
  if (!Array.isArray(i) || !Array.isArray(c) || i.length !== c.length || i.length > BUCKET_COUNT) return undefined;
  for (let k = 0; k < i.length; k++) {
    const x = i[k];
    if (!Number.isInteger(x) || x < 0 || x >= BUCKET_COUNT || !count(c[k])) return undefined;
  }
  return { instance, start: start as number, width, requests, errors, classes: classes as number[], sumMs, idx: i as number[], cnt: c as number[] };
}
