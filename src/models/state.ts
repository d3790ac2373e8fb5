// PyTorch's state_dict convention: every component that carries state from one
// step to the next names its own tensors and scalars, saves them and restores
// them; a checkpoint only gathers the components' dictionaries.
import { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from './params.js';

/** A component's saved state: named tensors and JSON scalars. */
export interface StateDict {
  /** Tensors by their names in the checkpoint; views of the live values (the writer copies them). */
  tensors: Map<string, Tensor>;
  /** Scalars as JSON (null when the component has none). */
  meta: Record<string, unknown> | null;
}

/** A component that saves and restores its state (models, optimizers, data sources). */
export interface Stateful {
  stateDict(): StateDict;
  /**
   * Restores the state saved by stateDict. `d.tensors` may hold a whole
   * checkpoint: a component takes the names it owns. Throws an Error naming the
   * tensor that is missing or does not fit.
   */
  loadStateDict(d: StateDict): void;
}

/** The parameters under their names; `aliases` adds a second name for a shared one (a tied decoder). */
export function paramStateDict(params: ParamSet, aliases: Record<string, string> = {}): StateDict {
  const tensors = new Map<string, Tensor>();
  for (const spec of params.specs) tensors.set(spec.name, params.get(spec.name).value);
  for (const [alias, of] of Object.entries(aliases)) tensors.set(alias, params.get(of).value);
  return { tensors, meta: null };
}

/** Copies every parameter from `tensors` (aliases are not read: they repeat a parameter). */
export function loadParamStateDict(params: ParamSet, tensors: Map<string, Tensor>): void {
  for (const spec of params.specs) copyInto(params.get(spec.name).value, tensors.get(spec.name), spec.name);
}

/** Copies the values of a saved tensor into `into`, which must have as many. */
export function copyInto(into: Tensor, from: Tensor | undefined, name: string): void {
  if (!from) throw new Error(`missing tensor ${name}`);
  if (from.size !== into.size) throw new Error(`tensor ${name} has ${from.size} values, the configured run needs ${into.size}`);
  into.data.set(from.data);
}
