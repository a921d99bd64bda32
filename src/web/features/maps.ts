// "Show network maps": the current photo's keypoint heatmaps (and, for OpenPose-style networks,
// part affinity fields) over the photo, drawn by the browser-safe primitives of src/render/maps.ts
// as `wasmpose explain` draws them. The maps come from the pipeline's own stages (prepare, infer)
// on the same crops the estimate used; MoveNet decodes inside its graph, so its keypoint heatmap
// head (the 17-channel Sigmoid inside the graph, as explain finds it) is kept from the run.
// One picture: the maximum over the keypoint channels (inferno scale), or the sum of every limb's
// PAF as a flow field (hue = direction, brightness = magnitude).
import { OPENPOSE_LIMBS } from '../../decode/openpose.js';
import type { BoundingBox } from '../../decode/pose.js';
import type { RgbImage } from '../../image/image.js';
import type { Affine } from '../../image/geometry.js';
import { isTopDown } from '../../pipeline/decoders.js';
import type { PoseEstimator } from '../../pipeline/estimator.js';
import type { RunnerOutput } from '../../pipeline/runner.js';
import { composeAffine, dimmed, flowOverlay, heatmapOverlay, planeOf, type MapPlane } from '../../render/maps.js';
import type { DemoApp, DemoFeature, DemoResult } from '../app.js';
import { drawPoses, putRgbImage, skeletonFor } from '../draw.js';

type MapKind = 'heatmaps' | 'pafs';

/** One network run's map: channel planes and where the map lies on the photo. */
interface RunMaps {
  heatmaps?: MapPlane;
  pafs?: [MapPlane, MapPlane];
  imageToMap: Affine;
}

/** Input pixel centres -> a grid of `stride` whose cell c is centred on input pixel (c + 0.5) * stride - 0.5 (explain's 'centre'). */
function inputToGrid(stride: number): Affine {
  const shift = 0.5 / stride - 0.5;
  return [1 / stride, 0, shift, 0, 1 / stride, shift];
}

