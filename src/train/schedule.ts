// SGDR cosine annealing with warm restarts and the gradient-mode policies
// (docs/algorithm.md §6 and §9). Everything here is float64 and pure: the lr and
// the mode of a step are functions of the units completed before it.
import type { PolicyConfig, ScheduleConfig } from './config.js';

/** Whether a step uses only real gradients or adds the synthetic one. */
export type Mode = 'real' | 'synthetic';

export interface CyclePosition {
  /** index i of the cycle holding u */
  cycle: number;
  /** t_cur: units done within the cycle */
  tCur: number;
  /** T_i: the cycle's length */
  length: number;
}

/** The cycle that holds `u` units (cycle boundaries belong to the later cycle: a restart at u = Σ T_j). */
export function cycleAt(s: ScheduleConfig, u: number): CyclePosition {
  let start = 0;
  let i = 0;
  if (s.cycles && s.cycles.length > 0) {
    const cycles = s.cycles;
    for (; i < cycles.length - 1; i++) {
      if (u < start + cycles[i]!) return { cycle: i, tCur: u - start, length: cycles[i]! };
      start += cycles[i]!;
    }
    // The list ran out: its last length repeats.
    const last = cycles[cycles.length - 1]!;
    const k = Math.floor((u - start) / last);
    return { cycle: i + k, tCur: u - start - k * last, length: last };
  }
  const t0 = s.t0!;
  if (s.t_mult === 1) {
    const k = Math.floor(u / t0);
    return { cycle: k, tCur: u - k * t0, length: t0 };
  }
  let T = t0;
  while (u >= start + T) {
    start += T;
    T *= s.t_mult;
    i++;
  }
  return { cycle: i, tCur: u - start, length: T };
}

/** η = η_min + ½(η_max − η_min)(1 + cos(π·t_cur/T_i)). */
export function sgdrLr(s: ScheduleConfig, u: number): number {
  const { tCur, length } = cycleAt(s, u);
  return s.eta_min + 0.5 * (s.eta_max - s.eta_min) * (1 + Math.cos((Math.PI * tCur) / length));
}

/** Where a step stands: global step t is chunk t mod C of epoch t div C. */
export interface StepPosition {
  step: number;
  epoch: number;
  chunk: number;
  chunksPerEpoch: number;
  /** whether the recurrent state restarts from zeros before this step (LM tasks: at chunk 0 of every epoch) */
  resetState?: boolean;
}

/** Units completed before the step, in the given unit. */
export function unitsBefore(pos: StepPosition, unit: 'epoch' | 'step', fractional: boolean): number {
  if (unit === 'step') return pos.step;
  return fractional ? pos.epoch + pos.chunk / pos.chunksPerEpoch : pos.epoch;
}

/** The model lr of a step: constant without a schedule, else SGDR at the units completed before it. */
export function lrForStep(baseLr: number, s: ScheduleConfig | null, pos: StepPosition): number {
  if (!s) return baseLr;
  return sgdrLr(s, unitsBefore(pos, s.unit, s.fractional));
}

/** The gradient mode of a step under the policy. */
export function modeForStep(p: PolicyConfig, s: ScheduleConfig | null, pos: StepPosition): Mode {
  switch (p.name) {
    case 'bptt':
      return 'real';
    case 'dni':
      // synthetic iff the policy units completed before the step reach the warmup
      return unitsBefore(pos, p.unit, false) >= p.warmup ? 'synthetic' : 'real';
    case 'alternating': {
      if (!s) throw new Error('the alternating policy needs a schedule: its restarts are where the mode toggles');
      // mode and lr come from the same u: cycle i runs first_mode when i is even
      const { cycle } = cycleAt(s, unitsBefore(pos, s.unit, s.fractional));
      const other: Mode = p.first_mode === 'real' ? 'synthetic' : 'real';
      return cycle % 2 === 0 ? p.first_mode : other;
    }
    default:
      throw new Error(`unknown policy ${String((p as { name: unknown }).name)}`);
  }
}
