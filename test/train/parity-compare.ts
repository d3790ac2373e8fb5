// Comparison of a run with the PyTorch reference's fixtures, at the tolerances of
// the core issue: loss 1e-4 relative, grad_norm 1e-3, sg_loss 1e-2, lr 1e-9
// absolute, mode exactly, final weights 1e-3.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { encodeSafetensors, tensorF32 } from '../../src/io/safetensors.js';
import { fmix32 } from '../../src/tensor/rng.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { loadConfigFile, nodePath } from '../../src/train/config-file.js';
import { applyFlags, resolveConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';
import { setupRun } from '../../src/train/setup.js';
import type { StepRecord } from '../../src/train/curves.js';

export const PARITY_ROOT = path.resolve('test/fixtures/parity');
export const PARITY_STEPS = 40;

/** |a − b| ≤ tol·max(|b|, floor): relative, with a floor for values near zero. */
export function close(a: number, b: number, tol: number, floor: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(Math.abs(b), floor);
}

export function readJsonl(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function compareRecords(got: StepRecord[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    const where = `step ${i}`;
    expect(g.mode, where).toBe(w.mode);
    expect([g.step, g.epoch, g.chunk, g.chunk_len], where).toEqual([w.step, w.epoch, w.chunk, w.chunk_len]);
    expect(Math.abs(g.lr - (w.lr as number)), `${where} lr ${g.lr} vs ${w.lr}`).toBeLessThanOrEqual(1e-9);
    expect(close(g.loss, w.loss as number, 1e-4, 1e-3), `${where} loss ${g.loss} vs ${w.loss}`).toBe(true);
    expect(close(g.grad_norm, w.grad_norm as number, 1e-3, 1e-3), `${where} grad_norm ${g.grad_norm} vs ${w.grad_norm}`).toBe(true);
    if (w.sg_loss === null) expect(g.sg_loss, where).toBeNull();
    else expect(close(g.sg_loss!, w.sg_loss as number, 1e-2, 1e-6), `${where} sg_loss ${g.sg_loss} vs ${w.sg_loss}`).toBe(true);
    if (w.ghat_norm === null || w.ghat_norm === undefined) expect(g.ghat_norm, where).toBeNull();
    else expect(close(g.ghat_norm!, w.ghat_norm as number, 1e-2, 1e-6), `${where} ghat_norm ${g.ghat_norm} vs ${w.ghat_norm}`).toBe(true);
    // fixtures made before these fields existed do not have them
    for (const key of ['sg_fit_cos', 'aux_loss', 'sg_bound_frac'] as const) {
      if (!(key in w)) continue;
      if (w[key] === null) expect(g[key] ?? null, `${where} ${key}`).toBeNull();
      else expect(Math.abs((g[key] as number) - (w[key] as number)), `${where} ${key} ${g[key]} vs ${w[key]}`).toBeLessThanOrEqual(1e-3);
    }
  });
}

export function compareWeights(file: string, expectedFile: string): void {
  const got = decodeCheckpoint(fs.readFileSync(file), file).tensors;
  const want = decodeCheckpoint(fs.readFileSync(expectedFile), expectedFile).tensors;
  for (const [name, w] of want) {
    const g = got.get(name);
    expect(g, `final weights: ${name} missing`).toBeDefined();
    let worst = 0;
    for (let i = 0; i < w.size; i++) worst = Math.max(worst, Math.abs(g!.data[i]! - w.data[i]!));
    expect(worst, `final weights: ${name} differs by ${worst}`).toBeLessThanOrEqual(1e-3);
  }
}

/** A tensor of the final weights as the fixture's expected_final.json keeps it (scripts/reference/reference_io.py weights_digest). */
interface TensorDigest {
  shape: number[];
  norm: number;
  sum: number;
  /** [flat index, value] at 16 evenly spaced indices */
  values: [number, number][];
}

/** The run's final weights against the reference's digest: shape exactly, norm, sum and the kept values to 1e-3. */
export function compareDigest(file: string, digestFile: string): void {
  const got = decodeCheckpoint(fs.readFileSync(file), file).tensors;
  const want = JSON.parse(fs.readFileSync(digestFile, 'utf8')) as Record<string, TensorDigest>;
  for (const [name, w] of Object.entries(want)) {
    const g = got.get(name);
    expect(g, `final weights: ${name} missing`).toBeDefined();
    expect(g!.shape, `final weights: ${name} shape`).toEqual(w.shape);
    let sum = 0, sq = 0;
    for (let i = 0; i < g!.size; i++) (sum += g!.data[i]!, sq += g!.data[i]! * g!.data[i]!);
    expect(Math.abs(Math.sqrt(sq) - w.norm), `final weights: ${name} norm ${Math.sqrt(sq)} vs ${w.norm}`).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(sum - w.sum), `final weights: ${name} sum ${sum} vs ${w.sum}`).toBeLessThanOrEqual(1e-3);
    for (const [i, x] of w.values) expect(Math.abs(g!.data[i]! - x), `final weights: ${name}[${i}] ${g!.data[i]} vs ${x}`).toBeLessThanOrEqual(1e-3);
  }
}

