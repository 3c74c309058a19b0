import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOYABLE_APP_SCHEMAS } from '../compose/compose-check';
import { parseDockerfile } from '../compose/dockerfile';
import { environmentTable, imageDefaultsTable } from './env-table';

/** The pipeline apps (all but the one-shot migrate and the simulators). */
export const PIPELINE_APPS = Object.keys(DEPLOYABLE_APP_SCHEMAS).filter(
  (app) => app !== 'migrate' && !app.startsWith('sim-'),
);

/** What docs/operations.md holds between its markers, from the schemas and the Dockerfile. */
export function generatedOperationsTables(workspaceRoot: string): string {
  const image = parseDockerfile(readFileSync(join(workspaceRoot, 'docker', 'Dockerfile'), 'utf8'));
  return [
    environmentTable(DEPLOYABLE_APP_SCHEMAS, PIPELINE_APPS),
    '',
    'Inside the image these are preset (a container has its own network namespace, so every',
    'app listens on all its interfaces, and every worker on the same health port):',
    '',
    imageDefaultsTable(image.env),
  ].join('\n');
}
