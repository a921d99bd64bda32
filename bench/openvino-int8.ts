// The `openvino-int8` suite: human-pose-estimation-0001 (the registry's seed network, seeded
// weights) as OpenVINO IR, FP32 and FP16-INT8 (the network through quantizeModel, calibrated as
// the models suite does, written by writeOpenVino: FakeQuantize on activations, compressed int8
// weights), run by wasmpose in this process on the same seeded input, alternating one run of
// each per round:
//   FP32 IR                     the float network
//   FP16-INT8 IR                read as QDQ (formats/openvino/int8.ts): the integer kernels
//   FP16-INT8 IR, int8: false   every FakeQuantize as its float decomposition (the reader before)
//   QDQ ONNX                    the model the IR was written from
// Each row gives the median and minimum, and the FP32 IR's median over its own.
import { readOpenVino } from '../src/nn/formats/openvino/reader.js';
import { writeOpenVino } from '../src/nn/formats/openvino/writer.js';
import { median } from '../src/eval/regression.js';
import { seededFeeds } from '../src/nn/random.js';
import { Session, type RuntimeData } from '../src/nn/session.js';
import { MODELS } from '../src/models/registry.js';
import { feedSpecs, quantizeForBench } from './models.js';

export interface OpenVinoInt8Options {
  quick: boolean;
  threads?: number;
  rounds?: number;
  warmup?: number;
}

export async function openVinoInt8Suite(options: OpenVinoInt8Options): Promise<void> {
  const network = 'human-pose-estimation-0001';
  const float = MODELS.find((m) => m.name === network)!.build();
  const qdq = await quantizeForBench(float, undefined);
  const fp32 = writeOpenVino(float, { precision: 'FP32' });
  const int8 = writeOpenVino(qdq, { precision: 'FP16' });
  const variants = [
    { name: 'FP32 IR', model: readOpenVino(fp32.xml, { weights: fp32.bin }) },
    { name: 'FP16-INT8 IR', model: readOpenVino(int8.xml, { weights: int8.bin }) },
    { name: 'FP16-INT8 IR, int8: false', model: readOpenVino(int8.xml, { weights: int8.bin, int8: false }) },
    { name: 'QDQ ONNX', model: qdq },
  ];
  const threads = options.threads ?? 1;
  const sessions = await Promise.all(variants.map((v) => Session.create(v.model, { threads })));
  const feeds: Record<string, RuntimeData> = Object.fromEntries(seededFeeds(feedSpecs(float), 1).map((f) => [f.name, f.data]));
  const rounds = options.rounds ?? (options.quick ? 3 : 10);
  const warmup = options.warmup ?? 2;
  const times = variants.map((): number[] => []);
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      sessions.forEach((session, i) => {
        const start = performance.now();
        session.run(feeds);
        if (round >= warmup) times[i]!.push(performance.now() - start);
      });
    }
  } finally {
    for (const s of sessions) s.dispose();
  }
  const reference = median(times[0]!);
  console.log(`${network}, ${threads} thread(s), ${rounds} rounds after ${warmup} warm-up`);
  console.log(`${'variant'.padEnd(28)}${'median ms'.padStart(11)}${'min ms'.padStart(9)}${'FP32 IR / it'.padStart(14)}   ops`);
  variants.forEach((v, i) => {
    const m = median(times[i]!);
    const ops = new Map<string, number>();
    for (const n of sessions[i]!.nodes) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
    const convs = ['QLinearConv', 'Conv'].map((op) => `${ops.get(op) ?? 0} ${op}`).join(', ');
    console.log(`${v.name.padEnd(28)}${m.toFixed(1).padStart(11)}${Math.min(...times[i]!).toFixed(1).padStart(9)}${(reference / m).toFixed(2).padStart(13)}x   ${convs}`);
  });
}
