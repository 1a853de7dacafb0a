/**
 * The variables a devcontainer.json may write in its strings (`${localWorkspaceFolder}`, `${localEnv:HOME}`,
 * `${containerEnv:PATH}`...), replaced as the Dev Containers CLI replaces them before it creates anything.
 */
import { basename } from 'node:path';

/** What the variables stand for. */
export interface SubstitutionContext {
  /** The local folder opened in the dev container. */
  localWorkspaceFolder: string;
  /** The workspace folder in the container; until it is known, `${containerWorkspaceFolder}` stays as written. */
  containerWorkspaceFolder?: string;
  /** The local environment (`${localEnv:X}`, and `${env:X}`, its older name). */
  localEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * Replaces the dev container variables in `s`; `${devcontainerId}` and unknown ones stay as written.
 * `containerEnv` answers `${containerEnv:X}` (what is known of the container's environment at that point).
 */
export function substitute(s: string, vars: SubstitutionContext, containerEnv: Readonly<Record<string, string>> = {}): string {
  if (!s.includes('${')) return s;
  const container = vars.containerWorkspaceFolder;
  return s.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const [kind, ...rest] = inner.split(':');
    switch (kind) {
      case 'localWorkspaceFolder':
        return rest.length ? whole : vars.localWorkspaceFolder;
      case 'localWorkspaceFolderBasename':
        return rest.length ? whole : basename(vars.localWorkspaceFolder);
      case 'containerWorkspaceFolder':
        return rest.length || !container ? whole : container;
      case 'containerWorkspaceFolderBasename':
        return rest.length || !container ? whole : (container.split('/').filter(Boolean).pop() ?? '');
      case 'localEnv':
      case 'env': {
        const [name, ...def] = rest;
        if (!name) return whole;
        return vars.localEnv[name] ?? def.join(':');
      }
      case 'containerEnv': {
        const [name, ...def] = rest;
        if (!name) return whole;
        return containerEnv[name] ?? def.join(':');
      }
      default:
        return whole; // ${devcontainerId} and anything unknown: kept, it is part of a name
    }
  });
}
