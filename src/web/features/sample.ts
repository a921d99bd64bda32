// `/?sample`: the bundled sample photo through the chosen model as soon as the page loads. Its
// OpenPose JSON lands in <pre id="wasmpose-result"> and the page's body gets data-wasmpose="done"
// (or "failed"), so that scripts can wait for it and check it.
import { decodeImage } from '../../image/codec.js';
import type { DemoFeature } from '../app.js';

/** The sample photo, relative to this module (dist/src/web/features -> weights/sample). */
export const SAMPLE_PHOTO = new URL('../../../../weights/sample/000000000785.jpg', import.meta.url);

export const sampleFeature: DemoFeature = {
  name: 'sample',
  async setup(app) {
    if (!app.params.has('sample')) return;
    try {
      const response = await fetch(SAMPLE_PHOTO);
      if (!response.ok) throw new Error(`cannot fetch the sample photo: HTTP ${response.status}`);
      await app.show(decodeImage(await response.arrayBuffer()));
      document.body.dataset['wasmpose'] = 'done';
    } catch (e) {
      document.body.dataset['wasmpose'] = 'failed';
      app.setStatus(e instanceof Error ? e.message : String(e), true);
    }
  },
};
