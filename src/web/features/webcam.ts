// The webcam: frames estimated one after another while it runs, with frames per second.
import type { DemoApp, DemoFeature } from '../app.js';

export const webcamFeature: DemoFeature = {
  name: 'webcam',
  setup(app: DemoApp) {
    const button = document.querySelector<HTMLButtonElement>('#webcam')!;
    const fps = app.addPanel('Webcam');
    fps.textContent = 'off';
    let stream: MediaStream | undefined;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;

    const stop = () => {
      stream?.getTracks().forEach((t) => t.stop());
      stream = undefined;
      button.textContent = 'Webcam';
      fps.textContent = 'off';
    };
    const loop = async () => {
      let frames = 0;
      let since = performance.now();
      while (stream !== undefined) {
        if (video.readyState >= 2) {
          await app.show(video);
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
        video.srcObject = stream;
        await video.play();
        button.textContent = 'Stop webcam';
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
