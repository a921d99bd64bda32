// Network maps as pictures over the photo: a heatmap in a colour scale, a vector field (a part
// affinity field, PoseNet's offsets) as a flow field with hue = direction and brightness =
// magnitude, and the arrows and markers decoder figures are made of. Platform-neutral (no Node
// APIs): the demo page draws the same overlays in the browser.
//
// Every map is placed on the photo by an affine `imageToMap` from image pixel-centre coordinates
// to map cell coordinates (cell (i, j) centred at (i, j)), the inverse of the transform the
// decoders use to put keypoints on the photo, so a map lies exactly where the decoder reads it.
// Maps are sampled bilinearly between cell centres and clamped at the edge; pixels whose map
// position falls outside the map by more than half a cell are left as they are.
import { InputError } from '../nn/errors.js';
import { cloneImage, type Rgb, type RgbImage } from '../image/image.js';
import { applyAffine, type Affine } from '../image/geometry.js';
import { blendPixel, drawLine } from './draw.js';

/** One channel plane of a map: `width * height` values, row-major, at `data[offset + y * width + x]`. */
export interface MapPlane {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** Index of the first value (default 0). */
  offset?: number;
  /** Distance between horizontally adjacent values (default 1; the channel count for HWC data). */
  step?: number;
}

/** The plane of channel `c` of a CHW (NCHW) or HWC (NHWC) map. */
export function planeOf(data: ArrayLike<number>, layout: 'NCHW' | 'NHWC', channels: number, height: number, width: number, c: number): MapPlane {
  if (!Number.isInteger(c) || c < 0 || c >= channels) throw new InputError(`channel ${c} is outside 0..${channels - 1}`);
  if (data.length !== channels * height * width) throw new InputError(`map of ${data.length} values is not ${channels} x ${height} x ${width}`);
  return layout === 'NCHW' ? { data, width, height, offset: c * height * width, step: 1 } : { data, width, height, offset: c, step: channels };
}

function valueAt(plane: MapPlane, x: number, y: number): number {
  const step = plane.step ?? 1;
  return plane.data[(plane.offset ?? 0) + (y * plane.width + x) * step]!;
}

/** Bilinear sample at map coordinates (x, y), clamped to the edge; NaN outside the map by more than half a cell. */
export function sampleMap(plane: MapPlane, x: number, y: number): number {
  const { width, height } = plane;
  if (!(x >= -0.5 && y >= -0.5 && x <= width - 0.5 && y <= height - 0.5)) return NaN;
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1), y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0, fy = cy - y0;
  const top = valueAt(plane, x0, y0) * (1 - fx) + valueAt(plane, x1, y0) * fx;
  const bottom = valueAt(plane, x0, y1) * (1 - fx) + valueAt(plane, x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * The inferno colour scale (matplotlib's, perceptually uniform, dark to bright), t in [0, 1]:
 * a degree-6 polynomial fit per channel (Matt Zucker's, public domain), within 1/255 or so of the table.
 */
export function inferno(t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const poly = (c: readonly number[]): number => {
    let v = 0;
    for (let i = c.length - 1; i >= 0; i--) v = v * x + c[i]!;
    return Math.round(255 * Math.min(1, Math.max(0, v)));
  };
  return [
    poly([0.0002189403691192265, 0.1065134194856116, 11.60249308247187, -41.70399613139459, 77.162935699427, -71.31942824499214, 25.13112622477341]),
    poly([0.001651004631001012, 0.5639564367884091, -3.972853965665698, 17.43639888205313, -33.40235894210092, 32.62606426397723, -12.24266895238567]),
    poly([-0.01948089843709184, 3.932712388889277, -15.9423941062914, 44.35414519872813, -81.80730925738993, 73.20951985803202, -23.07032500287172]),
  ];
}

/** HSV (hue in degrees, saturation and value in [0, 1]) to RGB. */
export function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = (((hue % 360) + 360) % 360) / 60;
  const c = value * saturation;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = value - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * The colour of a vector: hue = its direction in image coordinates (0 degrees = pointing right,
 * 90 = down, as y grows downward; red right, yellow-green down, cyan left, violet up) and
 * brightness = its length / `maxMagnitude`, clipped to 1.
 */
export function flowColor(vx: number, vy: number, maxMagnitude: number): Rgb {
  const magnitude = Math.hypot(vx, vy);
  if (!(magnitude > 0) || !(maxMagnitude > 0)) return [0, 0, 0];
  const hue = (Math.atan2(vy, vx) * 180) / Math.PI;
  return hsvToRgb(hue, 1, Math.min(1, magnitude / maxMagnitude));
}

function checkAffine(m: Affine): void {
  if (m.length !== 6 || !m.every(Number.isFinite)) throw new InputError(`imageToMap must be 6 finite numbers, got [${m.join(', ')}]`);
}

/** A copy of the photo with its brightness scaled by `factor` (so that overlays stand out). */
export function dimmed(image: RgbImage, factor = 0.45): RgbImage {
  const out = cloneImage(image);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(out.data[i]! * factor);
  return out;
}

export interface HeatmapOverlayOptions {
  /** Value shown as the bottom of the colour scale (default 0). */
  min?: number;
  /** Value shown as the top (default: the plane's maximum, at least min + 1e-6). */
  max?: number;
  /** Largest opacity of the colour over the photo (default 0.85): the colour's weight is opacity x the scaled value. */
  opacity?: number;
}

/** The largest finite value of a plane. */
export function planeMax(plane: MapPlane): number {
  let max = -Infinity;
  for (let y = 0; y < plane.height; y++) for (let x = 0; x < plane.width; x++) {
    const v = valueAt(plane, x, y);
    if (v > max) max = v;
  }
  return max;
}

/**
 * The map over a copy of the photo: each pixel blends the colour scale's colour for its value
 * over the photo, more opaque where the value is higher. Returns the copy and the [min, max] used.
 */
export function heatmapOverlay(photo: RgbImage, plane: MapPlane, imageToMap: Affine, options: HeatmapOverlayOptions = {}): { image: RgbImage; min: number; max: number } {
  checkAffine(imageToMap);
  const min = options.min ?? 0;
  const max = Math.max(options.max ?? planeMax(plane), min + 1e-6);
  const opacity = options.opacity ?? 0.85;
  const image = cloneImage(photo);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [mx, my] = applyAffine(imageToMap, x, y);
      const v = sampleMap(plane, mx, my);
      if (Number.isNaN(v)) continue;
      const t = Math.min(1, Math.max(0, (v - min) / (max - min)));
      blendPixel(image, x, y, inferno(t), opacity * Math.sqrt(t));
    }
  }
  return { image, min, max };
}

export interface FlowOverlayOptions {
  /** Length shown at full brightness (default: the field's largest length). */
  maxMagnitude?: number;
  /** How much of the photo shows under a zero vector (default 0.35; the colour covers the rest by magnitude). */
  photoWeight?: number;
}

/**
 * A vector field (x and y component planes) as a flow field over a copy of the photo: hue =
 * direction, brightness = magnitude (flowColor). The vectors are in map axes, which are the
 * photo's axes up to scale for the letterbox and crop transforms used here. Returns the copy and
 * the magnitude shown at full brightness.
 */
export function flowOverlay(photo: RgbImage, vx: MapPlane, vy: MapPlane, imageToMap: Affine, options: FlowOverlayOptions = {}): { image: RgbImage; maxMagnitude: number } {
  checkAffine(imageToMap);
  if (vx.width !== vy.width || vx.height !== vy.height) throw new InputError('flowOverlay: the x and y planes differ in size');
  let maxMagnitude = options.maxMagnitude ?? 0;
  if (options.maxMagnitude === undefined) {
    for (let y = 0; y < vx.height; y++) for (let x = 0; x < vx.width; x++) maxMagnitude = Math.max(maxMagnitude, Math.hypot(valueAt(vx, x, y), valueAt(vy, x, y)));
  }
  const photoWeight = options.photoWeight ?? 0.35;
  const image = dimmed(photo, photoWeight);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [mx, my] = applyAffine(imageToMap, x, y);
      const fx = sampleMap(vx, mx, my);
      if (Number.isNaN(fx)) continue;
      const fy = sampleMap(vy, mx, my);
      const strength = maxMagnitude > 0 ? Math.min(1, Math.hypot(fx, fy) / maxMagnitude) : 0;
      blendPixel(image, x, y, flowColor(fx, fy, maxMagnitude), strength);
    }
  }
  return { image, maxMagnitude };
}

