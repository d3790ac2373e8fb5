// Group labels: a section that only some groups configure is not spelled out key by key.
import { describe, expect, it } from 'vitest';
import { flattenConfig, groupRuns, type RunData } from '../../src/train/report.js';

const run = (dir: string, config: Record<string, unknown>): RunData => ({ dir, config, flat: flattenConfig(config), records: [] } as unknown as RunData);
const base = { task: 'charlm', bptt: 8 };

describe('report group labels', () => {
  it('name groups by the keys whose values differ among the runs that have them', () => {
    const groups = groupRuns([
      run('a', { ...base, seed: 0, policy: { name: 'bptt' }, synthesizer: null }),
      run('b', { ...base, seed: 0, policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1, lr: 1e-3 } }),
      run('c', { ...base, seed: 1, policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1, lr: 1e-3 } }),
    ]);
    expect(groups.map((g) => g.label)).toEqual(['policy.name=bptt', 'policy.name=dni']);
    expect(groups[1]!.rows.map((r) => r.group)).toEqual(['policy.name=dni', 'policy.name=dni']);
  });

  it('keep the full labels when the short ones would not tell the groups apart', () => {
    const groups = groupRuns([
      run('a', { ...base, policy: { name: 'bptt' }, synthesizer: null }),
      run('b', { ...base, policy: { name: 'bptt' }, synthesizer: { kind: 'linear' } }),
    ]);
    expect(groups).toHaveLength(2);
    expect(new Set(groups.map((g) => g.label)).size).toBe(2);
    expect(groups[0]!.label).toContain('synthesizer');
  });
});
