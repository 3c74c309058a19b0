import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dependencies, type ComposeDocument, type ComposeService } from './compose-model';

/** Where a service's image is built from, resolved against the Compose file's folder. */
export interface BuildPaths {
  context: string;
  dockerfile: string;
  /** The Dockerfile stage the image is (`build.target`); the last stage when absent. */
  target?: string;
}

/** The service's build context and Dockerfile as absolute paths (undefined: no build). */
export function buildPaths(service: ComposeService, composeDir: string): BuildPaths | undefined {
  if (service.build === undefined) return undefined;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  const context = resolve(composeDir, build.context ?? '.');
  return {
    context,
    dockerfile: resolve(context, build.dockerfile ?? 'Dockerfile'),
    ...(build.target ? { target: build.target } : {}),
  };
}

function dependencyProblems(
  name: string,
  service: ComposeService,
  services: Record<string, ComposeService>,
  hasHealthcheck: (service: ComposeService) => boolean,
): string[] {
  const problems: string[] = [];
  for (const [target, { condition, required }] of Object.entries(dependencies(service))) {
    const dependency = services[target];
    if (!dependency) {
      problems.push(`services.${name}.depends_on: "${target}" is not a service of this file`);
      continue;
    }
    if (!service.profiles?.length && dependency.profiles?.length && required !== false) {
      problems.push(
        `services.${name}.depends_on: "${target}" only runs with profile ${dependency.profiles.join('/')}, ` +
          `but ${name} always runs`,
      );
    }
    if (condition === 'service_healthy' && !hasHealthcheck(dependency)) {
      problems.push(`services.${name}.depends_on: "${target}" has no health check to wait for`);
    }
    if (
      condition === 'service_completed_successfully' &&
      !['no', undefined].includes(dependency.restart)
    ) {
      problems.push(
        `services.${name}.depends_on: "${target}" is restarted (${String(dependency.restart)}), so it never completes`,
      );
    }
  }
  return problems;
}

function volumeProblems(
  name: string,
  service: ComposeService,
  document: ComposeDocument,
  composeDir: string,
): string[] {
  const problems: string[] = [];
  for (const volume of service.volumes ?? []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
    if (!source) continue;
    if (/^[./~]/.test(source)) {
      if (!existsSync(resolve(composeDir, source))) {
        problems.push(`services.${name}.volumes: bind source ${source} does not exist`);
      }
    } else if (!(source in (document.volumes ?? {}))) {
      problems.push(
        `services.${name}.volumes: named volume "${source}" is not declared under volumes`,
      );
    }
  }
  return problems;
}

/**
 * Cross-references the schema cannot express: every service has an image or a build whose
 * context and Dockerfile exist; `depends_on` names real services, waits only on health checks
 * that exist, on one-shots that can complete, and never on a service its profile leaves out;
 * bind mounts exist and named volumes are declared.
 */
export function referenceProblems(
  document: ComposeDocument,
  composeDir: string,
  hasHealthcheck: (service: ComposeService) => boolean,
): string[] {
  const services = document.services ?? {};
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const build = buildPaths(service, composeDir);
    if (!service.image && !build) problems.push(`services.${name}: neither image nor build`);
    if (build && !existsSync(build.context)) {
      problems.push(`services.${name}.build: context ${build.context} does not exist`);
    } else if (build && !existsSync(build.dockerfile)) {
      problems.push(`services.${name}.build: Dockerfile ${build.dockerfile} does not exist`);
    }
    problems.push(...dependencyProblems(name, service, services, hasHealthcheck));
    problems.push(...volumeProblems(name, service, document, composeDir));
  }
  return problems;
}
