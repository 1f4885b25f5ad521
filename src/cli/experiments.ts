// `progressive-delivery experiments ...`: definitions and the statistics of their results, read from the store.
import { Command } from 'commander';
import { keys } from '../experiments/recorder.js';
import { computeResults } from '../experiments/results.js';
import type { ExperimentDefinition, ExperimentResults, ResultsOptions } from '../experiments/types.js';
import { run } from './command.js';
import { UsageError } from './errors.js';
import type { Output } from './output.js';
import { getOne, loadState } from './repo.js';
import type { Session } from './session.js';

const units = (counters: Record<string, number>, variant: string): number => counters[`units:${variant}`] ?? 0;

async function list(s: Session): Promise<void> {
  const store = await s.store();
  const state = await loadState(store, ['experiment']);
  const exps = [...state.experiments.values()].sort((a, b) => (a.def.key < b.def.key ? -1 : 1));
  const counters = await Promise.all(exps.map((e) => store.counters(keys.counters(e.def.key))));
  const rows = exps.map((e, i) => {
    const d = e.def;
    const byVariant = Object.fromEntries(d.variants.map((v) => [v.key, units(counters[i]!, v.key)]));
    return { key: d.key, version: e.version, status: d.status ?? 'running', units: byVariant, definition: d };
  });
  s.out.result(rows, () =>
    rows.length === 0
      ? 'no experiments'
      : s.out.table(
          [{ header: 'KEY' }, { header: 'STATUS' }, { header: 'VARIANTS' }, { header: 'TRAFFIC', align: 'right' }, { header: 'LAYER' }, { header: 'METRICS' }, { header: 'UNITS' }],
          rows.map((r) => {
            const d = r.definition;
            const total = d.variants.reduce((t, v) => t + v.weight, 0) || 1;
            return [
              r.key,
              r.status === 'running' ? s.out.c.green(r.status) : r.status === 'stopped' ? s.out.c.dim(`stopped${d.winner ? ` (winner ${d.winner})` : ''}`) : r.status,
              d.variants.map((v) => `${v.key} ${fmt((v.weight / total) * 100, 1)}%`).join(' · '),
              `${d.trafficAllocation ?? 100}%`,
              d.layer ?? '',
              (d.metrics ?? []).map((m) => m.key).join(', '),
              d.variants.map((v) => `${v.key}=${r.units[v.key]}`).join(' '),
            ];
          }),
        ),
  );
}

