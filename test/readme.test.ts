import * as fs from 'fs';
import * as path from 'path';

// The README's TypeScript code blocks are the quick starts of examples/quickstart, verbatim: that app is what CI
// synthesizes and lints (`npm run quickstart`), so a block that drifts from it is a block nobody has run.
const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf-8');
const quickstartLib = path.join(root, 'examples', 'quickstart', 'lib');

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}

/** Each quick start's text: the file's `readme:start <name>` regions (imports, then body), dedented and joined. */
function quickstartSnippets(): Map<string, { file: string; text: string }> {
  const snippets = new Map<string, { file: string; text: string }>();
  for (const file of fs.readdirSync(quickstartLib).filter((f) => f.endsWith('.ts')).sort()) {
    const lines = fs.readFileSync(path.join(quickstartLib, file), 'utf-8').split('\n');
    const parts = new Map<string, string[]>();
    let name: string | undefined;
    let region: string[] = [];
    for (const line of lines) {
      const start = line.match(/^\s*\/\/ readme:start (.+)$/);
      if (start) {
        name = start[1].trim();
        region = [];
      } else if (/^\s*\/\/ readme:end\s*$/.test(line)) {
        if (!name) throw new Error(`${file}: readme:end without readme:start`);
        parts.set(name, [...(parts.get(name) ?? []), dedent(region).join('\n').trim()]);
        name = undefined;
      } else if (name) {
        region.push(line);
      }
    }
    if (name) throw new Error(`${file}: readme:start ${name} is never ended`);
    for (const [n, texts] of parts) snippets.set(n, { file, text: texts.join('\n\n') });
  }
  return snippets;
}

/** The README's ```ts blocks. */
function readmeBlocks(): string[] {
  return [...readme.matchAll(/^```ts[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1].trim());
}

describe('README code blocks', () => {
  const snippets = quickstartSnippets();

  test('every quick start of examples/quickstart is in README.md verbatim', () => {
    expect(snippets.size).toBeGreaterThanOrEqual(6);
    const blocks = readmeBlocks();
    const missing = [...snippets].filter(([, s]) => !blocks.includes(s.text)).map(([n, s]) => `${n} (${s.file})`);
    expect(missing).toEqual([]);
  });

  test('every TypeScript block of README.md is a quick start that CI synthesizes', () => {
    const texts = new Set([...snippets.values()].map((s) => s.text));
    const orphans = readmeBlocks().filter((b) => !texts.has(b)).map((b) => b.split('\n').slice(0, 3).join('\n'));
    expect(orphans).toEqual([]);
  });

  test('each quick start declares every name it uses from outside (no undeclared vpc, cluster, zone, ...)', () => {
    for (const [name, { text }] of snippets) {
      for (const free of ['vpc', 'cluster', 'zone', 'certificate', 'aurora', 'shared', 'umami', 'alb']) {
        const used = new RegExp(`(?<![\\w.'])${free}\\b(?!:)`).test(text.replace(/\/\/.*$/gm, ''));
        const declared = new RegExp(`const ${free}\\b`).test(text);
        if (used && !declared) throw new Error(`quick start ${name} uses '${free}' without declaring it`);
      }
    }
  });

  test('every construct of the library has a quick start', () => {
    for (const construct of ['FastifyFargateApi', 'UmamiService', 'OpenReplayPlatform', 'StaticCdnSite', 'ObservabilityBundle']) {
      expect([...snippets.values()].some((s) => s.text.includes(`new ${construct}(`))).toBe(true);
    }
  });
});
