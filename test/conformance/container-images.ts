/**
 * Facts about the container images the library's task definitions run: the unprivileged user each image provides and
 * the paths it writes at run time, each with the upstream file it was read from (docs/containers.md has the reading and
 * the rehearsals). Only facts are kept here, never upstream code. test/openreplay-conformance.test.ts checks every
 * synthesized OpenReplay container against them.
 */
import { Sourced } from './openreplay-v1.27.0';

/** A user (numeric, as the task definition's `User` gives it). */
export interface ImageUser extends Sourced {
  readonly uid: number;
  readonly gid: number;
}

/**
 * When an image writes a path:
 * - `always`: whatever the container runs;
 * - `image-entrypoint`: when the image's ENTRYPOINT runs (no `entryPoint` override), whatever the command;
 * - `image-command`: when the image's own server starts, i.e. neither `entryPoint` nor `command` is overridden.
 */
export type WriteWhen = 'always' | 'image-entrypoint' | 'image-command';

export interface ImageWrite extends Sourced {
  /** Absolute path (a directory, or a file). */
  readonly path: string;
  readonly when: WriteWhen;
}

export interface ContainerImageFacts {
  /** The unprivileged user the image provides: the containers set `User` to it. */
  readonly user: ImageUser;
  /** The user the image runs as when `User` is not set. */
  readonly defaultUid: number;
  /** What it writes outside volumes it declares. */
  readonly writes: ImageWrite[];
}

const GO = 'openreplay/openreplay v1.27.0 (dbb6810) backend/Dockerfile:30 (adduser -u 1001 openreplay -D: gid = uid), :135 (USER 1001)';

