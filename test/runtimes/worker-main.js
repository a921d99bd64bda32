// Node, Deno and Bun: the estimator in a worker ('wasmpose/worker'), on the sample photo.
import { readFileSync } from 'node:fs';
import { decodeImage } from '../../dist/src/index.js';
import { createEstimator } from '../../dist/src/worker/index.js';

const image = decodeImage(new Uint8Array(readFileSync(new URL('../../weights/sample/000000000785.jpg', import.meta.url))));
const estimator = await createEstimator(undefined, { threads: Number(process.argv[2] ?? 1) });
const poses = await estimator.estimate(image);
estimator.dispose();
console.log(JSON.stringify({ detached: image.data.byteLength === 0, inferMs: estimator.timings.infer, poses: poses.map((p) => ({ score: p.score, keypoints: p.keypoints.map((k) => [k.x, k.y, k.score ?? 0]) })) }));
