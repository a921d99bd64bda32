// A photo from the file picker or dropped on the photo area: decoded by the browser, then shown.
import type { DemoApp, DemoFeature } from '../app.js';

async function showFile(app: DemoApp, file: File): Promise<void> {
  if (!file.type.startsWith('image/')) {
    app.setStatus(`${file.name} is not an image`, true);
    return;
  }
  // createImageBitmap decodes every format the browser knows and applies EXIF orientation.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    await app.show(bitmap);
  } finally {
    bitmap.close();
  }
}

export const photoFeature: DemoFeature = {
  name: 'photo',
  setup(app) {
    const picker = document.querySelector<HTMLInputElement>('#photo')!;
    picker.addEventListener('change', () => {
      const file = picker.files?.[0];
      if (file !== undefined) void showFile(app, file).catch((e: unknown) => app.setStatus(String(e), true));
    });
    const stage = app.stage;
    stage.addEventListener('dragover', (event) => {
      event.preventDefault();
      stage.classList.add('dragging');
    });
    stage.addEventListener('dragleave', () => stage.classList.remove('dragging'));
    stage.addEventListener('drop', (event) => {
      event.preventDefault();
      stage.classList.remove('dragging');
      const file = event.dataTransfer?.files[0];
      if (file !== undefined) void showFile(app, file).catch((e: unknown) => app.setStatus(String(e), true));
    });
  },
};