/** A colour wheel key for flow fields: `size` pixels square, hue by direction, brightness by distance from the centre. */
export function flowLegend(size = 96): RgbImage {
  const image = cloneImage({ width: size, height: size, data: new Uint8Array(size * size * 3).fill(255) });
  const r = size / 2 - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - (size - 1) / 2, dy = y - (size - 1) / 2;
      const d = Math.hypot(dx, dy);
      if (d <= r) blendPixel(image, x, y, flowColor(dx, dy, r), 1);
    }
  }
  return image;
}

/** A horizontal colour bar of the inferno scale, `width` x `height` pixels. */
export function colorBar(width = 256, height = 14): RgbImage {
  const image = cloneImage({ width, height, data: new Uint8Array(width * height * 3) });
  for (let x = 0; x < width; x++) {
    const c = inferno(x / Math.max(1, width - 1));
    for (let y = 0; y < height; y++) blendPixel(image, x, y, c, 1);
  }
  return image;
}

/** An arrow from (x0, y0) to (x1, y1) with a head of `head` pixels, drawn in place. */
export function drawArrow(image: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb, width = 1.5, head = 6): void {
  drawLine(image, x0, y0, x1, y1, color, width);
  const length = Math.hypot(x1 - x0, y1 - y0);
  if (!(length > 0)) return;
  const ux = (x1 - x0) / length, uy = (y1 - y0) / length;
  const h = Math.min(head, length * 0.6);
  for (const side of [-1, 1]) {
    drawLine(image, x1, y1, x1 - h * (ux * 0.87 - side * uy * 0.5), y1 - h * (uy * 0.87 + side * ux * 0.5), color, width);
  }
}

/** A ring (circle outline) of radius `radius`, drawn in place. */
export function drawRing(image: RgbImage, cx: number, cy: number, radius: number, color: Rgb, width = 1.5): void {
  const segments = Math.max(12, Math.ceil(radius));
  for (let i = 0; i < segments; i++) {
    const a0 = (2 * Math.PI * i) / segments, a1 = (2 * Math.PI * (i + 1)) / segments;
    drawLine(image, cx + radius * Math.cos(a0), cy + radius * Math.sin(a0), cx + radius * Math.cos(a1), cy + radius * Math.sin(a1), color, width);
  }
}

/** A cross (x) marker of half size `size`, drawn in place. */
export function drawCross(image: RgbImage, cx: number, cy: number, size: number, color: Rgb, width = 1.5): void {
  drawLine(image, cx - size, cy - size, cx + size, cy + size, color, width);
  drawLine(image, cx - size, cy + size, cx + size, cy - size, color, width);
}

/** The composition of two 2x3 affine transforms: first `inner`, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a, b, c, d, e, f] = outer;
  const [p, q, r, s, t, u] = inner;
  return [a * p + b * s, a * q + b * t, a * r + b * u + c, d * p + e * s, d * q + e * t, d * r + e * u + f];
}
