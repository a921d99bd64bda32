// The formatting of .editorconfig, checked on every tracked source file: what the tree follows
// today stays followed (line length is a guide there, not checked).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function trackedSources(): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--', 'src', 'test', 'bench', 'fuzz', 'assembly', 'scripts'], { cwd: ROOT, encoding: 'utf8' });
    return out.split('\0').filter((f) => /\.(ts|js|mjs|cjs)$/.test(f));
  } catch {
    return undefined; // not a git checkout (an installed package): nothing to check
  }
}

const files = trackedSources();

it.skipIf(files === undefined)('sources follow .editorconfig: LF, spaces, no trailing whitespace, final newline, single-quoted imports', () => {
  const problems: string[] = [];
  for (const file of files!) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) problems.push(`${file}: no final newline`);
    text.split('\n').forEach((line, i) => {
      const where = `${file}:${i + 1}`;
      if (line.endsWith('\r')) problems.push(`${where}: CRLF line ending`);
      else if (/[ \t]$/.test(line)) problems.push(`${where}: trailing whitespace`);
      if (/^ *\t/.test(line)) problems.push(`${where}: tab indentation`);
      if (/^(import|export) .* from "/.test(line)) problems.push(`${where}: double-quoted module specifier`);
    });
  }
  expect(problems).toEqual([]);
});
