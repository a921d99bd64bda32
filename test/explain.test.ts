// `wasmpose explain`: the report on the bundled sample photo has every expected file and no
// external reference; the keypoints sit where their heatmaps are hottest; and on hand-built
// OpenPose maps the PAF figures' accepted connections are exactly the decoder's.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { samplePhotoPath } from '../src/cli/commands/demo.js';
import { explainPhoto, type ExplainSummary } from '../src/explain/explain.js';
import { renderReportHtml, reportFiles } from '../src/explain/report.js';
import { decodeOpenPose, OPENPOSE_LIMBS } from '../src/decode/openpose.js';
import { decodeImage } from '../src/image/codec.js';
import { modelEntry } from '../src/models/registry.js';
import { seedNetworkSpec } from '../src/pipeline/catalogue.js';
import { letterboxForStride } from '../src/pipeline/preprocess.js';
import { COCO_KEYPOINTS } from '../src/decode/pose.js';
import { paintedNetwork, paintOpenPoseMaps, standingPerson } from './support/pose-maps.js';

afterEach(() => vi.restoreAllMocks());

describe('wasmpose explain on the bundled sample photo (movenet-thunder, boxes from movenet-multipose)', () => {
  const out = mkdtempSync(join(tmpdir(), 'wasmpose-explain-'));
  let summary: ExplainSummary;

  it('writes index.html with every figure it names, and nothing fetched from elsewhere', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['explain', '--out', out])).toBe(0);
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ExplainSummary;
    const files = new Set(readdirSync(out));
    const expected = [
      'index.html', 'summary.json', 'colour-scale.png', 'boxes.png', 'photo.png', 'preprocess.png', 'input-0.png', 'centre.png', 'regressions.png', 'result.png',
      ...COCO_KEYPOINTS.map((name, k) => `heatmap-${String(k).padStart(2, '0')}-${name}.png`),
      ...COCO_KEYPOINTS.map((name, k) => `weighted-${String(k).padStart(2, '0')}-${name}.png`),
    ];
    expect([...files].sort()).toEqual(expected.sort());
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const file of summary.files) expect(html).toContain(`src="${file}"`);
    expect(html).not.toMatch(/<script|https?:\/\/|<link /i);
    for (const file of summary.files) expect(readFileSync(join(out, file)).subarray(1, 4).toString()).toBe('PNG');
    expect(summary.poses).toHaveLength(1);
  });

  it("each keypoint's hottest heatmap cell, mapped back through the preprocessing, is within a cell of the decoded keypoint", () => {
    expect(summary.keypointChecks).toHaveLength(17);
    for (const check of summary.keypointChecks) {
      // MoveNet adds a regressed offset to the hottest cell: within a cell where the keypoint is clearly seen (score > 0.4; the half-hidden left wrist, 0.30, is 1.18 cells off).
      if (check.score > 0.4) expect(check.distanceCells, check.name).toBeLessThanOrEqual(1);
      expect(check.distanceCells, check.name).toBeLessThanOrEqual(1.5);
    }
  });
});

describe('explain on OpenPose maps painted by hand (no trained PAF network is available here)', () => {
  const spec = seedNetworkSpec(modelEntry('human-pose-estimation-0001'));
  const photo = decodeImage(readFileSync(samplePhotoPath()));
  const grid = { height: 32, width: 57 };
  // Two people inside the photo's part of the 456 x 256 input (the photo becomes 385 x 256).
  const maps = paintOpenPoseMaps([standingPerson(110, 40, 0.75), standingPerson(260, 50, 0.7)], grid);

  it("the report's accepted connections are exactly the limbs of the decoder's people", async () => {
    const result = await explainPhoto(photo, {
      spec,
      model: paintedNetwork('data', [1, 3, 256, 456], [
        { name: 'Mconv7_stage2_L2', shape: [1, 19, grid.height, grid.width], data: maps.heatmaps },
        { name: 'Mconv7_stage2_L1', shape: [1, 38, grid.height, grid.width], data: maps.pafs },
      ]),
    });
    const html = renderReportHtml(result.report);
    for (const file of reportFiles(result.report)) expect(result.images.has(file), file).toBe(true);
    expect(html).toContain('limb-00.png');
    expect(result.images.has('paf-00-neck-right_shoulder.png')).toBe(true);

    // The decoder on its own, as the estimator calls it: the photo's cells, mapped to the photo.
    const prepared = letterboxForStride(photo, spec.input, 8);
    const cells = { height: Math.ceil(prepared.contentHeight / 8), width: Math.ceil(prepared.contentWidth / 8) };
    const crop = (m: Float32Array, channels: number): Float32Array => {
      const outMaps = new Float32Array(channels * cells.height * cells.width);
      for (let c = 0; c < channels; c++) for (let y = 0; y < cells.height; y++) {
        outMaps.set(m.subarray((c * grid.height + y) * grid.width, (c * grid.height + y) * grid.width + cells.width), (c * cells.height + y) * cells.width);
      }
      return outMaps;
    };
    const toImage = (x: number, y: number): [number, number] => {
      const [ix, iy] = prepared.transform.toImage(x, y);
      return [Math.min(Math.max(ix, 0), photo.width - 1), Math.min(Math.max(iy, 0), photo.height - 1)];
    };
    const poses = decodeOpenPose(crop(maps.heatmaps, 19), crop(maps.pafs, 38), cells, { mapToImage: toImage });
    expect(poses).toHaveLength(2);
    expect(result.summary.poses).toEqual(poses);
    const fromDecoder = poses.flatMap((pose) => OPENPOSE_LIMBS.flatMap((limb, k) => {
      const a = pose.keypoints[limb.from]!, b = pose.keypoints[limb.to]!;
      return k < 17 && a.score > 0 && b.score > 0 ? [[k, limb.from, limb.to, a.x, a.y, b.x, b.y].join()] : [];
    }));
    const inFigures = result.summary.acceptedConnections!.filter(([k]) => k < 17).map((c) => c.join());
    expect(new Set(inFigures)).toEqual(new Set(fromDecoder));
    expect(inFigures).toHaveLength(fromDecoder.length);
  });
});
