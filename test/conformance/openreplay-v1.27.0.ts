/**
 * What the OpenReplay services of release v1.27.0 need from their deployment, as data: each fact names the upstream
 * file (github.com/openreplay/openreplay at tag v1.27.0, commit dbb68105e865052d6ec0d49c9d2d13cf5d5f4aef) it was read
 * from. Only facts are kept here, never upstream code. test/openreplay-conformance.test.ts checks every synthesized
 * container of OpenReplayPlatform against them.
 */

export const UPSTREAM = { repository: 'openreplay/openreplay', tag: 'v1.27.0', commit: 'dbb68105e865052d6ec0d49c9d2d13cf5d5f4aef' };

/** A value with the upstream file (and line) it comes from. */
export interface Sourced { readonly source: string }

/** A port a process binds: fixed, or read from an environment variable with a default. */
export interface PortBinding extends Sourced {
  readonly port?: number;
  readonly env?: string;
  readonly default?: number;
  readonly purpose: string;
  /**
   * What the process does when the port is taken: `exits` (the container stops) or `logs` (it logs the error and runs
   * on without this listener).
   */
  readonly onClash: 'exits' | 'logs';
}

/** What an image contains for health checks and init commands. */
export interface ImageFacts extends Sourced {
  /** The user the image runs as. */
  readonly uid: number;
  readonly shell: boolean;
  readonly wget: boolean;
  readonly curl: boolean;
  /** Absolute paths of binaries that an exec-form health check may call. */
  readonly binaries: string[];
  /** Environment the image sets itself (Dockerfile ENV), which satisfies a required variable. */
  readonly env?: { [name: string]: string };
}

export type BucketRole = 'mobs' | 'sessions-assets' | 'sourcemaps' | 'spots' | 'uxtesting-records';

/** A bucket a service reads or writes. */
export interface BucketUse extends Sourced {
  readonly bucket: BucketRole;
  /** The variable that names it. */
  readonly env: string;
  readonly access: 'read' | 'read-write';
  /** Object tagging (uploads with tags, or the deletion jobs' tag copies). */
  readonly tagging?: boolean;
}

export interface ServiceContract {
  readonly image: ImageFacts;
  /** Variables the process cannot start without (configurator `required`, env.String, assert, decouple without default). */
  readonly requiredEnv: ReadonlyArray<{ readonly name: string } & Sourced>;
  readonly binds: PortBinding[];
  /** The HTTP endpoint that answers 200 when the service is up. */
  readonly health?: { readonly path: string; readonly port: PortBinding } & Sourced;
  readonly buckets?: BucketUse[];
  /** Writes session files under this directory (FS_DIR). */
  readonly writesFiles?: { readonly path: string } & Sourced;
}

