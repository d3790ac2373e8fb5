// Opening a WebGPU device for the tests, on a machine without a GPU too.
//
// CI has no GPU: Dawn (the `webgpu` package) runs on SwiftShader, the CPU Vulkan
// driver that Debian's chromium package ships (/usr/lib/chromium). That needs
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
// and a Vulkan loader, libvulkan.so.1: the system's (apt-get install libvulkan1)
// or the copy chromium ships next to SwiftShader. These helpers set the variable
// when it is unset and the file exists, and load chromium's loader when the system
// has none, so `npm test` runs the WebGPU tests wherever chromium is installed;
// without any adapter the WebGPU suites are skipped (describe.skipIf).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requestWebGpuDevice } from '../../src/backends/webgpu/device.js';
import { WebGpuKernels } from '../../src/backends/webgpu/kernels.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_VULKAN_LOADER = '/usr/lib/chromium/libvulkan.so.1';
const RTLD_NOW = 2, RTLD_GLOBAL = 0x100, RTLD_NODELETE = 0x1000;

let prepared = false;

/** Points Vulkan at SwiftShader when nothing else is configured, and makes sure a Vulkan loader can be found. */
export function prepareWebGpuEnv(): void {
  if (prepared) return;
  prepared = true;
  if (process.platform !== 'linux') return;
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // Dawn dlopen()s "libvulkan.so.1". If the system has no loader, load chromium's copy
  // first (RTLD_NODELETE keeps it after Node's dlopen reports "did not self-register"),
  // so that Dawn's dlopen finds it by its soname.
  for (const lib of ['libvulkan.so.1', CHROMIUM_VULKAN_LOADER]) {
    if (lib.startsWith('/') && !fs.existsSync(lib)) continue;
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, lib, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
      return;
    } catch (e) {
      // "did not self-register" means the library loaded (it is not a Node addon)
      if (e instanceof Error && /self-register/.test(e.message)) return;
    }
  }
}

let kernels: Promise<WebGpuKernels | null> | null = null;

/** One WebGpuKernels per test process, or null (with the reason logged) when there is no adapter. */
export function openKernels(): Promise<WebGpuKernels | null> {
  if (!kernels) {
    kernels = (async () => {
      prepareWebGpuEnv();
      const r = await requestWebGpuDevice();
      if ('reason' in r) {
        console.warn(`WebGPU tests skipped: ${r.reason}`);
        return null;
      }
      return new WebGpuKernels(r.device, r.adapterName);
    })();
  }
  return kernels;
}

/** Whether this process can open an adapter (for describe.skipIf; top-level await in the test file). */
export async function haveWebGpu(): Promise<boolean> {
  return (await openKernels()) !== null;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The sources compiled to JavaScript (tsc -p tsconfig.build.json into a fresh
 * folder under node_modules/.cache), for what cannot run from TypeScript sources:
 * the backend's worker thread and the browser page. Returns the output folder
 * (it mirrors the repository: <out>/src/backends/webgpu/worker.js).
 */
export function compileSources(): string {
  const base = path.join(ROOT, 'node_modules', '.cache', 'synthgrad-webgpu-test');
  fs.mkdirSync(base, { recursive: true });
  const out = fs.mkdtempSync(path.join(base, `${process.pid}-`));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--sourceMap', 'false', '--declaration', 'false'], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // type errors elsewhere still emit JavaScript (`npm test` reports them); a missing output does not
    if (!fs.existsSync(path.join(out, 'src', 'backends', 'webgpu', 'worker.js'))) {
      const err = e as { stdout?: Buffer; message: string };
      throw new Error(`compiling the sources failed: ${err.stdout?.toString() ?? err.message}`);
    }
  }
  // Node does not look for the package scope past node_modules: say these are ES modules
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
  return out;
}

export function removeCompiled(out: string): void {
  fs.rmSync(out, { recursive: true, force: true });
}

export function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-webgpu-')), name);
}
