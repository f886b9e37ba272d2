/**
 * The OpenReplay FOSS services this library runs, read from upstream's docker-compose and helm charts
 * (see shared reference): image, version, port, health check, what each needs.
 */

/** The tested OpenReplay release; every image tag below belongs to it. */
export const OPENREPLAY_RELEASE = 'v1.27.0';

/** Image registry of the OpenReplay images. */
export const OPENREPLAY_REGISTRY = 'public.ecr.aws/p1t3u8a3';

/** Shared secrets, each generated once and injected into exactly the services that list it. */
export type SharedSecretName = 'JWT_SECRET' | 'JWT_REFRESH_SECRET' | 'JWT_SPOT_SECRET' | 'JWT_SPOT_REFRESH_SECRET'
| 'ASSIST_KEY' | 'ASSIST_JWT_SECRET' | 'TOKEN_SECRET';

export const SHARED_SECRETS: SharedSecretName[] = [
  'JWT_SECRET', 'JWT_REFRESH_SECRET', 'JWT_SPOT_SECRET', 'JWT_SPOT_REFRESH_SECRET', 'ASSIST_KEY', 'ASSIST_JWT_SECRET', 'TOKEN_SECRET',
];

/** Which group a service runs in with the default (grouped) layout (`assist` also holds the alerts scheduler). */
export type ServiceGroup = 'web' | 'workers' | 'assist';

/** One OpenReplay service. */
export interface ServiceSpec {
  readonly name: string;
  /** Image tag of the tested release (upstream's per-service versions). */
  readonly version: string;
  /** Port of its HTTP server in the grouped layout (services in one task need distinct ports); undefined for workers. */
  readonly port?: number;
  /**
   * How the container's health is checked: an HTTP path on `port`, or on the Go workers' fixed :8888; undefined when
   * the image has nothing to run a check with (the load balancer and the deployment circuit breaker watch it). The Go
   * HTTP services answer `/` on their HTTP_PORT; `/health` there is a 404 (gorilla/mux runs the health middleware only
   * for registered routes, and only `/` is registered: backend/pkg/server/api/router.go).
   */
  readonly health?: { readonly port: number; readonly path: string };
  /** Fixed settings of this service (ports of its side listeners, ...). */
  readonly env?: { readonly [name: string]: string };
  readonly group: ServiceGroup;
  /** Uses the shared session-file directory (/mnt/efs). */
  readonly sharedFiles?: boolean;
  readonly postgres?: boolean;
  readonly clickhouse?: boolean;
  readonly redis?: boolean;
  /** Buckets it writes or reads. */
  readonly buckets?: BucketName[];
  readonly secrets: SharedSecretName[];
  /** Python services read lower-case pg_* / ch_* settings; Go services read *_STRING. */
  readonly python?: boolean;
  /** Exactly one task (keeps state in process or schedules jobs). */
  readonly singleton?: boolean;
  /** Size in the one-service-per-task layout. */
  readonly cpu: number;
  readonly memoryMiB: number;
}

export type BucketName = 'mobs' | 'sessions-assets' | 'sourcemaps' | 'spots' | 'uxtesting-records';
export const BUCKETS: BucketName[] = ['mobs', 'sessions-assets', 'sourcemaps', 'spots', 'uxtesting-records'];

