// What estimate() takes besides RGB: RGBA pixels as canvases hand them out (ImageData's
// Uint8ClampedArray), and browser images, which need a canvas (the Chromium tests draw real ones).
import { describe, expect, it } from 'vitest';
import { ImageError } from '../src/nn/errors.js';
import { toRgbImage } from '../src/image/input.js';

describe('toRgbImage', () => {
  it('takes RGB as it is and drops the alpha of RGBA, Uint8Array or Uint8ClampedArray', () => {
    const rgb = { width: 2, height: 1, data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
    expect(toRgbImage(rgb)).toBe(rgb);
    const imageData = { width: 2, height: 1, data: Uint8ClampedArray.of(1, 2, 3, 255, 4, 5, 6, 0), colorSpace: 'srgb' };
    expect(Array.from(toRgbImage(imageData).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses pixels whose length is neither RGB nor RGBA, and non-byte data', () => {
    expect(() => toRgbImage({ width: 2, height: 1, data: new Uint8Array(7) })).toThrow(/needs 6 bytes/);
    expect(() => toRgbImage({ width: 2, height: 1, data: new Float32Array(8) as unknown as Uint8Array })).toThrow(/Uint8Array or Uint8ClampedArray/);
    expect(() => toRgbImage({ width: 0, height: 1, data: new Uint8Array(0) })).toThrow(/invalid size/);
    expect(() => toRgbImage(null as never)).toThrow(ImageError);
  });

  it('says what is wrong with a browser image it cannot read', () => {
    expect(() => toRgbImage({ naturalWidth: 0, naturalHeight: 0 })).toThrow(/no pixels yet/);
    // Node has no canvas: the message says what to pass instead.
    expect(() => toRgbImage({ videoWidth: 4, videoHeight: 3 })).toThrow(/no canvas/);
  });
});
