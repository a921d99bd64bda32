// Activations fused into a Conv's epilogue by src/nn/passes/fuse-activations.ts. The pass records
// the activation on the Conv node as two attributes of our own:
//   activation         the ONNX op name: Relu, Clip, LeakyRelu, PRelu, Elu, Sigmoid, HardSigmoid, HardSwish
//   activation_params  its parameters as floats: Clip [min, max], LeakyRelu [alpha], PRelu [one
//                      slope, or one per output channel], Elu [alpha], HardSigmoid [alpha, beta]
// The reference Conv applies them exactly as the standalone ONNX ops would; the WASM kernels get
// a code and two parameters per output channel (assembly/kernels/conv/activation.ts).
import { UnsupportedOpError } from '../../errors.js';
import { attr, attrFloats, attrString, type Attr, type Node } from '../../graph.js';

export type ActivationName = 'Relu' | 'Clip' | 'LeakyRelu' | 'PRelu' | 'Elu' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish';

export const FUSABLE_ACTIVATIONS: readonly ActivationName[] = ['Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Elu', 'Sigmoid', 'HardSigmoid', 'HardSwish'];

/** Kernel codes: the ACT_* constants of assembly/kernels/conv/activation.ts. PRelu runs as LeakyRelu with a slope per channel. */
const KERNEL_CODES: Record<ActivationName, number> = {
  Relu: 1, Clip: 2, LeakyRelu: 3, PRelu: 3, Elu: 4, Sigmoid: 5, HardSigmoid: 6, HardSwish: 7,
};

export interface FusedActivation {
  name: ActivationName;
  params: number[];
}

/** The attributes that record `activation` on a node. */
export function activationAttrs(activation: FusedActivation): Record<string, Attr> {
  return { activation: attr.string(activation.name), activation_params: attr.floats(activation.params) };
}

/** The activation fused into this node, or undefined. */
export function fusedActivation(node: Node): FusedActivation | undefined {
  const name = attrString(node, 'activation', '');
  if (name === '') return undefined;
  if (!(FUSABLE_ACTIVATIONS as readonly string[]).includes(name)) {
    throw new UnsupportedOpError(`${node.op} node '${node.name}': fused activation '${name}' is not one of ${FUSABLE_ACTIVATIONS.join(', ')}`);
  }
  const params = attrFloats(node, 'activation_params') ?? [];
  const needed: Record<ActivationName, number> = { Relu: 0, Clip: 2, LeakyRelu: 1, PRelu: 1, Elu: 1, Sigmoid: 0, HardSigmoid: 2, HardSwish: 0 };
  const want = needed[name as ActivationName];
  if (name === 'PRelu' ? params.length < 1 : params.length !== want) {
    throw new UnsupportedOpError(`${node.op} node '${node.name}': fused ${name} needs ${want} parameter(s), got ${params.length}`);
  }
  return { name: name as ActivationName, params };
}

/** The activation of channel `channel` applied to one value, as the standalone ONNX op computes it. */
export function activate(v: number, activation: FusedActivation, channel: number): number {
  const p = activation.params;
  switch (activation.name) {
    case 'Relu': return Math.max(v, 0);
    case 'Clip': return Math.min(Math.max(v, p[0]!), p[1]!);
    case 'LeakyRelu': return v < 0 ? p[0]! * v : v;
    case 'PRelu': return v < 0 ? (p.length === 1 ? p[0]! : p[channel]!) * v : v;
    case 'Elu': return v < 0 ? p[0]! * (Math.exp(v) - 1) : v;
    case 'Sigmoid': return 1 / (1 + Math.exp(-v));
    case 'HardSigmoid': return Math.max(0, Math.min(1, p[0]! * v + p[1]!));
    case 'HardSwish': return v * Math.max(0, Math.min(1, v / 6 + 0.5));
  }
}

/**
 * The kernel's activation code and two parameters per channel, for `channels` output channels,
 * padded to a whole number of micro-kernel panels (MR = 4 channels), whose tiles read the bounds
 * of all four rows. Relu gets (0, +inf): the micro-kernel applies Relu and Clip as the same clamp.
 */
export function kernelActivation(activation: FusedActivation | undefined, channels: number, where: string): { code: number; params: Float32Array } {
  const params = new Float32Array(2 * Math.ceil(channels / 4) * 4);
  if (activation === undefined) return { code: 0, params };
  const p = activation.params;
  if (activation.name === 'PRelu' && p.length !== 1 && p.length !== channels) {
    throw new UnsupportedOpError(`${where}: fused PRelu has ${p.length} slopes for ${channels} channels`);
  }
  for (let c = 0; c < channels; c++) {
    const perChannel = activation.name === 'PRelu' ? [p.length === 1 ? p[0]! : p[c]!, 0] : activation.name === 'Relu' ? [0, Infinity] : [p[0] ?? 0, p[1] ?? 0];
    params[2 * c] = perChannel[0]!;
    params[2 * c + 1] = perChannel[1]!;
  }
  return { code: KERNEL_CODES[activation.name], params };
}
