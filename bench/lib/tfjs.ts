// tfjs-core with its cpu and wasm backends, loaded lazily (dev dependencies: when
// they are missing their columns say so), and the benchmark's char-LSTM step
// written with tfjs ops.
import type { StepFn } from './timing.js';
import { LM } from './char-lm.js';
import { Rng } from '../../src/tensor/rng.js';

export type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;

export interface TfBackends {
  tf: Tf | null;
  /** why tfjs columns are empty, when they are */
  missing: Partial<Record<'tfjs-cpu' | 'tfjs-wasm', string>>;
}

export async function loadTf(): Promise<TfBackends> {
  const missing: TfBackends['missing'] = {};
  let tf: Tf;
  try {
    const mod = (await import('@tensorflow/tfjs-core')) as Tf & { default?: Tf };
    tf = mod.default ?? mod;
  } catch {
    return { tf: null, missing: { 'tfjs-cpu': 'not installed', 'tfjs-wasm': 'not installed' } };
  }
  tf.env().set('PROD', true); // no debug-mode checks
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch {
    missing['tfjs-cpu'] = 'not installed';
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    // single-threaded, like our kernels without --threads
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } catch {
    missing['tfjs-wasm'] = 'not installed';
  }
  return { tf, missing };
}

export async function useTfBackend(tf: Tf, impl: 'tfjs-cpu' | 'tfjs-wasm'): Promise<string | null> {
  const name = impl === 'tfjs-cpu' ? 'cpu' : 'wasm';
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return `backend ${name} did not initialise`;
    return null;
  } catch (e) {
    return `backend ${name} failed: ${(e as Error).message}`;
  }
}

/**
 * The same model trained by tfjs on the current backend. tfjs-core's
 * Node bundle registers no gradients (the tfjs umbrella package does), so the step
 * is written out: forward and backward of the LSTM with tfjs ops, the same
 * products as our fused kernels (input projection for all steps at once, one
 * W_hh product per step each way, weight gradients over the whole chunk), then
 * tf.train.adam. For dni: ĝ = λ·M(s_T) seeds the backward at s_T, δ = ∂/∂s_0, and
 * the synthesizer takes an Adam step on (1/B)‖M(s_0) − δ‖².
 */
