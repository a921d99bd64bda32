// The demo page `wasmpose serve` shows (web/index.html). Each feature is a module of its own
// under ./features; a new one is one import and one entry in FEATURES (see app.ts for the hooks).
import { DemoApp, type DemoFeature } from './app.js';
import { photoFeature } from './features/photo.js';
import { sampleFeature } from './features/sample.js';
import { webcamFeature } from './features/webcam.js';

const FEATURES: readonly DemoFeature[] = [photoFeature, webcamFeature, sampleFeature];

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const app = new DemoApp({
  model: byId('model'),
  threads: byId('threads'),
  stage: byId('stage'),
  status: byId('status'),
  timings: byId('timings'),
  result: byId('wasmpose-result'),
  panels: byId('panels'),
  isolation: byId('isolation'),
});
app.setStatus('ready: open a photo, drop one, or start the webcam');
for (const feature of FEATURES) await feature.setup(app);
