// The demo's configurations are the results table's (stream copy task), and its
// one-line verdict follows the measured numbers, not a fixed text.
import { describe, expect, it } from 'vitest';
import { demoConfig, demoVerdict } from '../../src/cli/demo-command.js';
import { resolveConfig } from '../../src/train/config.js';

describe('synthgrad demo', () => {
  it('runs the stream copy task, bptt without and dni with a synthesizer', () => {
    const b = resolveConfig(demoConfig('bptt', 10, 2), { baseDir: '.', source: 'demo' });
    const d = resolveConfig(demoConfig('dni', 10, 2), { baseDir: '.', source: 'demo' });
    expect([b.copy.stream, d.copy.stream]).toEqual([true, true]);
    expect(b.synthesizer).toBeNull();
    expect(d.policy.name).toBe('dni');
    expect(d.synthesizer!.kind).toBe('linear');
  });

  it('says the effect shows only when dni solved at least 1.5 times bptt\'s N, else points to docs/results.md', () => {
    expect(demoVerdict(0, 1)).toMatch(/carried the error across the truncation point/);
    expect(demoVerdict(2, 3)).toMatch(/carried/);
    for (const [b, d] of [[1, 1], [2, 2], [2, 1], [0, 0]] as const) {
      expect(demoVerdict(b, d)).toMatch(/does not show; docs\/results\.md/);
    }
  });
});