/**
 * The fixtures' initial values without a file (scripts/reference/reference_io.py rule_tensor):
 * element i of tensor `name` is (2u − 1)·r, u = fmix32(fnv1a(name) + i·0x9E3779B9) / 2³², in
 * float64 then float32; r = 0.05 for synthesizer.* tensors, 0.1 for the model's.
 */
export function ruleTensor(name: string, n: number): Float32Array {
  let base = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) base = Math.imul(base ^ b, 0x01000193) >>> 0;
  const r = name.startsWith('synthesizer.') ? 0.05 : 0.1;
  return Float32Array.from({ length: n }, (_, i) => ((2 * fmix32((base + Math.imul(i, 0x9e3779b9)) >>> 0)) / 4294967296 - 1) * r);
}

/** Writes the rule's initial weights for every parameter of the configured model and synthesizer to `file`. */
function writeRuleInit(cfg: ReturnType<typeof resolveConfig>, file: string): void {
  const s = setupRun(cfg);
  const specs = [...s.model.params.specs, ...(s.synth?.params.specs ?? [])];
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  fs.writeFileSync(file, encodeSafetensors(specs.map((p) => [p.name, tensorF32(p.shape, ruleTensor(p.name, size(p.shape)))])));
}

/**
 * The §4 values of the synthesizer keys of ALGORITHM.md §10–§13. A fixture's config
 * without a key was made (by the reference, whose defaults these are) before the key
 * existed: it pins §4, whatever the project's default is now.
 */
export const SECTION4_SYNTH = { discount: null, train_at_reset: true, normalize: 'none', aux: 0 };

export function withSection4Defaults(raw: object): object {
  const r = raw as Record<string, unknown>;
  const syn = r['synthesizer'];
  if (syn === null || typeof syn !== 'object') return raw;
  return { ...r, synthesizer: { ...SECTION4_SYNTH, ...(syn as object) } };
}

/**
 * The initial weights of fixture case `name`: its init.safetensors, or (a case without
 * one) the rule's (ruleTensor), written to `ruleFile`.
 */
export function parityInit(name: string, ruleFile: string): string {
  const dir = path.join(PARITY_ROOT, name);
  const file = path.join(dir, 'init.safetensors');
  if (fs.existsSync(file)) return file;
  const { raw, baseDir } = loadConfigFile(path.join(dir, 'config.json'));
  writeRuleInit(resolveConfig(withSection4Defaults(raw), { baseDir, source: name, path: nodePath }), ruleFile);
  return ruleFile;
}

/**
 * Runs fixture case `name` as `train --config C --init INIT --steps 40` into runDir and compares
 * the records, and the final weights with final.safetensors or (a case without it) expected_final.json.
 */
export async function runParityCase(name: string, runDir: string): Promise<void> {
  const dir = path.join(PARITY_ROOT, name);
  const { raw, baseDir } = loadConfigFile(path.join(dir, 'config.json'));
  const init = parityInit(name, `${runDir}-init.safetensors`);
  const merged = applyFlags(withSection4Defaults(raw), { init, steps: String(PARITY_STEPS) }, { cwd: process.cwd(), path: nodePath });
  const cfg = resolveConfig(merged, { baseDir, source: name, path: nodePath });
  await runTraining(cfg, { outDir: runDir });
  const got = readJsonl(path.join(runDir, 'metrics.jsonl')).filter((r) => !('split' in r)) as unknown as StepRecord[];
  compareRecords(got, readJsonl(path.join(dir, 'expected_metrics.jsonl')));
  compareCopyFields(got, readJsonl(path.join(dir, 'expected_metrics.jsonl')));
  const final = path.join(dir, 'final.safetensors'), checkpoint = path.join(runDir, 'checkpoint.safetensors');
  if (fs.existsSync(final)) compareWeights(checkpoint, final);
  else compareDigest(checkpoint, path.join(dir, 'expected_final.json'));
}

/** A copy task's curriculum fields (level, samples), where the fixture has them: exactly. */
export function compareCopyFields(got: StepRecord[], want: Record<string, unknown>[]): void {
  got.forEach((g, i) => {
    const r = g as unknown as Record<string, unknown>, w = want[i]!;
    for (const key of ['copy_n', 'copy_r', 'samples']) if (key in w) expect(r[key], `step ${i} ${key}`).toBe(w[key]);
  });
}
