// Skeletons on a 2D canvas: the photo, then each person's limbs and keypoints, coloured per
// person. The skeleton is the one the CLI's overlays use for the model's keypoints.
import { COCO17_SKELETON, OPENPOSE18_SKELETON, type Skeleton } from '../render/overlay.js';
import type { Pose } from '../decode/pose.js';
import type { RgbImage } from '../image/image.js';

const PERSON_COLOURS = ['#ff4d4d', '#33c3ff', '#ffd633', '#66e066', '#c77dff', '#ff9f40', '#4dffd2', '#ff66c4'];

/** The skeleton that joins a model's keypoints (COCO's 17, or OpenPose's 18). */
/** Puts an RGB image on a canvas at its origin (canvas pixels are RGBA: alpha opaque). */
export function putRgbImage(context: CanvasRenderingContext2D, image: RgbImage): void {
  const rgba = new ImageData(image.width, image.height);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba.data[j] = image.data[i]!;
    rgba.data[j + 1] = image.data[i + 1]!;
    rgba.data[j + 2] = image.data[i + 2]!;
    rgba.data[j + 3] = 255;
  }
  context.putImageData(rgba, 0, 0);
}

export function skeletonFor(keypoints: readonly string[]): Skeleton {
  return keypoints.length === 18 ? OPENPOSE18_SKELETON : COCO17_SKELETON;
}

/** A person's colour: by track id when the pose has one (video mode), else by its place in the list. */
export function personColour(pose: Pose & { id?: number }, person: number): string {
  const key = pose.id !== undefined && pose.id >= 0 ? pose.id : person;
  return PERSON_COLOURS[key % PERSON_COLOURS.length]!;
}

/** Draws `poses` over whatever the context holds; keypoints below `minScore` are left out. */
export function drawPoses(context: CanvasRenderingContext2D, poses: readonly Pose[], skeleton: Skeleton, minScore = 0.2): void {
  const scale = Math.max(1, Math.max(context.canvas.width, context.canvas.height) / 640);
  context.lineCap = 'round';
  poses.forEach((pose, person) => {
    const colour = personColour(pose, person);
    const seen = (i: number) => {
      const k = pose.keypoints[i];
      return k !== undefined && (k.score ?? 0) >= minScore ? k : undefined;
    };
    context.strokeStyle = colour;
    context.lineWidth = 3 * scale;
    for (const [a, b] of skeleton) {
      const from = seen(a);
      const to = seen(b);
      if (from === undefined || to === undefined) continue;
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }
    context.fillStyle = '#fff';
    context.lineWidth = 1.5 * scale;
    for (let i = 0; i < pose.keypoints.length; i++) {
      const k = seen(i);
      if (k === undefined) continue;
      context.beginPath();
      context.arc(k.x, k.y, 3.5 * scale, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    }
  });
}
