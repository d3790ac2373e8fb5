// Every temporary folder the tests (and the CLI processes they start) make goes
// under one folder per run, removed at the end, so a test run leaves nothing in
// the system's temp folder. Set before the worker processes start: they, and
// what they spawn, inherit TMPDIR, which os.tmpdir() reads at each call.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-tests-'));
  const before = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
