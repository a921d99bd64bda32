// The per-frame stage after the network: identities from the tracker, then every track's
// keypoints and box through its own One Euro filters. Stateful, cheap, pure and browser-safe; the
// estimator's video mode runs it on each frame, and over several worker threads the main thread
// runs it on the workers' poses in frame order.
import type { Pose } from '../decode/pose.js';
import { BoxSmoother, checkOneEuroParams, DEFAULT_ONE_EURO, KeypointsSmoother, objectScale, type OneEuroParams } from './one-euro.js';
import { PoseTracker, trackingBox, type TrackedPose, type TrackerConfig } from './tracker.js';

export interface TrackingOptions {
  /** Tracker settings (defaults: DEFAULT_TRACKER). */
  tracker?: Partial<TrackerConfig>;
  /** One Euro parameters for keypoints, or false for raw keypoints (defaults: DEFAULT_ONE_EURO). */
  smoothing?: Partial<OneEuroParams> | false;
  /** One Euro parameters for boxes, or false for raw boxes (defaults: the keypoints'). */
  boxSmoothing?: Partial<OneEuroParams> | false;
}

interface TrackFilters {
  keypoints: KeypointsSmoother | undefined;
  box: BoxSmoother | undefined;
}

export class PoseTracking {
  readonly tracker: PoseTracker;
  private readonly keypointParams: OneEuroParams | undefined;
  private readonly boxParams: OneEuroParams | undefined;
  private readonly filters = new Map<number, TrackFilters>();

  constructor(options: TrackingOptions = {}) {
    this.tracker = new PoseTracker(options.tracker);
    this.keypointParams = options.smoothing === false ? undefined : { ...DEFAULT_ONE_EURO, ...options.smoothing };
    this.boxParams = options.boxSmoothing === false ? undefined : { ...(this.keypointParams ?? DEFAULT_ONE_EURO), ...options.boxSmoothing };
    if (this.keypointParams !== undefined) checkOneEuroParams(this.keypointParams);
    if (this.boxParams !== undefined) checkOneEuroParams(this.boxParams);
  }

  /** The frame's poses (raw, from the network) at `timestamp` milliseconds: tracked, then smoothed. */
  apply(poses: readonly Pose[], timestamp: number): TrackedPose[] {
    const tracked = this.tracker.apply(poses, timestamp);
    const live = new Set(this.tracker.trackIds());
    for (const id of this.filters.keys()) if (!live.has(id)) this.filters.delete(id);
    return tracked.map((pose) => {
      let filters = this.filters.get(pose.id);
      if (filters === undefined) {
        filters = {
          keypoints: this.keypointParams && new KeypointsSmoother(this.keypointParams),
          box: this.boxParams && new BoxSmoother(this.boxParams),
        };
        this.filters.set(pose.id, filters);
      }
      const box = pose.box ?? trackingBox(pose, 0);
      const scale = box === undefined ? 1 : objectScale(box);
      return {
        ...pose,
        keypoints: filters.keypoints?.apply(pose.keypoints, timestamp, scale) ?? pose.keypoints,
        box: box === undefined ? undefined : filters.box?.apply(box, timestamp) ?? box,
      };
    });
  }

  reset(): void {
    this.tracker.reset();
    this.filters.clear();
  }
}
