// Person identities across video frames, as TensorFlow.js pose-detection's trackers give them
// (BoundingBoxTracker, KeypointTracker): each frame's poses are matched greedily, best pose first,
// to the live track they are most similar to, by box IoU or by keypoint OKS; a pose matching no
// track at least `minSimilarity` starts a new one; a track unseen for more than `maxAge` is
// dropped, and at most `maxTracks` of the most recently seen tracks are kept. Pure and
// browser-safe.
//
// One addition over pose-detection: each track keeps its velocity (pixels per ms, smoothed over
// its last sightings), and a pose is compared both with where the track would be now and with
// where it was last seen (the better of the two counts). Two people crossing then keep their
// identities, and a person hidden for a few frames (behind the other one) is met again where they
// walked to, or where they stopped. `predictMotion: false` compares with the last sighting only,
// as pose-detection does.
//
// Identity on return: a person out of sight for longer than `maxAge` comes back as a new track
// (a new id); within `maxAge`, they get their id back if they reappear near the track's predicted
// place (similarity >= minSimilarity), else a new one.
import { InputError } from '../nn/errors.js';
import { boxOfKeypoints, type BoundingBox, type Keypoint, type Pose } from '../decode/pose.js';

export type SimilarityKind = 'boundingBox' | 'keypoint';

export interface TrackerConfig {
  /** Box IoU (pose-detection's BoundingBoxTracker) or keypoint OKS (its KeypointTracker). */
  similarity: SimilarityKind;
  /** Tracks kept at most (the most recently seen). */
  maxTracks: number;
  /** Milliseconds a track lives unseen. */
  maxAge: number;
  /** A pose joins a track only at least this similar (IoU or OKS, 0..1). */
  minSimilarity: number;
  /** Compare poses with where each track would be now at its velocity (see above). */
  predictMotion: boolean;
  /** OKS: keypoints scoring below this are not compared. */
  keypointConfidenceThreshold: number;
  /** OKS: per-keypoint falloff (COCO's sigmas in COCO order); keypoints beyond the list use the last. */
  keypointFalloff: readonly number[];
  /** OKS: fewer keypoints than this in common means similarity 0. */
  minNumberOfKeypoints: number;
}

/** COCO's per-keypoint OKS sigmas, COCO keypoint order (pose-detection's keypointFalloff). */
export const COCO_KEYPOINT_SIGMAS = [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089] as const;

/** pose-detection's defaults (DEFAULT_KEYPOINT_TRACKER_CONFIG; IoU's minSimilarity is 0.15 there). */
export const DEFAULT_TRACKER: TrackerConfig = {
  similarity: 'keypoint',
  maxTracks: 18,
  maxAge: 1000,
  minSimilarity: 0.2,
  predictMotion: true,
  keypointConfidenceThreshold: 0.3,
  keypointFalloff: COCO_KEYPOINT_SIGMAS,
  minNumberOfKeypoints: 4,
};

/** A pose with its track's id (pose-detection's `pose.id`). */
export type TrackedPose = Pose & { id: number };

interface Track {
  id: number;
  keypoints: Keypoint[];
  box: BoundingBox;
  /** Milliseconds. */
  lastSeen: number;
  /** Pixels per millisecond of the box centre (0 until seen twice). */
  vx: number;
  vy: number;
  sightings: number;
}

/** A track no pose matched takes a pose no track matched whose box overlaps its own at least this much. */
const REIDENTIFY_MIN_IOU = 0.15;

/** Each new velocity measurement moves the track's velocity this far toward it. */
const VELOCITY_SMOOTHING = 0.3;

export function trackerConfig(overrides: Partial<TrackerConfig> = {}): TrackerConfig {
  const config = { ...DEFAULT_TRACKER, ...(overrides.similarity === 'boundingBox' && overrides.minSimilarity === undefined ? { minSimilarity: 0.15 } : {}), ...overrides };
  if (config.similarity !== 'boundingBox' && config.similarity !== 'keypoint') throw new InputError(`tracker similarity must be 'boundingBox' or 'keypoint', got '${String(config.similarity)}'`);
  if (!Number.isInteger(config.maxTracks) || config.maxTracks < 1) throw new InputError(`maxTracks must be an integer >= 1, got ${config.maxTracks}`);
  if (!(config.maxAge >= 0)) throw new InputError(`maxAge must be milliseconds >= 0, got ${config.maxAge}`);
  if (!(config.minSimilarity >= 0 && config.minSimilarity <= 1)) throw new InputError(`minSimilarity must be in [0, 1], got ${config.minSimilarity}`);
  if (config.keypointFalloff.length === 0 || !config.keypointFalloff.every((s) => s > 0)) throw new InputError('keypointFalloff must be positive numbers');
  return config;
}

