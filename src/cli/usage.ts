import { PersistenceLensError } from '../core/errors';

/** A mistake in how the CLI was called: exit 2 with the usage of the command. */
export class UsageError extends PersistenceLensError<'usage'> {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  persistence-lens scan [--self] [--mountinfo FILE] [--docker] [--host URL] [--container NAME|ID]...
                        [--compose FILE]... [--devcontainer FILE] [--kubernetes FILE_OR_DIR...]
                        [--json | --format sarif] [--fail-on LEVEL]
  persistence-lens where [--mountinfo FILE] [--json] PATH...
  persistence-lens persist --file FILE [--service NAME] --path /abs/path [--volume NAME | --bind HOSTPATH] [--write | --diff]
  persistence-lens persist --file FILE [--service NAME] --path /abs/path [--volume NAME] --write --move-data
                           [--container NAME|ID] [--live] [--recreate]
  persistence-lens backup (--volume NAME | --container C --path P | --path DIR | --project NAME | --container C --all) [--out DIR] [--keep N]
                          [--level 1-9] [--stop] [--host URL] [--json]
  persistence-lens restore ARCHIVE (--volume NAME | --container C [--path P] | --path DIR) [--force]
                          [--keep-privileges] [--out DIR] [--host URL] [--json]
  persistence-lens restore SET.set.json (--project NAME | --container C) [--force] [--keep-privileges]
  persistence-lens rescue --container C [--out DIR] [--keep N] [--level 1-9] [--host URL] [--json]
  persistence-lens backups [--out DIR] [--verify] [--json]
  persistence-lens volumes [--host URL] [--json] [--size] [--label K=V]... [--prune [--yes]]
  persistence-lens orphans [--host URL] [--json]
  persistence-lens recover VOLUME --into NAME [--host URL]

Commands:
  scan    Which paths of each container, compose service or dev container survive which lifecycle event.
          With no source flag: this container (when inside one), the Docker Engine (when one answers),
          and the compose files and .devcontainer/devcontainer.json in the current directory.
  where   The storage of paths on this machine (what the save warning asks).
  persist Make a path persistent in a compose file or devcontainer.json: prints the edited file, or with
          --write changes it in place (atomically). Comments and layout are kept; only the new entry moves.
          With --move-data, what the container holds there now is moved into the new volume and verified
          before the file is written; --recreate then recreates the container and verifies again.
  backup  Archive a volume, a container's path or a local folder: <source>-<UTC time>.tar.gz and a manifest
          (sha256, entries, bytes). Through the Docker Engine nothing is pulled or run. --project NAME (or
          --container C --all) backs up every named volume and at-risk path of a compose project (a container),
          most critical first, each its own archive, plus one <project>-<UTC time>.set.json; --keep N sets.
  restore Verify an archive against its manifest, refuse hostile entries, then restore it. A non-empty
          target needs --force and gets a safety backup first. Rescue archives restore with --container alone.
          Owners and modes are restored as recorded; setuid/setgid bits of files and file capabilities are
          stripped (named in a warning) unless --keep-privileges. A local target folder keeps its own owner.
          A set (SET.set.json) restores whole into --project NAME (the same project: its volumes; another:
          NAME_<key> volumes with compose labels; paths into its containers, made by up --no-start): every
          member is verified before any is written.
  rescue  Archive everything only a container's writable layer holds, and name those paths.
  backups List the backups in the backup folder.
  volumes Every volume with the containers and paths that use it, its compose project, whether compose down -v
          removes it and how critical its data is; --size asks the engine for sizes (slow on big engines);
          --prune removes unused volumes that serve nothing of criticality high or more (a dry run without --yes);
          --label K=V limits it to the volumes with that label.
  orphans The anonymous volumes no container uses any more, with the container and path each last belonged
          to (remembered from earlier scans, in $XDG_STATE_HOME/persistence-lens/volume-sightings.json).
  recover Copy a volume (an orphaned one: a 12-hex id will do) into a named volume, verified; the source is
          only read.

Options:
  --self              this container, from /proc/self/mountinfo
  --mountinfo FILE    read mounts from FILE instead of /proc/self/mountinfo
  --docker            the Docker Engine (DOCKER_HOST, the current context, Podman, /var/run/docker.sock)
  --host URL          the daemon to use (unix:///path, tcp://host:port, ssh://user@host); implies --docker
  --container NAME    only this container (repeatable); implies --docker
  --compose FILE      a compose file (repeatable: merged in order, like docker compose -f)
  --devcontainer FILE a devcontainer.json
  --kubernetes PATH   Kubernetes manifests (files or folders: Pod, Deployment, StatefulSet, …, with their claims),
                      judged by the pod table (containerRestart, podDelete, nodeReboot, releaseDelete, pvcDelete)
  --json              machine-readable output (see the README)
  --format sarif      (scan) the findings on --compose / --devcontainer / --kubernetes files as SARIF 2.1.0
  --fail-on LEVEL     exit 1 when a path of LEVEL or higher is at risk: critical, high, medium, low, never (default)
  --service NAME      (persist) the compose service; optional when the file has one
  --path PATH         (persist) the absolute container path to keep
  --volume NAME       (persist) the named volume to use (default <service>-<last path segment>)
  --bind HOSTPATH     (persist) bind a host folder instead of a named volume
  --write             (persist) write the file in place instead of printing it
  --diff              (persist) print a unified diff of the change instead of the whole file (for patch, git apply)
  --move-data         (persist) move the container's current data at the path into the new volume first
  --container NAME    (persist --move-data) the container holding the data (default: found from the file)
  --live              (persist --move-data) copy without stopping the container (later writes are missed)
  --recreate          (persist --move-data) recreate the container after the edit and verify the data there
  --out DIR           (backup) where backups go (default $XDG_DATA_HOME/persistence-lens/backups)
  --keep N            (backup) keep the newest N backups per source (default 5, 0 keeps all)
  --level 1-9         (backup) gzip level (default 6)
  --stop              (backup) stop the running containers that write to the volume (or the container of the
                      path) while it is archived, and start them again after, also on failure or Ctrl-C
  --force             (restore) overwrite a non-empty target after taking a safety backup
  --keep-privileges   (restore) keep setuid/setgid bits and security.capability as the archive has them
  --verify            (backups) compute every archive's sha256

Exit codes: 0 done, 1 --fail-on tripped or a backup/restore/rescue that failed or was cancelled, 2 usage or input error,
3 a backup was written without some files or folders it could not read (listed, and in the manifest's "unreadable").
`;