const GO_DOCKERFILE = 'backend/Dockerfile';
/** backend/Dockerfile: `FROM alpine` (busybox sh and wget), `adduser -u 1001`, `USER 1001` (lines 23, 30, 135), ENV lines 33-119. */
const GO_IMAGE: ImageFacts = {
  source: `${GO_DOCKERFILE}:23,30,33-119,135`,
  uid: 1001,
  shell: true,
  wget: true,
  curl: false,
  binaries: ['/bin/sh', '/bin/busybox', '/usr/bin/wget', '/home/openreplay/service'],
  env: {
    FS_ULIMIT: '10000',
    FS_DIR: '/mnt/efs',
    MAXMINDDB_FILE: '/home/openreplay/geoip.mmdb',
    UAPARSER_FILE: '/home/openreplay/regexes.yaml',
    HTTP_PORT: '8080',
    REDIS_STREAMS_MAX_LEN: '10000',
    TOPIC_RAW_WEB: 'raw',
    TOPIC_RAW_IOS: 'raw-ios',
    TOPIC_RAW_IMAGES: 'raw-images',
    TOPIC_CACHE: 'cache',
    TOPIC_ANALYTICS: 'analytics',
    TOPIC_TRIGGER: 'trigger',
    TOPIC_MOBILE_TRIGGER: 'mobile-trigger',
    TOPIC_CANVAS_IMAGES: 'canvas-images',
    TOPIC_CANVAS_TRIGGER: 'canvas-trigger',
    TOPIC_RAW_ANALYTICS: 'raw-analytics',
    TOPIC_RAW_ASSETS: 'raw-assets',
    GROUP_SINK: 'sink',
    GROUP_STORAGE: 'storage',
    GROUP_DB: 'db',
    GROUP_ENDER: 'ender',
    GROUP_CACHE: 'cache',
    GROUP_HEURISTICS: 'heuristics',
    GROUP_IMAGE_STORAGE: 'image-storage',
    GROUP_CANVAS_IMAGE: 'canvas-image',
    GROUP_ANALYTICS: 'analytics',
    GROUP_CLEANUP: 'cleaner',
    CACHE_ASSETS: 'true',
    ASSETS_SIZE_LIMIT: '60291456',
    LOG_QUEUE_STATS_INTERVAL_SEC: '60',
    DB_BATCH_QUEUE_LIMIT: '20',
    DB_BATCH_SIZE_LIMIT: '10000000',
    PARTITIONS_NUMBER: '16',
    BEACON_SIZE_LIMIT: '1000000',
    SERVICE_NAME: '<service>',
    BUCKET_NAME: 'spots',
    REDIS_STREAMS_TTL_SEC: '0',
  },
};

const req = (name: string, source: string) => ({ name, source });
const CFG = 'backend/internal/config';
const POSTGRES = req('POSTGRES_STRING', `${CFG}/common/config.go:24`);
const HTTP_PORT = req('HTTP_PORT', `${CFG}/common/config.go:95`);
const BUCKET_NAME = req('BUCKET_NAME', `${CFG}/objectstorage/config.go:8`);
const SERVICE_NAME = req('SERVICE_NAME', `${CFG}/objectstorage/config.go:6`);
/** queue.NewProducer/NewConsumer -> redisstream -> env.String, which calls log.Fatalln when empty. */
const REDIS = req('REDIS_STRING', 'backend/pkg/redisstream/redis.go:19 (env.String: backend/pkg/env/vars.go:18)');
const STREAM_LEN = req('REDIS_STREAMS_MAX_LEN', 'backend/pkg/redisstream/producer.go:28 (env.Uint64)');
const queue = [REDIS, STREAM_LEN];

/** Every Go service serves /metrics and /health on :8888 and only logs when the port is taken. */
const METRICS: PortBinding = {
  port: 8888,
  purpose: 'metrics and /health',
  onClash: 'logs',
  source: 'backend/pkg/metrics/server.go:36 (log.Error on ListenAndServe), backend/pkg/health/health.go (/health on the default mux)',
};
/**
 * HTTP services: the router on HTTP_PORT answers `/` (its health handler); a failed listen is fatal. `/health` there
 * is a 404: the health middleware (backend/pkg/server/middleware/builder.go:85) would answer it, but gorilla/mux runs
 * middlewares only for routes it matched, and the router registers only `/` (backend/pkg/server/api/router.go:47).
 * Measured in the rehearsal with the v1.27.0 binaries: api, http, canvases, images, integrations and spot answer
 * `/health` 404 and `/` 200 on HTTP_PORT.
 */
const HTTP_SERVER: PortBinding = {
  env: 'HTTP_PORT',
  default: 8080,
  purpose: 'HTTP API',
  onClash: 'exits',
  source: 'backend/pkg/server/server.go:58-65 (log.Fatal on Start), backend/pkg/server/api/router.go:47, backend/Dockerfile:40',
};
const goHttp = (service: string, required: Array<{ name: string; source: string }>, extra: Partial<ServiceContract> = {}): ServiceContract => ({
  image: GO_IMAGE,
  requiredEnv: [HTTP_PORT, ...required],
  binds: [HTTP_SERVER, METRICS],
  health: { path: '/', port: HTTP_SERVER, source: `backend/pkg/server/api/router.go:47 (e.router.HandleFunc("/", e.health); ${service})` },
  ...extra,
});
const goWorker = (service: string, required: Array<{ name: string; source: string }>, extra: Partial<ServiceContract> = {}): ServiceContract => ({
  image: GO_IMAGE,
  requiredEnv: required,
  binds: [METRICS],
  health: { path: '/health', port: METRICS, source: `backend/cmd/${service}/main.go (health.New)` },
  ...extra,
});
const FILES = (source: string) => ({ path: '/mnt/efs', source });

