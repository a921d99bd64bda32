// The shipped typings as a TypeScript user meets them: a small consumer of the installed tarball
// (createEstimator, decodeImage, estimate, Pose and Keypoint) compiles with `tsc --noEmit` under
// moduleResolution nodenext and bundler, with @types/node (types: ["node"]) and without (types: []),
// so the typings neither need Node's types nor clash with them.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packedApp } from './support/packed.js';
import { REPO } from './support/runtimes.js';

const CONSUMER = `import { createEstimator, decodeImage, type Keypoint, type Pose } from 'wasmpose';

export async function people(bytes: Uint8Array): Promise<Pose[]> {
  const estimator = await createEstimator('movenet-thunder', { boxesFrom: 'movenet-multipose', threads: 1 });
  try {
    const poses: Pose[] = await estimator.estimate(decodeImage(bytes));
    const nose: Keypoint | undefined = poses[0]?.keypoints[0];
    const x: number = nose?.x ?? 0;
    const name: string | undefined = nose?.name;
    void x;
    void name;
    return poses;
  } finally {
    estimator.dispose();
  }
}
`;

const SETTINGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

describe('the shipped typings', () => {
  const packed = packedApp();
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

  for (const [resolution, compiler] of Object.entries(SETTINGS)) {
    for (const types of [[], ['node']]) {
      it(`compile a consumer under moduleResolution ${resolution} with types: ${JSON.stringify(types)}`, () => {
        const dir = join(packed.app, `typings-${resolution}-${types.length === 0 ? 'bare' : 'node'}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
          compilerOptions: {
            ...compiler,
            target: 'es2022',
            lib: ['es2022', 'dom'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types,
            // @types/node from the project's devDependencies; the consumer project installs only the tarball.
            typeRoots: [join(REPO, 'node_modules', '@types')],
          },
          files: ['consumer.ts'],
        }));
        let output = '';
        try {
          execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
        } catch (e) {
          output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}` || (e as Error).message;
        }
        expect(output).toBe('');
      });
    }
  }
});