export function makeTfStep(tf: Tf, hidden: number, policy: 'bptt' | 'dni'): StepFn {
  const { V, E, B, T } = LM;
  const H = hidden, G = 4 * H;
  // variable names are global in tfjs: the bptt and dni models live side by side
  const init = (shape: number[], name: string) => tf.variable(tf.randomUniform(shape, -0.1, 0.1), true, `${name}-${policy}-${H}`);
  const emb = init([V, E], 'emb'), wih = init([G, E], 'wih'), whh = init([G, H], 'whh'), bias = init([G], 'bias');
  const wd = init([V, H], 'wd'), bd = init([V], 'bd');
  const synW = policy === 'dni' ? tf.variable(tf.zeros([2 * H, 2 * H]), true, `synW-${H}`) : null;
  const synB = policy === 'dni' ? tf.variable(tf.zeros([2 * H]), true, `synB-${H}`) : null;
  const opt = tf.train.adam(1e-3);
  const synOpt = tf.train.adam(1e-4);
  const rng = new Rng(7);
  const ids = (n: number) => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.int(V);
    return a;
  };
  const rowsOf = (x: TfTensor, t: number) => tf.slice(x, [t * B, 0], [B, -1]);
  const step = () => {
    tf.tidy(() => {
      const xIds = tf.tensor1d(ids(T * B), 'int32');
      const y = tf.oneHot(tf.tensor1d(ids(T * B), 'int32'), V);
      const h0 = tf.zeros([B, H]), c0 = tf.zeros([B, H]);
      // forward
      const x = tf.gather(emb, xIds); // [T·B, E]
      const zx = tf.add(tf.matMul(x, wih, false, true), bias); // [T·B, 4H]
      let h: TfTensor = h0, c: TfTensor = c0;
      const is: TfTensor[] = [], fs_: TfTensor[] = [], gs: TfTensor[] = [], os_: TfTensor[] = [], cs: TfTensor[] = [], hs: TfTensor[] = [];
      for (let t = 0; t < T; t++) {
        const z = tf.add(rowsOf(zx, t), tf.matMul(h, whh, false, true));
        const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [TfTensor, TfTensor, TfTensor, TfTensor];
        const i = tf.sigmoid(zi), f = tf.sigmoid(zf), g = tf.tanh(zg), o = tf.sigmoid(zo);
        c = tf.add(tf.mul(f, c), tf.mul(i, g));
        h = tf.mul(o, tf.tanh(c));
        is.push(i), fs_.push(f), gs.push(g), os_.push(o), cs.push(c), hs.push(h);
      }
      const hsAll = tf.concat(hs, 0); // [T·B, H]
      const logits = tf.add(tf.matMul(hsAll, wd, false, true), bd);
      // backward: softmax cross-entropy (mean over T·B rows)
      const dLogits = tf.div(tf.sub(tf.softmax(logits), y), T * B);
      const grads: Record<string, TfTensor> = {};
      grads[wd.name] = tf.matMul(dLogits, hsAll, true, false);
      grads[bd.name] = tf.sum(dLogits, 0);
      const dHs = tf.matMul(dLogits, wd); // [T·B, H]
      let dhNext: TfTensor = tf.zeros([B, H]), dcNext: TfTensor = tf.zeros([B, H]);
      if (synW && synB) {
        // the synthetic seed at s_T = [h_T, c_T]
        const gHat = tf.mul(tf.add(tf.matMul(tf.concat([h, c], 1), synW), synB), 0.1);
        [dhNext, dcNext] = tf.split(gHat, 2, 1) as [TfTensor, TfTensor];
      }
      const dZs: TfTensor[] = new Array<TfTensor>(T);
      for (let t = T - 1; t >= 0; t--) {
        const i = is[t]!, f = fs_[t]!, g = gs[t]!, o = os_[t]!;
        const tc = tf.tanh(cs[t]!);
        const cPrev = t === 0 ? c0 : cs[t - 1]!;
        const dh = tf.add(rowsOf(dHs, t), dhNext);
        const dc = tf.add(dcNext, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))));
        const di = tf.mul(tf.mul(dc, g), tf.mul(i, tf.sub(1, i)));
        const df = tf.mul(tf.mul(dc, cPrev), tf.mul(f, tf.sub(1, f)));
        const dg = tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g)));
        const dO = tf.mul(tf.mul(dh, tc), tf.mul(o, tf.sub(1, o)));
        const dz = tf.concat([di, df, dg, dO], 1);
        dZs[t] = dz;
        dhNext = tf.matMul(dz, whh);
        dcNext = tf.mul(dc, f);
      }
      const dZ = tf.concat(dZs, 0); // [T·B, 4H]
      const hPrev = tf.concat([h0, ...hs.slice(0, T - 1)], 0);
      grads[whh.name] = tf.matMul(dZ, hPrev, true, false);
      grads[wih.name] = tf.matMul(dZ, x, true, false);
      grads[bias.name] = tf.sum(dZ, 0);
      // the embedding's scatter-add as a product (tfjs-wasm has no UnsortedSegmentSum)
      grads[emb.name] = tf.matMul(tf.oneHot(xIds, V), tf.matMul(dZ, wih), true, false);
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      if (synW && synB) {
        // δ = ∂/∂s_0 = [dh_0, dc_0]; the synthesizer's gradient of (1/B)‖s_0 W + b − δ‖²
        const s0 = tf.concat([h0, c0], 1), delta = tf.concat([dhNext, dcNext], 1);
        const r = tf.mul(tf.sub(tf.add(tf.matMul(s0, synW), synB), delta), 2 / B);
        const sg: Record<string, TfTensor> = { [synW.name]: tf.matMul(s0, r, true, false), [synB.name]: tf.sum(r, 0) };
        synOpt.applyGradients(sg as Parameters<typeof synOpt.applyGradients>[0]);
      }
    });
    // the cpu and wasm backends run synchronously; reading one value makes sure
    bias.dataSync();
  };
  const dispose = () => {
    for (const v of [emb, wih, whh, bias, wd, bd]) v.dispose();
    synW?.dispose();
    synB?.dispose();
    opt.dispose();
    synOpt.dispose();
  };
  return { step, dispose };
}