export const SERVICES: { [name: string]: ServiceContract } = {
  http: goHttp('http', [
    POSTGRES, ...queue,
    req('TOKEN_SECRET', `${CFG}/http/config.go:19`),
    req('BEACON_SIZE_LIMIT', `${CFG}/http/config.go:25`),
    req('UAPARSER_FILE', `${CFG}/http/config.go:27`),
    req('MAXMINDDB_FILE', `${CFG}/http/config.go:28`),
    BUCKET_NAME, SERVICE_NAME,
  ], {
    buckets: [{ bucket: 'uxtesting-records', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: `${CFG}/http/config.go:17; ${CFG}/objectstorage/config.go:16 (USE_S3_TAGS default true)` }],
  }),
  api: goHttp('api', [
    POSTGRES, BUCKET_NAME, SERVICE_NAME,
    req('FS_DIR', `${CFG}/api/config.go:22`),
    req('ASSIST_URL', `${CFG}/api/config.go:26`),
  ], {
    buckets: [{ bucket: 'mobs', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/api.env (BUCKET_NAME="mobs")' }],
  }),
  canvases: goHttp('canvases', [
    POSTGRES, ...queue, BUCKET_NAME, SERVICE_NAME,
    req('TOKEN_SECRET', `${CFG}/canvases/config.go:17`),
    req('FS_DIR', `${CFG}/canvases/config.go:18`),
  ], {
    buckets: [{ bucket: 'mobs', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/canvases.env' }],
    writesFiles: FILES(`${CFG}/canvases/config.go:18-19`),
  }),
  images: goHttp('images', [
    POSTGRES, ...queue, BUCKET_NAME, SERVICE_NAME,
    req('TOKEN_SECRET', `${CFG}/images/config.go:17`),
    req('FS_DIR', `${CFG}/images/config.go:18`),
  ], {
    buckets: [{ bucket: 'mobs', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/images.env' }],
    writesFiles: FILES(`${CFG}/images/config.go:18-19`),
  }),
  integrations: goHttp('integrations', [POSTGRES, BUCKET_NAME, SERVICE_NAME], {
    buckets: [{ bucket: 'mobs', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/integrations.env (BUCKET_NAME="mobs"; the image default is "spots", backend/Dockerfile:114)' }],
  }),
  spot: goHttp('spot', [
    POSTGRES, BUCKET_NAME, SERVICE_NAME,
    req('FS_DIR', `${CFG}/spot/config.go:21`),
  ], {
    buckets: [{ bucket: 'spots', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/spot.env' }],
    writesFiles: FILES(`${CFG}/spot/config.go:21-22`),
  }),
  sink: goWorker('sink', [
    POSTGRES, ...queue,
    req('FS_DIR', `${CFG}/sink/config.go:17`),
    req('FS_ULIMIT', `${CFG}/sink/config.go:18`),
    req('GROUP_SINK', `${CFG}/sink/config.go:20`),
    req('TOPIC_RAW_WEB', `${CFG}/sink/config.go:21`),
    req('TOPIC_TRIGGER', `${CFG}/sink/config.go:23`),
    req('ASSETS_ORIGIN', `${CFG}/sink/config.go:25`),
  ], { writesFiles: FILES(`${CFG}/sink/config.go:17`) }),
  storage: goWorker('storage', [
    REDIS, BUCKET_NAME, SERVICE_NAME,
    req('FS_DIR', `${CFG}/storage/config.go:14`),
    req('GROUP_STORAGE', `${CFG}/storage/config.go:16`),
    req('TOPIC_TRIGGER', `${CFG}/storage/config.go:17`),
  ], {
    buckets: [{ bucket: 'mobs', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/docker-compose/docker-envs/storage.env' }],
    writesFiles: FILES(`${CFG}/storage/config.go:14 (removes uploaded files)`),
  }),
  ender: goWorker('ender', [
    POSTGRES, ...queue,
    req('GROUP_ENDER', `${CFG}/ender/config.go:16`),
    req('LOG_QUEUE_STATS_INTERVAL_SEC', `${CFG}/ender/config.go:17`),
    req('PARTITIONS_NUMBER', `${CFG}/ender/config.go:27`),
  ]),
  heuristics: goWorker('heuristics', [
    ...queue,
    req('GROUP_HEURISTICS', `${CFG}/heuristics/config.go:12`),
    req('LOG_QUEUE_STATS_INTERVAL_SEC', `${CFG}/heuristics/config.go:14`),
  ]),
  db: goWorker('db', [
    POSTGRES, ...queue,
    req('GROUP_DB', `${CFG}/db/config.go:19`),
    req('DB_BATCH_QUEUE_LIMIT', `${CFG}/db/config.go:26`),
    req('DB_BATCH_SIZE_LIMIT', `${CFG}/db/config.go:27`),
  ]),
  assets: goWorker('assets', [
    ...queue, BUCKET_NAME, SERVICE_NAME,
    req('TOPIC_CACHE', `${CFG}/assets/config.go:11`),
    req('CACHE_ASSETS', `${CFG}/assets/config.go:12`),
    req('GROUP_CACHE', `${CFG}/assets/config.go:22`),
    req('ASSETS_ORIGIN', `${CFG}/assets/config.go:25`),
    req('ASSETS_SIZE_LIMIT', `${CFG}/assets/config.go:26`),
  ], {
    buckets: [{ bucket: 'sessions-assets', env: 'BUCKET_NAME', access: 'read-write', tagging: true, source: 'scripts/helmcharts/openreplay/charts/assets (sessions-assets bucket)' }],
  }),
  // Python (api/): decouple's config() without a default raises at first use; env.default (copied to .env by the
  // Dockerfile) gives cluster-local placeholders (pg_host=postgresql.db.svc.cluster.local, ...), so these must be set.
  chalice: {
    image: {
      source: 'api/Dockerfile (python:3.13-alpine, no USER: root; ENV LISTEN_PORT=8000)',
      uid: 0,
      shell: true,
      wget: true,
      curl: false,
      binaries: ['/bin/sh', '/usr/bin/wget', '/usr/local/bin/python3'],
      env: { LISTEN_PORT: '8000' },
    },
    requiredEnv: [
      ...['pg_host', 'pg_port', 'pg_dbname', 'pg_user', 'pg_password'].map((n) => req(n, 'api/env.default (placeholder), api/chalicelib/utils/pg_client.py:12-16')),
      req('ch_host', 'api/chalicelib/utils/ch_client.py:16 (else CLICKHOUSE_HOST, no default)'),
      req('REDIS_STRING', 'api/env.default (placeholder redis-master.db.svc.cluster.local)'),
      req('ASSIST_URL', 'api/env.default (placeholder assist-openreplay.app.svc.cluster.local)'),
      req('ASSIST_KEY', 'scripts/docker-compose/docker-envs/chalice.env'),
      req('sourcemaps_reader', 'api/env.default (placeholder)'),
      req('SITE_URL', 'scripts/docker-compose/docker-envs/chalice.env'),
      ...['JWT_SECRET', 'JWT_REFRESH_SECRET', 'JWT_SPOT_SECRET', 'JWT_SPOT_REFRESH_SECRET', 'ASSIST_JWT_SECRET']
        .map((n) => req(n, 'api/env.default ("SET A RANDOM STRING HERE"), scripts/docker-compose/docker-envs/chalice.env')),
      ...['sessions_bucket', 'sourcemaps_bucket', 'js_cache_bucket', 'IOS_VIDEO_BUCKET']
        .map((n) => req(n, 'api/env.default (upstream bucket names), scripts/docker-compose/docker-envs/chalice.env')),
    ],
    binds: [{ env: 'LISTEN_PORT', default: 8000, purpose: 'uvicorn', onClash: 'exits', source: 'api/entrypoint.sh (uvicorn --port $LISTEN_PORT), api/Dockerfile' }],
    health: {
      path: '/signup',
      source: 'api/routers/core_dynamic.py:32 (GET /signup)',
      port: { env: 'LISTEN_PORT', default: 8000, purpose: 'uvicorn', onClash: 'exits', source: 'api/entrypoint.sh' },
    },
    buckets: [
      { bucket: 'mobs', env: 'sessions_bucket', access: 'read-write', tagging: true, source: 'api/chalicelib/utils/storage/s3.py:100-115 (copy_from TaggingDirective=COPY, put_object_tagging); :18,24 (SigV4 presigned URLs, which SSE-KMS objects need)' },
      { bucket: 'sourcemaps', env: 'sourcemaps_bucket', access: 'read-write', source: 'api/chalicelib/core/sourcemaps' },
      { bucket: 'sessions-assets', env: 'js_cache_bucket', access: 'read-write', source: 'api/env.default js_cache_bucket' },
    ],
  },
  alerts: {
    image: {
      source: 'api/Dockerfile_alerts (python:3.13-alpine, adduser -u 1001, USER 1001)',
      uid: 1001,
      shell: true,
      wget: true,
      curl: false,
      binaries: ['/bin/sh', '/usr/bin/wget', '/usr/local/bin/python3'],
    },
    requiredEnv: [
      ...['pg_host', 'pg_port', 'pg_dbname', 'pg_user', 'pg_password'].map((n) => req(n, 'scripts/docker-compose/docker-envs/alerts.env; api/env.default placeholders')),
      req('ch_host', 'api/chalicelib/utils/ch_client.py:16'),
      req('SITE_URL', 'scripts/docker-compose/docker-envs/alerts.env'),
    ],
    // The entrypoint hard-wires the port: uvicorn exits when it is taken.
    binds: [{ port: 8888, purpose: 'uvicorn', onClash: 'exits', source: 'api/entrypoint_alerts.sh (uvicorn --port 8888)' }],
  },
  sourcemapreader: {
    image: {
      source: 'sourcemapreader/Dockerfile (node:24-alpine, adduser -u 1001, USER 1001)',
      uid: 1001,
      shell: true,
      wget: true,
      curl: false,
      binaries: ['/bin/sh', '/usr/bin/wget', '/usr/local/bin/node'],
    },
    requiredEnv: [req('SMR_HOST', 'sourcemapreader/server.js:7 (default 127.0.0.1: unreachable from other containers)')],
    binds: [
      { env: 'SMR_PORT', default: 9000, purpose: 'sourcemaps API', onClash: 'exits', source: 'sourcemapreader/server.js:8,22' },
      {
        env: 'HEALTH_PORT',
        default: 8888,
        purpose: 'health app',
        onClash: 'exits',
        source: 'assist/utils/health.js:6 (copied by sourcemapreader/build.sh:63), listened on in sourcemapreader/server.js:24 with no error handler',
      },
    ],
    health: {
      path: '/health',
      source: 'assist/utils/health.js (GET /health)',
      port: { env: 'HEALTH_PORT', default: 8888, purpose: 'health app', onClash: 'exits', source: 'assist/utils/health.js:6' },
    },
    buckets: [{ bucket: 'sourcemaps', env: '(per request)', access: 'read', source: 'sourcemapreader/servers/sourcemaps-handler.js:206 (GetObject of event.bucket)' }],
  },
  assist: {
    image: {
      source: 'assist/Dockerfile (node:25-alpine, adduser -u 1001, USER 1001, ENV LISTEN_PORT=9001)',
      uid: 1001,
      shell: true,
      wget: true,
      curl: false,
      binaries: ['/bin/sh', '/usr/bin/wget', '/usr/local/bin/node'],
      env: { LISTEN_PORT: '9001' },
    },
    requiredEnv: [
      req('ASSIST_KEY', 'assist/server.js:22 (assert.ok)'),
      req('ASSIST_JWT_SECRET', 'assist/utils/assistHelper.js:122,136 (jwt sign/verify)'),
    ],
    binds: [
      { env: 'LISTEN_PORT', default: 9001, purpose: 'WebSocket server', onClash: 'exits', source: 'assist/server.js:21,39' },
      { env: 'HEALTH_PORT', default: 8888, purpose: 'health app', onClash: 'exits', source: 'assist/utils/health.js:6, assist/server.js:41' },
    ],
    health: {
      path: '/health',
      source: 'assist/utils/health.js (GET /health)',
      port: { env: 'HEALTH_PORT', default: 8888, purpose: 'health app', onClash: 'exits', source: 'assist/utils/health.js:6' },
    },
  },
  frontend: {
    image: {
      // cgr.dev/chainguard/nginx is distroless: nginx only, no shell, no wget or curl; it runs as nonroot (65532).
      source: 'frontend/Dockerfile (final stage FROM cgr.dev/chainguard/nginx, EXPOSE 8080)',
      uid: 65532,
      shell: false,
      wget: false,
      curl: false,
      binaries: ['/usr/sbin/nginx'],
    },
    requiredEnv: [],
    binds: [{ port: 8080, purpose: 'nginx', onClash: 'exits', source: 'frontend/nginx.conf:2 (listen 8080)' }],
    health: {
      path: '/',
      source: 'frontend/nginx.conf (try_files, index.html)',
      port: { port: 8080, purpose: 'nginx', onClash: 'exits', source: 'frontend/nginx.conf:2' },
    },
  },
};

/** Images this project adds around OpenReplay (not upstream facts; their own image documentation). */
export const PROJECT_IMAGES: { [image: string]: ImageFacts } = {
  'public.ecr.aws/nginx/nginx': { source: 'nginx:alpine (root master, busybox)', uid: 0, shell: true, wget: true, curl: true, binaries: ['/bin/sh', '/usr/sbin/nginx'] },
  'public.ecr.aws/docker/library/postgres': { source: 'postgres:alpine (busybox, psql)', uid: 0, shell: true, wget: true, curl: false, binaries: ['/bin/sh', '/usr/local/bin/psql'] },
  'clickhouse/clickhouse-server': {
    source: 'ClickHouse docker/server/Dockerfile.ubuntu (apt-get install ... wget; entrypoint drops to uid 101)',
    uid: 101,
    shell: true,
    wget: true,
    curl: false,
    binaries: ['/bin/sh', '/usr/bin/wget', '/usr/bin/clickhouse-client'],
  },
  'public.ecr.aws/aws-observability/aws-otel-collector': {
    source: 'ADOT collector (distroless): aws-observability/aws-otel-collector v0.43.3 cmd/awscollector/Dockerfile:12-24,97 (user aoc, uid/gid 4317, FROM scratch)',
    uid: 4317,
    shell: false,
    wget: false,
    curl: false,
    binaries: ['/healthcheck'],
  },
};

/**
 * The request headers the browser tracker sends to the ingest endpoint; a CORS preflight must allow each.
 */
export const TRACKER_REQUESTS = [
  { path: '/v1/web/i', headers: ['Authorization', 'DataType', 'Content-Encoding'], source: 'tracker/tracker/src/webworker/QueueSender.ts:109-116' },
  { path: '/v1/web/start', headers: ['Content-Type'], source: 'tracker/tracker/src/main/app/index.ts:1285-1289' },
];

/** The Redis streams the Go services write (topics of backend/Dockerfile:56-66), each trimmed at REDIS_STREAMS_MAX_LEN entries. */
export const REDIS_STREAMS = {
  count: 11,
  maxEntryBytes: 1048576,
  source: 'backend/Dockerfile:56-66 (TOPIC_*), backend/internal/config/common/config.go:12 (QUEUE_MESSAGE_SIZE_LIMIT 1 MiB), backend/pkg/redisstream/producer.go:52-54 (MaxLen, approximate)',
};
