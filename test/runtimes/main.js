// Node, Deno and Bun: `<runtime> test/runtimes/main.js [threads]` prints samplePoses' JSON.
import { readFileSync } from 'node:fs';
import * as wasmpose from '../../dist/src/index.js';
import { samplePoses } from './sample-poses.js';

const photo = readFileSync(new URL('../../weights/sample/000000000785.jpg', import.meta.url));
const result = await samplePoses(wasmpose, new Uint8Array(photo), Number(process.argv[2] ?? 1));
console.log(JSON.stringify(result));
