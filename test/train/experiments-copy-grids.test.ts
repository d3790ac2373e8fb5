// The grids of experiments/copy/ that docs/results.md reports: each expands into the runs the text
// describes (the budget in stream positions per row, T, seeds, the synthesizer of each column).
import { describe, expect, it } from 'vitest';
import { expandGrid, loadGrid } from '../../src/train/sweep.js';

const grid = (name: string) => expandGrid(loadGrid(`experiments/copy/${name}`));
const TABLE_T = [2, 3, 4, 5, 8];
type Point = ReturnType<typeof grid>[number];
/** A run's name without its seed: the grid's cell. */
const cell = (p: Point) => p.name.split(',').filter((x) => !x.startsWith('seed=')).join();

/** A new-seeds grid: every point is its twin's configuration (seed 1 of the grid it repeats) with another seed. */
function expectSameButSeed(fresh: Point[], twinOf: (p: Point) => Point | undefined, seeds: number[]) {
  for (const p of fresh) {
    expect(seeds).toContain(p.cfg.seed);
    const twin = twinOf(p);
    expect(twin, p.name).toBeDefined();
    expect({ ...p.cfg, seed: 1 }).toEqual(twin!.cfg);
  }
}

describe('experiments/copy grids', () => {
  it('the table columns: T in {2,3,4,5,8} x seeds 1-3 at 30,000 stream positions per row, LSTM 64, B 32', () => {
    for (const name of ['bptt.json', 'dni.json', 'dni-lambda1.json', 'dni-section4.json']) {
      const pts = grid(name);
      expect(pts).toHaveLength(15);
      expect(new Set(pts.map((p) => p.cfg.bptt))).toEqual(new Set(TABLE_T));
      for (const p of pts) {
        expect([p.cfg.task, p.cfg.copy?.stream, p.cfg.hidden, p.cfg.batch, p.cfg.optimizer.lr, p.cfg.clip, p.cfg.threads])
          .toEqual(['copy', true, [64], 32, 0.001, null, 1]);
        expect(p.cfg.steps! * p.cfg.bptt).toBe(30000);
        expect([1, 2, 3]).toContain(p.cfg.seed);
      }
    }
  });

  it('table-new-seeds.json: the table columns at T 2 and 3, run for seeds 4-6 with the same configuration', () => {
    const pts = grid('table-new-seeds.json');
    expect(pts).toHaveLength(24);
    const sources: Record<string, ReturnType<typeof grid>> = {
      bptt: grid('bptt.json'), dni: grid('dni.json'), 'dni-lambda1': grid('dni-lambda1.json'),
      'dni-lambda1-aux0.1': grid('dni-aux.json').filter((p) => p.cfg.synthesizer?.aux === 0.1),
    };
    expect(new Set(pts.map((p) => p.cfg.bptt))).toEqual(new Set([2, 3]));
    expectSameButSeed(pts, (p) => sources[p.name.split(',')[0]!]?.find((q) => q.cfg.bptt === p.cfg.bptt && q.cfg.seed === 1), [4, 5, 6]);
  });

  it('each column has the synthesizer docs/results.md names', () => {
    expect(grid('bptt.json').every((p) => p.cfg.synthesizer === null && p.cfg.policy.name === 'bptt')).toBe(true);
    expect(grid('dni.json')[0]!.cfg.synthesizer).toMatchObject({ scale: 0.1, lr: 0.001, normalize: 'popart', discount: null, aux: 0 });
    expect(grid('dni-lambda1.json')[0]!.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, normalize: 'popart', discount: 0.1, aux: 0 });
    expect(grid('dni-section4.json')[0]!.cfg.synthesizer).toMatchObject({ scale: 0.1, lr: 0.001, normalize: 'none', train_at_reset: true, discount: null });
    const aux = grid('dni-aux.json');
    expect(aux).toHaveLength(30);
    expect(new Set(aux.map((p) => p.cfg.synthesizer!.aux))).toEqual(new Set([1, 0.1]));
    expect(aux[0]!.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, discount: 0.1 });
  });

  it('the ablation: target scale x lambda x synthesizer lr at T 3 and 4, seeds 1 and 2, gamma 0.1', () => {
    const pts = grid('ablation.json');
    expect(pts).toHaveLength(32);
    const settings = new Set(pts.map((p) => `${p.cfg.synthesizer!.normalize}/${p.cfg.synthesizer!.scale}/${p.cfg.synthesizer!.lr}`));
    expect(settings.size).toBe(8);
    for (const p of pts) {
      expect(p.cfg.synthesizer!.discount).toBe(0.1);
      expect(p.cfg.steps! * p.cfg.bptt).toBe(30000);
    }
  });

  it('gamma and the longer budget', () => {
    const g = grid('gamma-lambda1.json');
    expect(new Set(g.map((p) => p.cfg.synthesizer!.discount))).toEqual(new Set([0.5, 0.9, 1]));
    expect(new Set(g.map((p) => p.cfg.bptt))).toEqual(new Set([3, 4]));
    const long = grid('long.json');
    expect(long).toHaveLength(18);
    expect(new Set(long.map((p) => p.cfg.seed))).toEqual(new Set([1, 2, 3]));
    for (const p of long) expect(p.cfg.steps! * p.cfg.bptt).toBe(120000);
    expect(long.filter((p) => p.cfg.policy.name === 'dni').every((p) => p.cfg.synthesizer!.scale === 1)).toBe(true);
  });

  it('lambda 0.3, the mlp synthesizer, the 4x budget with aux 0.1, and repeat-copy', () => {
    const l03 = grid('dni-lambda03.json');
    expect(l03).toHaveLength(15);
    for (const p of l03) {
      expect(p.cfg.steps! * p.cfg.bptt).toBe(30000);
      expect(p.cfg.synthesizer).toMatchObject({ scale: 0.3, lr: 0.01, discount: 0.1, aux: 0, normalize: 'popart' });
    }
    const mlp = grid('dni-mlp.json');
    expect(mlp).toHaveLength(15);
    for (const p of mlp) expect(p.cfg.synthesizer).toMatchObject({ kind: 'mlp', scale: 1, lr: 0.01, discount: 0.1, aux: 0 });
    const la = grid('long-aux.json');
    expect(la.map((p) => `${p.cfg.bptt}/${p.cfg.seed}`).sort()).toEqual(['4/1', '4/2', '4/3', '5/1', '5/2', '5/3']);
    for (const p of la) {
      expect(p.cfg.steps! * p.cfg.bptt).toBe(120000);
      expect(p.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, discount: 0.1, aux: 0.1 });
    }
    const rc = grid('repeat-copy.json');
    expect(rc).toHaveLength(45);
    for (const p of rc) {
      expect([p.cfg.task, p.cfg.copy?.stream, p.cfg.hidden, p.cfg.batch, p.cfg.optimizer.lr, p.cfg.clip, p.cfg.threads])
        .toEqual(['repeat-copy', true, [64], 32, 0.001, null, 1]);
      expect(p.cfg.steps! * p.cfg.bptt).toBe(30000);
    }
    const cols = new Set(rc.map((p) => p.cfg.synthesizer === null ? 'bptt' : `${p.cfg.synthesizer.scale}/${p.cfg.synthesizer.aux}`));
    expect(cols).toEqual(new Set(['bptt', '0.1/0', '1/0.1']));
    expect(new Set(rc.map((p) => p.cfg.bptt))).toEqual(new Set(TABLE_T));
  });

  it('8x and 16x the budget for bptt and dni lambda 1, and repeat-copy at 4x', () => {
    const grids = [['longer.json', [2, 3, 4, 5], 240000, [1, 2, 3]], ['longest.json', [3, 4, 5], 480000, [1, 2, 3]],
      ['longest-new-seeds.json', [4, 5], 480000, [4, 5, 6]]] as const;
    for (const [name, T, positions, seeds] of grids) {
      const pts = grid(name);
      expect(pts).toHaveLength(6 * T.length);
      expect(new Set(pts.map((p) => p.cfg.bptt))).toEqual(new Set(T));
      expect(new Set(pts.map((p) => p.cfg.seed))).toEqual(new Set(seeds));
      for (const p of pts) {
        expect(p.cfg.steps! * p.cfg.bptt).toBe(positions);
        if (p.cfg.policy.name === 'dni') expect(p.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, discount: 0.1, aux: 0 });
        else expect(p.cfg.synthesizer).toBeNull();
      }
    }
    const longest = grid('longest.json');
    expectSameButSeed(grid('longest-new-seeds.json'), (p) => longest.find((q) => cell(q) === cell(p) && q.cfg.seed === 1), [4, 5, 6]);
    const rcl = grid('repeat-copy-long.json');
    expect(rcl).toHaveLength(18);
    for (const p of rcl) {
      expect([p.cfg.task, p.cfg.steps! * p.cfg.bptt]).toEqual(['repeat-copy', 120000]);
      if (p.cfg.synthesizer) expect(p.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, discount: 0.1, aux: 0.1 });
    }
    // its T 3 and 4 cells on seeds 4-6: the same configurations but for the seed
    const fresh = grid('repeat-copy-new-seeds.json');
    expect(fresh).toHaveLength(12);
    expect(new Set(fresh.map((p) => p.cfg.bptt))).toEqual(new Set([3, 4]));
    expectSameButSeed(fresh, (p) => rcl.find((q) => cell(q) === cell(p) && q.cfg.seed === 1), [4, 5, 6]);
  });

  it('one budget for every T: 120,000 positions per row at lr 3e-3, table-lr3e-3.json\'s runs four times as long', () => {
    const all = grid('table-lr3e-3-4x-all.json');
    expect(all).toHaveLength(45);
    expect(new Set(all.map(cell).map((c) => c.split(',')[0]))).toEqual(new Set(['bptt', 'dni', 'dni-lambda1-aux0.1']));
    expect(new Set(all.map((p) => p.cfg.bptt))).toEqual(new Set(TABLE_T));
    expect(new Set(all.map((p) => p.cfg.seed))).toEqual(new Set([1, 2, 3]));
    const short = grid('table-lr3e-3.json');
    for (const p of all) {
      expect([p.cfg.optimizer.lr, p.cfg.steps! * p.cfg.bptt]).toEqual([0.003, 120000]);
      const twin = short.find((q) => cell(q) === cell(p) && q.cfg.seed === p.cfg.seed);
      expect(twin, p.name).toBeDefined();
      expect({ ...p.cfg, steps: twin!.cfg.steps }).toEqual(twin!.cfg);
    }
    expect(all.find((p) => cell(p) === 'dni-lambda1-aux0.1,T4')!.cfg.synthesizer).toMatchObject({ scale: 1, lr: 0.01, discount: 0.1, aux: 0.1 });
    expectSameButSeed(grid('table-lr3e-3-4x-all-seeds4-6.json'), (p) => all.find((q) => cell(q) === cell(p) && q.cfg.seed === 1), [4, 5, 6]);
    // the same grid at the first table's lr 1e-3
    const slow = grid('table-4x-all.json');
    expect(slow).toHaveLength(45);
    for (const p of slow) {
      const twin = all.find((q) => q.name === p.name)!;
      expect(p.cfg.optimizer.lr).toBe(0.001);
      expect({ ...p.cfg, optimizer: twin.cfg.optimizer }).toEqual(twin.cfg);
    }
    // gamma 0.9 and 1 at that budget: the lambda 1 + aux 0.1 column but for the discount, T 2-5
    const gamma = grid('gamma-4x.json');
    expect(gamma).toHaveLength(24);
    expect(new Set(gamma.map((p) => p.cfg.synthesizer!.discount))).toEqual(new Set([0.9, 1]));
    expect(new Set(gamma.map((p) => p.cfg.bptt))).toEqual(new Set([2, 3, 4, 5]));
    for (const p of gamma) {
      const twin = all.find((q) => cell(q) === `dni-lambda1-aux0.1,T${p.cfg.bptt}` && q.cfg.seed === p.cfg.seed)!;
      expect({ ...p.cfg, synthesizer: { ...p.cfg.synthesizer!, discount: 0.1 } }).toEqual(twin.cfg);
    }
    // repeat-copy at that budget and lr: repeat-copy.json's runs four times as long at lr 3e-3
    const rc = grid('repeat-copy-4x-all.json');
    const rcShort = grid('repeat-copy.json');
    expect(rc).toHaveLength(45);
    for (const p of rc) {
      const twin = rcShort.find((q) => q.name === p.name)!;
      expect([p.cfg.task, p.cfg.optimizer.lr, p.cfg.steps! * p.cfg.bptt]).toEqual(['repeat-copy', 0.003, 120000]);
      expect({ ...p.cfg, steps: twin.cfg.steps, optimizer: twin.cfg.optimizer }).toEqual(twin.cfg);
    }
    const rcNew = grid('repeat-copy-4x-all-seeds4-6.json');
    expect(rcNew).toHaveLength(45);
    expectSameButSeed(rcNew, (p) => rc.find((q) => cell(q) === cell(p) && q.cfg.seed === 1), [4, 5, 6]);
    // the default and bptt at T 2 at lr 1e-3: those cells' runs but for the lr, seeds 1-6
    const t2 = grid('repeat-copy-default-T2.json');
    expect(t2).toHaveLength(12);
    for (const p of t2) {
      const twin = rc.find((q) => cell(q) === cell(p) && q.cfg.seed === 1)!;
      expect(['dni,T2', 'bptt,T2']).toContain(cell(p));
      expect(p.cfg.optimizer.lr).toBe(0.001);
      expect({ ...p.cfg, seed: 1, optimizer: twin.cfg.optimizer }).toEqual(twin.cfg);
    }
  });

  it('the bound grids: one-budget cells but for synthesizer.bound (and gamma 1, seeds 4-6 where said)', () => {
    const copy = grid('table-lr3e-3-4x-all.json'), rc = grid('repeat-copy-4x-all.json'), rc46 = grid('repeat-copy-4x-all-seeds4-6.json');
    const unbounded = (p: Point, extra: Record<string, unknown> = {}) => ({ ...p.cfg, synthesizer: { ...p.cfg.synthesizer!, bound: null, ...extra } });
    /** Every point is the run of `from` with the same name but for its bound axis, and takes one of `bounds`. */
    const expectBounded = (name: string, from: Point[], runs: number, bounds: number[], extra: Record<string, unknown> = {}) => {
      const pts = grid(name);
      expect(pts, name).toHaveLength(runs);
      for (const p of pts) {
        expect(bounds).toContain(p.cfg.synthesizer!.bound);
        const twin = from.find((q) => cell(q) === cell(p).replace(/,synthesizer\.[a-z]+=[\d.]+/g, '') && q.cfg.seed === p.cfg.seed);
        expect(twin, `${name}: ${p.name}`).toBeDefined();
        expect(unbounded(p, extra)).toEqual(twin!.cfg);
      }
      return pts;
    };
    const rcL1 = expectBounded('bound-repeat-copy.json', rc, 30, [2, 4]);
    expect(new Set(rcL1.map((p) => p.cfg.bptt))).toEqual(new Set(TABLE_T));
    expect(rcL1.every((p) => cell(p).startsWith('dni-l1-aux0.1'))).toBe(true);
    expect(new Set(expectBounded('bound-repeat-copy-8.json', rc, 12, [8]).map((p) => p.cfg.bptt))).toEqual(new Set([2, 3, 4, 5]));
    const copyL1 = expectBounded('bound-copy.json', copy, 12, [2]);
    expect(copyL1.every((p) => cell(p).startsWith('dni-lambda1-aux0.1') && p.cfg.bptt <= 5)).toBe(true);
    const copyK1 = expectBounded('bound1-copy.json', copy, 12, [1]);
    expect(copyK1.map((p) => p.name.replace('bound=1', 'bound=2'))).toEqual(copyL1.map((p) => p.name));
    const gamma = expectBounded('bound-gamma.json', copy, 6, [2], { discount: 0.1 });
    expect(gamma.every((p) => p.cfg.synthesizer!.discount === 1 && p.cfg.bptt <= 3)).toBe(true);
    // the default synthesizer at T 2, seeds 1-6: seeds 1-3 from repeat-copy-4x-all.json, 4-6 from its seeds 4-6 grid
    expectBounded('bound-default-T2.json', [...rc, ...rc46].filter((q) => cell(q) === 'dni,T2'), 6, [2]);
  });
});
