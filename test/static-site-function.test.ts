import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';

/**
 * The CloudFront Functions of StaticCdnSite, run in Node against viewer-request events shaped like CloudFront's
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html).
 * Each file is evaluated as CloudFront loads it (a script, no module system) and its `handler` is called.
 */

type Handler = (event: any) => any;

function load(file: string): Handler {
  const code = fs.readFileSync(path.join(__dirname, '..', 'src', 'static-site', 'functions', file), 'utf-8');
  const context = vm.createContext({});
  vm.runInContext(code, context, { filename: file });
  return context.handler as Handler;
}

function viewerRequest(uri: string, options: { host?: string; querystring?: Record<string, any> } = {}) {
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'r' },
    viewer: { ip: '198.51.100.11' },
    request: {
      method: 'GET',
      uri,
      querystring: options.querystring ?? {},
      headers: { host: { value: options.host ?? 'example.com' }, accept: { value: 'text/html' } },
      cookies: {},
    },
  };
}

const spa = load('spa-routing.js');
const www = load('www-redirect.js');

/** The routing cases both functions must agree on: request uri -> uri sent to the origin. */
const ROUTES: Array<[string, string]> = [
  ['/', '/index.html'],
  ['/about', '/index.html'],
  ['/about/', '/index.html'],
  ['/users/42/', '/index.html'],
  ['/users/42/settings', '/index.html'],
  ['/index.html', '/index.html'],
  ['/about/index.html', '/about/index.html'],
  ['/assets/app.3f2a1b.js', '/assets/app.3f2a1b.js'],
  ['/assets/missing.000000.js', '/assets/missing.000000.js'],
  ['/favicon.ico', '/favicon.ico'],
  ['/robots.txt', '/robots.txt'],
  ['/config.json', '/config.json'],
  ['/assets/', '/index.html'],
  ['/.well-known/security.txt', '/.well-known/security.txt'],
  ['/.well-known/apple-app-site-association', '/.well-known/apple-app-site-association'],
];

describe.each([['spa-routing.js', spa], ['www-redirect.js', www]])('%s: SPA routing', (_file, handler) => {
  test.each(ROUTES)('%s -> %s', (uri, expected) => {
    const result = handler(viewerRequest(uri));
    expect(result.uri).toEqual(expected);
    expect(result.statusCode).toBeUndefined();
  });

  test('returns the request itself, with method, headers and query string untouched', () => {
    const event = viewerRequest('/search', { querystring: { q: { value: 'cdk' }, tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] } } });
    const result = handler(event);
    expect(result).toBe(event.request);
    expect(result.uri).toEqual('/index.html');
    expect(result.method).toEqual('GET');
    expect(result.querystring).toEqual({ q: { value: 'cdk' }, tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] } });
    expect(result.headers.host).toEqual({ value: 'example.com' });
  });

  test('a file request keeps its query string', () => {
    const result = handler(viewerRequest('/assets/app.3f2a1b.js', { querystring: { v: { value: '2' } } }));
    expect(result.uri).toEqual('/assets/app.3f2a1b.js');
    expect(result.querystring).toEqual({ v: { value: '2' } });
  });
});

describe('www-redirect.js: www -> apex', () => {
  test('301 to the apex with path and query string', () => {
    const result = www(viewerRequest('/pricing', {
      host: 'www.example.com',
      querystring: { utm_source: { value: 'mail' }, tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] }, flag: { value: '' } },
    }));
    expect(result).toEqual({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: {
        'location': { value: 'https://example.com/pricing?utm_source=mail&tag=a&tag=b&flag' },
        'cache-control': { value: 'max-age=3600' },
      },
    });
  });

  test('keeps a file path as it is (no SPA rewrite before the redirect)', () => {
    expect(www(viewerRequest('/assets/app.3f2a1b.js', { host: 'WWW.Example.com' })).headers.location.value)
      .toEqual('https://example.com/assets/app.3f2a1b.js');
  });

  test('the root redirects to the apex root', () => {
    expect(www(viewerRequest('/', { host: 'www.example.com' })).headers.location.value).toEqual('https://example.com/');
  });

  test('the apex and other hosts are served, not redirected', () => {
    expect(www(viewerRequest('/about', { host: 'example.com' })).uri).toEqual('/index.html');
    expect(www(viewerRequest('/about', { host: 'd111111abcdef8.cloudfront.net' })).uri).toEqual('/index.html');
  });
});

describe('function sources', () => {
  test.each(['spa-routing.js', 'www-redirect.js'])('%s fits CloudFront Functions (10 KB, a handler, no module system)', (file) => {
    const code = fs.readFileSync(path.join(__dirname, '..', 'src', 'static-site', 'functions', file), 'utf-8');
    expect(Buffer.byteLength(code)).toBeLessThan(10 * 1024);
    expect(code).toMatch(/^function handler\(event\) \{$/m);
    expect(code).not.toMatch(/\b(module\.exports|exports\.|require\(|import |export )/);
  });
});
