// Timers for the benchmark: medians of calls, and steps of several trainers
// timed in alternation (the machine's load drifts; alternating keeps ratios fair).
export interface Timer {
  name: string;
  /** median milliseconds of one call of fn, after one warm-up call */
  median(fn: () => void, budgetMs: number, minRuns: number): Promise<number>;
}

/** tinybench when installed (a dev dependency), else a plain loop taking the median. */
export async function makeTimer(): Promise<Timer> {
  try {
    const tb = await import('tinybench');
    return {
      name: 'tinybench (median latency)',
      async median(fn, budgetMs, minRuns) {
        const bench = new tb.Bench({ time: budgetMs, iterations: minRuns, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
        bench.add('x', fn);
        await bench.run();
        const r = bench.tasks[0]!.result;
        if (r.state !== 'completed') throw new Error(`tinybench: task ${r.state}`);
        return r.latency.p50;
      },
    };
  } catch {
    return {
      name: 'median of timed runs',
      async median(fn, budgetMs, minRuns) {
        fn();
        const times: number[] = [];
        const start = performance.now();
        while (times.length < minRuns || performance.now() - start < budgetMs) {
          const t0 = performance.now();
          fn();
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        return times[Math.floor(times.length / 2)]!;
      },
    };
  }
}

/** A training step to time, and what to release afterwards. */
export interface StepFn {
  step: () => void;
  /** run before each timed step, untimed */
  prepare?: () => void;
  dispose: () => void;
}

/**
 * Median ms per call of each of `fns`, called in alternation (a, b, a, b, …) after
 * `warmups` calls each (the JIT compilers, of every worker thread too, settle): the
 * machine's load drifts during a run (other processes share its cores), and
 * alternating makes the ratio of two (dni / bptt, N threads / 1) fair.
 * At least `minRounds` rounds, more while the budget lasts.
 */
export function alternatingMedians(fns: StepFn[], budgetMs: number, minRounds: number, warmups = 1): number[] {
  for (let w = 0; w < warmups; w++) for (const f of fns) f.step();
  const times = fns.map(() => [] as number[]);
  const start = performance.now();
  for (let round = 0; round < minRounds || performance.now() - start < budgetMs; round++) {
    fns.forEach((f, i) => {
      f.prepare?.();
      const t0 = performance.now();
      f.step();
      times[i]!.push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

/** Times bptt and dni steps in alternation; disposes them afterwards. */
export function timePair(make: (policy: 'bptt' | 'dni') => StepFn, budgetMs: number, minRounds: number): [number, number] {
  const fns: StepFn[] = [];
  try {
    fns.push(make('bptt'), make('dni'));
    const [b, d] = alternatingMedians(fns, budgetMs, minRounds);
    return [b!, d!];
  } finally {
    for (const f of fns) f.dispose();
  }
}
