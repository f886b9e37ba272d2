import * as ecs from 'aws-cdk-lib/aws-ecs';

/** One writable path of a container with a read-only root file system, backed by an empty task volume. */
export interface ScratchPath {
  /** Task volume name (unique in the task). */
  readonly volume: string;
  /** Absolute path in the container. */
  readonly path: string;
}

/** Options of {@link addScratchVolumes}. */
export interface ScratchVolumesOptions {
  /** Name of the init container (unique in the task). */
  readonly initName: string;
  /** An image of the task that has `/bin/sh`, `chown` and `chmod` (the init runs it as root). */
  readonly image: ecs.ContainerImage;
  /** `uid:gid` the container runs as; the volumes are handed to it. */
  readonly owner: string;
  readonly paths: ScratchPath[];
  readonly logging?: ecs.LogDriver;
  /** Memory reserved for the init container. @default - none */
  readonly memoryReservationMiB?: number;
}

/**
 * Gives `container` writable scratch directories on a read-only root file system. A Fargate task volume without a host
 * path starts as an empty directory owned by root with mode 0755 (Amazon ECS Developer Guide, "Use bind mounts with
 * Amazon ECS", considerations), which a non-root container cannot write, and Fargate does not support tmpfs mounts. So
 * each path gets a task volume, and a root init container (not essential, read-only root, it writes only the volumes)
 * hands them to `owner` (mode 0700) before `container` starts: the container waits for its SUCCESS.
 */
export function addScratchVolumes(
  taskDefinition: ecs.TaskDefinition, container: ecs.ContainerDefinition, options: ScratchVolumesOptions,
): ecs.ContainerDefinition {
  const mounts = options.paths.map((p) => {
    taskDefinition.addVolume({ name: p.volume });
    return { containerPath: p.path, sourceVolume: p.volume, readOnly: false };
  });
  const paths = options.paths.map((p) => p.path).join(' ');
  const init = taskDefinition.addContainer(options.initName, {
    containerName: options.initName,
    image: options.image,
    user: '0',
    essential: false,
    readonlyRootFilesystem: true,
    entryPoint: ['sh', '-c'],
    command: [`chown ${options.owner} ${paths} && chmod 0700 ${paths}`],
    logging: options.logging,
    memoryReservationMiB: options.memoryReservationMiB,
  });
  init.addMountPoints(...mounts);
  container.addMountPoints(...mounts);
  container.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
  return init;
}
