import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An Nx project as far as deployment cares: its name, tags and build output folder. */
export interface WorkspaceProject {
  name: string;
  root: string;
  tags: string[];
  /**
   * The build's output folder, e.g. `dist/apps/check-allowed` (undefined: not built): the
   * project's own `outputPath`, else the one nx.json's targetDefaults give every build.
   */
  buildOutputPath: string | undefined;
}

interface BuildTarget {
  options?: { outputPath?: string };
}

interface ProjectJson {
  name?: string;
  tags?: string[];
  targets?: { build?: BuildTarget };
}

interface NxJson {
  targetDefaults?: { build?: BuildTarget };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Every project.json under apps/, libs/ and tools/ of the workspace. */
export function workspaceProjects(workspaceRoot: string): WorkspaceProject[] {
  const nxJson = join(workspaceRoot, 'nx.json');
  const defaultOutputPath = existsSync(nxJson)
    ? readJson<NxJson>(nxJson).targetDefaults?.build?.options?.outputPath
    : undefined;
  return ['apps', 'libs', 'tools'].flatMap((folder) => {
    const parent = join(workspaceRoot, folder);
    if (!existsSync(parent)) return [];
    return readdirSync(parent)
      .map((entry) => join(folder, entry))
      .filter((root) => existsSync(join(workspaceRoot, root, 'project.json')))
      .map((root) => {
        const json = readJson<ProjectJson>(join(workspaceRoot, root, 'project.json'));
        const build = json.targets?.build;
        const outputPath = build && (build.options?.outputPath ?? defaultOutputPath);
        return {
          name: json.name ?? root,
          root,
          tags: json.tags ?? [],
          buildOutputPath: outputPath?.replace('{projectRoot}', root),
        };
      });
  });
}
