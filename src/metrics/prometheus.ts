// The Prometheus text exposition format 0.0.4: families merged by name, HELP and TYPE once each, label values
// escaped, samples with invalid names dropped (one bad collector must not make the whole scrape unparseable).
import type { MetricFamily, MetricSample } from '../core/telemetry.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A sample value as Prometheus parses it: NaN, +Inf, -Inf or a Go-parseable float. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export interface RenderProblem {
  family: string;
  message: string;
}

interface Merged {
  name: string;
  help: string;
  type: MetricFamily['type'];
  lines: string[];
  seen: Set<string>;
}

function labelText(labels: Record<string, string>, problems: RenderProblem[], family: string): string | undefined {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) {
      problems.push({ family, message: `label name ${JSON.stringify(k)} is not valid in Prometheus ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)` });
      return undefined;
    }
    parts.push(`${k}="${escapeLabelValue(String(v))}"`);
  }
  return parts.length ? `{${parts.join(',')}}` : '';
}

function sampleLine(f: Merged, s: MetricSample, problems: RenderProblem[]): void {
  const name = f.name + (s.suffix ?? '');
  if (!METRIC_NAME.test(name)) {
    problems.push({ family: f.name, message: `sample name ${JSON.stringify(name)} is not a valid metric name` });
    return;
  }
  if (typeof s.value !== 'number') {
    problems.push({ family: f.name, message: `sample value of ${name} is a ${typeof s.value}, not a number` });
    return;
  }
  const labels = labelText(s.labels ?? {}, problems, f.name);
  if (labels === undefined) return;
  const id = name + labels;
  if (f.seen.has(id)) return; // duplicate series: the first one wins
  f.seen.add(id);
  f.lines.push(`${id} ${formatValue(s.value)}`);
}

/** A family whose sample lines are already rendered (and unique), for the module's own large families. */
export interface RenderedFamily {
  name: string;
  help: string;
  type: MetricFamily['type'];
  lines: string[];
}

/** `k="v",...` for labels known to be valid (the module's own), values escaped. */
export function labelPairs(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
}

/**
 * Renders families in the text format 0.0.4. Families with one name are merged (HELP and TYPE of the first);
 * a family whose type conflicts with an earlier one of that name, and samples with invalid metric or label
 * names, are left out and listed in `problems`.
 */
export function renderExposition(families: Iterable<MetricFamily | RenderedFamily>, problems: RenderProblem[] = []): string {
  const merged = new Map<string, Merged>();
  for (const fam of families) {
    if (typeof fam?.name !== 'string' || !METRIC_NAME.test(fam.name)) {
      problems.push({ family: String(fam?.name), message: 'family name is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)' });
      continue;
    }
    let f = merged.get(fam.name);
    if (!f) {
      const type = fam.type === 'counter' || fam.type === 'gauge' || fam.type === 'histogram' ? fam.type : 'gauge';
      f = { name: fam.name, help: typeof fam.help === 'string' && fam.help ? fam.help : fam.name, type, lines: [], seen: new Set() };
      merged.set(fam.name, f);
    } else if (f.type !== fam.type) {
      problems.push({ family: fam.name, message: `registered as ${f.type} and as ${fam.type}; the ${fam.type} samples are left out` });
      continue;
    }
    if ('lines' in fam && Array.isArray(fam.lines)) {
      // pre-rendered: unique by construction, so the duplicate check is skipped
      for (const l of fam.lines) f.lines.push(l);
      continue;
    }
    const samples = (fam as MetricFamily).samples;
    for (const s of Array.isArray(samples) ? samples : []) sampleLine(f, s, problems);
  }
  let out = '';
  for (const f of merged.values()) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const l of f.lines) out += `${l}\n`;
  }
  return out;
}
