// The demo page's core: the model and thread choice, one estimator per choice, and `show(image)`,
// which estimates, draws and reports. Features (src/web/features/*) are small modules that feed
// it images (photo picker, webcam, ?sample) or add to what it shows, through three hooks:
//   app.onResult(listener)    after every estimate: the image, poses, timings
//   app.onDraw(painter)       draws over the photo and skeletons (e.g. heatmaps)
//   app.addPanel(title)       a panel in the side bar for a feature's own controls or numbers
import { toOpenPoseJson } from '../decode/writers.js';
import type { Pose } from '../decode/pose.js';
import { toRgbImage, type ImageInput } from '../image/input.js';
import type { RgbImage } from '../image/image.js';
import { createEstimator, DEFAULT_MODEL, DEFAULT_BOXES_FROM, type CreateEstimatorOptions } from '../pipeline/create.js';
import { tfjsModelNames } from '../pipeline/tfjs-models.js';
import type { PoseEstimator, StageTimings } from '../pipeline/estimator.js';
import { drawPoses, putRgbImage, skeletonFor } from './draw.js';

export interface DemoResult {
  image: RgbImage;
  poses: Pose[];
  /** Milliseconds: reading the image's pixels, then the estimator's stages, and the whole call. */
  timings: StageTimings & { read: number; total: number };
  estimator: PoseEstimator;
}

export interface DemoFeature {
  name: string;
  setup(app: DemoApp): void | Promise<void>;
}

type Painter = (context: CanvasRenderingContext2D, result: DemoResult) => void;

/** The default entry of the model list: the CLI's default, MoveNet Thunder on MoveNet MultiPose's person boxes. */
const DEFAULT_CHOICE = '';

export class DemoApp {
  readonly params = new URLSearchParams(location.search);
  readonly canvas = document.createElement('canvas');
  private readonly context = this.canvas.getContext('2d')!;
  private readonly resultListeners: ((result: DemoResult) => void)[] = [];
  private readonly painters: Painter[] = [];
  private estimators = new Map<string, Promise<PoseEstimator>>();
  private busy: Promise<unknown> = Promise.resolve();
  private last: DemoResult | undefined;

  constructor(
    private readonly elements: {
      model: HTMLSelectElement;
      threads: HTMLSelectElement;
      stage: HTMLElement;
      status: HTMLElement;
      timings: HTMLTableElement;
      result: HTMLElement;
      panels: HTMLElement;
      isolation: HTMLElement;
    },
  ) {
    this.fillChoices();
  }

  get model(): string {
    return this.elements.model.value;
  }

  get threads(): number {
    return Number(this.elements.threads.value);
  }

  /** Threads need shared memory, which a page has only when cross-origin isolated. */
  get isolated(): boolean {
    return globalThis.crossOriginIsolated === true;
  }

  private fillChoices(): void {
    const { model, threads, isolation } = this.elements;
    const option = (value: string, label: string) => Object.assign(document.createElement('option'), { value, textContent: label });
    model.append(option(DEFAULT_CHOICE, `${DEFAULT_MODEL} on ${DEFAULT_BOXES_FROM} boxes`), ...tfjsModelNames().map((n) => option(n, n)));
    const wantedModel = this.params.get('model');
    if (wantedModel !== null) model.value = wantedModel;
    const cores = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
    for (let n = 1; n <= Math.max(cores, 2); n *= 2) threads.append(option(String(n), String(n)));
    threads.value = this.params.get('threads') ?? (this.isolated ? String(Math.min(2, cores)) : '1');
    if (!this.isolated) {
      for (const o of Array.from(threads.options)) o.disabled = o.value !== '1';
      threads.value = '1';
    }
    isolation.textContent = this.isolated ? 'cross-origin isolated: threads available' : 'not cross-origin isolated: 1 thread';
  }

