// `explain`: one photo walked through the whole pipeline, every step as a picture with the number
// that decided it. Preprocessing (the network input drawn on the photo), the network (a table of
// its layers with the milliseconds of this very run), the raw outputs over the photo (heatmaps,
// part affinity fields as flow fields, PoseNet's offsets and displacements, MoveNet's centre
// heatmap and regressions, kept from inside its graph with Session.run's `keep`), the decoder's
// steps (read from the decoders' own traces, so the figures show what the decoder decided rather
// than a re-derivation), and the final skeletons.
//
// Platform-neutral: it takes a decoded photo and a loaded model and returns the report and its
// pictures; the CLI (src/cli/commands/explain.ts) loads files and writes them out.
import { EFFICIENTPOSE_KEYPOINTS } from '../decode/efficientpose.js';
import { OPENPOSE_LIMBS, upsampledCellToInput, type OpenPoseTrace, type ScoredConnection } from '../decode/openpose.js';
import { PANOPTIC_KEYPOINTS } from '../decode/pose3d.js';
import { boxOfKeypoints, OPENPOSE_KEYPOINTS, type BoundingBox, type Pose } from '../decode/pose.js';
import { POSE_CHAIN } from '../decode/posenet.js';
import { cloneImage, createImage, type Rgb, type RgbImage } from '../image/image.js';
import { applyAffine, heatmapToImageTransform, invertAffine, type Affine } from '../image/geometry.js';
import { resizeBilinear } from '../image/resize.js';
import { analyzeModel } from '../nn/analysis.js';
import { InputError } from '../nn/errors.js';
import { attrInt, attrInts, attrString, type Model } from '../nn/graph.js';
import { Session, type OutputTensor, type StepTiming } from '../nn/session.js';
import { cropMaps, decodeOutputs, isTopDown, POSENET_DECODING, prepareInput, type DecoderTrace } from '../pipeline/decoders.js';
import type { NetworkSpec } from '../pipeline/network-spec.js';
import type { CroppedInput, LetterboxedInput, PreparedInput, SquareInput } from '../pipeline/preprocess.js';
import { drawLine, drawRect, fillCircle } from '../render/draw.js';
import { COCO17_SKELETON, OPENPOSE18_SKELETON, OPENPOSE_COLORS, renderPoses } from '../render/overlay.js';
import { colorBar, composeAffine, dimmed, drawArrow, drawCross, drawRing, flowLegend, flowOverlay, heatmapOverlay, planeOf, type MapPlane } from '../render/maps.js';
import type { Report, ReportFigure, ReportSection, ReportTable } from './report.js';

export interface ExplainModel {
  spec: NetworkSpec;
  model: Model;
}

export interface ExplainOptions {
  /** For a single-person model: a multi-person model whose people become the person boxes (its own run is summarised). */
  detector?: ExplainModel;
  /** Person boxes for a single-person model, instead of a detector. */
  boxes?: readonly BoundingBox[];
  /** Name of the photo, for the title. */
  photoName?: string;
  threads?: number;
  /** Longest side of the large figures in pixels (default 720); gallery pictures get half. */
  figureSide?: number;
  /** Called with a line of progress per stage. */
  onProgress?: (message: string) => void;
}

/** Where the decoder put a keypoint against the hottest pixel of its heatmap (the test reads these). */
export interface KeypointCheck {
  person: number;
  name: string;
  /** The hottest heatmap cell mapped to the photo through the inverse preprocessing. */
  hottest: [number, number];
  /** Where the decoder put the keypoint. */
  decoded: [number, number];
  /** Photo pixels per output cell (horizontally). */
  cellSize: number;
  /** |hottest - decoded| in output cells. */
  distanceCells: number;
  score: number;
}

export interface ExplainSummary {
  model: string;
  decoder: NetworkSpec['decoder'];
  photo: { width: number; height: number; name?: string };
  poses: Pose[];
  keypointChecks: KeypointCheck[];
  /** OpenPose models: the accepted connections as [limb, keypoint type from, type to, from x, from y, to x, to y] in photo pixels. */
  acceptedConnections?: [number, number, number, number, number, number, number][];
  /** Files of the report, index.html excluded. */
  files: string[];
}

export interface ExplainOutput {
  report: Report;
  /** PNG file name -> picture. */
  images: Map<string, RgbImage>;
  summary: ExplainSummary;
}

/** One preprocessing of the photo into the network's input (the pipeline's prepareInput), and what it did. */
interface Prepared {
  input: PreparedInput;
  box: BoundingBox | undefined;
  data: Float32Array | Int32Array;
  inputToImage: Affine;
  imageToInput: Affine;
  /** Input size in pixels. */
  width: number;
  height: number;
  what: string;
}

/** A picture of the photo at a display size, and the map from photo pixels to it. */
interface View {
  image: RgbImage;
  imageToView: Affine;
  viewToImage: Affine;
}

const GREEN: Rgb = [40, 220, 90];
const RED: Rgb = [240, 60, 50];
const ORANGE: Rgb = [255, 170, 0];
const WHITE: Rgb = [255, 255, 255];
const CYAN: Rgb = [0, 220, 255];
const GREY: Rgb = [150, 150, 150];

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const px = (p: readonly [number, number]): string => `(${p[0].toFixed(1)}, ${p[1].toFixed(1)})`;

function viewOf(photo: RgbImage, maxSide: number): View {
  const s = Math.min(1, maxSide / Math.max(photo.width, photo.height));
  if (s === 1) return { image: photo, imageToView: [1, 0, 0, 0, 1, 0], viewToImage: [1, 0, 0, 0, 1, 0] };
  const w = Math.max(1, Math.round(photo.width * s)), h = Math.max(1, Math.round(photo.height * s));
  const sx = w / photo.width, sy = h / photo.height;
  // Pixel-centre aligned, as resizeBilinear samples.
  const imageToView: Affine = [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
  return { image: resizeBilinear(photo, w, h), imageToView, viewToImage: invertAffine(imageToView) };
}

/** The input's pixel-centre map to a grid whose cell c is centred on input pixel (c + 0.5) * stride - 0.5 + shift * stride. */
function inputToGrid(stride: number, cellCentre: 'centre' | 'corner'): Affine {
  // centre: cell c centred at input (c + 0.5) * stride - 0.5 -> c = (x + 0.5) / stride - 0.5.
  // corner: cell c at input edge c * stride (MoveNet, PoseNet) -> c = (x + 0.5) / stride.
  const shift = cellCentre === 'centre' ? 0.5 / stride - 0.5 : 0.5 / stride;
  return [1 / stride, 0, shift, 0, 1 / stride, shift];
}

function describeNormalisation(spec: NetworkSpec): string {
  const { colorOrder, mean, scale } = spec.input;
  if (spec.inputType === 'int32') return `${colorOrder} channels as int32 pixel values 0..255 (the graph normalises them itself)`;
  return `${colorOrder} channel order; value = (pixel - mean) / scale with mean [${mean.join(', ')}] and scale [${scale.join(', ')}] per channel (in ${colorOrder} order)`;
}

/** The photo (or one person box of it) as the network's input, by the pipeline's own first stage. */
function prepare(photo: RgbImage, spec: NetworkSpec, box: BoundingBox | undefined): Prepared {
  const input = prepareInput(spec, photo, box);
  const { width, height } = spec.input;
  let what: string;
  if ('region' in input) {
    const { region } = input as SquareInput;
    what = box === undefined
      ? `the whole photo padded with black to a centred ${region.side.toFixed(0)} px square, resized to ${width} x ${height}`
      : `a square of 1.25 x the person box's longer side (${region.side.toFixed(1)} px) around its centre, resized to ${width} x ${height}`;
  } else if ('cropSize' in input) {
    const { cropSize } = input as CroppedInput;
    what = `an affine crop around the person box (widened to the ${width}:${height} aspect, then x 1.25), ${cropSize[0].toFixed(1)} x ${cropSize[1].toFixed(1)} photo pixels to ${width} x ${height}`;
  } else {
    const { contentWidth, contentHeight } = input as LetterboxedInput;
    what = `resized to ${contentWidth} x ${contentHeight} (the network's height, aspect kept) and padded right/bottom to ${width} x ${height} with the mean colour (0 after normalisation)`;
  }
  const data = input.tensor.data instanceof Int32Array ? input.tensor.data : (input.tensor.data as Float32Array);
  return { input, box, data, inputToImage: input.transform.inputToImage, imageToInput: input.transform.imageToInput, width, height, what };
}

/** The network input back as a picture (undoing the normalisation). */
function inputPicture(prepared: Prepared, spec: NetworkSpec): RgbImage {
  const { width, height } = prepared;
  const image = createImage(width, height);
  const plane = width * height;
  const order = spec.input.colorOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const { mean, scale } = spec.input;
    for (let i = 0; i < plane; i++) {
      const v = spec.layout === 'NCHW' ? prepared.data[c * plane + i]! : prepared.data[i * 3 + c]!;
      image.data[i * 3 + order[c]!] = Math.max(0, Math.min(255, Math.round(v * scale[c]! + mean[c]!)));
    }
  }
  return image;
}

