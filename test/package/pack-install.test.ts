// The package as a user gets it: `npm pack` holds the built code, the types,
// the README, the license and the built-in corpus, and nothing else (no tests,
// fixtures, scripts or sources); the tarball installs into an empty folder,
// a TypeScript program importing `synthgrad` type-checks against it with the
// repository's tsc and trains a few steps, and `npx synthgrad --help` runs.
// Packs what `npm run build` left in dist/ (as `npm test` does first). The
// install needs commander from the npm registry (or npm's cache): when neither
// answers, the install test is skipped with the reason.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve('.');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const built = fs.existsSync(path.join(ROOT, 'dist', 'src', 'index.js'));

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The shortest useful program, as a user would write it (the README shows the same). */
const PROGRAM = `
import { builtinCorpusPath, resolveConfig, setupRun, Trainer, type StepRecord } from 'synthgrad';
import type { Synthesizer } from 'synthgrad/core';

const cfg = resolveConfig({ task: 'charlm', data: builtinCorpusPath(), embed: 16, hidden: 32, batch: 4, bptt: 8,
  steps: 5, policy: { name: 'dni' }, synthesizer: { kind: 'linear' } }, { baseDir: '.', source: 'main.ts' });
const run = setupRun(cfg);
const synth: Synthesizer | null = run.synth;
const trainer = new Trainer(cfg, run.source, synth, run.rng);
for (let i = 0; i < 5; i++) {
  const r: StepRecord = trainer.stepOnce();
  console.log(\`step \${r.step} loss \${r.loss.toFixed(4)} mode \${r.mode}\`);
}
`;

describe.skipIf(!built)('the npm package', () => {
  it('holds the built code, types, README, LICENSE and the corpus, and no tests, fixtures, scripts or sources', () => {
    const r = run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
    expect(r.status, r.out).toBe(0);
    const [info] = JSON.parse(r.out.slice(r.out.indexOf('['))) as { files: { path: string }[]; size: number; unpackedSize: number }[];
    const files = info!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'data/tinyshakespeare.txt', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/core.js', 'dist/src/core.d.ts', 'dist/src/cli/main.js', 'dist/src/backends/threads/worker.js', 'dist/bench/lib/run.js']) {
      expect(files, f).toContain(f);
    }
    const stray = files.filter((f) => /^(test|scripts|examples|src|bench|docs|experiments)\//.test(f) || /(^|\/)(test|fixtures)(\/|$)/.test(f)
      || /\.(map|ts)$/.test(f) && !f.endsWith('.d.ts') || f.startsWith('dist/') && !/^dist\/(src|bench)\//.test(f));
    expect(stray).toEqual([]);
    console.log(`npm pack: ${files.length} files, ${(info!.size / 1024).toFixed(0)} kB packed, ${(info!.unpackedSize / 1024).toFixed(0)} kB unpacked`);
  });

  it('installs into an empty folder; TypeScript imports it, trains, and npx synthgrad --help runs', (ctx) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-pack-'));
    try {
      const packed = run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
      expect(packed.status, packed.out).toBe(0);
      const tarball = path.join(dir, (JSON.parse(packed.out.slice(packed.out.indexOf('['))) as { filename: string }[])[0]!.filename);
      const app = path.join(dir, 'app');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'try-synthgrad', private: true, type: 'module' }));
      const inst = run(NPM, ['install', tarball, '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline'], app, 180_000);
      if (inst.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network|offline/i.test(inst.out)) {
        ctx.skip(`the npm registry is unreachable and commander is not in npm's cache: ${inst.out.trim().split('\n').pop()}`);
      }
      expect(inst.status, inst.out).toBe(0);
      expect(fs.existsSync(path.join(app, 'node_modules', 'synthgrad', 'test'))).toBe(false);

      fs.writeFileSync(path.join(app, 'main.ts'), PROGRAM);
      const tsc = run(process.execPath, [TSC, '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022',
        '--lib', 'es2022,dom', '--strict', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node',
        '--outDir', 'out', 'main.ts'], app);
      expect(tsc.status, tsc.out).toBe(0);
      const trained = run(process.execPath, [path.join('out', 'main.js')], app);
      expect(trained.status, trained.out).toBe(0);
      const losses = [...trained.out.matchAll(/^step (\d) loss (\d+\.\d+) mode synthetic$/gm)].map((m) => Number(m[2]));
      expect(losses, trained.out).toHaveLength(5);
      for (const l of losses) expect(l).toBeGreaterThan(0);

      const help = run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no-install', 'synthgrad', '--help'], app);
      expect(help.status, help.out).toBe(0);
      expect(help.out).toMatch(/Usage: synthgrad/);
      for (const cmd of ['train', 'eval', 'demo', 'bench']) expect(help.out).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
