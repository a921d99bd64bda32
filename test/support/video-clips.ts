// Small test videos made from ../shared/data photos: frames drawn here (wasmpose's own warp and
// resize) and encoded by ffmpeg through VideoWriter, or cut by ffmpeg's own filters.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeImage } from '../../src/image/codec.js';
import { createImage, type RgbImage } from '../../src/image/image.js';
import { resizeBilinear, warpAffine } from '../../src/image/resize.js';
import { findFfmpeg, VideoWriter } from '../../src/video/ffmpeg.js';

export const H36M = resolve(import.meta.dirname, '../../../shared/data/h36m');
/** Two Human3.6M frames with one person each, and where that person stands (1000-pixel frames). */
export const S1_PHOTO = resolve(H36M, 'S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg');
export const S7_PHOTO = resolve(H36M, 'S7/S7_Greeting.55011271/S7_Greeting.55011271_000396.jpg');

const photos = new Map<string, RgbImage>();
export function photo(path: string): RgbImage {
  let image = photos.get(path);
  if (image === undefined) photos.set(path, (image = decodeImage(readFileSync(path))));
  return image;
}

/** Encodes `frames` (all one size) at `fps` into `path`. */
export async function writeClip(path: string, frames: Iterable<RgbImage>, fps: number): Promise<void> {
  let writer: VideoWriter | undefined;
  for (const frame of frames) {
    writer ??= VideoWriter.open(path, { width: frame.width, height: frame.height, fps });
    await writer.write(frame);
  }
  await writer!.close();
}

/** Runs ffmpeg with `args` (clips cut by ffmpeg's own filters). */
export function ffmpeg(...args: string[]): void {
  execFileSync(findFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * S7's person, still, in a 256x256 view at half scale, each frame shifted by a random sub-pixel
 * amount (uniform in +-0.75 pixel per axis, as the returned shifts say).
 */
export function jitterFrames(count: number, random: () => number): { frames: RgbImage[]; shifts: [number, number][] } {
  const base = photo(S7_PHOTO);
  const shifts: [number, number][] = [];
  const frames = Array.from({ length: count }, () => {
    const dx = (random() - 0.5) * 1.5;
    const dy = (random() - 0.5) * 1.5;
    shifts.push([dx, dy]);
    // Output pixel (x, y) shows input pixel 2 (x - dx) + 119, 2 (y - dy) + 174.
    return warpAffine(base, [2, 0, 119 - 2 * dx, 0, 2, 174 - 2 * dy], 256, 256, 0);
  });
  return { frames, shifts };
}

/** A person cut out of a photo (its region in the photo's pixels), scaled to `height` pixels tall. */
export function sprite(path: string, region: { x: number; y: number; width: number; height: number }, height: number): RgbImage {
  const crop = warpAffine(photo(path), [1, 0, region.x, 0, 1, region.y], region.width, region.height, 0);
  return resizeBilinear(crop, Math.round((region.width * height) / region.height), height);
}

/** S1's and S7's people as sprites about 160 pixels tall. */
export function people(): { s1: RgbImage; s7: RgbImage } {
  return {
    s1: sprite(S1_PHOTO, { x: 380, y: 250, width: 190, height: 410 }, 160),
    s7: sprite(S7_PHOTO, { x: 290, y: 220, width: 170, height: 420 }, 160),
  };
}

/** Draws `image` onto `canvas` with its top-left at (x, y), clipped to the canvas. */
export function paste(canvas: RgbImage, image: RgbImage, x: number, y: number): void {
  for (let row = 0; row < image.height; row++) {
    const cy = y + row;
    if (cy < 0 || cy >= canvas.height) continue;
    for (let col = 0; col < image.width; col++) {
      const cx = x + col;
      if (cx < 0 || cx >= canvas.width) continue;
      canvas.data.set(image.data.subarray((row * image.width + col) * 3, (row * image.width + col) * 3 + 3), (cy * canvas.width + cx) * 3);
    }
  }
}

/** A grey 400x224 stage with the given sprites at the given top-left corners, later ones in front. */
export function stage(placed: readonly { image: RgbImage; x: number; y: number }[]): RgbImage {
  const canvas = createImage(400, 224, [96, 88, 84]);
  for (const { image, x, y } of placed) paste(canvas, image, Math.round(x), Math.round(y));
  return canvas;
}
