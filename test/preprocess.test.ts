import { describe, expect, it } from 'vitest';
import { InputError } from '../src/nn/errors.js';
import { createImage, type RgbImage } from '../src/image/image.js';
import {
  cropForPerson, imageToTensor, letterboxForStride, type InputSpec, type InputTransform,
} from '../src/pipeline/preprocess.js';

/** human-pose-estimation-0001: 456x256, BGR, raw pixels shifted by 128 and divided by 255 (as in 3d-0001's model.yml). */
const OPENPOSE_SPEC: InputSpec = { width: 456, height: 256, colorOrder: 'BGR', mean: [128, 128, 128], scale: [255, 255, 255] };
/** single-human-pose-estimation-0001: 288x384, RGB, ImageNet mean/std. */
const TOPDOWN_SPEC: InputSpec = {
  width: 288, height: 384, colorOrder: 'RGB', mean: [123.675, 116.28, 103.53], scale: [58.395, 57.12, 57.375],
};

function at(data: ArrayLike<number>, width: number, height: number, c: number, x: number, y: number): number {
  return data[c * width * height + y * width + x]!;
}

/** Black image with a red disc of `radius` centred at (cx, cy). */
function redBlob(width: number, height: number, cx: number, cy: number, radius: number): RgbImage {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (Math.hypot(x - cx, y - cy) <= radius) image.data[(y * width + x) * 3] = 255;
  }
  return image;
}

/**
 * Centroid of tensor channel `channel` weighted by (value - background), over columns [0, columns)
 * (to leave out letterbox padding).
 */
function centroid(data: ArrayLike<number>, width: number, height: number, channel: number, background: number, columns = width): [number, number] {
  let sum = 0, sx = 0, sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < columns; x++) {
      const w = at(data, width, height, channel, x, y) - background;
      if (w > 1e-6) { sum += w; sx += w * x; sy += w * y; }
    }
  }
  return [sx / sum, sy / sum];
}

function expectRoundTrips(transform: InputTransform): void {
  for (const [x, y] of [[0, 0], [12.25, 300.5], [-40, 1e3], [639, 424], [123.456, 7.89]] as const) {
    const [ix, iy] = transform.toInput(x, y);
    const [bx, by] = transform.toImage(ix, iy);
    expect(Math.abs(bx - x)).toBeLessThan(1e-9);
    expect(Math.abs(by - y)).toBeLessThan(1e-9);
  }
}

describe('normalisation', () => {
  it('computes (pixel - mean[c]) / scale[c] in the spec channel order, NCHW', () => {
    const image = createImage(2, 1);
    image.data.set([10, 20, 30, 250, 0, 128]); // pixel 0: R10 G20 B30, pixel 1: R250 G0 B128
    const rgb = imageToTensor(image, { width: 2, height: 1, colorOrder: 'RGB', mean: [1, 2, 3], scale: [2, 4, 8] });
    expect(rgb.shape).toEqual([1, 3, 1, 2]);
    expect(rgb.dtype).toBe('float32');
    // Channel-major: R of both pixels, then G, then B. By hand: (10-1)/2, (250-1)/2, (20-2)/4, (0-2)/4, (30-3)/8, (128-3)/8.
    expect(Array.from(rgb.data as Float32Array)).toEqual([4.5, 124.5, 4.5, -0.5, 3.375, 15.625]);
    const bgr = imageToTensor(image, { width: 2, height: 1, colorOrder: 'BGR', mean: [1, 2, 3], scale: [2, 4, 8] });
    // Tensor channel 0 is now blue: (30-1)/2, (128-1)/2; channel 2 is red: (10-3)/8, (250-3)/8.
    expect(Array.from(bgr.data as Float32Array)).toEqual([14.5, 63.5, 4.5, -0.5, 0.875, 30.875]);
  });

  it('rejects bad specs and mismatched sizes with InputError', () => {
    const image = createImage(2, 2);
    expect(() => imageToTensor(image, { ...OPENPOSE_SPEC, width: 2, height: 2, scale: [1, 0, 1] })).toThrow(InputError);
    expect(() => imageToTensor(image, { ...OPENPOSE_SPEC, width: 0, height: 2 })).toThrow(/positive integers/);
    expect(() => imageToTensor(image, OPENPOSE_SPEC)).toThrow(/2x2 but the network takes 456x256/);
  });
});

