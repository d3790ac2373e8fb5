// Opening a WebGPU device, in a browser (navigator.gpu) or in Node (the optional
// `webgpu` npm package, Dawn). Nothing here imports a Node module statically: the
// engine bundles and runs in a page, where only the navigator.gpu branch runs.

/** An open device and the name of the adapter it came from. */
export interface WebGpuDeviceInfo {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** e.g. "SwiftShader driver 5.0.0 (google, swiftshader)" */
  adapterName: string;
  /** a CPU implementation of WebGPU (SwiftShader, llvmpipe, WARP, a fallback adapter) */
  software: boolean;
}

/** Why no device could be opened, as a sentence that says how to get one. */
export interface WebGpuUnavailable {
  reason: string;
}

export interface RequestDeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Dawn options for the `webgpu` package's create() in Node (e.g. "backend=vulkan"). */
  dawnOptions?: string[];
}

/** True when running under Node (also inside a worker_thread). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

const NODE_PACKAGE = 'webgpu';

/** How to get an adapter where there is none, for the platform we run on. */
export function noAdapterHint(): string {
  if (!isNode()) {
    return 'use a browser with WebGPU enabled (Chrome/Edge 113+, Safari 26+, Firefox 141+; in Chromium on Linux: --enable-unsafe-webgpu --enable-features=Vulkan) on a machine with a GPU driver';
  }
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  if (platform === 'linux') {
    return 'install a Vulkan driver for your GPU (and the loader, libvulkan1); without a GPU, SwiftShader (a CPU Vulkan driver) works: ' +
      '`apt-get install libvulkan1 chromium` and export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json ' +
      '(without libvulkan1, chromium\'s own loader also works: export LD_LIBRARY_PATH=/usr/lib/chromium)';
  }
  if (platform === 'win32') return 'install a current GPU driver with D3D12 or Vulkan support';
  if (platform === 'darwin') return 'WebGPU needs Metal (macOS 11 or later)';
  return 'install a GPU driver with Vulkan, Metal or D3D12 support';
}

/** Adapter name from GPUAdapterInfo: description, then vendor/architecture/device. */
export function adapterNameOf(adapter: GPUAdapter): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown WebGPU adapter';
  const description = String(info.description ?? '').trim();
  const details = [info.vendor, info.architecture, info.device].map((s) => String(s ?? '').trim()).filter((s) => s.length > 0);
  const unique = details.filter((s, i) => details.indexOf(s) === i && !description.includes(s));
  if (description && unique.length > 0) return `${description} (${unique.join(', ')})`;
  if (description) return description;
  if (unique.length > 0) return unique.join(' ');
  return 'unknown WebGPU adapter';
}

/** Whether the adapter renders on the CPU (then it is slower than the CPU backend). */
export function isSoftwareAdapter(adapter: GPUAdapter, name = adapterNameOf(adapter)): boolean {
  const info = (adapter as { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return info?.isFallbackAdapter === true || legacy === true || /swiftshader|llvmpipe|lavapipe|softpipe|basic render|\bwarp\b/i.test(name);
}

type GpuFactory = { create(options: string[]): GPU };

let nodeGpu: Promise<GPU | WebGpuUnavailable> | null = null;

/** The `webgpu` package's GPU object, created once per thread. */
async function nodeNavigatorGpu(dawnOptions: string[]): Promise<GPU | WebGpuUnavailable> {
  if (!nodeGpu) {
    nodeGpu = (async () => {
      let mod: GpuFactory;
      try {
        // A variable specifier: bundlers leave it alone and TypeScript does not need its types.
        const spec = NODE_PACKAGE;
        mod = (await import(/* @vite-ignore */ spec)) as GpuFactory;
      } catch (e) {
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        return { reason: `the optional '${NODE_PACKAGE}' package is not installed: npm install ${NODE_PACKAGE} (${why})` };
      }
      try {
        return mod.create(dawnOptions);
      } catch (e) {
        return { reason: `the '${NODE_PACKAGE}' package failed to start: ${e instanceof Error ? e.message : String(e)}` };
      }
    })();
  }
  return nodeGpu;
}

/** The GPU object of this environment: navigator.gpu, or the `webgpu` package in Node. */
export async function getGpu(opts: RequestDeviceOptions = {}): Promise<GPU | WebGpuUnavailable> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (isNode()) return nodeNavigatorGpu(opts.dawnOptions ?? []);
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  if (secure === false) return { reason: 'navigator.gpu is only available in a secure context (https or localhost)' };
  return { reason: `this browser has no navigator.gpu: ${noAdapterHint()}` };
}

/** Opens an adapter and a device, or says why none is available and how to get one. */
export async function requestWebGpuDevice(opts: RequestDeviceOptions = {}): Promise<WebGpuDeviceInfo | WebGpuUnavailable> {
  const gpu = await getGpu(opts);
  if ('reason' in gpu) return gpu;
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  } catch (e) {
    return { reason: `requestAdapter failed (${e instanceof Error ? e.message : String(e)}): ${noAdapterHint()}` };
  }
  if (!adapter) return { reason: `no WebGPU adapter was found: ${noAdapterHint()}` };
  const adapterName = adapterNameOf(adapter);
  // Ask for the adapter's own buffer limits: the defaults (128/256 MiB) are small for big chunks.
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
    const v = adapter.limits[k];
    if (typeof v === 'number' && v > 0) requiredLimits[k] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    return { reason: `the adapter "${adapterName}" could not open a device: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { device, adapter, adapterName, software: isSoftwareAdapter(adapter, adapterName) };
}
