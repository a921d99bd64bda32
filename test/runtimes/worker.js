// The Chromium module Web Worker of the five-runtime test.
import * as wasmpose from '/dist/src/index.js';
import { samplePoses } from '/test-runtimes/sample-poses.js';

self.onmessage = async (event) => {
  try {
    self.postMessage(await samplePoses(wasmpose, event.data.photo, event.data.threads));
  } catch (e) {
    self.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  }
};
