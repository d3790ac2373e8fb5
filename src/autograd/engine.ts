// Reverse-mode sweep over the tape.
import { Tensor } from '../tensor/tensor.js';
import { fmt, sameShape, ShapeError } from '../tensor/shape.js';
import type { Node, Var } from './variable.js';

/**
 * Outputs of nodes that a backward has released, with the op that made them. Such a Var
 * looks like a leaf afterwards (its node is gone), so without this a second backward
 * through it would silently stop there instead of failing as documented.
 */
const released = new WeakMap<Var, string>();

function releasedError(v: Var, where: string): Error {
  return new Error(
    `backward: ${where} ${v.toString()} was made by ${released.get(v)} whose graph an earlier backward already released; ` +
      'recompute the forward pass, or detach() the value to use it as a new leaf',
  );
}

/** Nodes reachable from `roots`, each after every node that consumes its outputs. */
function reverseTopological(roots: Var[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  // Iterative post-order DFS: a long unrolled chunk must not overflow the stack.
  const stack: { node: Node; next: number }[] = [];
  for (const r of roots) {
    if (!r.node || seen.has(r.node)) continue;
    seen.add(r.node);
    stack.push({ node: r.node, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++]!.node;
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order.reverse();
}

/** v.grad += g, copying first if v.grad might be shared. */
export function accumulateGrad(v: Var, g: Tensor): void {
  if (!sameShape(v.shape, g.shape)) {
    throw new ShapeError(`backward: gradient of shape ${fmt(g.shape)} does not match ${v.toString()}${v.node ? ` made by ${v.node.op}` : ''}`);
  }
  if (v.grad === null) {
    v.grad = g;
    v.gradOwned = false;
    return;
  }
  if (!v.gradOwned) {
    v.grad = v.grad.clone();
    v.gradOwned = true;
  }
  const a = v.grad.data, b = g.data;
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}

/**
 * Back-propagates from several roots at once, each with its own seed gradient
 * (a number fills the root's shape; DNI uses `backward([loss, sK], [1, gHatScaled])`).
 * Leaves that require grad accumulate into `.grad`; the graph is released afterwards,
 * so intermediate values can be collected and a second backward through it fails loudly.
 */
export function backward(roots: Var[], seeds?: (Tensor | number)[]): void {
  if (seeds && seeds.length !== roots.length) {
    throw new Error(`backward: ${roots.length} roots but ${seeds.length} seeds`);
  }
  roots.forEach((root, i) => {
    if (released.has(root)) throw releasedError(root, `root ${i}`);
  });
  const nodes = reverseTopological(roots);
  for (const node of nodes) {
    for (const input of node.inputs) if (released.has(input)) throw releasedError(input, `input of ${node.op}`);
  }
  // every seed is checked before any gradient is added, so a bad one leaves nothing half-done
  const seedTensors = roots.map((root, i) => {
    if (!root.requiresGrad) throw new Error(`backward: root ${i} (${root.toString()}) does not require grad: nothing to differentiate`);
    const s = seeds ? seeds[i]! : 1;
    const seed = typeof s === 'number' ? Tensor.full(root.shape, s, root.dtype) : s;
    if (!sameShape(seed.shape, root.shape)) {
      throw new ShapeError(`backward: seed ${i} has shape ${fmt(seed.shape)} but its root has ${fmt(root.shape)}`);
    }
    if (seed.dtype !== root.dtype) throw new Error(`backward: seed ${i} is ${seed.dtype} but its root is ${root.dtype}`);
    return seed;
  });
  roots.forEach((root, i) => accumulateGrad(root, seedTensors[i]!));
  const leaves = new Set<Var>(roots.filter((r) => r.isLeaf));
  for (const node of nodes) {
    const gradOutputs = node.outputs.map((o) => o.grad);
    if (gradOutputs.every((g) => g === null)) continue;
    const gradInputs = node.backward(gradOutputs);
    node.inputs.forEach((input, i) => {
      const g = gradInputs[i];
      if (g && input.requiresGrad) {
        accumulateGrad(input, g);
        if (input.isLeaf) leaves.add(input);
      }
    });
  }
  // Release the graph: intermediate gradients and the links that keep saved activations alive.
  for (const node of nodes) {
    for (const o of node.outputs) {
      o.grad = null;
      o.node = null;
      released.set(o, node.op);
    }
    node.inputs = [];
    node.outputs = [];
  }
  // Leaf gradients must not alias a seed or an op's buffer that a caller may reuse.
  for (const leaf of leaves) {
    if (leaf.grad && !leaf.gradOwned) {
      leaf.grad = leaf.grad.clone();
      leaf.gradOwned = true;
    }
  }
}
