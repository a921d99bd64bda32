// The webcam in video mode: frames estimated one after another while it runs, through the
// library's VideoPoseEstimator (src/pipeline/video.ts), so people keep their track ids across
// frames and their keypoints are smoothed by One Euro filters, as TFJS pose-detection's detectors
// do with `estimatePoses(video, config, timestamp)`. Each person is drawn in their track's colour
// with their id; the panel shows frames per second and the live track ids.
import type { Pose } from '../../decode/pose.js';
import type { PoseEstimator } from '../../pipeline/estimator.js';
import { VideoPoseEstimator } from '../../pipeline/video.js';
import type { TrackedPose } from '../../track/tracker.js';
import type { DemoApp, DemoFeature } from '../app.js';
import { personColour } from '../draw.js';

export const webcamFeature: DemoFeature = {
  name: 'webcam',
  setup(app: DemoApp) {
    const button = document.querySelector<HTMLButtonElement>('#webcam')!;
    const panel = app.addPanel('Webcam (tracked, smoothed)');
    const fps = Object.assign(document.createElement('div'), { id: 'webcam-fps', textContent: 'off' });
    const tracks = Object.assign(document.createElement('div'), { id: 'webcam-tracks' });
    panel.append(fps, tracks);
    let stream: MediaStream | undefined;
    // One video-mode estimator per estimator (model and threads), its tracks kept while the webcam runs.
    let video: VideoPoseEstimator | undefined;
    const videoElement = document.createElement('video');
    videoElement.muted = true;
    videoElement.playsInline = true;

    const estimateFrame = (image: Parameters<PoseEstimator['estimate']>[0], estimator: PoseEstimator): Promise<Pose[]> => {
      if (video?.estimator !== estimator) video = new VideoPoseEstimator(estimator);
      return video.estimate(image, { timestamp: performance.now() });
    };

    // Track ids on the picture, at the top left of each person's box, in the track's colour.
    app.onDraw((context, result) => {
      if (stream === undefined) return;
      const scale = Math.max(1, Math.max(context.canvas.width, context.canvas.height) / 640);
      context.font = `bold ${Math.round(14 * scale)}px sans-serif`;
      result.poses.forEach((pose, person) => {
        const { id } = pose as TrackedPose;
        if (id === undefined || pose.box === undefined) return;
        context.fillStyle = personColour(pose, person);
        context.fillText(`#${id}`, pose.box.xMin, Math.max(14 * scale, pose.box.yMin - 4));
      });
    });

    const stop = () => {
      stream?.getTracks().forEach((t) => t.stop());
      stream = undefined;
      video = undefined;
      button.textContent = 'Webcam';
      fps.textContent = 'off';
      tracks.textContent = '';
    };
    const loop = async () => {
      let frames = 0;
      let since = performance.now();
      while (stream !== undefined) {
        if (videoElement.readyState >= 2) {
          const result = await app.show(videoElement, estimateFrame);
          tracks.textContent = `tracks: ${result.poses.map((p) => `#${(p as TrackedPose).id}`).join(' ') || 'none'}`;
          frames++;
          const now = performance.now();
          if (now - since > 1000) {
            fps.textContent = `${((frames * 1000) / (now - since)).toFixed(1)} frames per second`;
            frames = 0;
            since = now;
          }
        } else {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    button.addEventListener('click', async () => {
      if (stream !== undefined) return stop();
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
        videoElement.srcObject = stream;
        await videoElement.play();
        button.textContent = 'Stop webcam';
        fps.textContent = 'measuring…';
        void loop().catch((e: unknown) => {
          stop();
          app.setStatus(String(e), true);
        });
      } catch (e) {
        stop();
        app.setStatus(`webcam: ${e instanceof Error ? e.message : String(e)}`, true);
      }
    });
  },
};
