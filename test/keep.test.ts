// Session.run(feeds, { keep }): intermediate values copied out as they are produced, with the
// outputs left bit-identical and each kept value equal to what the reference interpreter computes.
import { describe, expect, it } from 'vitest';
import { findTfjsModel } from '../src/pipeline/tfjs-models.js';
import { loadTfjsModel } from '../src/pipeline/create.js';
import { humanPoseEstimation0001 } from '../src/models/human-pose-estimation-0001.js';
import { runReference } from '../src/nn/reference.js';
import { Session } from '../src/nn/session.js';
import { toFloat32 } from '../src/nn/tensor.js';
import { expectClose, randomTensor, seededRandom } from './support/harness.js';

describe('keeping intermediate values', () => {
  // The seed OpenPose network at 32 x 32: BatchNorm folding, activation fusion, concatenation and
  // buffer reuse, small enough for the reference interpreter.
  const model = humanPoseEstimation0001({ height: 32, width: 32, seed: 3 });
  const x = randomTensor([1, 3, 32, 32], seededRandom(5));

  it('returns every value the session writes, equal to the reference, outputs bit-identical', async () => {
    const session = await Session.create(model);
    const plain = session.run({ data: toFloat32(x) });
    const values = session.values;
    expect(values.length).toBeGreaterThan(50);
    const kept = session.run({ data: toFloat32(x) }, { keep: values });
    for (const [name, out] of Object.entries(plain)) expect(kept[name]!.data, name).toEqual(out.data);

    const reference = runReference({ ...model, graph: { ...model.graph, outputs: values.map((name) => ({ name, dtype: 'float32' as const })) } }, { data: x });
    for (const name of values) {
      expect(kept[name]!.shape, name).toEqual([...reference[name]!.shape]);
      expectClose(kept[name]!.data, toFloat32(reference[name]!), 1e-4, name);
    }
    session.dispose();
  });

  it('keeping changes neither the memory plan nor a later plain run', async () => {
    const session = await Session.create(model);
    const before = session.run({ data: toFloat32(x) });
    const peak = session.peakBytes;
    session.run({ data: toFloat32(x) }, { keep: session.values.slice(3, 9) });
    const after = session.run({ data: toFloat32(x) });
    expect(session.peakBytes).toBe(peak);
    for (const name of Object.keys(before)) expect(after[name]!.data).toEqual(before[name]!.data);
  });

  it('says why a value cannot be kept', async () => {
    const session = await Session.create(model);
    const fused = model.graph.nodes.find((n) => n.op === 'Conv' && !session.values.includes(n.outputs[0]!))!.outputs[0]!;
    expect(() => session.run({ data: toFloat32(x) }, { keep: [fused] })).toThrow(/folded or fused/);
    expect(() => session.run({ data: toFloat32(x) }, { keep: ['no-such-value'] })).toThrow(/cannot keep 'no-such-value'/);
    const unoptimized = await Session.create(model, { optimize: false });
    expect(unoptimized.run({ data: toFloat32(x) }, { keep: [fused] })[fused]).toBeDefined();
  });

  it("keeps MoveNet's heads and an aliased reshape of the trained model, outputs bit-identical", async () => {
    const movenet = await Session.create(loadTfjsModel(findTfjsModel('movenet-thunder')!));
    const image = Int32Array.from({ length: 256 * 256 * 3 }, (_, i) => (i * 7919) % 256);
    const plain = movenet.run({ input: image });
    const heads = ['StatefulPartitionedCall/Sigmoid_1', 'StatefulPartitionedCall/Sigmoid', 'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd'];
    const weighted = 'StatefulPartitionedCall/truediv_3/nhwc';
    const reshaped = 'StatefulPartitionedCall/Reshape_7';
    const kept = movenet.run({ input: image }, { keep: [...heads, weighted, reshaped] });
    expect(kept.Identity!.data).toEqual(plain.Identity!.data);
    expect(kept[heads[0]!]!.shape).toEqual([1, 1, 64, 64]);
    expect(kept[heads[1]!]!.shape).toEqual([1, 17, 64, 64]);
    expect(kept[heads[2]!]!.shape).toEqual([1, 34, 64, 64]);
    // The reshape shares its source's buffer (no step writes it): same values, its own shape.
    expect(kept[reshaped]!.data).toEqual(kept[weighted]!.data);
    expect(kept[reshaped]!.shape).not.toEqual(kept[weighted]!.shape);
    movenet.dispose();
  });
});
