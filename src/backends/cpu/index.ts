import type { Backend } from '../backend.js';
import { lstmBackwardCpu, lstmForwardCpu } from './lstm.js';
import { matmulCpu } from './matmul.js';
import { adamCpu } from './adam.js';
import { softmaxCeCpu } from './softmax-ce.js';
import { ScratchPool } from '../scratch.js';
import { allocate } from '../../tensor/dtype.js';

/** The reference backend: plain TypeScript loops over flat arrays. */
export const cpuBackend: Backend = {
  name: 'cpu',
  matmul: matmulCpu,
  lstmForward: lstmForwardCpu,
  lstmBackward: lstmBackwardCpu,
  adam: (a) => adamCpu(a),
  softmaxCrossEntropy: softmaxCeCpu,
  scratch: new ScratchPool(allocate),
};