const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number, digits: number, unit = ''): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${unit}` : 'n/a');
const percent = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const pValue = (p: number): string => (!Number.isFinite(p) ? 'n/a' : p < 0.0001 ? '<0.0001' : p.toFixed(4));

/** The human results view: a units table, then per metric a table of variants against the control, then SRM. */
export function renderResults(out: Output, def: ExperimentDefinition, r: ExperimentResults, opts: ResultsOptions): string {
  const { c } = out;
  const alpha = opts.alpha ?? 0.05;
  const lines: string[] = [];
  const head = `experiment ${c.bold(r.experiment)}  control ${r.control}  alpha ${alpha}  correction ${opts.correction ?? 'holm'}${opts.sequential ? '  sequential (always-valid)' : ''}`;
  lines.push(head, '');
  if (r.srm.mismatch) {
    lines.push(c.red(`WARNING: sample ratio mismatch (chi-square ${fmt(r.srm.chiSquare, 2)}, p = ${pValue(r.srm.pValue)} < 0.001): units do not split as the weights say; do not trust these results until the cause is found`), '');
  }
  const metrics = def.metrics ?? [];
  if (metrics.length === 0) {
    lines.push(out.table([{ header: 'VARIANT' }, { header: 'UNITS', align: 'right' }], r.variants.map((v) => [v.key, String(v.units)])));
  }
  for (const m of metrics) {
    const binomial = m.type === 'binomial';
    lines.push(`${c.bold(m.key)} (${m.type})`);
    const rows = r.variants.map((v) => {
      const mv = v.metrics[m.key] ?? {};
      const cmp = r.comparisons.find((x) => x.variant === v.key && x.metric === m.key);
      const value = binomial ? [String(mv.conversions ?? 0), percent(mv.rate)] : [fmt(mv.mean ?? NaN, 4), fmt(Math.sqrt(mv.variance ?? NaN), 4)];
      if (!cmp) return [v.key, String(v.units), ...value, c.dim('control'), '', '', '', ''];
      const ci = binomial ? `[${signed(cmp.ci[0] * 100, 2)}, ${signed(cmp.ci[1] * 100, 2)}] pp` : `[${signed(cmp.ci[0], 4)}, ${signed(cmp.ci[1], 4)}]`;
      const sig = cmp.significant ? (cmp.difference >= 0 ? c.green('yes ▲') : c.red('yes ▼')) : 'no';
      return [v.key, String(v.units), ...value, signed(cmp.relativeLift * 100, 2, '%'), ci, pValue(cmp.pValue), pValue(cmp.adjustedPValue), sig];
    });
    lines.push(
      out.table(
        [
          { header: 'VARIANT' },
          { header: 'UNITS', align: 'right' },
          { header: binomial ? 'CONVERSIONS' : 'MEAN', align: 'right' },
          { header: binomial ? 'RATE' : 'SD', align: 'right' },
          { header: 'LIFT', align: 'right' },
          { header: `${Math.round((1 - alpha) * 100)}% CI (difference)` },
          { header: 'P-VALUE', align: 'right' },
          { header: 'ADJ. P', align: 'right' },
          { header: 'SIGNIFICANT' },
        ],
        rows,
      ),
      '',
    );
  }
  lines.push(`sample ratio: chi-square ${fmt(r.srm.chiSquare, 3)}, p = ${pValue(r.srm.pValue)} ${r.srm.mismatch ? c.red('MISMATCH') : c.green('ok')}`);
  return lines.join('\n');
}

interface ResultsCliOptions {
  alpha?: string;
  correction?: string;
  sequential?: boolean;
}

async function results(s: Session, key: string, o: ResultsCliOptions): Promise<void> {
  const opts: ResultsOptions = {};
  if (o.alpha !== undefined) {
    const a = Number(o.alpha);
    if (!(a > 0 && a < 1)) throw new UsageError(`--alpha must be a number strictly between 0 and 1, got '${o.alpha}'`);
    opts.alpha = a;
  }
  if (o.correction !== undefined) {
    if (!['holm', 'bonferroni', 'none'].includes(o.correction)) throw new UsageError(`--correction must be holm, bonferroni or none, got '${o.correction}'`);
    opts.correction = o.correction as ResultsOptions['correction'];
  }
  if (o.sequential) opts.sequential = true;
  const store = await s.store();
  const { def } = await getOne<ExperimentDefinition>(store, 'experiment', key);
  const r = computeResults(def, await store.counters(keys.counters(key)), opts);
  s.out.result(r, () => renderResults(s.out, def, r, opts));
}

/** The `experiments` command group. */
export function experimentsCommand(): Command {
  const exps = new Command('experiments').description('A/B experiments: definitions and results');
  exps.command('list').description('list every experiment: status, variants and weights, traffic, layer, metrics, exposed units').action(run(async (s) => list(s)));
  exps
    .command('get')
    .argument('<key>', 'the experiment key')
    .description('print one experiment definition as JSON ({ key, version, definition })')
    .action(
      run(async (s, [key]) => {
        const e = await getOne<ExperimentDefinition>(await s.store(), 'experiment', key!);
        s.out.data({ key, version: e.version, definition: e.def });
      }),
    );
  exps
    .command('results')
    .argument('<key>', 'the experiment key')
    .option('--alpha <a>', 'significance level', '0.05')
    .option('--correction <c>', 'multiple-comparison correction: holm, bonferroni or none', 'holm')
    .option('--sequential', 'always-valid p-values and confidence sequences (safe to peek)')
    .description('results: units, rates or means, lift, confidence interval, p-value, significance and the sample-ratio check')
    .action(run<ResultsCliOptions>(async (s, [key], o) => results(s, key!, o)));
  return exps;
}
