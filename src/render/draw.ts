// Drawing primitives on an RgbImage, in place: anti-aliased thick lines, filled circles, rectangles.
//
// Each shape is drawn by visiting only the pixels of its bounding box clipped to the image and
// giving each pixel a coverage in [0, 1] from its distance to the shape (a one-pixel ramp at the
// edge is the anti-aliasing). Off-image, huge, infinite or NaN coordinates never throw: what lies
// outside is clipped, and a shape with a non-finite coordinate or size is skipped.
//
// Coordinates follow the image convention of src/image/resize.ts: pixel (i, j) is centred at (i, j).
import type { Rgb, RgbImage } from '../image/image.js';

/** Blends `color` over integer pixel (x, y) with weight `alpha` in [0, 1]; pixels outside are ignored. */
export function blendPixel(image: RgbImage, x: number, y: number, color: Rgb, alpha: number): void {
  if (!(alpha > 0) || !Number.isInteger(x) || !Number.isInteger(y)) return;
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const a = Math.min(alpha, 1);
  const i = (y * image.width + x) * 3;
  const d = image.data;
  d[i] = Math.round(d[i]! + (color[0] - d[i]!) * a);
  d[i + 1] = Math.round(d[i + 1]! + (color[1] - d[i + 1]!) * a);
  d[i + 2] = Math.round(d[i + 2]! + (color[2] - d[i + 2]!) * a);
}

/** The integer pixel range [lo, hi] covering [min, max] clipped to [0, size-1]; empty when lo > hi. */
function clipSpan(min: number, max: number, size: number): [number, number] {
  return [Math.max(0, Math.floor(min)), Math.min(size - 1, Math.ceil(max))];
}

function allFinite(...values: number[]): boolean {
  return values.every(Number.isFinite);
}

/**
 * A line `width` pixels thick from (x0, y0) to (x1, y1) with round ends, anti-aliased.
 * `opacity` in [0, 1] scales the coverage (1 paints the colour over the image).
 */
export function drawLine(
  image: RgbImage, x0: number, y0: number, x1: number, y1: number,
  color: Rgb, width = 1, opacity = 1,
): void {
  if (!allFinite(x0, y0, x1, y1, width, opacity) || width <= 0) return;
  const half = width / 2;
  const [xs, xe] = clipSpan(Math.min(x0, x1) - half - 1, Math.max(x0, x1) + half + 1, image.width);
  const [ys, ye] = clipSpan(Math.min(y0, y1) - half - 1, Math.max(y0, y1) + half + 1, image.height);
  const dx = x1 - x0;
  const dy = y1 - y0;
  const lengthSquared = dx * dx + dy * dy;
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      // Distance from the pixel centre to the closest point of the segment.
      const t = lengthSquared > 0 ? Math.min(1, Math.max(0, ((x - x0) * dx + (y - y0) * dy) / lengthSquared)) : 0;
      const distance = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      const coverage = Math.min(1, half + 0.5 - distance);
      if (coverage > 0) blendPixel(image, x, y, color, coverage * opacity);
    }
  }
}

/** A filled, anti-aliased disc of `radius` pixels centred at (cx, cy). */
export function fillCircle(image: RgbImage, cx: number, cy: number, radius: number, color: Rgb, opacity = 1): void {
  if (!allFinite(cx, cy, radius, opacity) || radius <= 0) return;
  const [xs, xe] = clipSpan(cx - radius - 1, cx + radius + 1, image.width);
  const [ys, ye] = clipSpan(cy - radius - 1, cy + radius + 1, image.height);
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      const coverage = Math.min(1, radius + 0.5 - Math.hypot(x - cx, y - cy));
      if (coverage > 0) blendPixel(image, x, y, color, coverage * opacity);
    }
  }
}

/** The outline of the axis-aligned rectangle with corners (x0, y0) and (x1, y1). */
export function drawRect(
  image: RgbImage, x0: number, y0: number, x1: number, y1: number,
  color: Rgb, lineWidth = 1, opacity = 1,
): void {
  if (!allFinite(x0, y0, x1, y1)) return;
  drawLine(image, x0, y0, x1, y0, color, lineWidth, opacity);
  drawLine(image, x1, y0, x1, y1, color, lineWidth, opacity);
  drawLine(image, x1, y1, x0, y1, color, lineWidth, opacity);
  drawLine(image, x0, y1, x0, y0, color, lineWidth, opacity);
}

/** Fills the pixels whose centres lie inside the rectangle with corners (x0, y0) and (x1, y1). */
export function fillRect(
  image: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb, opacity = 1,
): void {
  if (!allFinite(x0, y0, x1, y1, opacity)) return;
  const xs = Math.max(0, Math.ceil(Math.min(x0, x1)));
  const xe = Math.min(image.width - 1, Math.floor(Math.max(x0, x1)));
  const ys = Math.max(0, Math.ceil(Math.min(y0, y1)));
  const ye = Math.min(image.height - 1, Math.floor(Math.max(y0, y1)));
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) blendPixel(image, x, y, color, opacity);
  }
}
