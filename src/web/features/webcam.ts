// The webcam in video mode: frames estimated one after another while it runs, through the
// library's VideoPoseEstimator (src/pipeline/video.ts), so people keep their track ids across
// frames and their keypoints are smoothed by One Euro filters, as TFJS pose-detection's detectors
// do with `estimatePoses(video, config, timestamp)`. Each person is drawn in their track's colour
// with their id; the panel shows frames per second and the live track ids.
//
// One estimate per new camera frame, waiting for it with requestVideoFrameCallback: the wait is
// also what hands the page back to the browser between frames. An estimate settles its promise
// without a task (one thread, or the main thread spinning on its worker threads), so a loop of
// estimates alone never lets the page paint, take clicks or answer scripts: it froze the page.
// The body's data-webcam is "on" while the camera runs and "off" once stopped, for scripts.
import type { Pose } from '../../decode/pose.js';
import type { PoseEstimator } from '../../pipeline/estimator.js';
import { VideoPoseEstimator } from '../../pipeline/video.js';
import type { TrackedPose } from '../../track/tracker.js';
import type { DemoApp, DemoFeature } from '../app.js';
import { personColour } from '../draw.js';

/**
 * Resolves when `video` presents its next frame (requestVideoFrameCallback), or where a browser
 * lacks that, after a 30 fps frame's time. Either way the page's own tasks run before the next estimate.
 */
function nextFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
    else setTimeout(resolve, 1000 / 30);
  });
}

/**
 * Milliseconds a webcam track lives unseen. Estimates come as fast as the device runs them, and a
 * track must outlive the time between two of them or nobody keeps an id: pose-detection's 1000
 * ms (the library's default, made for frames at a video's pace) is shorter than one estimate on
 * a slow phone, or than the first estimates while WebAssembly is still being optimized.
 */
const WEBCAM_MAX_AGE_MS = 5000;

/** A running camera: its stream, and its video-mode estimator (tracks live as long as it does). */
interface Session {
  stream: MediaStream;
  video?: VideoPoseEstimator;
}

export const webcamFeature: DemoFeature = {
  name: 'webcam',
  setup(app: DemoApp) {
    const button = document.querySelector<HTMLButtonElement>('#webcam')!;
    const panel = app.addPanel('Webcam (tracked, smoothed)');
    const fps = Object.assign(document.createElement('div'), { id: 'webcam-fps', textContent: 'off' });
    const tracks = Object.assign(document.createElement('div'), { id: 'webcam-tracks' });
    panel.append(fps, tracks);
    let session: Session | undefined;
    const videoElement = document.createElement('video');
    videoElement.muted = true;
    videoElement.playsInline = true;

    // Track ids on the picture, at the top left of each person's box, in the track's colour.
    app.onDraw((context, result) => {
      if (session === undefined) return;
      const scale = Math.max(1, Math.max(context.canvas.width, context.canvas.height) / 640);
      context.font = `bold ${Math.round(14 * scale)}px sans-serif`;
      result.poses.forEach((pose, person) => {
        const { id } = pose as TrackedPose;
        if (id === undefined || pose.box === undefined) return;
        context.fillStyle = personColour(pose, person);
        context.fillText(`#${id}`, pose.box.xMin, Math.max(14 * scale, pose.box.yMin - 4));
      });
    });

    // Stopping ends the camera's tracks (its light goes off) and drops the session's tracks and
    // filters; the estimator itself stays cached by the app for photos and the next start.
    const stop = () => {
      session?.stream.getTracks().forEach((t) => t.stop());
      session = undefined;
      videoElement.srcObject = null;
      button.textContent = 'Webcam';
      fps.textContent = 'off';
      tracks.textContent = '';
      document.body.dataset['webcam'] = 'off';
    };
    const loop = async (running: Session) => {
      // One video estimator per estimator (model and threads): a new choice starts new tracks.
      const estimateFrame = (image: Parameters<PoseEstimator['estimate']>[0], estimator: PoseEstimator): Promise<Pose[]> => {
        if (running.video?.estimator !== estimator) running.video = new VideoPoseEstimator(estimator, { tracker: { maxAge: WEBCAM_MAX_AGE_MS } });
        return running.video.estimate(image, { timestamp: performance.now() });
      };
      let frames = 0;
      let measured = 0;
      let since = performance.now();
      // A loop left waiting by a stop ends at its next wake-up, whatever session runs by then.
      while (session === running) {
        if (videoElement.readyState >= 2) {
          const result = await app.show(videoElement, estimateFrame);
          if (session !== running) break;
          tracks.textContent = `tracks: ${result.poses.map((p) => `#${(p as TrackedPose).id}`).join(' ') || 'none'}`;
          frames++;
          measured++;
          const now = performance.now();
          if (now - since > 1000) {
            fps.textContent = `${((measured * 1000) / (now - since)).toFixed(1)} frames per second, ${frames} frames`;
            measured = 0;
            since = now;
          }
        }
        await nextFrame(videoElement);
      }
    };
    button.addEventListener('click', async () => {
      if (session !== undefined) return stop();
      button.disabled = true; // one camera: no second start while the first one opens
      try {
        const running: Session = { stream: await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }) };
        session = running;
        videoElement.srcObject = running.stream;
        await videoElement.play();
        button.textContent = 'Stop webcam';
        fps.textContent = 'measuring…';
        document.body.dataset['webcam'] = 'on';
        void loop(running).catch((e: unknown) => {
          if (session === running) stop();
          app.setStatus(String(e), true);
        });
      } catch (e) {
        stop();
        app.setStatus(`webcam: ${e instanceof Error ? e.message : String(e)}`, true);
      } finally {
        button.disabled = false;
      }
    });
  },
};
