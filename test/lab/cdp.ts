// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on fd 3, replies on fd 4, each message
// JSON followed by a NUL byte). No dependency: the few commands the lab's
// tests need (open a page, evaluate, set files on an input, allow downloads).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

interface Message { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string }

export class Browser {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  stderr = '';

  private constructor(private readonly child: ChildProcess, private readonly userDir: string) {
    const out = child.stdio[4] as Readable;
    let buf = '';
    out.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\0')) >= 0) {
        const m = JSON.parse(buf.slice(0, i)) as Message;
        buf = buf.slice(i + 1);
        if (m.id !== undefined && this.waiting.has(m.id)) {
          const w = this.waiting.get(m.id)!;
          this.waiting.delete(m.id);
          if (m.error) w.reject(new Error(m.error.message));
          else w.resolve(m.result ?? {});
        } else for (const l of this.listeners) l(m);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
  }

  static launch(extraArgs: string[] = []): Browser {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-cdp-'));
    const child = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--remote-debugging-pipe', `--user-data-dir=${userDir}`,
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--no-default-browser-check', '--disable-gpu', '--window-size=1440,1000', ...extraArgs, 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    return new Browser(child, userDir);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const msg: Message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(JSON.stringify(msg) + '\0');
    });
  }

  on(listener: (m: Message) => void): void {
    this.listeners.push(listener);
  }

  /** A new tab at `url`; resolves once it is attached (not loaded). */
  async open(url: string): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await page.send('Runtime.enable');
    await page.send('Page.enable');
    await page.send('Page.navigate', { url });
    return page;
  }

  close(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null) {
      try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

export class Page {
  /** uncaught exceptions and console errors of the page and its workers */
  readonly errors: string[] = [];

  constructor(readonly browser: Browser, readonly sessionId: string) {
    browser.on((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Runtime.exceptionThrown') {
        const d = (m.params as { exceptionDetails: { text: string; exception?: { description?: string } } }).exceptionDetails;
        this.errors.push(d.exception?.description ?? d.text);
      }
      if (m.method === 'Runtime.consoleAPICalled' && (m.params as { type: string }).type === 'error') {
        this.errors.push(JSON.stringify((m.params as { args: unknown[] }).args));
      }
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise). */
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    const ex = r.exceptionDetails as { text: string; exception?: { description?: string } } | undefined;
    if (ex) throw new Error(`in the page: ${ex.exception?.description ?? ex.text}`);
    return (r.result as { value: T }).value;
  }

  /** Polls `expression` until it is truthy; the error names `what` and the page's errors. */
  async waitFor<T>(expression: string, what: string, timeoutMs = 30_000): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      // while the page loads, the elements may not exist yet
      const v = await this.eval<T>(`(() => { try { return (${expression}); } catch { return false; } })()`);
      if (v) return v;
      if (Date.now() - t0 > timeoutMs) {
        const status = await this.eval<string>("document.getElementById('status')?.textContent + ' | ' + document.getElementById('notices')?.textContent").catch(() => '?');
        throw new Error(`timed out waiting for ${what}; page status: ${status}; page errors: ${this.errors.join('\n') || 'none'}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sets the files of an <input type=file> found by CSS selector (as a user choosing them). */
  async setFiles(selector: string, files: string[]): Promise<void> {
    const { root } = await this.send('DOM.getDocument');
    const { nodeId } = await this.send('DOM.querySelector', { nodeId: (root as { nodeId: number }).nodeId, selector });
    await this.send('DOM.setFileInputFiles', { nodeId, files });
  }

  async screenshot(file: string): Promise<void> {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    fs.writeFileSync(file, Buffer.from(data as string, 'base64'));
  }
}

/** Lets the browser save downloads into `dir`; resolves each download's file name once it is complete. */
export async function allowDownloads(browser: Browser, dir: string): Promise<(timeoutMs?: number) => Promise<string>> {
  await browser.send('Browser.setDownloadBehavior', { behavior: 'allowAndName', downloadPath: dir, eventsEnabled: true });
  const names = new Map<string, string>();
  const done: string[] = [];
  browser.on((m) => {
    if (m.method === 'Browser.downloadWillBegin') names.set(m.params!.guid as string, m.params!.suggestedFilename as string);
    if (m.method === 'Browser.downloadProgress' && m.params!.state === 'completed') done.push(m.params!.guid as string);
  });
  return async (timeoutMs = 20_000) => {
    const t0 = Date.now();
    while (done.length === 0) {
      if (Date.now() - t0 > timeoutMs) throw new Error('no download completed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const guid = done.shift()!;
    return path.join(dir, guid); // allowAndName saves under the guid
  };
}
