import { Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { HardenedFargateService } from './fargate-service';
import { allowDefaultPortFrom } from './network';
import type { DatabaseBinding } from './postgres';

/** Directory, inside every container that talks to the database, holding the CA file. */
export const DATABASE_CA_DIR = '/etc/ssl/database';
/** The CA file (PEM) that verifies the database server's certificate. */
export const DATABASE_CA_FILE = `${DATABASE_CA_DIR}/ca.pem`;
/** Name of the init container that writes the CA file. */
export const DATABASE_CA_CONTAINER = 'database-ca';

/**
 * The environment that makes each kind of PostgreSQL client verify the server against {@link DATABASE_CA_FILE}:
 * Node (node-postgres) through NODE_EXTRA_CA_CERTS, libpq (psql, psycopg) and pgx through PGSSLROOTCERT and PGSSLMODE.
 * `DATABASE_URL` itself says `sslmode=verify-full`.
 */
export const DATABASE_CA_ENVIRONMENT: { readonly [key: string]: string } = {
  NODE_EXTRA_CA_CERTS: DATABASE_CA_FILE,
  PGSSLROOTCERT: DATABASE_CA_FILE,
  PGSSLMODE: 'verify-full',
};

/** The init container's shell command: write the CA from its environment, readable by every user of the task. */
export const DATABASE_CA_COMMAND = `set -eu; umask 022; printf '%s\\n' "$DATABASE_CA" > ${DATABASE_CA_FILE}.tmp; mv ${DATABASE_CA_FILE}.tmp ${DATABASE_CA_FILE}`;

/**
 * Makes `consumers` trust the database's CA: a short-lived init container writes the CA chain (the `DATABASE_CA` key
 * of the binding's secret, which the setup custom resource fills with the chain that verified the server) into a task
 * volume; each consumer mounts it read-only, starts after it, and gets {@link DATABASE_CA_ENVIRONMENT}. ECS cannot
 * inject a secret as a file, and the database CAs (RDS's among them) are in no image's trust store.
 *
 * `image` runs the init container: it needs `/bin/sh` and `printf` (use a consumer's own image when it has a shell, so
 * that no other registry is involved). `logging` is the task's usual log driver.
 */
export function trustDatabaseCa(
  taskDefinition: ecs.TaskDefinition,
  binding: DatabaseBinding,
  consumers: ecs.ContainerDefinition[],
  image: ecs.ContainerImage,
  logging?: ecs.LogDriver,
): ecs.ContainerDefinition {
  const volumeName = 'database-ca';
  let init = taskDefinition.node.tryFindChild(DATABASE_CA_CONTAINER) as ecs.ContainerDefinition | undefined;
  if (!init) {
    taskDefinition.addVolume({ name: volumeName });
    init = taskDefinition.addContainer(DATABASE_CA_CONTAINER, {
      containerName: DATABASE_CA_CONTAINER,
      image,
      essential: false,
      // Root, because a task volume starts as a root-owned directory; it writes one public certificate and exits.
      user: '0',
      entryPoint: ['sh', '-c'],
      command: [DATABASE_CA_COMMAND],
      readonlyRootFilesystem: true,
      memoryReservationMiB: 16,
      secrets: { DATABASE_CA: ecs.Secret.fromSecretsManager(binding.secret, 'DATABASE_CA') },
      logging,
    });
    init.addMountPoints({ containerPath: DATABASE_CA_DIR, sourceVolume: volumeName, readOnly: false });
  }
  for (const consumer of consumers) {
    consumer.addMountPoints({ containerPath: DATABASE_CA_DIR, sourceVolume: volumeName, readOnly: true });
    consumer.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
    for (const [key, value] of Object.entries(DATABASE_CA_ENVIRONMENT)) consumer.addEnvironment(key, value);
  }
  return init;
}

/**
 * Connects a service's main container to its database: the CA trusted (see {@link trustDatabaseCa}; `image` runs the
 * init container), the database port open to the service's tasks, and the service started only once the database,
 * its role and the secret exist.
 */
export function connectToDatabase(service: HardenedFargateService, binding: DatabaseBinding, image: ecs.ContainerImage): void {
  trustDatabaseCa(service.taskDefinition, binding, [service.container], image,
    ecs.LogDrivers.awsLogs({ logGroup: service.logGroup, streamPrefix: DATABASE_CA_CONTAINER, mode: ecs.AwsLogDriverMode.NON_BLOCKING }));
  allowDefaultPortFrom(binding.connections, service, `tasks of ${service.node.path}`);
  service.service.node.defaultChild!.node.addDependency(binding.setup);
}

/**
 * Connections a service may hold at its peak: its maximum task count during a rolling deployment (ECS starts new
 * tasks up to `maxHealthyPercent` of the desired count before stopping old ones), times the connections of one task,
 * plus `extra` (e.g. a one-off migration task). Undefined when a token hides a number.
 */
export function peakConnections(maxCapacity: number, maxHealthyPercent: number, perTask: number, extra = 0): number | undefined {
  if ([maxCapacity, maxHealthyPercent, perTask, extra].some((v) => Token.isUnresolved(v))) return undefined;
  return Math.ceil((maxCapacity * maxHealthyPercent) / 100) * perTask + extra;
}