  /** The estimator of the current choice (made once per model and thread count). */
  estimator(): Promise<PoseEstimator> {
    const key = `${this.model}/${this.threads}`;
    let estimator = this.estimators.get(key);
    if (estimator === undefined) {
      const options: CreateEstimatorOptions = { threads: this.threads };
      // TFJS models that are not in the package come from the server's copy of human-models.
      if (this.model !== DEFAULT_CHOICE && !['movenet-thunder', 'movenet-multipose'].includes(this.model)) {
        options.weights = new URL(`/human-models/${this.model}.json`, location.href);
      }
      this.setStatus(`loading ${this.model || DEFAULT_MODEL}…`);
      estimator = this.model === DEFAULT_CHOICE ? createEstimator(undefined, options) : createEstimator(this.model, options);
      estimator.catch(() => this.estimators.delete(key));
      this.estimators.set(key, estimator);
    }
    return estimator;
  }

  /**
   * Estimates the people in `input`, draws them and tells every listener; one call at a time.
   * `estimate` replaces the estimator's own call (the webcam's video mode tracks and smooths).
   */
  show(input: ImageInput, estimate?: (image: RgbImage, estimator: PoseEstimator) => Promise<Pose[]>): Promise<DemoResult> {
    const run = this.busy.then(async () => {
      const estimator = await this.estimator();
      const start = performance.now();
      const image = toRgbImage(input);
      const read = performance.now() - start;
      const poses = estimate === undefined ? await estimator.estimate(image) : await estimate(image, estimator);
      const total = performance.now() - start;
      const result: DemoResult = { image, poses, estimator, timings: { read, ...estimator.timings, total } };
      this.last = result;
      this.draw(input, result);
      this.report(result);
      for (const listener of this.resultListeners) listener(result);
      return result;
    });
    this.busy = run.catch(() => undefined);
    run.catch((e: unknown) => this.setStatus(e instanceof Error ? e.message : String(e), true));
    return run;
  }

  /** Draws the last result again (a feature's drawing changed, e.g. an overlay toggled). */
  redraw(): void {
    if (this.last !== undefined) this.draw(this.last.image, this.last);
  }

  onResult(listener: (result: DemoResult) => void): void {
    this.resultListeners.push(listener);
  }

  onDraw(painter: Painter): void {
    this.painters.push(painter);
  }

  addPanel(title: string): HTMLElement {
    const panel = document.createElement('div');
    panel.className = 'panel';
    const heading = document.createElement('h2');
    heading.textContent = title;
    const body = document.createElement('div');
    panel.append(heading, body);
    this.elements.panels.append(panel);
    return body;
  }

  /** The photo area, where features take dropped files. */
  get stage(): HTMLElement {
    return this.elements.stage;
  }

  setStatus(text: string, error = false): void {
    this.elements.status.textContent = text;
    this.elements.status.classList.toggle('error', error);
  }

  private draw(input: ImageInput, result: DemoResult): void {
    const { image } = result;
    if (this.canvas.width !== image.width) this.canvas.width = image.width;
    if (this.canvas.height !== image.height) this.canvas.height = image.height;
    // A playing video has moved on while the estimate ran: draw the frame that was estimated.
    if (('data' in input && input.data !== undefined) || input instanceof HTMLVideoElement) {
      putRgbImage(this.context, image);
    } else {
      this.context.drawImage(input as CanvasImageSource, 0, 0);
    }
    drawPoses(this.context, result.poses, skeletonFor(result.estimator.spec.keypoints));
    for (const painter of this.painters) painter(this.context, result);
    if (this.canvas.parentElement !== this.elements.stage) this.elements.stage.replaceChildren(this.canvas);
  }

  private report(result: DemoResult): void {
    const { timings, poses, estimator } = result;
    const rows: [string, number][] = [
      ['read pixels', timings.read],
      ['preprocess', timings.preprocess],
      ['inference', timings.infer],
      ['postprocess', timings.postprocess],
      ['total', timings.total],
    ];
    this.elements.timings.replaceChildren(
      ...rows.map(([label, ms]) => {
        const row = document.createElement('tr');
        row.innerHTML = `<td></td><td class="ms"></td>`;
        row.cells[0]!.textContent = label;
        row.cells[1]!.textContent = `${ms.toFixed(1)} ms`;
        return row;
      }),
    );
    this.elements.result.textContent = JSON.stringify(toOpenPoseJson(poses, estimator.spec.keypoints));
    this.setStatus(`${poses.length} ${poses.length === 1 ? 'person' : 'people'} · ${estimator.spec.name} · ${this.threads} thread${this.threads === 1 ? '' : 's'}`);
  }
}
