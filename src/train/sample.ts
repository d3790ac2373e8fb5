// Text generation from a language model, one token at a time, with temperature.
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import type { LstmLm } from '../models/lstm-lm.js';
import { pythonSplit } from '../data/vocab.js';

export interface SampleOptions {
  length: number;
  temperature: number;
  prime: string;
  rng: Rng;
}

/** Tokens of `text` in the model's vocabulary (characters, or whitespace-separated words); unknown ones are an error. */
function encode(text: string, vocab: string[], task: 'charlm' | 'wordlm'): number[] {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const tokens = task === 'charlm' ? Array.from(text) : pythonSplit(text); // the corpus's own word rule
  return tokens.map((t) => {
    const id = index.get(t);
    if (id === undefined) throw new Error(`--prime: ${JSON.stringify(t)} is not in the model's vocabulary`);
    return id;
  });
}

export function sampleText(model: LstmLm, vocab: string[], task: 'charlm' | 'wordlm', o: SampleOptions): string {
  return noGrad(() => {
    let s = new Var(Tensor.zeros([1, model.stateSize]));
    const prime = encode(o.prime, vocab, task);
    let next = prime.length > 0 ? prime[0]! : o.rng.int(vocab.length);
    const out: number[] = prime.length > 0 ? [] : [next];
    // feed the prime, then sample
    for (let i = 0; i < prime.length + o.length - 1; i++) {
      const { logits, sK } = model.stepLogits(Int32Array.of(next), s);
      s = sK;
      if (i + 1 < prime.length) {
        next = prime[i + 1]!;
        continue;
      }
      const z = logits.value.data;
      let max = -Infinity;
      for (let j = 0; j < z.length; j++) max = Math.max(max, z[j]! / o.temperature);
      const p = Array.from(z, (v) => Math.exp(v / o.temperature - max));
      const total = p.reduce((a, b) => a + b, 0);
      let u = o.rng.uniform() * total;
      next = p.length - 1;
      for (let j = 0; j < p.length; j++) {
        u -= p[j]!;
        if (u <= 0) {
          next = j;
          break;
        }
      }
      out.push(next);
    }
    const tokens = [...prime, ...out].map((id) => vocab[id]!);
    if (task === 'charlm') return tokens.join('');
    return tokens.map((w) => (w === '<eos>' ? '\n' : w)).join(' ').replace(/ \n /g, '\n');
  });
}