/** The maximum over `channels` planes of a map, as one plane. */
function maxPlane(planes: readonly MapPlane[]): MapPlane {
  const { width, height } = planes[0]!;
  const data = new Float32Array(width * height).fill(-Infinity);
  for (const plane of planes) {
    const step = plane.step ?? 1, offset = plane.offset ?? 0;
    for (let i = 0; i < data.length; i++) data[i] = Math.max(data[i]!, plane.data[offset + i * step]!);
  }
  return { data, width, height };
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The maps of one run of `estimator` on `image` (top-down: the person in `box`), or a reason there are none. */
function runMaps(estimator: PoseEstimator, image: RgbImage, box: BoundingBox | undefined): RunMaps | string {
  const { spec } = estimator;
  const prepared = estimator.prepare(image, box);
  const imageToInput = prepared.transform.imageToInput;
  if (spec.decoder.startsWith('movenet')) {
    // MoveNet's heads are inside its graph: keep its Sigmoid values and take the 17-channel one (NCHW).
    const keep = estimator.values.filter((v) => /\/Sigmoid(_\d+)?$/.test(v));
    const run = estimator.infer(prepared, keep);
    const head = keep.map((v) => run[v]).find((t): t is RunnerOutput => t !== undefined && t.shape.length === 4 && t.shape[1] === 17);
    if (head === undefined) return 'this MoveNet graph has no 17-channel Sigmoid heatmap head to keep';
    const [, c, h, w] = head.shape as [number, number, number, number];
    const data = head.data instanceof Float32Array ? head.data : Float32Array.from(head.data);
    const planes = Array.from({ length: c }, (_, k) => planeOf(data, 'NCHW', c, h, w, k));
    return { heatmaps: maxPlane(planes), imageToMap: composeAffine(inputToGrid(spec.input.width / w), imageToInput) };
  }
  const heatName = spec.outputs.heatmaps;
  if (heatName === undefined) return `${spec.name} has no heatmap output`;
  const run = estimator.infer(prepared);
  const output = run[heatName]!;
  const nchw = spec.layout === 'NCHW';
  const [h, w, channels] = nchw ? [output.shape[2]!, output.shape[3]!, output.shape[1]!] : [output.shape[1]!, output.shape[2]!, output.shape[3]!];
  const data = output.data instanceof Float32Array ? output.data : Float32Array.from(output.data);
  const layout = nchw ? 'NCHW' : 'NHWC';
  const openpose = spec.decoder === 'openpose' || spec.decoder === 'pose3d';
  // OpenPose: keypoint channels then background (and, in a shared output, the PAFs after them).
  const keypointChannels = openpose ? spec.keypoints.length : channels;
  let heatmaps = maxPlane(Array.from({ length: keypointChannels }, (_, k) => planeOf(data, layout, channels, h, w, k)));
  // PoseNet's heatmaps are logits, and its cells sit at input pixel c * stride (explain's transform).
  const posenet = spec.decoder === 'posenet';
  if (posenet) heatmaps = { ...heatmaps, data: Float32Array.from(heatmaps.data as Float32Array, sigmoid) };
  const stride = spec.input.width / w;
  const imageToMap = composeAffine(posenet ? [1 / stride, 0, 0, 0, 1 / stride, 0] : inputToGrid(stride), imageToInput);
  const maps: RunMaps = { heatmaps, imageToMap };
  if (openpose && spec.outputs.pafs !== undefined) {
    const shared = spec.outputs.pafs === heatName;
    const pafData = shared ? data.subarray((spec.keypoints.length + 1) * h * w) : run[spec.outputs.pafs]!.data as Float32Array;
    const pafChannels = pafData.length / (h * w);
    const vx = new Float32Array(h * w), vy = new Float32Array(h * w);
    for (const limb of OPENPOSE_LIMBS) {
      if (limb.pafY >= pafChannels) continue;
      for (let i = 0; i < h * w; i++) {
        vx[i] = vx[i]! + pafData[limb.pafX * h * w + i]!;
        vy[i] = vy[i]! + pafData[limb.pafY * h * w + i]!;
      }
    }
    maps.pafs = [{ data: vx, width: w, height: h }, { data: vy, width: w, height: h }];
  }
  return maps;
}

/** The photo with every run's maps of `kind` over it, or a reason there are none. */
export function mapsOverlay(result: Pick<DemoResult, 'image' | 'poses' | 'estimator'>, kind: MapKind): { image: RgbImage; runs: number } | string {
  const { estimator, image } = result;
  // The crops the estimate used: a top-down network with a box finder ran once per person box (poses keep their crop box).
  const boxes = isTopDown(estimator.spec) && estimator.detector !== undefined ? result.poses.map((p) => p.box) : [undefined];
  // Heatmaps are peaked: over a dimmed photo, as explain's figures, their peaks stand out.
  let picture = kind === 'heatmaps' ? dimmed(image) : image;
  for (const box of boxes) {
    const maps = runMaps(estimator, image, box);
    if (typeof maps === 'string') return maps;
    if (kind === 'heatmaps') picture = heatmapOverlay(picture, maps.heatmaps!, maps.imageToMap, { min: 0 }).image;
    else if (maps.pafs === undefined) return `${estimator.spec.name} has no part affinity fields`;
    else picture = flowOverlay(picture, maps.pafs[0], maps.pafs[1], maps.imageToMap).image;
  }
  return { image: picture, runs: boxes.length };
}

export const mapsFeature: DemoFeature = {
  name: 'maps',
  setup(app: DemoApp) {
    const panel = app.addPanel('Network maps');
    const choice = document.createElement('select');
    choice.id = 'maps';
    for (const [value, label] of [['', 'off'], ['heatmaps', 'keypoint heatmaps'], ['pafs', 'part affinity fields']] as const) {
      choice.append(Object.assign(document.createElement('option'), { value, textContent: label }));
    }
    const note = Object.assign(document.createElement('div'), { id: 'maps-note', className: 'note' });
    panel.append(choice, note);
    choice.addEventListener('change', () => app.redraw());
    // Under the skeletons: the overlay replaces the photo, then the skeletons are drawn again on top.
    app.onDraw((context, result) => {
      const kind = choice.value as MapKind | '';
      if (kind === '') {
        note.textContent = '';
        return;
      }
      const overlay = mapsOverlay(result, kind);
      if (typeof overlay === 'string') {
        note.textContent = overlay;
        return;
      }
      putRgbImage(context, overlay.image);
      drawPoses(context, result.poses, skeletonFor(result.estimator.spec.keypoints));
      note.textContent = kind === 'heatmaps'
        ? `maximum over the keypoint heatmaps, ${overlay.runs} network run${overlay.runs === 1 ? '' : 's'}`
        : `sum of the limbs' PAFs: hue = direction, brightness = magnitude`;
      document.body.dataset['maps'] = kind;
    });
  },
};
