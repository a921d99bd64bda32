// The activations, with ONNX's attribute defaults:
//   Relu         max(x, 0)
//   LeakyRelu    x < 0 ? alpha x : x                          alpha 0.01
//   Elu          x < 0 ? alpha (e^x - 1) : x                  alpha 1
//   Selu         gamma (x <= 0 ? alpha (e^x - 1) : x)         alpha 1.6732632, gamma 1.0507010
//   Sigmoid      1 / (1 + e^-x)
//   Tanh
//   Softplus     ln(1 + e^x)
//   HardSigmoid  max(0, min(1, alpha x + beta))               alpha 0.2, beta 0.5
//   HardSwish    x max(0, min(1, x / 6 + 1/2))
import { attrFloat } from '../../graph.js';
import { unaryOp } from './unary.js';

export const relu = unaryOp({ type: 'Relu', kernel: 'Relu', float: (x) => Math.max(x, 0), integer: (x) => (x > 0n ? x : 0n) });

export const leakyRelu = unaryOp({
  type: 'LeakyRelu',
  kernel: 'LeakyRelu',
  params: (node) => [attrFloat(node, 'alpha', 0.01), 0],
  float: (x, alpha) => (x < 0 ? alpha * x : x),
});

export const elu = unaryOp({
  type: 'Elu',
  kernel: 'Elu',
  params: (node) => [attrFloat(node, 'alpha', 1), 0],
  float: (x, alpha) => (x < 0 ? alpha * (Math.exp(x) - 1) : x),
});

export const selu = unaryOp({
  type: 'Selu',
  kernel: 'Selu',
  params: (node) => [attrFloat(node, 'alpha', 1.67326319217681884765625), attrFloat(node, 'gamma', 1.05070102214813232421875)],
  float: (x, alpha, gamma) => gamma * (x <= 0 ? alpha * (Math.exp(x) - 1) : x),
});

export const sigmoid = unaryOp({ type: 'Sigmoid', kernel: 'Sigmoid', float: (x) => 1 / (1 + Math.exp(-x)) });

export const tanh = unaryOp({ type: 'Tanh', kernel: 'Tanh', float: Math.tanh });

export const softplus = unaryOp({
  type: 'Softplus',
  kernel: 'Softplus',
  // Written so e^x cannot overflow: ln(1 + e^x) = x + ln(1 + e^-x).
  float: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
});

export const hardSigmoid = unaryOp({
  type: 'HardSigmoid',
  kernel: 'HardSigmoid',
  params: (node) => [attrFloat(node, 'alpha', 0.2), attrFloat(node, 'beta', 0.5)],
  float: (x, alpha, beta) => Math.max(0, Math.min(1, alpha * x + beta)),
});

export const hardSwish = unaryOp({ type: 'HardSwish', kernel: 'HardSwish', float: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)) });