describe('letterboxForStride (OpenPose family)', () => {
  it("fixed width: resizes to the network height and pads right with the mean (normalised 0)", () => {
    const image = createImage(640, 425, [200, 100, 50]);
    const { tensor, contentWidth, contentHeight, transform } = letterboxForStride(image, OPENPOSE_SPEC);
    expect(tensor.shape).toEqual([1, 3, 256, 456]);
    expect([contentWidth, contentHeight]).toEqual([386, 256]); // round(640 * 256 / 425) = round(385.5)
    const data = tensor.data as Float32Array;
    // BGR: channel 0 is blue 50 -> (50 - 128) / 255.
    expect(at(data, 456, 256, 0, 10, 10)).toBeCloseTo((50 - 128) / 255, 6);
    expect(at(data, 456, 256, 2, 385, 255)).toBeCloseTo((200 - 128) / 255, 6);
    for (let c = 0; c < 3; c++) expect(at(data, 456, 256, c, 386, 100)).toBe(0);
    expect(at(data, 456, 256, 1, 455, 255)).toBe(0);
    expectRoundTrips(transform);
    // Corners map to corners (pixel-centre convention: edge at -0.5).
    const [ex, ey] = transform.toImage(385.5, 255.5);
    expect(ex).toBeCloseTo(639.5, 9);
    expect(ey).toBeCloseTo(424.5, 9);
  });

  it('fixed width: a wider image is fitted to the width and padded at the bottom', () => {
    const { tensor, contentWidth, contentHeight, transform } = letterboxForStride(createImage(1000, 200, [255, 255, 255]), OPENPOSE_SPEC);
    expect(tensor.shape).toEqual([1, 3, 256, 456]);
    expect([contentWidth, contentHeight]).toEqual([456, 91]); // round(200 * 456 / 1000) = 91.2
    const data = tensor.data as Float32Array;
    expect(at(data, 456, 256, 0, 200, 90)).toBeCloseTo(127 / 255, 6);
    expect(at(data, 456, 256, 0, 200, 91)).toBe(0);
    expectRoundTrips(transform);
  });

  it('stride width: width follows the aspect ratio, rounded up to the stride', () => {
    const { tensor, contentWidth } = letterboxForStride(createImage(640, 425), { ...OPENPOSE_SPEC, width: 1 }, 8, { widthMode: 'stride' });
    expect(contentWidth).toBe(386);
    expect(tensor.shape).toEqual([1, 3, 256, 392]);
    const odd = letterboxForStride(createImage(100, 100), { ...OPENPOSE_SPEC, height: 250 }, 8, { widthMode: 'stride' });
    expect(odd.tensor.shape).toEqual([1, 3, 256, 256]);
    expect([odd.contentWidth, odd.contentHeight]).toEqual([250, 250]);
  });

  it('an explicit pad value (the OMZ Python wrapper pads with pixel 0)', () => {
    const { tensor } = letterboxForStride(createImage(100, 256), OPENPOSE_SPEC, 8, { padValue: [0, 0, 0] });
    expect(at(tensor.data as Float32Array, 456, 256, 0, 300, 0)).toBeCloseTo(-128 / 255, 6);
  });

  it('a coloured blob lands where the transform says', () => {
    const image = redBlob(640, 425, 300, 200, 12);
    const { tensor, transform, contentWidth } = letterboxForStride(image, OPENPOSE_SPEC);
    // Red is tensor channel 2 (BGR); background pixel 0 normalises to -128/255.
    const [ix, iy] = centroid(tensor.data as Float32Array, 456, 256, 2, -128 / 255, contentWidth);
    const [px, py] = transform.toInput(300, 200);
    expect(Math.abs(ix - px)).toBeLessThan(0.05);
    expect(Math.abs(iy - py)).toBeLessThan(0.05);
    const [bx, by] = transform.toImage(ix, iy);
    expect(Math.abs(bx - 300)).toBeLessThan(0.1);
    expect(Math.abs(by - 200)).toBeLessThan(0.1);
  });

  it('rejects a bad stride', () => {
    expect(() => letterboxForStride(createImage(4, 4), OPENPOSE_SPEC, 0)).toThrow(InputError);
  });
});