/** The outline of the network input on the photo view. */
function drawInputOutline(view: View, prepared: Prepared, color: Rgb): void {
  const corners: [number, number][] = [[-0.5, -0.5], [prepared.width - 0.5, -0.5], [prepared.width - 0.5, prepared.height - 0.5], [-0.5, prepared.height - 0.5]];
  const toView = composeAffine(view.imageToView, prepared.inputToImage);
  const points = corners.map(([x, y]) => applyAffine(toView, x, y));
  points.forEach((p, i) => {
    const q = points[(i + 1) % 4]!;
    drawLine(view.image, p[0], p[1], q[0], q[1], color, 2);
  });
}

function keypointColor(k: number): Rgb {
  return OPENPOSE_COLORS[k % OPENPOSE_COLORS.length]!;
}

function skeletonOf(spec: NetworkSpec): readonly (readonly [number, number])[] {
  if (spec.decoder === 'openpose') return OPENPOSE18_SKELETON;
  if (spec.decoder === 'pose3d') return PANOPTIC_SKELETON;
  return spec.keypoints.length === 17 ? COCO17_SKELETON : [];
}

/** CMU Panoptic's 19-joint skeleton (PANOPTIC_KEYPOINTS order), as the 3D demo draws it. */
const PANOPTIC_SKELETON: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [0, 3], [3, 4], [4, 5], [2, 6], [6, 7], [7, 8], [0, 9], [9, 10], [10, 11], [2, 12], [12, 13], [13, 14],
  [1, 15], [15, 17], [1, 16], [16, 18],
];

/** Builds figures into `images` and returns their report entries. */
class Figures {
  readonly images = new Map<string, RgbImage>();
  constructor(readonly photo: RgbImage, readonly large: View, readonly small: View) {}

  add(file: string, image: RgbImage, caption: string): ReportFigure {
    if (this.images.has(file)) throw new Error(`figure ${file} made twice`);
    this.images.set(file, image);
    return { file, caption };
  }
}

/** A map plane placed on a view: image -> map composed with the view's inverse. */
function viewToMap(view: View, imageToMap: Affine): Affine {
  return composeAffine(imageToMap, view.viewToImage);
}

interface HeatmapSource {
  /** Planes per person crop (one for bottom-up models). */
  planes: MapPlane[];
  /** image -> map cell per crop. */
  imageToMap: Affine[];
}

/** One overlay of each crop's plane composited on the view (crops cover their own region). */
function compositeHeatmap(view: View, source: HeatmapSource, options: { min?: number; max?: number } = {}): { image: RgbImage; max: number } {
  let image = view.image;
  let max = -Infinity;
  source.planes.forEach((plane, i) => {
    const overlay = heatmapOverlay({ ...image }, plane, viewToMap(view, source.imageToMap[i]!), options);
    image = overlay.image;
    max = Math.max(max, overlay.max);
  });
  return { image, max };
}

/** The hottest cell of a plane (first in row-major order on ties). */
function hottestCell(plane: MapPlane): { x: number; y: number; value: number } {
  let best = { x: 0, y: 0, value: -Infinity };
  const step = plane.step ?? 1;
  for (let y = 0; y < plane.height; y++) for (let x = 0; x < plane.width; x++) {
    const v = plane.data[(plane.offset ?? 0) + (y * plane.width + x) * step]!;
    if (v > best.value) best = { x, y, value: v };
  }
  return best;
}

function layerTable(session: Session, timings: StepTiming[], model: Model, inputShapes: Record<string, number[]>): { table: ReportTable; totals: string } {
  const analysis = analyzeModel(model, inputShapes);
  const costByName = new Map<string, { macs: number; params: number }>();
  for (const n of analysis.perNode) {
    const c = costByName.get(n.name) ?? { macs: 0, params: 0 };
    costByName.set(n.name, { macs: c.macs + n.macs, params: c.params + n.params });
  }
  const msByName = new Map<string, number>();
  for (const t of timings) msByName.set(t.node, (msByName.get(t.node) ?? 0) + t.ms);
  const rows = session.nodes.map((node, i) => {
    const kernel = attrInts(node, 'kernel_shape');
    const strides = attrInts(node, 'strides');
    const dilations = attrInts(node, 'dilations');
    const geometry = kernel === undefined ? '' : `${kernel.join('x')} / ${(strides ?? kernel.map(() => 1)).join('x')} / ${(dilations ?? kernel.map(() => 1)).join('x')}`;
    const fused = attrString(node, 'activation', '');
    const activation = fused === '' ? '' : ` + ${fused}`;
    const group = attrInt(node, 'group', 1);
    const cost = costByName.get(node.name) ?? { macs: 0, params: 0 };
    const shape = session.shapeOf(node.outputs[0] ?? '');
    return [i + 1, node.name, `${node.op}${activation}${group > 1 ? ` (group ${group})` : ''}`, geometry, shape ? `[${shape.join(', ')}]` : '', cost.params, fmt((2 * cost.macs) / 1e9, 4), fmt(msByName.get(node.name) ?? 0, 3)];
  });
  const totalMs = timings.reduce((s, t) => s + t.ms, 0);
  return {
    table: {
      caption: 'Layers in run order (after BatchNorm folding and activation fusion: "+ Relu" marks a fused activation)',
      header: ['#', 'name', 'op', 'kernel / stride / dilation', 'output shape', 'params', 'GFLOPs', 'ms (this run)'],
      rows,
      numeric: [0, 5, 6, 7],
    },
    totals: `${analysis.params.toLocaleString('en-US')} parameters, ${analysis.gflops.toFixed(3)} GFLOPs (2 x multiply-adds, src/nn/analysis.ts), ${session.nodes.length} steps, ${totalMs.toFixed(1)} ms measured on this run (one thread, including the per-step timing overhead)`,
  };
}

/** Names of MoveNet's head values inside its graph, found by name and shape. */
function moveNetHeads(session: Session): { centre?: string; heatmaps?: string; weighted?: string; regress?: string; offsets?: string; centreIndex?: string; keypointIndex?: string } {
  const values = session.values;
  const sigmoid = values.filter((v) => /\/Sigmoid(_\d+)?$/.test(v));
  const channels = (v: string): number | undefined => session.shapeOf(v)?.[1];
  return {
    centre: sigmoid.find((v) => channels(v) === 1),
    heatmaps: sigmoid.find((v) => channels(v) === 17),
    // Single-pose graphs divide the keypoint heatmaps by (distance to the regressed keypoint + 1.8) and take the maximum of that.
    weighted: values.find((v) => /\/truediv_\d+$/.test(v) && channels(v) === 17),
    regress: values.find((v) => /kpt_regress_0\/conv2d_\d+\/BiasAdd$/.test(v)),
    offsets: values.find((v) => /kpt_offset_0\/conv2d_\d+\/BiasAdd$/.test(v)),
    centreIndex: values.find((v) => /\/ArgMax$/.test(v)),
    keypointIndex: values.find((v) => /\/ArgMax_1$/.test(v)),
  };
}

