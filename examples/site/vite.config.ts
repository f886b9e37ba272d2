import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

/**
 * `vite dev` only: serves /config.json (CDK writes the real one at deployment time, so there is none in the project)
 * from SITE_CONFIG, by default the test fixture.
 */
function devRuntimeConfig(): Plugin {
  return {
    name: 'dev-runtime-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        const file = resolve(root, process.env.SITE_CONFIG ?? 'test/fixtures/config.json');
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-cache');
        res.end(readFileSync(file));
      });
    },
  };
}

/** The build must not contain a config.json: StaticCdnSite writes it at deployment, and an uploaded one would clash. */
function noConfigInBuild(): Plugin {
  let outDir = 'dist';
  return {
    name: 'no-config-in-build',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      if (existsSync(resolve(outDir, 'config.json'))) {
        throw new Error(`${outDir}/config.json exists: remove public/config.json, CDK writes config.json at deployment`);
      }
    },
  };
}

export default defineConfig({
  plugins: [devRuntimeConfig(), noConfigInBuild()],
  // React's automatic JSX runtime through Vite's built-in esbuild (no @vitejs/plugin-react needed).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    // Content-hashed file names under dist/assets/ (Vite's default, spelled out: the CDN caches them as immutable).
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      output: {
        // The lazily imported OpenReplay tracker gets a recognisable name (its entry module is called "entry").
        chunkFileNames: (chunk) =>
          chunk.facadeModuleId?.includes('/@openreplay/tracker/') ? 'assets/openreplay-[hash].js' : 'assets/[name]-[hash].js',
      },
    },
  },
  server: {
    // `npm run dev` next to a local examples/api (`PORT=3000 npm start` there): /api/* goes to it, as on CloudFront.
    proxy: { '/api': process.env.API_PROXY ?? 'http://127.0.0.1:3000' },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'happy-dom',
          environmentOptions: {
            // A page on a site, which loads no external file: trackers are checked as tags, not run.
            happyDOM: {
              url: 'https://site.test/',
              settings: {
                disableJavaScriptFileLoading: true,
                disableCSSFileLoading: true,
                handleDisabledFileLoadingAsSuccess: true, navigator: { userAgent: 'vitest' } },
            },
          },
          include: ['src/**/*.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
