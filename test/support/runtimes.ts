// The real runtimes the tests drive: Debian's chromium (through playwright-core, which never
// downloads a browser here), and deno and bun from their npm packages. Each finder returns the
// executable or the reason it is missing, for the test to skip with.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ISOLATION_HEADERS, startServer, type RunningServer } from '../../src/cli/commands/serve.js';

export const REPO = resolve(import.meta.dirname, '../..');

export type Found = { path: string; missing?: undefined } | { path?: undefined; missing: string };

function onPath(name: string): string | undefined {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Debian's chromium ($CHROMIUM overrides); .ci/run installs it with apt-get. */
export function findChromium(): Found {
  const path = process.env['CHROMIUM'] ?? onPath('chromium') ?? onPath('chromium-browser');
  return path !== undefined && existsSync(path) ? { path } : { missing: 'no chromium on PATH (apt-get install chromium, as .ci/run does; or set CHROMIUM)' };
}

/** deno or bun from the project's devDependencies (node_modules/.bin). */
export function findNpmRuntime(name: 'deno' | 'bun'): Found {
  const path = join(REPO, 'node_modules', '.bin', name);
  if (!existsSync(path)) return { missing: `${name} is not installed (it is a devDependency: npm ci)` };
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return { path };
  } catch (e) {
    return { missing: `${name} from npm does not run here: ${(e as Error).message}` };
  }
}

/** Chromium headless; `args` are more command-line switches (e.g. a fake camera's). */
export function launchChromium(executablePath: string, args: readonly string[] = []): Promise<Browser> {
  // playwright-core is imported only when a test runs, so its absence skips rather than breaks.
  return import('playwright-core').then(({ chromium }) => chromium.launch({ executablePath, args: ['--no-sandbox', ...args] }));
}

/**
 * The package served as `wasmpose serve` does and a Chromium, for the tests of the describe block
 * this is called in: started before them, closed after them; `args` are more Chromium switches.
 */
export function chromiumOnServedPackage(executablePath: string, args: readonly string[] = []): { server: RunningServer; browser: Browser } {
  const running = {} as { server: RunningServer; browser: Browser };
  beforeAll(async () => {
    running.server = await servePackage();
    running.browser = await launchChromium(executablePath, args);
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.server?.close();
  });
  return running;
}

/** Serves the package as `wasmpose serve` does, on a free port. */
export function servePackage(): Promise<RunningServer> {
  return startServer({ port: 0 });
}

/**
 * Lets `page` load test/runtimes/* as /test-runtimes/* from the server's origin, with the headers
 * that make it cross-origin isolated unless `isolated` is false.
 */
export async function routeTestFiles(page: Page, isolated = true): Promise<void> {
  await page.route('**/test-runtimes/*', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    const body = await readFile(join(REPO, 'test', 'runtimes', name));
    await route.fulfill({ body, headers: { ...(isolated ? ISOLATION_HEADERS : {}), 'content-type': name.endsWith('.html') ? 'text/html' : 'text/javascript' } });
  });
}

/** Saves a screenshot of the whole page as $WASMPOSE_SHOTS/`name` when that is set, for people to look at. */
export async function shoot(page: Page, name: string): Promise<void> {
  const shots = process.env['WASMPOSE_SHOTS'];
  if (shots === undefined) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

/** Collects the page's console output and errors, for failure messages. */
export function pageLog(page: Page): string[] {
  const log: string[] = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return log;
}
