// The benchmark's report as text tables.
import { bestOne, IMPL_TITLES, IMPLS, type BenchReport, type Impl } from './results.js';
import { LM } from './char-lm.js';

function cell(v: number | null, note: string | undefined, digits: number): string {
  if (v !== null) return v.toFixed(digits);
  return note ?? '—';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function ratio(a: number | null, b: number | null, digits = 1): string {
  return a !== null && b !== null && b > 0 ? `${(a / b).toFixed(digits)}x` : '—';
}

function title(i: Impl, threads: number): string {
  return i === 'threads' ? `${threads} threads` : IMPL_TITLES[i];
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  out.push(`machine: ${r.machine.cpu} (${r.machine.cores} logical CPUs), Node ${r.machine.node}, ${r.machine.platform}; threads ${r.threads}; wasm SIMD ${r.simd ? 'yes' : 'no'}; default kernels ${r.kernels} (the N-threads column's); timing: ${r.timer}`);
  out.push('best = the faster of synthgrad SIMD and FMA (one thread); FMA: the relaxed-SIMD fused kernels (Node 22+)');
  out.push('');
  out.push('matrix product C = A·B, float32, GFLOP/s (higher is better)');
  out.push(table(
    ['M×K×N', ...IMPLS.map((i) => title(i, r.threads)), 'FMA/SIMD', 'best/tfjs-wasm', 'best/tfjs-cpu', 'N threads/best'],
    r.matmul.map((m) => [
      `${m.M}×${m.K}×${m.N}`,
      ...IMPLS.map((i) => cell(m.gflops[i], m.notes[i], 2)),
      ratio(m.gflops.fma, m.gflops.simd, 2),
      ratio(m.gflops[bestOne(m.gflops)], m.gflops['tfjs-wasm']),
      ratio(m.gflops[bestOne(m.gflops)], m.gflops['tfjs-cpu']),
      ratio(m.gflops.threads, m.gflops[bestOne(m.gflops)], 2),
    ]),
  ));
  out.push('');
  const tokens = (ms: number) => (LM.B * LM.T * 1000) / ms;
  const torchMean = (t: BenchReport['training'][number]) => (t.torchMs.length ? t.torchMs.reduce((a, b) => a + b, 0) / t.torchMs.length : null);
  const withTorch = r.torch !== null;
  out.push(`char-LSTM LM training, tokens/s (V ${LM.V}, E ${LM.E}, B ${LM.B}, T ${LM.T}; higher is better)${withTorch ? `; PyTorch: ${r.torch}, best/PyTorch against the mean of its runs` : ''}`);
  out.push(table(
    ['H / policy', ...IMPLS.map((i) => title(i, r.threads)), ...(withTorch ? ['PyTorch (before, after)'] : []), 'FMA/SIMD', 'best/tfjs-wasm', ...(withTorch ? ['best/PyTorch'] : []), 'N threads/best', 'best ms/step'],
    r.training.map((t) => {
      const best = bestOne(t.tokensPerSec), torch = torchMean(t);
      return [
        `H${t.hidden} ${t.policy}`,
        ...IMPLS.map((i) => cell(t.tokensPerSec[i], t.notes[i], 0)),
        ...(withTorch ? [t.torchMs.length ? t.torchMs.map((ms) => tokens(ms).toFixed(0)).join(', ') : '—'] : []),
        ratio(t.tokensPerSec.fma, t.tokensPerSec.simd, 2),
        ratio(t.tokensPerSec[best], t.tokensPerSec['tfjs-wasm']),
        ...(withTorch ? [ratio(t.tokensPerSec[best], torch === null ? null : tokens(torch), 2)] : []),
        ratio(t.tokensPerSec.threads, t.tokensPerSec[best], 2),
        cell(t.msPerStep[best], t.notes[best], 1),
      ];
    }),
  ));
  const dniRatios: string[] = [];
  for (const d of r.training.filter((t) => t.policy === 'dni')) {
    const b = r.training.find((t) => t.policy === 'bptt' && t.hidden === d.hidden);
    const best = bestOne(d.msPerStep);
    if (b?.msPerStep[best] && d.msPerStep[best]) dniRatios.push(`H${d.hidden} ${(d.msPerStep[best]! / b.msPerStep[best]!).toFixed(2)}`);
  }
  if (dniRatios.length) out.push(`dni step / bptt step (synthgrad best, 1 thread): ${dniRatios.join(', ')}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}
