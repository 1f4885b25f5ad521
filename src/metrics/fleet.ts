// The fleet view: each instance writes one document per (target, version, slot) under
// `metrics/<target>/<version>/<slot start>/<instanceId>`, with a TTL of the retention. Rewriting a slot's
// document replaces it (it always holds the whole slot), so a slot flushed twice is never counted twice.
import { NS } from '../core/context.js';
import type { JsonObject } from '../core/json.js';
import { BUCKET_COUNT, LAYOUT } from './log-linear.js';
import type { Slot } from './series.js';

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

export function encodeSlot(slot: Slot, width: number, instance: string, hist: [ArrayLike<number>, ArrayLike<number>]): JsonObject {
  return {
    layout: LAYOUT,
    instance,
    start: slot.index * width,
    width,
    requests: slot.requests,
    errors: slot.errors,
    classes: Array.from(slot.classes),
    sumMs: slot.sumMs,
    i: Array.from(hist[0]),
    c: Array.from(hist[1]),
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
