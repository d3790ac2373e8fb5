// The package as a user gets it: `npm pack` holds the built code, the types,
// the README, the license and the built-in corpus, and nothing else (no tests,
// fixtures, scripts or sources); the tarball installs into an empty folder,
// the README's "Use it from code" program type-checks against it with the
// repository's tsc and trains, so does a program importing `synthgrad/core`,
// `npx synthgrad --help` runs, and so does `synthgrad lab --export`.
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

/** The README's "Use it from code" program, which the installed package must compile and run. */
function readmeProgram(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /^## Use it from code\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!m) throw new Error('README.md has no ```ts block under "## Use it from code"');
  return m[1]!;
}

/** The browser-safe entry point's types, from a second entry of the exports map. */
const CORE_CHECK = `
import { Tensor, Var, backward, mul, sum, type Synthesizer } from 'synthgrad/core';
const x = new Var(Tensor.from([1, 2, 3], [3], 'float64'), true);
backward([sum(mul(x, x))]);
const g: number[] = Array.from(x.grad!.data);
const none: Synthesizer | null = null;
console.log(\`d/dx sum(x*x) = \${g.join(' ')} \${none}\`);
`;

describe.skipIf(!built)('the npm package', () => {
  it('holds the built code, types, README, LICENSE and the corpus, and no tests, fixtures, scripts or sources', () => {
    const r = run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
    expect(r.status, r.out).toBe(0);
    const [info] = JSON.parse(r.out.slice(r.out.indexOf('['))) as { files: { path: string }[]; size: number; unpackedSize: number }[];
    const files = info!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'data/tinyshakespeare.txt', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/core.js', 'dist/src/core.d.ts', 'dist/src/cli/main.js', 'dist/src/backends/threads/worker.js', 'dist/bench/lib/run.js',
      'lab/index.html', 'docs/algorithm.md']) {
      expect(files, f).toContain(f);
    }
    const stray = files.filter((f) => /^(test|scripts|examples|src|bench|experiments)\//.test(f) || f.startsWith('docs/') && f !== 'docs/algorithm.md' || /(^|\/)(test|fixtures)(\/|$)/.test(f)
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

      fs.writeFileSync(path.join(app, 'main.ts'), readmeProgram());
      fs.writeFileSync(path.join(app, 'core-check.ts'), CORE_CHECK);
      const tsc = run(process.execPath, [TSC, '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022',
        '--lib', 'es2022,dom', '--strict', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node',
        '--outDir', 'out', 'main.ts', 'core-check.ts'], app);
      expect(tsc.status, tsc.out).toBe(0);
      const trained = run(process.execPath, [path.join('out', 'main.js')], app);
      expect(trained.status, trained.out).toBe(0);
      const lines = [...trained.out.matchAll(/^step (\d+) +loss (\d+\.\d+) +ĝ norm (\d+\.\d+)$/gm)];
      expect(lines.map((m) => Number(m[1])), trained.out).toEqual([0, 50, 100, 150]);
      const losses = lines.map((m) => Number(m[2]));
      expect(losses[3]!, trained.out).toBeLessThan(losses[0]!);
      expect(Number(lines[3]![3]), 'the synthesizer predicts a non-zero gradient once trained').toBeGreaterThan(0);
      const core = run(process.execPath, [path.join('out', 'core-check.js')], app);
      expect(core.out.trim()).toBe('d/dx sum(x*x) = 2 4 6 null');

      // CommonJS code can require() it too (Node's require of ES modules)
      const required = run(process.execPath, ['-e', "console.log(typeof require('synthgrad').Trainer)"], app);
      expect(required.out.trim(), required.out).toBe('function');

      const help = run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no-install', 'synthgrad', '--help'], app);
      expect(help.status, help.out).toBe(0);
      expect(help.out).toMatch(/Usage: synthgrad/);
      for (const cmd of ['train', 'eval', 'demo', 'bench', 'lab']) expect(help.out).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
      // the lab page's own files ship too: its export copies them all
      const lab = run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no-install', 'synthgrad', 'lab', '--export', 'site'], app);
      expect(lab.status, lab.out).toBe(0);
      for (const f of ['index.html', 'lab.css', 'docs/algorithm.md', 'data/tinyshakespeare.txt']) expect(fs.existsSync(path.join(app, 'site', f)), f).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
