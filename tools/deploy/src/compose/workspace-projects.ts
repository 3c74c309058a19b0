import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An Nx project as far as deployment cares: its name, tags and build output folder. */
export interface WorkspaceProject {
  name: string;
  root: string;
  tags: string[];
  /** `build.options.outputPath`, e.g. `dist/apps/check-allowed` (undefined: not built). */
  buildOutputPath: string | undefined;
}

interface ProjectJson {
  name?: string;
  tags?: string[];
  targets?: { build?: { options?: { outputPath?: string } } };
}

/** Every project.json under apps/, libs/ and tools/ of the workspace. */
export function workspaceProjects(workspaceRoot: string): WorkspaceProject[] {
  return ['apps', 'libs', 'tools'].flatMap((folder) => {
    const parent = join(workspaceRoot, folder);
    if (!existsSync(parent)) return [];
    return readdirSync(parent)
      .map((entry) => join(folder, entry))
      .filter((root) => existsSync(join(workspaceRoot, root, 'project.json')))
      .map((root) => {
        const json = JSON.parse(
          readFileSync(join(workspaceRoot, root, 'project.json'), 'utf8'),
        ) as ProjectJson;
        return {
          name: json.name ?? root,
          root,
          tags: json.tags ?? [],
          buildOutputPath: json.targets?.build?.options?.outputPath,
        };
      });
  });
}