describe('cropForPerson (HRNet affine crop)', () => {
  it('centre, 1.25 padding and the network aspect ratio, as get_affine_transform', () => {
    // Box 100x200 at (50, 50); aspect 288/384 = 0.75: 0.75 * 200 = 150 > 100, so width -> 150;
    // x1.25 -> 187.5 x 250; scale 288 / 187.5 = 1.536; centre (100, 150) -> (144, 192).
    const image = createImage(400, 400, [123, 116, 103]);
    const { tensor, transform, center, cropSize } = cropForPerson(image, { xMin: 50, yMin: 50, width: 100, height: 200 }, TOPDOWN_SPEC);
    expect(tensor.shape).toEqual([1, 3, 384, 288]);
    expect(center).toEqual([100, 150]);
    expect(cropSize).toEqual([187.5, 250]);
    expect(transform.imageToInput).toEqual([1.536, 0, 144 - 1.536 * 100, 0, 1.536, 192 - 1.536 * 150]);
    const [cx, cy] = transform.toInput(100, 150);
    expect(cx).toBeCloseTo(144, 9);
    expect(cy).toBeCloseTo(192, 9);
    // The crop's top-left input pixel reads image (100 - 93.75, 150 - 125).
    const [tx, ty] = transform.toImage(0, 0);
    expect(tx).toBeCloseTo(6.25, 9);
    expect(ty).toBeCloseTo(25, 9);
    expectRoundTrips(transform);
    // Inside the image every pixel is the flat colour: R (123 - 123.675) / 58.395.
    expect(at(tensor.data as Float32Array, 288, 384, 0, 144, 192)).toBeCloseTo((123 - 123.675) / 58.395, 5);
  });

  it('a wide box is heightened instead, and outside the image is black', () => {
    const image = createImage(300, 100, [255, 255, 255]);
    const { cropSize, tensor } = cropForPerson(image, { xMin: 0, yMin: 0, width: 300, height: 100 }, TOPDOWN_SPEC);
    expect(cropSize).toEqual([375, 500]); // 300 / 0.75 = 400 > 100 -> h 400; x1.25
    // Top rows map above the image: black, normalised.
    expect(at(tensor.data as Float32Array, 288, 384, 0, 144, 2)).toBeCloseTo(-123.675 / 58.395, 5);
  });

  it('a coloured blob lands where the transform says', () => {
    const image = redBlob(640, 425, 321, 180, 10);
    const { tensor, transform } = cropForPerson(image, { xMin: 280, yMin: 45, width: 219, height: 347 }, TOPDOWN_SPEC);
    const background = -123.675 / 58.395;
    const [ix, iy] = centroid(tensor.data as Float32Array, 288, 384, 0, background);
    const [px, py] = transform.toInput(321, 180);
    expect(Math.abs(ix - px)).toBeLessThan(0.05);
    expect(Math.abs(iy - py)).toBeLessThan(0.05);
  });

  it('rejects degenerate boxes', () => {
    expect(() => cropForPerson(createImage(10, 10), { xMin: 0, yMin: 0, width: 0, height: 5 }, TOPDOWN_SPEC)).toThrow(InputError);
    expect(() => cropForPerson(createImage(10, 10), { xMin: NaN, yMin: 0, width: 5, height: 5 }, TOPDOWN_SPEC)).toThrow(InputError);
  });
});
