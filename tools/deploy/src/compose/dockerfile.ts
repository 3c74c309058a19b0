/** What the validator needs to know about the Dockerfile. */
export interface DockerfileFacts {
  /** App names whose `dist/apps/<app>` folder a `COPY --from=` copies into the image. */
  copiedBundles: string[];
  /** Files copied from the build context (`COPY` without `--from`), as written. */
  contextSources: string[];
  /** `ENV` defaults of the stage the image is (the runtime image). */
  env: Record<string, string>;
  /** Tags a `nx run-many -t build --projects=tag:…` line selects ([] when it selects all). */
  buildTags: string[];
  /** True when the image's stage declares a HEALTHCHECK (other than NONE). */
  hasHealthcheck: boolean;
}

/** Joins continuation lines and drops comments. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `ENV A=1 B="2"` (or the legacy `ENV A 1`) as a map. */
function parseEnv(rest: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!rest.includes('=')) {
    const [name, ...value] = rest.split(/\s+/);
    if (name) env[name] = value.join(' ');
    return env;
  }
  for (const match of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|(\S*))/g)) {
    env[match[1] as string] = match[3] ?? match[4] ?? '';
  }
  return env;
}

type StageFacts = Pick<DockerfileFacts, 'copiedBundles' | 'env' | 'hasHealthcheck'>;

/**
 * Reads the facts out of a Dockerfile's text (no build engine needed) for the stage a build
 * targets (`target`, as Compose's `build.target`), or the last stage. A stage built `FROM`
 * an earlier stage starts with that stage's bundles, ENV and health check.
 */
export function parseDockerfile(text: string, target?: string): DockerfileFacts {
  const contextSources: string[] = [];
  let buildTags: string[] = [];
  const stages = new Map<string, StageFacts>();
  let current: StageFacts = { copiedBundles: [], env: {}, hasHealthcheck: false };
  let found: StageFacts | undefined;
  for (const line of instructions(text)) {
    const [keyword = '', ...words] = line.split(/\s+/);
    const rest = words.join(' ');
    switch (keyword.toUpperCase()) {
      case 'FROM': {
        const [base = '', as, name] = words.filter((word) => !word.startsWith('--'));
        const parent = stages.get(base);
        current = parent
          ? {
              copiedBundles: [...parent.copiedBundles],
              env: { ...parent.env },
              hasHealthcheck: parent.hasHealthcheck,
            }
          : { copiedBundles: [], env: {}, hasHealthcheck: false };
        if (as?.toUpperCase() === 'AS' && name) {
          stages.set(name, current);
          if (name === target) found = current;
        }
        break;
      }
      case 'ENV':
        Object.assign(current.env, parseEnv(rest));
        break;
      case 'HEALTHCHECK':
        current.hasHealthcheck = !/^NONE$/i.test(rest.trim());
        break;
      case 'RUN': {
        const selection = /nx run-many .*--projects[= ](\S+)/.exec(rest);
        if (selection?.[1]) {
          buildTags = selection[1]
            .split(',')
            .filter((item) => item.startsWith('tag:'))
            .map((item) => item.slice('tag:'.length));
        }
        break;
      }
      case 'COPY': {
        const options = words.filter((word) => word.startsWith('--'));
        const paths = words.filter((word) => !word.startsWith('--'));
        const sources = paths.slice(0, -1);
        if (options.some((option) => option.startsWith('--from='))) {
          for (const source of sources) {
            const bundle = /(?:^|\/)dist\/apps\/([^/]+)\/?$/.exec(source);
            if (bundle?.[1]) current.copiedBundles.push(bundle[1]);
          }
        } else {
          contextSources.push(...sources);
        }
        break;
      }
    }
  }
  const stage = target === undefined ? current : found;
  if (!stage) throw new Error(`the Dockerfile has no stage named ${target}`);
  return { ...stage, contextSources, buildTags };
}