function floatData(t: OutputTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

/** Explains one photo with one model: the report, its pictures and a machine-readable summary. */
export async function explainPhoto(photo: RgbImage, net: ExplainModel, options: ExplainOptions = {}): Promise<ExplainOutput> {
  const { spec } = net;
  const progress = options.onProgress ?? (() => {});
  const side = options.figureSide ?? 720;
  const large = viewOf(photo, side);
  const small = viewOf(photo, side / 2);
  const figures = new Figures(photo, large, small);
  const sections: ReportSection[] = [];
  const checks: KeypointCheck[] = [];

  // 1. Person boxes for a top-down model: given, from the detector, or the whole photo.
  let boxes: (BoundingBox | undefined)[] = [undefined];
  if (isTopDown(spec)) {
    if (options.boxes !== undefined) boxes = [...options.boxes];
    else if (options.detector !== undefined) {
      progress(`detector ${options.detector.spec.name}: finding people`);
      const found = await detectPeople(photo, options.detector, options.threads);
      boxes = found.length > 0 ? found : [undefined];
      const detectorPoses = cloneImage(large.image);
      found.forEach((b) => {
        const [x0, y0] = applyAffine(large.imageToView, b.xMin, b.yMin);
        const [x1, y1] = applyAffine(large.imageToView, b.xMax, b.yMax);
        drawRect(detectorPoses, x0, y0, x1, y1, CYAN, 2);
      });
      sections.push({
        id: 'boxes', title: 'Person boxes',
        text: [`${spec.name} sees one person per run, so the people are found first by ${options.detector.spec.name} (a multi-person model); each of its people scoring at least 0.2 becomes a box, and ${spec.name} runs once per box.`],
        figures: [figures.add('boxes.png', detectorPoses, found.length > 0
          ? `${found.length} person box(es) from ${options.detector.spec.name}: ${found.map((b) => `[${b.xMin.toFixed(0)}, ${b.yMin.toFixed(0)}] - [${b.xMax.toFixed(0)}, ${b.yMax.toFixed(0)}]`).join('; ')}`
          : `${options.detector.spec.name} found nobody scoring 0.2 or more: the whole photo is one person`)],
      });
    }
  }

  // 2. Preprocessing.
  progress('preprocessing');
  const prepared = boxes.map((box) => prepare(photo, spec, box));
  const outlined = cloneImage(large.image);
  prepared.forEach((p) => drawInputOutline({ ...large, image: outlined }, p, CYAN));
  const preprocessFigures = [
    figures.add('photo.png', large.image, `The photo, ${photo.width} x ${photo.height} pixels${options.photoName ? ` (${options.photoName})` : ''}.`),
    figures.add('preprocess.png', outlined, `The network input's outline on the photo (cyan): ${prepared.map((p) => p.what).join('; ')}.`),
    ...prepared.map((p, i) => figures.add(`input-${i}.png`, inputPicture(p, spec), `Network input ${i + 1} of ${prepared.length} as the network sees it, ${p.width} x ${p.height}, ${spec.layout} (normalisation undone for display): ${describeNormalisation(spec)}.`)),
  ];
  sections.push({
    id: 'preprocessing', title: 'Preprocessing',
    text: [
      `Input: ${spec.inputName} ${spec.layout === 'NCHW' ? `[1, 3, ${spec.input.height}, ${spec.input.width}]` : `[1, ${spec.input.height}, ${spec.input.width}, 3]`} ${spec.inputType}; ${describeNormalisation(spec)}.`,
      'Resampling is bilinear with the pixel-centre convention; the exact transform from input pixels back to photo pixels is kept and is what puts every map and keypoint below on the photo.',
    ],
    figures: preprocessFigures,
  });

  // 3. The network, run once per input with its per-layer timings and the intermediate values the figures need.
  progress(`loading ${spec.name}`);
  const shape = spec.layout === 'NCHW' ? [1, 3, spec.input.height, spec.input.width] : [1, spec.input.height, spec.input.width, 3];
  const inputShapes = { [spec.inputName]: shape };
  const session = await Session.create(net.model, { inputShapes, threads: options.threads });
  const heads = spec.decoder.startsWith('movenet') ? moveNetHeads(session) : {};
  const keep = Object.values(heads).filter((v): v is string => v !== undefined);
  const runs: Record<string, OutputTensor>[] = [];
  const timings: StepTiming[] = [];
  try {
    prepared.forEach((p, i) => {
      progress(`running ${spec.name} (${i + 1}/${prepared.length})`);
      runs.push(session.run({ [spec.inputName]: p.data }, { keep, timings: i === 0 ? timings : undefined }));
    });
    const { table, totals } = layerTable(session, timings, net.model, inputShapes);
    sections.push({ id: 'network', title: `The network: ${spec.name}`, text: [totals, keep.length > 0 ? `Intermediate values kept from inside the graph for the figures below: ${keep.join(', ')}.` : ''].filter((t) => t !== ''), tables: [table] });
  } finally {
    session.dispose();
  }

  // 4 and 5. Raw outputs and the decoder, per decoder family.
  progress('decoding');
  let poses: Pose[];
  let accepted: ExplainSummary['acceptedConnections'];
  const context: DecoderContext = { photo, spec, figures, sections, checks, prepared, runs, heads };
  switch (spec.decoder) {
    case 'openpose':
    case 'pose3d':
      ({ poses, accepted } = explainOpenPose(context));
      break;
    case 'posenet':
      poses = explainPoseNet(context);
      break;
    case 'movenet-single':
    case 'movenet-multi':
      poses = explainMoveNet(context);
      break;
    case 'heatmap':
    case 'efficientpose':
      poses = explainHeatmaps(context);
      break;
  }

  // The colour scale of every heatmap picture, beside them.
  const outputsSection = sections.find((s) => s.id === 'outputs');
  if (outputsSection !== undefined && [...figures.images.keys()].some((f) => f.startsWith('heatmap-'))) {
    outputsSection.figures = [figures.add('colour-scale.png', colorBar(256, 14), 'Colour scale of the heatmap pictures: from 0 (transparent, dark) to the map\'s maximum (opaque, bright); each caption gives that maximum.'), ...(outputsSection.figures ?? [])];
  }

  // 6. The result.
  const skeleton = skeletonOf(spec);
  const final = renderPoses(photo, poses, { skeleton, drawBoxes: true });
  sections.push({
    id: 'result', title: 'Result',
    text: [`${poses.length} ${poses.length === 1 ? 'person' : 'people'}.`],
    figures: [figures.add('result.png', viewOf(final, side).image, `The final skeletons (keypoints scoring above 0.05 drawn): ${poses.map((p, i) => `person ${i + 1} score ${fmt(p.score)}`).join('; ') || 'nobody found'}.`)],
    tables: [{
      caption: 'Keypoints in photo pixels',
      header: ['person', 'keypoint', 'x', 'y', 'score'],
      rows: poses.flatMap((p, i) => p.keypoints.map((k) => [i + 1, k.name, fmt(k.x, 1), fmt(k.y, 1), fmt(k.score)])),
      numeric: [0, 2, 3, 4],
    }],
  });
  if (checks.length > 0) {
    sections.push({
      id: 'check', title: 'Check: hottest heatmap cell against the decoded keypoint',
      text: ['Each keypoint\'s hottest heatmap cell, mapped to the photo through the inverse of the preprocessing, against where the decoder put the keypoint; the distance is in output cells. Decoders refine within a cell (offsets, quarter-cell shifts, upsampling), so they agree to about one cell on a keypoint that is clearly seen.'],
      tables: [{
        header: ['person', 'keypoint', 'hottest cell on the photo', 'decoded', 'distance (cells)', 'score'],
        rows: checks.map((c) => [c.person + 1, c.name, px(c.hottest), px(c.decoded), fmt(c.distanceCells, 2), fmt(c.score)]),
        numeric: [0, 4, 5],
      }],
    });
  }

  const title = `How ${spec.name} sees ${options.photoName ?? 'this photo'}`;
  const report: Report = {
    title,
    subtitle: `wasmpose explain: model ${spec.name} (decoder ${spec.decoder}), photo ${photo.width} x ${photo.height}${options.detector ? `, person boxes from ${options.detector.spec.name}` : ''}`,
    sections,
  };
  return {
    report,
    images: figures.images,
    summary: { model: spec.name, decoder: spec.decoder, photo: { width: photo.width, height: photo.height, name: options.photoName }, poses, keypointChecks: checks, acceptedConnections: accepted, files: [...figures.images.keys()] },
  };
}

/** The people of a multi-person model, as boxes (score >= 0.2, as the estimator takes them). */
async function detectPeople(photo: RgbImage, detector: ExplainModel, threads?: number): Promise<BoundingBox[]> {
  const { PoseEstimator } = await import('../pipeline/estimator.js');
  const estimator = await PoseEstimator.create(detector.spec, detector.model, { threads });
  try {
    const people = await estimator.estimate(photo);
    return people.filter((p) => p.score >= 0.2).flatMap((p) => {
      const box = p.box ?? boxOfKeypoints(p.keypoints);
      return box !== undefined && box.width > 0 && box.height > 0 ? [box] : [];
    });
  } finally {
    estimator.dispose();
  }
}

interface DecoderContext {
  photo: RgbImage;
  spec: NetworkSpec;
  figures: Figures;
  sections: ReportSection[];
  checks: KeypointCheck[];
  prepared: Prepared[];
  runs: Record<string, OutputTensor>[];
  heads: ReturnType<typeof moveNetHeads>;
}

function output(context: DecoderContext, run: number, role: keyof NetworkSpec['outputs']): OutputTensor {
  const name = context.spec.outputs[role];
  const out = name === undefined ? undefined : context.runs[run]![name];
  if (out === undefined) throw new InputError(`${context.spec.name}: no output for ${role}`);
  return out;
}

function heatmapGallery(context: DecoderContext, names: readonly string[], source: (k: number) => HeatmapSource, caption: (k: number, max: number) => string, prefix = 'heatmap'): ReportFigure[] {
  return names.map((name, k) => {
    const { image, max } = compositeHeatmap(context.figures.small, source(k), { min: 0 });
    return context.figures.add(`${prefix}-${String(k).padStart(2, '0')}-${name}.png`, image, caption(k, max));
  });
}

function recordCheck(context: DecoderContext, person: number, name: string, plane: MapPlane, imageToMap: Affine, decoded: { x: number; y: number; score: number }): void {
  if (!(decoded.score > 0)) return;
  const hot = hottestCell(plane);
  const mapToImage = invertAffine(imageToMap);
  const hottest = applyAffine(mapToImage, hot.x, hot.y);
  const cellSize = Math.hypot(mapToImage[0], mapToImage[3]);
  context.checks.push({
    person, name, hottest, decoded: [decoded.x, decoded.y], cellSize, score: decoded.score,
    distanceCells: Math.hypot(hottest[0] - decoded.x, hottest[1] - decoded.y) / cellSize,
  });
}

// ---------------------------------------------------------------------------------------------
// OpenPose and the 3D network: heatmaps + part affinity fields, decoded bottom-up.

function explainOpenPose(context: DecoderContext): { poses: Pose[]; accepted: NonNullable<ExplainSummary['acceptedConnections']> } {
  const { spec, figures, sections, photo } = context;
  const prepared = context.prepared[0]!;
  const stride = spec.stride ?? 8;
  const heatOut = output(context, 0, 'heatmaps');
  const [, , gridH, gridW] = heatOut.shape as [number, number, number, number];
  let heatmaps = floatData(heatOut);
  let pafs = floatData(output(context, 0, 'pafs'));
  if (spec.outputs.heatmaps === spec.outputs.pafs) {
    const split = (spec.keypoints.length + 1) * gridH * gridW;
    pafs = heatmaps.subarray(split);
    heatmaps = heatmaps.subarray(0, split);
  }
  // The pipeline's decode stage, with the trace the figures are drawn from.
  const traces: DecoderTrace = {};
  const poses = decodeOutputs(spec, context.runs[0]!, prepared.input, photo, undefined, traces);
  const trace: OpenPoseTrace = traces.openpose!;
  // It decodes the cells covering the photo: the figures show those.
  const cells = { height: trace.upsampled!.height / trace.options!.upsample, width: trace.upsampled!.width / trace.options!.upsample };
  const crop = (maps: Float32Array): Float32Array => cropMaps(maps, { height: gridH, width: gridW }, cells);
  // Network-input pixels to the photo, clamped to it as the decode stage clamps keypoints.
  const toImage = (x: number, y: number): [number, number] => {
    const [ix, iy] = prepared.input.transform.toImage(x, y);
    return [Math.min(Math.max(ix, 0), photo.width - 1), Math.min(Math.max(iy, 0), photo.height - 1)];
  };
  const cropped = { heatmaps: crop(heatmaps), pafs: crop(pafs) };
  const imageToMap = composeAffine(inputToGrid(stride, 'centre'), prepared.imageToInput);
  const plane = (data: Float32Array, c: number, channels: number): MapPlane => planeOf(data, 'NCHW', channels, cells.height, cells.width, c);

  // Raw outputs.
  const heatGallery = heatmapGallery(context, OPENPOSE_KEYPOINTS, (k) => ({ planes: [plane(cropped.heatmaps, k, cropped.heatmaps.length / (cells.height * cells.width))], imageToMap: [imageToMap] }),
    (k, max) => `${OPENPOSE_KEYPOINTS[k]}: heatmap channel ${k}, maximum ${fmt(max)} (colour scale 0 to the maximum).`);
  const pafGallery = OPENPOSE_LIMBS.map((limb, k) => {
    const { image, maxMagnitude } = flowOverlay(figures.small.image, plane(cropped.pafs, limb.pafX, 38), plane(cropped.pafs, limb.pafY, 38), viewToMap(figures.small, imageToMap));
    return figures.add(`paf-${String(k).padStart(2, '0')}-${OPENPOSE_KEYPOINTS[limb.from]}-${OPENPOSE_KEYPOINTS[limb.to]}.png`, image,
      `Limb ${k}: ${OPENPOSE_KEYPOINTS[limb.from]} -> ${OPENPOSE_KEYPOINTS[limb.to]}, PAF channels ${limb.pafX} (x) and ${limb.pafY} (y); hue = direction, brightness = length, full at ${fmt(maxMagnitude)}.`);
  });
  sections.push({
    id: 'outputs', title: 'Raw outputs: heatmaps and part affinity fields',
    text: [
      `The network outputs ${OPENPOSE_KEYPOINTS.length} keypoint heatmaps (plus a background channel) and ${OPENPOSE_LIMBS.length} part affinity fields on a ${gridW} x ${gridH} grid, one cell per ${stride} x ${stride} input pixels; the ${cells.width} x ${cells.height} cells that cover the photo are shown. A heatmap says "a keypoint of this type is here"; a PAF says "a limb of this type passes here, pointing this way".`,
      'Flow-field colours: the hue is the direction the field points (the key: red right, yellow-green down, cyan left, violet up) and the brightness its length.',
    ],
    figures: [figures.add('flow-key.png', flowLegend(96), 'Colour key of the flow fields: direction -> hue, length -> brightness.')],
    gallery: [...heatGallery, ...pafGallery],
  });

  // Decoder steps, from the trace.
  const opts = trace.options!;
  const peakToView = (id: number, view: View): [number, number] => {
    const p = trace.peaks![id]!;
    const [ix, iy] = toImage(...upsampledCellToInput(p.x, p.y, opts));
    return applyAffine(view.imageToView, ix, iy);
  };
  const cellToView = (x: number, y: number, view: View): [number, number] => applyAffine(view.imageToView, ...toImage(...upsampledCellToInput(x, y, opts)));
  const peaksImage = dimmed(figures.large.image, 0.6);
  for (const s of trace.suppressed!) {
    const [x, y] = cellToView(s.x, s.y, figures.large);
    drawCross(peaksImage, x, y, 3, GREY, 1.5);
  }
  trace.peaksByType!.forEach((ids, type) => ids.forEach((id) => {
    const [x, y] = peakToView(id, figures.large);
    fillCircle(peaksImage, x, y, 4, keypointColor(type));
    drawRing(peaksImage, x, y, 5, WHITE, 1);
  }));
  const peakRows = trace.peaks!.map((p) => {
    const type = trace.peaksByType!.findIndex((ids) => ids.includes(p.id));
    const [ix, iy] = toImage(...upsampledCellToInput(p.x, p.y, opts));
    return [p.id, OPENPOSE_KEYPOINTS[type]!, `(${p.x}, ${p.y})`, px([ix, iy]), fmt(p.score)];
  });

  const accepted: NonNullable<ExplainSummary['acceptedConnections']> = [];
  const limbGallery: ReportFigure[] = [];
  const connectionRows: (string | number)[][] = [];
  trace.connections!.forEach((list, k) => {
    const limb = OPENPOSE_LIMBS[k]!;
    const name = `${OPENPOSE_KEYPOINTS[limb.from]} -> ${OPENPOSE_KEYPOINTS[limb.to]}`;
    if (list === undefined) return;
    const image = dimmed(figures.small.image, 0.5);
    const order: ScoredConnection['verdict'][] = ['score', 'ratio', 'limit', 'end-taken', 'accepted'];
    const colour: Record<ScoredConnection['verdict'], Rgb> = { accepted: GREEN, 'end-taken': ORANGE, limit: ORANGE, ratio: RED, score: RED };
    for (const verdict of order) {
      for (const c of list.filter((c) => c.verdict === verdict)) {
        const a = peakToView(c.a, figures.small), b = peakToView(c.b, figures.small);
        drawLine(image, a[0], a[1], b[0], b[1], colour[verdict], verdict === 'accepted' ? 2.5 : 1.2, verdict === 'accepted' ? 1 : 0.8);
        c.alignments.forEach((alignment, n) => {
          const t = n / (c.alignments.length - 1);
          const passed = alignment > opts.pafSampleThreshold;
          if (verdict === 'accepted' || verdict === 'end-taken') fillCircle(image, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, 1.6, passed ? WHITE : RED);
        });
      }
    }
    const acceptedHere = list.filter((c) => c.verdict === 'accepted');
    for (const c of acceptedHere) {
      const pa = trace.peaks![c.a]!, pb = trace.peaks![c.b]!;
      const [ax, ay] = toImage(...upsampledCellToInput(pa.x, pa.y, opts));
      const [bx, by] = toImage(...upsampledCellToInput(pb.x, pb.y, opts));
      accepted.push([k, limb.from, limb.to, ax, ay, bx, by]);
    }
    for (const c of list) {
      connectionRows.push([k, name, c.a, c.b, `${c.passed}/${c.alignments.length}`, fmt(c.meanAlignment), fmt(c.lengthPenalty), fmt(c.score), verdictText(c, opts)]);
    }
    const best = [...list].sort((p, q) => q.score - p.score)[0];
    limbGallery.push(figures.add(`limb-${String(k).padStart(2, '0')}.png`, image,
      `Limb ${k} (${name}): ${list.length} pair(s) scored: ${acceptedHere.length} accepted (green; white dots = samples whose PAF alignment > ${opts.pafSampleThreshold}), ` +
      `${list.filter((c) => c.verdict === 'end-taken' || c.verdict === 'limit').length} candidates whose end a better one took (orange), ` +
      `${list.filter((c) => c.verdict === 'ratio').length} rejected as at most ${opts.pafSuccessRatio * 100}% of samples pass and ${list.filter((c) => c.verdict === 'score').length} as score <= 0 (red).` +
      (best ? ` Best: peaks ${best.a} -> ${best.b}, ${best.passed}/${best.alignments.length} samples pass, score ${fmt(best.score)} = mean alignment ${fmt(best.meanAlignment)} + length penalty ${fmt(best.lengthPenalty)}.` : '')));
  });

  const groupsImage = dimmed(figures.large.image, 0.6);
  const groupRows = trace.groups!.map((g, i) => {
    const colour: Rgb = g.verdict === 'kept' ? OPENPOSE_COLORS[(i * 5) % OPENPOSE_COLORS.length]! : GREY;
    OPENPOSE_LIMBS.forEach((limb, k) => {
      if (k >= 17) return;
      const a = g.ids[limb.from]!, b = g.ids[limb.to]!;
      if (a < 0 || b < 0) return;
      const pa = peakToView(a, figures.large), pb = peakToView(b, figures.large);
      drawLine(groupsImage, pa[0], pa[1], pb[0], pb[1], colour, g.verdict === 'kept' ? 3 : 1.5);
    });
    g.ids.forEach((id) => {
      if (id < 0) return;
      const p = peakToView(id, figures.large);
      fillCircle(groupsImage, p[0], p[1], 3, colour);
    });
    const mean = g.totalScore / g.keypointCount;
    const why = g.verdict === 'kept' ? `kept as person ${g.person! + 1}` : g.verdict === 'too-few-keypoints' ? `dropped: ${g.keypointCount} < ${opts.minKeypoints} keypoints` : `dropped: mean score ${fmt(mean)} < ${opts.minMeanScore}`;
    return [i + 1, g.keypointCount, fmt(g.totalScore), fmt(mean), why];
  });
  const assemblyRows = trace.assembly!.map((s) => [s.limb, `${OPENPOSE_KEYPOINTS[OPENPOSE_LIMBS[s.limb]!.from]} -> ${OPENPOSE_KEYPOINTS[OPENPOSE_LIMBS[s.limb]!.to]}`, s.a, s.b < 0 ? '' : s.b, s.action, s.people.map((p) => p + 1).join(', ')]);
  const kept = trace.groups!.filter((g) => g.verdict === 'kept').length;
  sections.push({
    id: 'decoder', title: 'The decoder, step by step',
    text: [
      `1. Heatmaps and PAFs are upsampled x${opts.upsample} (bicubic). 2. Peaks: cells >= ${opts.peakThreshold} that beat their neighbours; of peaks of one type closer than ${opts.peakSuppressionRadius} upsampled cells, the leftmost is kept.`,
      `3. Every pair of peaks a limb could join is scored by the PAF's line integral: ${opts.pafSamples} samples along the segment, each the PAF's component along it; a sample passes above ${opts.pafSampleThreshold}; score = mean of passing samples + min(half map height / length - 1, 0). A pair is a candidate when score > 0 and more than ${opts.pafSuccessRatio * 100}% of samples pass. 4. Candidates are taken greedily by score, each peak at most once per limb.`,
      `5. Limbs are assembled into people from the neck outwards; 6. groups with fewer than ${opts.minKeypoints} keypoints or a mean score under ${opts.minMeanScore} are dropped.`,
    ],
    figures: [
      figures.add('peaks.png', peaksImage, `Step 2: ${trace.peaks!.length} peaks after suppression (dots in the keypoint's colour), ${trace.suppressed!.length} candidates suppressed (grey crosses) within ${opts.peakSuppressionRadius} upsampled cells of a kept peak.`),
      figures.add('groups.png', groupsImage, `Steps 5-6: ${trace.groups!.length} group(s) assembled, ${kept} kept as people (colours), ${trace.groups!.length - kept} dropped (grey).`),
    ],
    gallery: limbGallery,
    tables: [
      { caption: 'Peaks (upsampled cells and photo pixels)', header: ['id', 'keypoint', 'upsampled cell', 'photo', 'score'], rows: peakRows, numeric: [0, 4] },
      { caption: 'Every scored pair, with the rule that decided it', header: ['limb', 'name', 'peak a', 'peak b', 'samples passed', 'mean alignment', 'length penalty', 'score', 'verdict'], rows: connectionRows, numeric: [0, 2, 3, 5, 6, 7] },
      { caption: 'Assembly, in the order it happened', header: ['limb', 'name', 'peak a', 'peak b', 'action', 'groups'], rows: assemblyRows, numeric: [0, 2, 3] },
      { caption: 'Groups and the rule that kept or dropped each', header: ['group', 'keypoints', 'total score', 'mean', 'verdict'], rows: groupRows, numeric: [0, 1, 2, 3] },
    ],
  });

  // The check of each keypoint against its heatmap's hottest cell.
  poses.forEach((pose, p) => {
    if (spec.decoder === 'pose3d') return;
    pose.keypoints.forEach((k, type) => recordCheck(context, p, k.name, plane(cropped.heatmaps, type, cropped.heatmaps.length / (cells.height * cells.width)), imageToMap, k));
  });

  if (spec.decoder === 'pose3d') sections.push(pose3dSection(context, poses));
  return { poses, accepted };
}

function verdictText(c: ScoredConnection, opts: NonNullable<OpenPoseTrace['options']>): string {
  switch (c.verdict) {
    case 'accepted': return 'accepted';
    case 'score': return `rejected: score ${fmt(c.score)} <= 0`;
    case 'ratio': return `rejected: ${c.passed}/${c.alignments.length} samples pass, not more than ${opts.pafSuccessRatio * 100}%`;
    case 'end-taken': return 'candidate; an end was taken by a higher score';
    case 'limit': return 'candidate; the limb had min(#a, #b) connections already';
  }
}

/** The 3D skeletons seen from the front (x, y) and from the side (z, y). */
function pose3dSection(context: DecoderContext, poses: Pose[]): ReportSection {
  const size = 360;
  const views = (['front', 'side'] as const).map((which) => {
    const image = createImage(size, size, [250, 250, 250]);
    const points = poses.flatMap((p) => p.keypoints3D ?? []);
    if (points.length === 0) return image;
    const h = (k: { x: number; y: number; z: number }): number => (which === 'front' ? k.x : k.z);
    const minH = Math.min(...points.map(h)), maxH = Math.max(...points.map(h));
    const minV = Math.min(...points.map((k) => k.y)), maxV = Math.max(...points.map((k) => k.y));
    const scale = (size - 40) / Math.max(maxH - minH, maxV - minV, 1);
    const at = (k: { x: number; y: number; z: number }): [number, number] => [20 + (h(k) - minH) * scale, 20 + (k.y - minV) * scale];
    poses.forEach((p, i) => {
      const joints = p.keypoints3D ?? [];
      for (const [a, b] of PANOPTIC_SKELETON) {
        const ja = joints[a], jb = joints[b];
        if (!ja || !jb || ja.score <= 0 || jb.score <= 0) continue;
        const [x0, y0] = at(ja), [x1, y1] = at(jb);
        drawLine(image, x0, y0, x1, y1, OPENPOSE_COLORS[(i * 5) % OPENPOSE_COLORS.length]!, 2);
      }
    });
    return image;
  });
  return {
    id: 'pose3d', title: '3D skeletons from two views',
    text: ['The 3D network regresses, per joint, x, y and z maps; the decoder reads them at each person\'s neck (and re-reads limb chains at their first confident joint), scales by 180 cm and places the person in camera space. Seen from the front (x right, y down) and from the side (z forward to the right, y down), in centimetres.'],
    figures: [
      context.figures.add('pose3d-front.png', views[0]!, `Front view of ${poses.length} skeleton(s).`),
      context.figures.add('pose3d-side.png', views[1]!, 'Side view: depth (z) to the right.'),
    ],
    tables: [{
      caption: '3D joints (cm, camera space)',
      header: ['person', 'joint', 'x', 'y', 'z', 'score'],
      rows: poses.flatMap((p, i) => (p.keypoints3D ?? []).map((k, j) => [i + 1, PANOPTIC_KEYPOINTS[j]!, fmt(k.x, 1), fmt(k.y, 1), fmt(k.z, 1), fmt(k.score)])),
      numeric: [0, 2, 3, 4, 5],
    }],
  };
}

// ---------------------------------------------------------------------------------------------
// PoseNet: heatmaps, short-range offsets, mid-range displacements.

function explainPoseNet(context: DecoderContext): Pose[] {
  const { spec, figures, sections } = context;
  const prepared = context.prepared[0]!;
  const stride = spec.stride ?? 16;
  const heat = output(context, 0, 'heatmaps');
  const [, gridH, gridW] = heat.shape as [number, number, number, number];
  const logits = floatData(heat);
  const offsets = floatData(output(context, 0, 'offsets'));
  const fwd = floatData(output(context, 0, 'displacementsFwd'));
  const bwd = floatData(output(context, 0, 'displacementsBwd'));
  const toImage = prepared.input.transform.toImage;
  const decoding = POSENET_DECODING;
  const traces: DecoderTrace = {};
  const poses = decodeOutputs(spec, context.runs[0]!, prepared.input, context.photo, undefined, traces);
  const trace = traces.posenet!;
  const scores = logits.map((v) => 1 / (1 + Math.exp(-v)));
  // PoseNet's cell c sits at input pixel c * stride (its corner); offsets are added to that.
  const imageToMap = composeAffine([1 / stride, 0, 0, 0, 1 / stride, 0], prepared.imageToInput);
  const plane = (data: Float32Array, channels: number, c: number): MapPlane => planeOf(data, 'NHWC', channels, gridH, gridW, c);
  const names = spec.keypoints;

  const heatGallery = heatmapGallery(context, names, (k) => ({ planes: [plane(scores, 17, k)], imageToMap: [imageToMap] }),
    (k, max) => `${names[k]}: sigmoid of heatmap channel ${k}, maximum ${fmt(max)}.`);
  // Offsets: at every cell where a keypoint scores >= the threshold, the arrow from the cell to where its offset points.
  const offsetImage = dimmed(figures.large.image, 0.6);
  let offsetArrows = 0;
  for (let y = 0; y < gridH; y++) for (let x = 0; x < gridW; x++) for (let k = 0; k < 17; k++) {
    if (!(scores[(y * gridW + x) * 17 + k]! >= decoding.scoreThreshold)) continue;
    const from = applyAffine(figures.large.imageToView, ...toImage(x * stride, y * stride));
    const to = applyAffine(figures.large.imageToView, ...toImage(x * stride + offsets[(y * gridW + x) * 34 + 17 + k]!, y * stride + offsets[(y * gridW + x) * 34 + k]!));
    drawArrow(offsetImage, from[0], from[1], to[0], to[1], keypointColor(k), 1.5, 5);
    offsetArrows++;
  }
  const displacementGallery = (['fwd', 'bwd'] as const).flatMap((direction) => POSE_CHAIN.map(([parent, child], e) => {
    const data = direction === 'fwd' ? fwd : bwd;
    const { image, maxMagnitude } = flowOverlay(figures.small.image, plane(data, 32, 16 + e), plane(data, 32, e), viewToMap(figures.small, imageToMap));
    const [from, to] = direction === 'fwd' ? [parent, child] : [child, parent];
    return figures.add(`displacement-${direction}-${String(e).padStart(2, '0')}.png`, image, `${direction === 'fwd' ? 'Forward' : 'Backward'} displacement of edge ${e}: ${names[from]} -> ${names[to]} (channels ${e} y, ${16 + e} x); full brightness at ${fmt(maxMagnitude, 1)} input pixels.`);
  }));
  sections.push({
    id: 'outputs', title: 'Raw outputs: heatmaps, offsets and displacements',
    text: [`PoseNet outputs four maps on a ${gridW} x ${gridH} grid (stride ${stride}): 17 heatmap logits (sigmoid -> score), 34 short-range offsets (17 y then 17 x, input pixels from the cell's corner to the keypoint), and 32 + 32 mid-range displacements along the 16 edges of its pose tree, forward (parent -> child) and backward.`],
    figures: [
      figures.add('offsets.png', offsetImage, `Short-range offsets: ${offsetArrows} arrows, one per cell and keypoint scoring >= ${decoding.scoreThreshold}, from the cell's corner to the keypoint position its offset gives (keypoint colours).`),
      figures.add('flow-key.png', flowLegend(96), 'Colour key of the displacement fields: direction -> hue, length -> brightness.'),
    ],
    gallery: [...heatGallery, ...displacementGallery],
  });

  const rootsImage = dimmed(figures.large.image, 0.6);
  const nmsRadiusView = decoding.nmsRadius * Math.hypot(prepared.inputToImage[0], prepared.inputToImage[3]) * Math.hypot(figures.large.imageToView[0], figures.large.imageToView[3]);
  for (const r of trace.roots!) {
    const [x, y] = applyAffine(figures.large.imageToView, ...toImage(r.x, r.y));
    if (r.verdict === 'root') {
      fillCircle(rootsImage, x, y, 5, keypointColor(r.keypoint));
      drawRing(rootsImage, x, y, nmsRadiusView, WHITE, 1);
    } else drawCross(rootsImage, x, y, 3, r.verdict === 'nms' ? GREY : ORANGE, 1.5);
  }
  const chainImage = dimmed(figures.large.image, 0.6);
  trace.steps!.forEach((steps) => {
    for (const s of steps) {
      const a = applyAffine(figures.large.imageToView, ...toImage(s.source.x, s.source.y));
      const d = applyAffine(figures.large.imageToView, ...toImage(s.displaced.x, s.displaced.y));
      drawArrow(chainImage, a[0], a[1], d[0], d[1], GREY, 1.2, 5);
      let prev = d;
      for (const r of s.refined) {
        const q = applyAffine(figures.large.imageToView, ...toImage(r.x, r.y));
        drawArrow(chainImage, prev[0], prev[1], q[0], q[1], keypointColor(s.to), 1.5, 4);
        prev = q;
      }
      fillCircle(chainImage, prev[0], prev[1], 3, keypointColor(s.to));
    }
  });
  const rootCounts = { root: 0, nms: 0, 'max-poses': 0 };
  for (const r of trace.roots!) rootCounts[r.verdict]++;
  sections.push({
    id: 'decoder', title: 'The decoder, step by step',
    text: [
      `1. Root candidates: every cell and keypoint whose score is >= ${decoding.scoreThreshold} and is a 3 x 3 local maximum, best first. 2. A candidate within ${decoding.nmsRadius} input pixels of the same keypoint of a person already decoded is dropped (part-based NMS); otherwise it roots a new person. 3. From the root, the other keypoints follow the pose tree: the displacement at the source keypoint's cell jumps to the next keypoint, then twice the offset at the landing cell refines it. 4. The person's score is the sum of the scores of its keypoints not within ${decoding.nmsRadius} px of an earlier person's, over 17. At most ${decoding.maxPoses} people.`,
    ],
    figures: [
      figures.add('roots.png', rootsImage, `Root candidates: ${rootCounts.root} started a person (dots, with the NMS radius ${decoding.nmsRadius} input px as a ring), ${rootCounts.nms} dropped by NMS (grey crosses), ${rootCounts['max-poses']} left after ${decoding.maxPoses} people (orange).`),
      figures.add('chain.png', chainImage, 'Chain steps: grey arrows = the displacement jump from a placed keypoint, coloured arrows = the offset refinements that land on the next keypoint.'),
    ],
    tables: [
      { caption: 'Root candidates and their fate', header: ['keypoint', 'cell', 'score', 'input position', 'verdict'], rows: trace.roots!.slice(0, 200).map((r) => [names[r.keypoint]!, `(${r.cellX}, ${r.cellY})`, fmt(r.score), px([r.x, r.y]), r.verdict === 'root' ? `root of person ${r.person! + 1}` : r.verdict === 'nms' ? `NMS: within ${decoding.nmsRadius} px of person ${r.person! + 1}'s ${names[r.keypoint]}` : `not used: ${decoding.maxPoses} people found`]), numeric: [2] },
      { caption: 'Chain steps of each person', header: ['person', 'edge', 'from', 'to', 'direction', 'landed (input px)', 'score'], rows: trace.steps!.flatMap((steps, i) => steps.map((s) => [i + 1, s.edge, names[s.from]!, names[s.to]!, s.direction, px([s.refined.at(-1)?.x ?? s.displaced.x, s.refined.at(-1)?.y ?? s.displaced.y]), fmt(s.score)])), numeric: [0, 1, 6] },
      { caption: 'People', header: ['person', 'score', 'keypoints left out as overlapping an earlier person'], rows: trace.scores!.map((s, i) => [i + 1, fmt(s.score), s.overlapped.map((k) => names[k]).join(', ')]), numeric: [0, 1] },
    ],
  });
  poses.forEach((pose, p) => pose.keypoints.forEach((k, i) => recordCheck(context, p, k.name, plane(scores, 17, i), imageToMap, k)));
  return poses;
}

// ---------------------------------------------------------------------------------------------
// MoveNet: the graph decodes itself; its heads are kept from inside it.

function explainMoveNet(context: DecoderContext): Pose[] {
  const { spec, figures, sections, heads, prepared, runs } = context;
  const multi = spec.decoder === 'movenet-multi';
  const poses: Pose[] = [];
  const traces = runs.flatMap((run, i) => {
    const trace: DecoderTrace = {};
    poses.push(...decodeOutputs(spec, run, prepared[i]!.input, context.photo, prepared[i]!.box, trace));
    return trace.movenet!;
  });
  const anyHeads = heads.heatmaps !== undefined && heads.centre !== undefined;
  const gridOf = (name: string): [number, number] => {
    const shape = runs[0]![name]!.shape;
    return [shape[2]!, shape[3]!];
  };
  const outputsSection: ReportSection = {
    id: 'outputs', title: 'Raw outputs: from inside the graph',
    text: [`MoveNet decodes inside its own graph; its output is already keypoints (${multi ? '6 people x (17 x (y, x, score), box, score)' : '17 x (y, x, score)'}). To see how, the report keeps the heads inside the graph: the person-centre heatmap, the 17 keypoint heatmaps, the keypoint regressions (for each cell, the vector from a person's centre to each keypoint) and the offsets (sub-cell refinements).`],
  };
  sections.push(outputsSection);
  if (!anyHeads) {
    outputsSection.text!.push('This graph has no recognised heads (Sigmoid centre and keypoint maps): only its output is shown.');
  } else {
    const [gh, gw] = gridOf(heads.heatmaps!);
    const stride = spec.input.width / gw;
    const imageToMaps = prepared.map((p) => composeAffine(inputToGrid(stride, 'centre'), p.imageToInput));
    const heatPlanes = runs.map((run) => floatData(run[heads.heatmaps!]!));
    const centrePlanes = runs.map((run) => floatData(run[heads.centre!]!));
    const heatGallery = heatmapGallery(context, spec.keypoints, (k) => ({ planes: heatPlanes.map((d) => planeOf(d, 'NCHW', 17, gh, gw, k)), imageToMap: imageToMaps }),
      (k, max) => `${spec.keypoints[k]}: keypoint heatmap (${heads.heatmaps}, channel ${k}), maximum ${fmt(max)}.`);
    const centre = compositeHeatmap(figures.large, { planes: centrePlanes.map((d) => planeOf(d, 'NCHW', 1, gh, gw, 0)), imageToMap: imageToMaps });
    const regressImage = cloneImage(centre.image);
    const centreRows: (string | number)[][] = [];
    runs.forEach((run, i) => {
      const plane = planeOf(centrePlanes[i]!, 'NCHW', 1, gh, gw, 0);
      // The graph's own choice of centre (ArgMax of the centre map weighted toward the input's middle) when kept, else the hottest cell.
      const index = heads.centreIndex && run[heads.centreIndex] ? Number(run[heads.centreIndex]!.data[0]) : undefined;
      const cell = index !== undefined && !multi ? { x: index % gw, y: Math.floor(index / gw), value: plane.data[index]! } : hottestCell(plane);
      const mapToView = composeAffine(figures.large.imageToView, invertAffine(imageToMaps[i]!));
      const c = applyAffine(mapToView, cell.x, cell.y);
      drawRing(regressImage, c[0], c[1], 6, WHITE, 2);
      centreRows.push([i + 1, `(${cell.x}, ${cell.y})`, fmt(cell.value), index !== undefined && !multi ? 'ArgMax node of the graph' : 'hottest cell']);
      if (heads.regress && run[heads.regress]) {
        const regress = floatData(run[heads.regress]!);
        for (let k = 0; k < 17; k++) {
          const dy = regress[(2 * k) * gh * gw + cell.y * gw + cell.x]!;
          const dx = regress[(2 * k + 1) * gh * gw + cell.y * gw + cell.x]!;
          const t = applyAffine(mapToView, cell.x + dx, cell.y + dy);
          drawArrow(regressImage, c[0], c[1], t[0], t[1], keypointColor(k), 1.5, 5);
        }
      }
    });
    outputsSection.figures = [
      figures.add('centre.png', centre.image, `Person-centre heatmap (${heads.centre}), ${gw} x ${gh} cells of ${stride} input pixels; maximum ${fmt(centre.max)}.`),
      figures.add('regressions.png', regressImage, `Keypoint regressions (${heads.regress ?? 'not found'}) read at the chosen centre (white ring): an arrow per keypoint from the centre to where the network says that keypoint is. The graph then looks for each keypoint's heatmap peak near the arrow's tip (heatmap / (distance to the tip + 1.8)) and adds the offset there.`),
    ];
    outputsSection.gallery = heatGallery;
    outputsSection.tables = [{ caption: 'Chosen centre per network run', header: ['run', 'cell', 'centre score', 'chosen by'], rows: centreRows, numeric: [0, 2] }];
    // The check: each keypoint's hottest cell of the heatmap the graph takes the maximum of (the
    // distance-weighted one when kept) against the decoded keypoint.
    if (!multi) {
      const checked = heads.weighted === undefined ? heatPlanes : runs.map((run) => floatData(run[heads.weighted!]!));
      poses.forEach((pose, p) => pose.keypoints.forEach((k, i) => recordCheck(context, p, k.name, planeOf(checked[p]!, 'NCHW', 17, gh, gw, i), imageToMaps[p]!, k)));
      if (heads.weighted !== undefined) {
        const weightedGallery = heatmapGallery(context, spec.keypoints, (k) => ({ planes: checked.map((d) => planeOf(d, 'NCHW', 17, gh, gw, k)), imageToMap: imageToMaps }),
          (k, max) => `${spec.keypoints[k]}: the heatmap divided by (distance to the regressed position + 1.8) (${heads.weighted}), whose hottest cell the graph takes; maximum ${fmt(max)}.`, 'weighted');
        outputsSection.gallery = [...heatGallery, ...weightedGallery];
      }
    }
  }
  sections.push({
    id: 'decoder', title: 'Reading the output',
    text: [multi
      ? 'Each of the 6 output slots is a person: 17 keypoints, a box and a person score. Slots scoring under 0.25 are dropped.'
      : 'The output is 17 keypoints (y, x, score) normalised to the input; they are mapped back to the photo through the crop. The pose score is the mean of the keypoint scores above 0.2; with no person box, a pose scoring under 0.25 is dropped.'],
    tables: [{
      header: multi ? ['slot', 'person score', 'kept (>= 0.25)'] : ['run', 'pose score (mean of keypoint scores > 0.2)', 'keypoints counted', 'kept'],
      rows: traces.map((t, i) => (multi ? [i + 1, fmt(t.score), t.kept ? 'yes' : `no: ${fmt(t.score)} < ${t.minPoseScore}`] : [i + 1, fmt(t.score), t.counted!.length, t.kept ? 'yes' : `no: ${fmt(t.score)} < ${t.minPoseScore}`])),
      numeric: [0, 1],
    }],
  });
  return poses;
}

// ---------------------------------------------------------------------------------------------
// Top-down heatmap networks (HRNet-style seed networks, EfficientPose).

function explainHeatmaps(context: DecoderContext): Pose[] {
  const { spec, sections, runs, prepared } = context;
  const efficient = spec.decoder === 'efficientpose';
  const poses: Pose[] = [];
  const traces: NonNullable<DecoderTrace['heatmaps']>[] = [];
  const planesOf: ((k: number) => MapPlane)[] = [];
  const imageToMaps: Affine[] = [];
  const names = efficient ? EFFICIENTPOSE_KEYPOINTS : spec.keypoints;
  runs.forEach((run, i) => {
    const out = run[spec.outputs.heatmaps!]!;
    const data = floatData(out);
    const p = prepared[i]!;
    const trace: DecoderTrace = {};
    poses.push(...decodeOutputs(spec, run, p.input, context.photo, p.box, trace));
    if (efficient) {
      const [, gh, gw, channels] = out.shape as [number, number, number, number];
      planesOf.push((k) => planeOf(data, 'NHWC', channels, gh, gw, k));
      imageToMaps.push(composeAffine(inputToGrid(p.width / gw, 'centre'), p.imageToInput));
    } else {
      const [, channels, gh, gw] = out.shape as [number, number, number, number];
      const { center, cropSize } = p.input as CroppedInput;
      planesOf.push((k) => planeOf(data, 'NCHW', channels, gh, gw, k));
      imageToMaps.push(invertAffine(heatmapToImageTransform(center, cropSize, gw, gh)));
    }
    traces.push(trace.heatmaps!);
  });
  const gallery = heatmapGallery(context, names, (k) => ({ planes: planesOf.map((f) => f(k)), imageToMap: imageToMaps }),
    (k, max) => `${names[k]}: heatmap channel ${k}, maximum ${fmt(max)}${traces.length === 1 ? `, hottest cell (${traces[0]![k]!.cellX}, ${traces[0]![k]!.cellY})` : ''}.`);
  sections.push({
    id: 'outputs', title: 'Raw outputs: heatmaps',
    text: [`One heatmap per keypoint for each person crop, placed on the photo through the inverse of the crop.${efficient ? ' EfficientPose\'s heatmaps are at the input\'s resolution (one cell per input pixel); its 16 parts are MPII\'s.' : ''}`],
    gallery,
  });
  sections.push({
    id: 'decoder', title: 'The decoder',
    text: [efficient
      ? 'Each part is its heatmap\'s hottest cell (first in row-major order on ties); it is found when that value is above 0.3. COCO keypoints without an EfficientPose part (nose, eyes, ears) are not found.'
      : 'Each keypoint is its heatmap\'s hottest cell, moved a quarter cell toward the higher neighbour on each axis, and mapped back to the photo through the inverse of the crop; its score is the heatmap maximum.'],
    tables: [{
      header: ['crop', 'keypoint', 'hottest cell', 'maximum', 'quarter-cell shift', 'found'],
      rows: traces.flatMap((t, i) => t.map((k) => [i + 1, k.name, `(${k.cellX}, ${k.cellY})`, fmt(k.max), `(${k.shiftX}, ${k.shiftY})`, k.found ? 'yes' : efficient ? `no: ${fmt(k.max)} <= 0.3` : 'no: maximum <= 0'])),
      numeric: [0, 3],
    }],
  });
  poses.forEach((pose, p) => {
    if (efficient) {
      traces[p]!.forEach((t, channel) => {
        const k = pose.keypoints.find((kp) => kp.name === t.name);
        if (k) recordCheck(context, p, t.name, planesOf[p]!(channel), imageToMaps[p]!, k);
      });
    } else pose.keypoints.forEach((k, i) => recordCheck(context, p, k.name, planesOf[p]!(i), imageToMaps[p]!, k));
  });
  return poses;
}
