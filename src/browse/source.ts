import { describeTarget } from '../backup/describe';

/** What a browse session reads: a Docker volume, a directory of a container (running or stopped), or a backup archive file. */
export type BrowseSource =
  { kind: 'volume'; volume: string } | { kind: 'container'; container: string; root: string } | { kind: 'archive'; file: string };

/** One session per source: the same volume browsed twice shares its helper container. */
export function sourceKey(s: BrowseSource): string {
  switch (s.kind) {
    case 'volume':
      return `volume\0${s.volume}`;
    case 'container':
      return `container\0${s.container}\0${s.root}`;
    case 'archive':
      return `archive\0${s.file}`;
  }
}

/** `volume "data"`, `/srv of container "web"`, `backup x.tar.gz` (messages, the Explorer's folder name). */
export function describeSource(s: BrowseSource): string {
  switch (s.kind) {
    case 'volume':
      return describeTarget(s);
    case 'container':
      return describeTarget({ kind: 'container-path', container: s.container, path: s.root });
    case 'archive':
      return `backup ${s.file.slice(s.file.lastIndexOf('/') + 1)}`;
  }
}