/** By image repository (the reference without its tag). */
export const CONTAINER_IMAGES: { [repository: string]: ContainerImageFacts } = {
  // The Go services write only under FS_DIR, a volume (backend/internal/sink/sessionwriter/filepool.go:120,
  // backend/pkg/canvases/service/canvas.go:123, backend/pkg/images/service/image.go:109, backend/pkg/spot/transcoder/
  // transcoder.go:186); the session-files checks of the conformance test cover that volume.
  ...Object.fromEntries(['api', 'http', 'canvases', 'images', 'integrations', 'spot', 'sink', 'storage', 'ender', 'heuristics', 'db', 'assets']
    .map((s) => [`public.ecr.aws/p1t3u8a3/${s}`, { user: { uid: 1001, gid: 1001, source: GO }, defaultUid: 1001, writes: [] }])),
  'public.ecr.aws/p1t3u8a3/chalice': {
    // No USER (root) upstream; the same code runs as 1001 in the alerts image. uid 1001 has no passwd entry here, so
    // the gid must be given.
    user: { uid: 1001, gid: 1001, source: 'api/Dockerfile (python:3.13-alpine, no USER), api/Dockerfile_alerts:27-28 (adduser -u 1001, USER 1001)' },
    defaultUid: 0,
    writes: [],
  },
  'public.ecr.aws/p1t3u8a3/alerts': {
    user: { uid: 1001, gid: 1001, source: 'api/Dockerfile_alerts:27-28 (adduser -u 1001 openreplay -D, USER 1001)' },
    defaultUid: 1001,
    writes: [],
  },
  'public.ecr.aws/p1t3u8a3/assist': {
    // Heap snapshots in /tmp only on its debug endpoint (assist/utils/HeapSnapshot.js:7,19), which the gateway does not route.
    user: { uid: 1001, gid: 1001, source: 'assist/Dockerfile:17-18 (adduser -u 1001 openreplay -D, USER 1001)' },
    defaultUid: 1001,
    writes: [],
  },
  'public.ecr.aws/p1t3u8a3/sourcemapreader': {
    user: { uid: 1001, gid: 1001, source: 'sourcemapreader/Dockerfile:24-25 (adduser -u 1001 openreplay -D, USER 1001)' },
    defaultUid: 1001,
    writes: [],
  },
  'public.ecr.aws/p1t3u8a3/frontend': {
    user: { uid: 65532, gid: 65532, source: 'frontend/Dockerfile:17 (FROM cgr.dev/chainguard/nginx); chainguard-images/images images/nginx/config/main.tf (uid, gid 65532)' },
    defaultUid: 65532,
    writes: [
      { path: '/var/lib/nginx/tmp', when: 'image-command', source: 'chainguard-images/images images/nginx/config/main.tf (0777 "required for running with tmpfs"); wolfi-dev/os nginx.yaml (--http-*-temp-path)' },
      { path: '/run', when: 'image-command', source: 'chainguard-images/images images/nginx/config/main.tf (pid path /run/nginx.pid, wolfi-dev/os#62917; older revisions /var/run)' },
    ],
  },
  'public.ecr.aws/nginx/nginx': {
    // Master as root, workers as nginx (101:101) with the stock command.
    user: { uid: 101, gid: 101, source: 'nginxinc/docker-nginx 1.27.3 (d21b4f2) mainline/alpine-slim/Dockerfile:16-17 (addgroup -g 101, adduser -u 101 -G nginx)' },
    defaultUid: 0,
    writes: [
      { path: '/etc/nginx/conf.d', when: 'image-command', source: 'docker-nginx entrypoint/docker-entrypoint.sh:12 (scripts only when $1 is nginx), 10-listen-on-ipv6-by-default.sh:27,63, 20-envsubst-on-templates.sh' },
      { path: '/var/run/nginx.pid', when: 'image-command', source: 'docker-nginx stock nginx.conf (pid /var/run/nginx.pid); docker-nginx-unprivileged 1.27.3 (899909e) mainline/alpine-slim/Dockerfile:118-119' },
      { path: '/var/cache/nginx', when: 'image-command', source: 'docker-nginx-unprivileged 1.27.3 mainline/alpine-slim/Dockerfile:120-123 (moves the *_temp_path from /var/cache/nginx)' },
    ],
  },
  'clickhouse/clickhouse-server': {
    user: { uid: 101, gid: 101, source: 'ClickHouse/ClickHouse docker/server/Dockerfile.ubuntu (groupadd -r clickhouse --gid=101, useradd -r -g clickhouse --uid=101); entrypoint.sh "support --user"' },
    defaultUid: 0,
    writes: [
      // Older revisions of entrypoint.sh (00b7432) prepare the directories and users.d before they look at the command,
      // so these apply whenever /entrypoint.sh runs; the newest does it only when it starts the server.
      { path: '/var/lib/clickhouse', when: 'image-entrypoint', source: 'docker/server/entrypoint.sh (DATA_DIR, tmp_path, user_files_path, format_schema_path: mkdir -p); VOLUME /var/lib/clickhouse (Dockerfile.ubuntu)' },
      { path: '/etc/clickhouse-server/users.d', when: 'image-entrypoint', source: 'docker/server/entrypoint.sh (00b7432: before the command check; newest: manage_clickhouse_user) default-user.xml when a password or access management is set' },
      { path: '/var/log/clickhouse-server', when: 'image-entrypoint', source: 'docker/server/entrypoint.sh (LOG_DIR, ERROR_LOG_DIR from logger.log/errorlog; file logs unless docker_related_config.xml removes them)' },
      { path: '/tmp', when: 'image-command', source: 'docker/server/entrypoint.sh (newest) manage_clickhouse_user (cp "$USERS_XML" /tmp)' },
    ],
  },
  'public.ecr.aws/docker/library/postgres': {
    // docker-entrypoint.sh execs any command that is not `postgres` directly (_main in 17/alpine3.22/docker-entrypoint.sh).
    user: { uid: 70, gid: 70, source: 'docker-library/postgres 17/alpine3.23/Dockerfile (addgroup -g 70 -S postgres; adduser -u 70 -S -D -G postgres)' },
    defaultUid: 0,
    writes: [
      { path: '/var/lib/postgresql/data', when: 'image-command', source: 'docker-library/postgres 17/alpine Dockerfile (PGDATA, VOLUME)' },
      { path: '/var/run/postgresql', when: 'image-command', source: 'docker-library/postgres 17/alpine Dockerfile (mkdir -p /var/run/postgresql, chmod 3777)' },
    ],
  },
  'public.ecr.aws/aws-observability/aws-otel-collector': {
    user: { uid: 4317, gid: 4317, source: 'aws-observability/aws-otel-collector v0.43.3 (3a9f6a2) cmd/awscollector/Dockerfile:12-24 (ARG USER_UID=4317, addgroup/adduser aoc), :97 (USER)' },
    defaultUid: 4317,
    writes: [],
  },
};

/** Fargate facts that decide how a non-root container gets a writable directory. */
export const FARGATE = {
  taskVolume: {
    owner: 0,
    mode: 0o755,
    source: 'Amazon ECS Developer Guide, "Use bind mounts with Amazon ECS", considerations ("By default, the volume permissions are set to 0755 and the owner as root"); aws/containers-roadmap#938',
  },
  tmpfs: { supported: false, source: 'Amazon ECS API reference, LinuxParameters.tmpfs ("If you\'re using tasks that use the Fargate launch type, the tmpfs parameter isn\'t supported.")' },
};

/**
 * The OpenReplay containers that keep a writable root file system, by container name, with the reason (as in the code
 * and docs/containers.md).
 */
export const WRITABLE_ROOT_EXCEPTIONS: { [container: string]: string } = {
  frontend: 'cgr.dev/chainguard/nginx has no shell (an init of another image would have to chown its volumes) and the paths '
    + 'its nginx writes (pid file in /run or /var/run, temp files, any access log file of the image\'s nginx.conf) differ '
    + 'between revisions of the unpinned base image and are not verified for frontend v1.27.17',
};
