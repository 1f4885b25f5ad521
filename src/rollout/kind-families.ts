// Prometheus families for the rollout kinds whose position is not a weight: which side of a blue-green serves, and
// which ring of a ring deployment is the outermost open one. Canary and guarded flag weights go to
// progressive_delivery_canary_weight, and every kind's phase to progressive_delivery_canary_phase (rollouts.ts).
import type { MetricFamily } from '../core/telemetry.js';
import type { RolloutStatus } from './types.js';

/** The families for blue-green and ring rollouts among `statuses` (empty families are still declared). */
export function kindFamilies(statuses: readonly RolloutStatus[], rings: (name: string) => readonly string[] | undefined): MetricFamily[] {
  return [
    {
      name: 'progressive_delivery_rollout_active_side',
      help: 'Blue-green rollouts: 1 for the side serving calls, 0 for the idle side.',
      type: 'gauge',
      samples: statuses
        .filter((s) => s.kind === 'blueGreen')
        .flatMap((s) => (['blue', 'green'] as const).map((side) => ({ labels: { name: s.name, side }, value: s.active === side ? 1 : 0 }))),
    },
    {
      name: 'progressive_delivery_rollout_ring',
      help: 'Ring rollouts: 1 for the outermost ring served by next, 0 for the other rings (all 0: every ring on stable).',
      type: 'gauge',
      samples: statuses
        .filter((s) => s.kind === 'rings')
        .flatMap((s) => (rings(s.name) ?? []).map((ring) => ({ labels: { name: s.name, ring }, value: s.ring === ring ? 1 : 0 }))),
    },
  ];
}
