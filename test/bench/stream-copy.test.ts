// `synthgrad bench --stream-copy` at a tiny size: the trainer it times is the
// stream copy run's, the PyTorch peer's output reaches the table, bad options exit 2.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { CopyStreamSource } from '../../src/train/copy-stream.js';
import { formatStreamCopy, streamCopyTrainer, type StreamCopyReport } from '../../bench/lib/stream-copy.js';
import { tempDir } from '../train/helpers.js';

const CLI = path.resolve('dist/src/cli/main.js');
const TINY = ['bench', '--stream-copy', '--stream-hidden', '8', '--stream-batch', '4', '--stream-bptt', '2,3', '--quick', '--threads', '1'];

describe('bench --stream-copy', () => {
  it('times the trainer of train --task copy --copy-stream: a stream source, T positions a step, dni in synthetic mode', () => {
    const b = createCpuBackend({ kernels: 'ts' });
    for (const policy of ['bptt', 'dni'] as const) {
      const t = streamCopyTrainer(8, 4, 3, policy, b);
      expect(t.source).toBeInstanceOf(CopyStreamSource);
      expect(t.source.batch).toBe(4);
      const r = [t.stepOnce(), t.stepOnce()];
      expect(r.map((x) => x.chunk_len)).toEqual([3, 3]);
      expect(r.map((x) => x.step)).toEqual([0, 1]);
      expect(r[1]!.mode).toBe(policy === 'dni' ? 'synthetic' : 'real');
      expect(r[1]!.sg_loss === null).toBe(policy === 'bptt');
    }
  });

  it('formats positions/s, ours / PyTorch (the mean of its runs) and dni / bptt', () => {
    const r: StreamCopyReport = {
      hidden: 8, batch: 4, backends: ['1 thread, x', '2 threads'], torch: 'torch 0 (1 thread)',
      rows: [
        { bptt: 2, policy: 'bptt', msPerStep: { '1 thread, x': 10, '2 threads': 8 }, torchMs: [20, 30] },
        { bptt: 2, policy: 'dni', msPerStep: { '1 thread, x': 12.5, '2 threads': 10 }, torchMs: [] },
      ],
    };
    const text = formatStreamCopy(r);
    expect(text).toMatch(/^T2 bptt +800 +1000 +400, 267 +2\.50x +10\.0 +—$/m);
    expect(text).toMatch(/^T2 dni +640 +800 +— +— +12\.5 +1\.25$/m);
    expect(text).toContain('PyTorch: torch 0 (1 thread)');
  });

  it('runs at a tiny size with a PyTorch peer, and prints its rows as JSON', () => {
    // a stand-in for the Python: prints what bench/torch_stream_copy.py --json prints
    const dir = tempDir();
    const fake = path.join(dir, 'python');
    const results = [2, 3].flatMap((T) => ['bptt', 'dni'].map((policy) => ({ bptt: T, policy, msPerStep: T * 100 + (policy === 'dni' ? 1 : 0) })));
    const argsFile = path.join(dir, 'args.txt');
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" >> '${argsFile}'\necho '${JSON.stringify({ torch: 'fake', threads: 1, results })}'\n`, { mode: 0o755 });
    const r = spawnSync(process.execPath, [CLI, ...TINY, '--json', '--torch', fake], { encoding: 'utf8' });
    expect(r.stderr).toContain('stream copy H8 B4 T3');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as StreamCopyReport & { machine: string };
    expect(out.machine).toMatch(/load average \d/);
    expect([out.hidden, out.batch, out.torch]).toEqual([8, 4, 'torch fake (1 thread)']);
    expect(out.rows.map((x) => `${x.bptt} ${x.policy}`)).toEqual(['2 bptt', '2 dni', '3 bptt', '3 dni']);
    for (const row of out.rows) {
      expect(Object.keys(row.msPerStep)).toEqual(out.backends);
      expect(Object.values(row.msPerStep).every((ms) => ms > 0)).toBe(true);
      const t = row.bptt * 100 + (row.policy === 'dni' ? 1 : 0);
      expect(row.torchMs).toEqual([t, t]); // before and after ours
    }
    // the peer is timed for as long as our steps are (each backend's share of the budget), not for a few steps
    const calls = fs.readFileSync(argsFile, 'utf8').trim().split('\n');
    expect(calls.shift()).toBe('-c import torch'); // checked before any timing
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      const seconds = Number(/--seconds (\S+)/.exec(c)?.[1]);
      expect(seconds * 1000 * out.backends.length).toBeCloseTo(2000, 6);
    }
  });

  it('rejects a bad size and --torch with the WebGPU benchmark (exit 2, naming the option)', () => {
    const bad = spawnSync(process.execPath, [CLI, ...TINY.slice(0, -4), '2,0'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--stream-bptt');
    const torch = spawnSync(process.execPath, [CLI, 'bench', '--backend', 'webgpu', '--torch', 'python3'], { encoding: 'utf8' });
    expect(torch.status).toBe(2);
    expect(torch.stderr).toContain('--torch');
    // a Python that is not there, or has no torch: refused before any timing, saying which
    const missing = spawnSync(process.execPath, [CLI, ...TINY, '--torch', '/nonexistent/python'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/option --torch: \/nonexistent\/python does not run/);
    expect(missing.stderr).not.toContain('stream copy H8');
    const dir = tempDir(), noTorch = path.join(dir, 'python');
    fs.writeFileSync(noTorch, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'torch\'" >&2\nexit 1\n', { mode: 0o755 });
    const without = spawnSync(process.execPath, [CLI, 'bench', '--quick', '--torch', noTorch], { encoding: 'utf8' });
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/cannot import torch: ModuleNotFoundError: No module named 'torch'/);
  });
});
