import * as fs from 'fs';
import * as path from 'path';

// The layering of src/ (docs/layers.md): products and observability build on core only, no product imports another,
// observability imports no product; and no source file (handlers aside) grows past 700 lines.
const src = path.join(__dirname, '..', 'src');
const PRODUCTS = ['fastify-api', 'umami', 'openreplay', 'static-site'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf-8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

function importedFolders(file: string): string[] {
  const text = fs.readFileSync(file, 'utf-8');
  return [...text.matchAll(/from '\.\.\/([a-z-]+)/g)].map((m) => m[1]);
}

describe('layers of src/', () => {
  test('observability imports only core', () => {
    const offending = sources(path.join(src, 'observability'))
      .flatMap((f) => importedFolders(f).filter((d) => d !== 'core').map((d) => `${path.relative(src, f)} imports ${d}/`));
    expect(offending).toEqual([]);
  });

  test.each(PRODUCTS)('%s imports only core', (product) => {
    const offending = sources(path.join(src, product))
      .flatMap((f) => importedFolders(f).filter((d) => d !== 'core').map((d) => `${path.relative(src, f)} imports ${d}/`));
    expect(offending).toEqual([]);
  });

  test('core imports no product and no observability', () => {
    const offending = sources(path.join(src, 'core'))
      .flatMap((f) => importedFolders(f).map((d) => `${path.relative(src, f)} imports ${d}/`));
    expect(offending).toEqual([]);
  });

  test('no source file outside the handlers (*.lambda.ts) is over 700 lines', () => {
    const long = sources(src)
      .filter((f) => !f.endsWith('.lambda.ts'))
      .map((f) => ({ f: path.relative(src, f), lines: fs.readFileSync(f, 'utf-8').split('\n').length }))
      .filter((x) => x.lines > 700)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });
});
