// Checkpoints in safetensors: the model and synthesizer under their PyTorch
// names (so the model part loads into torch with load_state_dict), plus what
// an exact resume needs under names of our own; scalars go in __metadata__.
// The components' state dictionaries are gathered in run.ts.
import { decodeSafetensors, encodeSafetensors, type StTensor } from '../io/safetensors.js';
import type { FloatArray } from '../tensor/dtype.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from '../models/params.js';

/** A checkpoint or --init file that does not fit the configured run (bad input: exit code 2). */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

/** Prefixes of the resume-only tensors (everything else is model or synthesizer weights). */
export const RESUME_PREFIXES = ['optimizer.', 'synth_optimizer.', 'state.', 'synth_state.'];

export function stTensorOf(data: FloatArray, shape: readonly number[]): StTensor {
  return data instanceof Float64Array
    ? { dtype: 'F64', shape: shape.slice(), data: data.slice() }
    : { dtype: 'F32', shape: shape.slice(), data: data.slice() };
}

export interface CheckpointContents {
  tensors: [string, StTensor][];
  /** Non-tensor state, stored as JSON under the metadata key "synthgrad". */
  state: Record<string, unknown>;
}

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  return encodeSafetensors(c.tensors, { format: 'pt', synthgrad: JSON.stringify(c.state) });
}

export interface LoadedCheckpoint {
  tensors: Map<string, Tensor>;
  state: Record<string, unknown> | null;
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): LoadedCheckpoint {
  const file = decodeSafetensors(bytes, source);
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of file.tensors) {
    if (t.dtype === 'I32') {
      tensors.set(name, Tensor.from(t.data, t.shape, 'float64'));
    } else {
      tensors.set(name, new Tensor(t.data as FloatArray, t.shape));
    }
  }
  let state: Record<string, unknown> | null = null;
  const raw = file.metadata.synthgrad;
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) state = parsed as Record<string, unknown>;
    } catch {
      throw new CheckpointMismatchError(`${source}: the "synthgrad" metadata entry is not valid JSON; the file is damaged or was not written by synthgrad`);
    }
    if (!state) throw new CheckpointMismatchError(`${source}: the "synthgrad" metadata entry is not a JSON object`);
  }
  return { tensors, state };
}

/**
 * Copies named tensors into a ParamSet. Every parameter must be present with its
 * exact shape; errors name the tensor. F64 values are rounded to the ParamSet's dtype.
 */
export function loadParams(params: ParamSet, tensors: Map<string, Tensor>, source: string): void {
  for (const spec of params.specs) {
    const t = tensors.get(spec.name);
    if (!t) throw new CheckpointMismatchError(`${source}: missing tensor ${spec.name} (shape ${fmt(spec.shape)})`);
    const same = t.shape.length === spec.shape.length && t.shape.every((d, i) => d === spec.shape[i]);
    if (!same) throw new CheckpointMismatchError(`${source}: tensor ${spec.name} has shape ${fmt(t.shape)} but the configured model needs ${fmt(spec.shape)}`);
    params.get(spec.name).value.data.set(t.data);
  }
}