/**
 * The box a pose is tracked by: its own (the finder's, or the crop's), else its confident
 * keypoints' box (a tight one: a person seen side-on is a thin box of shoulders and hips).
 */
export function trackingBox(pose: Pose, minScore: number): BoundingBox | undefined {
  if (pose.box !== undefined && pose.box.width > 0 && pose.box.height > 0) return pose.box;
  const confident = pose.keypoints.filter((k) => k.score >= minScore);
  return (confident.length >= 2 ? boxOfKeypoints(confident) : undefined) ?? boxOfKeypoints(pose.keypoints);
}

export function boxIou(a: BoundingBox, b: BoundingBox): number {
  const w = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const h = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export class PoseTracker {
  readonly config: TrackerConfig;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTimestamp = -Infinity;

  constructor(config: Partial<TrackerConfig> = {}) {
    this.config = trackerConfig(config);
  }

  /**
   * The poses of the frame at `timestamp` (milliseconds, as pose-detection takes it), each with its
   * track's id; poses are matched best score first. A pose with no keypoint found and no box cannot
   * be tracked and is left out.
   */
  apply(poses: readonly Pose[], timestamp: number): TrackedPose[] {
    const { maxAge, minSimilarity, maxTracks } = this.config;
    this.tracks = this.tracks.filter((t) => timestamp - t.lastSeen <= maxAge);
    this.lastTimestamp = timestamp;
    const order = poses.map((_, i) => i).sort((a, b) => poses[b]!.score - poses[a]!.score);
    const ids = new Array<number>(poses.length);
    const unmatched = new Set(this.tracks);
    const predicted = new Map(this.tracks.map((t) => [t, this.predict(t, timestamp)]));
    for (const i of order) {
      let best: Track | undefined;
      let bestSimilarity = -1;
      for (const track of unmatched) {
        const s = Math.max(this.similarity(poses[i]!, predicted.get(track)!), this.similarity(poses[i]!, track));
        if (s > bestSimilarity) [best, bestSimilarity] = [track, s];
      }
      if (best !== undefined && bestSimilarity >= minSimilarity) {
        unmatched.delete(best);
        this.update(best, poses[i]!, timestamp);
        ids[i] = best.id;
      }
    }
    // Second chance, by boxes, for what the keypoints could not match: a person coming out from
    // behind another (half visible: few keypoints in common), or moving too fast for OKS (its
    // falloffs are a few percent of the person's size). A track no pose took takes a pose no track
    // took when their boxes overlap (IoU >= pose-detection's box tracker threshold), predicted or
    // last-seen box.
    for (const i of order) {
      if (ids[i] !== undefined || this.config.similarity === 'boundingBox') continue;
      const box = trackingBox(poses[i]!, this.config.keypointConfidenceThreshold);
      if (box === undefined) continue;
      let best: Track | undefined;
      let bestIou = REIDENTIFY_MIN_IOU;
      for (const track of unmatched) {
        const iou = Math.max(boxIou(box, predicted.get(track)!.box), boxIou(box, track.box));
        if (iou >= bestIou) [best, bestIou] = [track, iou];
      }
      if (best !== undefined) {
        unmatched.delete(best);
        this.update(best, poses[i]!, timestamp);
        ids[i] = best.id;
      }
    }
    for (const i of order) {
      if (ids[i] !== undefined) continue;
      const box = trackingBox(poses[i]!, this.config.keypointConfidenceThreshold);
      if (box === undefined) continue;
      const track: Track = { id: this.nextId++, keypoints: poses[i]!.keypoints, box, lastSeen: timestamp, vx: 0, vy: 0, sightings: 1 };
      this.tracks.push(track);
      ids[i] = track.id;
    }
    this.tracks.sort((a, b) => b.lastSeen - a.lastSeen);
    this.tracks.length = Math.min(this.tracks.length, maxTracks);
    return poses.flatMap((pose, i) => (ids[i] === undefined ? [] : [{ ...pose, id: ids[i]! }]));
  }

  /** Whether a live track went unmatched in the last frame (someone tracked is missing). */
  get missing(): boolean {
    return this.tracks.some((t) => t.lastSeen !== this.lastTimestamp);
  }

  /** Ids of the live tracks, most recently seen first. */
  trackIds(): number[] {
    return this.tracks.map((t) => t.id);
  }

  reset(): void {
    this.tracks = [];
    this.nextId = 1;
    this.lastTimestamp = -Infinity;
  }

  private predict(track: Track, timestamp: number): Pick<Track, 'keypoints' | 'box'> {
    if (!this.config.predictMotion) return track;
    const dt = timestamp - track.lastSeen;
    const dx = track.vx * dt;
    const dy = track.vy * dt;
    if (dx === 0 && dy === 0) return track;
    const { box } = track;
    return {
      keypoints: track.keypoints.map((k) => ({ ...k, x: k.x + dx, y: k.y + dy })),
      box: { ...box, xMin: box.xMin + dx, xMax: box.xMax + dx, yMin: box.yMin + dy, yMax: box.yMax + dy },
    };
  }

  private update(track: Track, pose: Pose, timestamp: number): void {
    const box = trackingBox(pose, this.config.keypointConfidenceThreshold) ?? track.box;
    const dt = timestamp - track.lastSeen;
    if (dt > 0) {
      // Smoothed over the last few sightings: one pose half hidden behind another must not fling
      // the prediction away.
      const vx = ((box.xMin + box.xMax) / 2 - (track.box.xMin + track.box.xMax) / 2) / dt;
      const vy = ((box.yMin + box.yMax) / 2 - (track.box.yMin + track.box.yMax) / 2) / dt;
      const weight = track.sightings === 1 ? 1 : VELOCITY_SMOOTHING;
      track.vx += weight * (vx - track.vx);
      track.vy += weight * (vy - track.vy);
    }
    track.sightings++;
    track.box = box;
    track.keypoints = pose.keypoints;
    track.lastSeen = timestamp;
  }

  private similarity(pose: Pose, track: Pick<Track, 'keypoints' | 'box'>): number {
    if (this.config.similarity === 'boundingBox') {
      const box = trackingBox(pose, this.config.keypointConfidenceThreshold);
      return box === undefined ? 0 : boxIou(box, track.box);
    }
    return keypointSimilarity(pose.keypoints, track.keypoints, track.box, this.config);
  }

}

/**
 * Object keypoint similarity of two people, as pose-detection's KeypointTracker computes it: the
 * mean over keypoints confident in both of exp(-d^2 / (2 area (2 sigma)^2)), area that of `box`
 * (the reference person's); 0 with fewer than minNumberOfKeypoints in common.
 */
export function keypointSimilarity(
  keypoints: readonly Keypoint[], reference: readonly Keypoint[], box: Pick<BoundingBox, 'width' | 'height'>,
  config: Pick<TrackerConfig, 'keypointConfidenceThreshold' | 'keypointFalloff' | 'minNumberOfKeypoints'> = DEFAULT_TRACKER,
): number {
  const { keypointConfidenceThreshold: threshold, keypointFalloff: falloff, minNumberOfKeypoints } = config;
  const area = box.width * box.height + 1e-6;
  let total = 0;
  let valid = 0;
  for (let i = 0; i < Math.min(keypoints.length, reference.length); i++) {
    const a = keypoints[i]!;
    const b = reference[i]!;
    if (a.score < threshold || b.score < threshold) continue;
    valid++;
    const sigma = 2 * falloff[Math.min(i, falloff.length - 1)]!;
    total += Math.exp(-((a.x - b.x) ** 2 + (a.y - b.y) ** 2) / (2 * area * sigma * sigma));
  }
  return valid < minNumberOfKeypoints ? 0 : total / valid;
}