export const SERVICES: ServiceSpec[] = [
  // The image's final stage is cgr.dev/chainguard/nginx (frontend/Dockerfile): no shell, no wget, so no container
  // health check; the gateway in front of it and the circuit breaker see a dead dashboard.
  { name: 'frontend', version: 'v1.27.17', port: 8080, group: 'web', secrets: [], cpu: 256, memoryMiB: 512 },
  {
    name: 'chalice',
    version: 'v1.27.14',
    port: 8000,
    health: { port: 8000, path: '/signup' },
    group: 'web',
    python: true,
    postgres: true,
    clickhouse: true,
    redis: true,
    sharedFiles: true,
    buckets: ['mobs', 'sourcemaps', 'sessions-assets'],
    secrets: ['JWT_SECRET', 'JWT_REFRESH_SECRET', 'JWT_SPOT_SECRET', 'JWT_SPOT_REFRESH_SECRET', 'ASSIST_KEY', 'ASSIST_JWT_SECRET'],
    cpu: 512,
    memoryMiB: 1024,
  },
  {
    name: 'api',
    version: 'v1.27.6',
    port: 8081,
    health: { port: 8081, path: '/' },
    group: 'web',
    postgres: true,
    clickhouse: true,
    sharedFiles: true,
    buckets: ['mobs'],
    secrets: ['JWT_SECRET', 'ASSIST_KEY', 'ASSIST_JWT_SECRET'],
    cpu: 512,
    memoryMiB: 1024,
  },
  {
    name: 'http',
    version: 'v1.27.1',
    port: 8082,
    health: { port: 8082, path: '/' },
    group: 'web',
    postgres: true,
    redis: true,
    buckets: ['uxtesting-records'],
    secrets: ['JWT_SECRET', 'JWT_SPOT_SECRET', 'TOKEN_SECRET'],
    cpu: 512,
    memoryMiB: 1024,
  },
  {
    name: 'canvases',
    version: 'v1.27.0',
    port: 8083,
    health: { port: 8083, path: '/' },
    group: 'web',
    postgres: true,
    redis: true,
    sharedFiles: true,
    buckets: ['mobs'],
    secrets: ['TOKEN_SECRET'],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'images',
    version: 'v1.27.0',
    port: 8084,
    health: { port: 8084, path: '/' },
    group: 'web',
    postgres: true,
    redis: true,
    sharedFiles: true,
    buckets: ['mobs'],
    secrets: ['TOKEN_SECRET'],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'integrations',
    version: 'v1.27.0',
    port: 8085,
    health: { port: 8085, path: '/' },
    group: 'web',
    postgres: true,
    // BUCKET_NAME is required (backend/internal/config/objectstorage/config.go); the image's default is "spots",
    // upstream's compose and charts give it the mobs bucket.
    buckets: ['mobs'],
    secrets: ['JWT_SECRET'],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'spot',
    version: 'v1.27.0',
    port: 8086,
    health: { port: 8086, path: '/' },
    group: 'web',
    postgres: true,
    sharedFiles: true,
    buckets: ['spots'],
    secrets: ['JWT_SECRET', 'JWT_SPOT_SECRET', 'TOKEN_SECRET'],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'sourcemapreader',
    version: 'v1.27.0',
    port: 9000,
    health: { port: 9000, path: '/' },
    group: 'web',
    // Its health app listens on HEALTH_PORT (default 8888, which the Go services of the web task bind) and exits
    // when the port is taken.
    env: { SMR_HOST: '0.0.0.0', SMR_PORT: '9000', HEALTH_PORT: '9002', S3_HOST: '' },
    buckets: ['sourcemaps'],
    secrets: [],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'sink',
    version: 'v1.27.2',
    health: { port: 8888, path: '/health' },
    group: 'workers',
    sharedFiles: true,
    postgres: true,
    redis: true,
    secrets: [],
    cpu: 512,
    memoryMiB: 1024,
  },
  {
    name: 'storage',
    version: 'v1.27.0',
    health: { port: 8888, path: '/health' },
    group: 'workers',
    sharedFiles: true,
    redis: true,
    buckets: ['mobs'],
    secrets: [],
    cpu: 512,
    memoryMiB: 1024,
  },
  { name: 'ender', version: 'v1.27.4', health: { port: 8888, path: '/health' }, group: 'workers', postgres: true, redis: true, secrets: [], cpu: 256, memoryMiB: 512 },
  { name: 'heuristics', version: 'v1.27.1', health: { port: 8888, path: '/health' }, group: 'workers', redis: true, secrets: [], cpu: 256, memoryMiB: 512 },
  {
    name: 'db',
    version: 'v1.27.3',
    health: { port: 8888, path: '/health' },
    group: 'workers',
    postgres: true,
    clickhouse: true,
    redis: true,
    secrets: [],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'assets',
    version: 'v1.27.2',
    health: { port: 8888, path: '/health' },
    group: 'workers',
    redis: true,
    buckets: ['sessions-assets'],
    secrets: [],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    name: 'assist',
    version: 'v1.27.4',
    port: 9001,
    // Its health app listens on HEALTH_PORT (default 8888), which alerts' uvicorn binds in the same task.
    health: { port: 8889, path: '/health' },
    env: { HEALTH_PORT: '8889' },
    group: 'assist',
    singleton: true,
    secrets: ['ASSIST_KEY', 'ASSIST_JWT_SECRET'],
    cpu: 256,
    memoryMiB: 512,
  },
  {
    // api/entrypoint_alerts.sh hard-wires uvicorn to :8888, where every Go service serves its metrics: alerts
    // shares the assist task (no Go service) instead of the workers task.
    name: 'alerts',
    version: 'v1.27.2',
    health: { port: 8888, path: '/health' },
    group: 'assist',
    python: true,
    postgres: true,
    clickhouse: true,
    singleton: true,
    secrets: [],
    cpu: 256,
    memoryMiB: 512,
  },
];

/** Ports of the routed services as the gateway reaches them. */
export function servicePort(name: string): number {
  const spec = SERVICES.find((s) => s.name === name);
  if (!spec?.port) throw new Error(`OpenReplay service '${name}' has no HTTP port`);
  return spec.port;
}

/**
 * The schema scripts of the tested release, pinned by commit: upstream re-points release tags (there are dozens of
 * `*-backup-*` tags), a commit never changes. `postgresql` lists the upgrade directories of
 * scripts/schema/db/init_dbs/postgresql in order (each holds `<version>.sql`, which checks the previous version
 * itself); `clickhouse` lists those of scripts/schema/db/init_dbs/clickhouse with their numbered steps (each step
 * records its number in `openreplay_migration_state()`, so an interrupted upgrade resumes after the last step done).
 */
export const OPENREPLAY_SCHEMA = {
  release: OPENREPLAY_RELEASE,
  commit: 'dbb68105e865052d6ec0d49c9d2d13cf5d5f4aef',
  postgresql: [
    '1.2.0', '1.3.0', '1.3.5', '1.3.6', '1.4.0', '1.5.0', '1.5.1', '1.5.2', '1.5.3', '1.5.4', '1.6.0', '1.7.0', '1.8.0',
    '1.8.1', '1.9.0', '1.10.0', '1.11.0', '1.12.0', '1.13.0', '1.14.0', '1.15.0', '1.16.0', '1.17.0', '1.18.0', '1.19.0',
    '1.20.0', '1.21.0', '1.22.0', '1.23.0', '1.24.0', '1.25.0', '1.26.0', '1.27.0',
  ],
  /** Version and number of numbered steps (0.sql ... (n-1).sql); 0 means one file named `<version>.sql`. */
  clickhouse: [['1.22.0', 0], ['1.23.0', 15], ['1.24.0', 19], ['1.25.0', 10], ['1.26.0', 7], ['1.27.0', 1]] as Array<[string, number]>,
};
