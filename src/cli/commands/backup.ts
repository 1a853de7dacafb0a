import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  backup,
  backupSet,
  restoreSet,
  SET_SUFFIX,
  defaultBackupDir,
  listBackups,
  listSets,
  rescue,
  restore,
  DEFAULT_KEEP,
  type BackupListing,
  type BackupOptions,
  type BackupResult,
  type BackupSource,
  type Progress,
  type RestoreTarget,
} from '../../backup';
import { paint, table } from '../../report/style';
import { reportError } from '../errors';
import type { Output } from '../output';
import { UsageError } from '../usage';
import { describeSource } from '../../backup/describe';
import { formatBytes } from '../../core/bytes';
import { formatCount } from '../../core/count';

export { formatBytes };

/**
 * `backup`, `restore`, `rescue` and `backups`.
 *
 * Exit codes: 0 done; 1 the operation failed or was cancelled (the Docker Engine stopped answering, a disk
 * filled up, Ctrl-C); 2 a usage or input error (bad flags, no such volume/container/path, an archive that
 * fails verification or is refused, a non-empty target without --force, a destination that would not
 * survive a recreate); 3 a backup was written, but some files or folders of the source could not be read
 * (permission denied): they are listed in the message and in the manifest's `unreadable`, and the user
 * decides whether that backup is enough.
 *
 * `PERSISTENCE_LENS_HELPER_LABELS="k=v,k2=v2"` adds labels to the helper containers and volumes created
 * (tests label theirs so they can clean up).
 */

const COMMON = {
  out: { type: 'string' },
  host: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function helperLabels(env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const raw = env.PERSISTENCE_LENS_HELPER_LABELS?.trim();
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got ${n})`);
  return n;
}

const count = formatCount;

/** Ctrl-C / SIGTERM cancel the operation (which removes what it half-wrote); a second Ctrl-C is left to Node. */
async function cancellable<T>(io: Output, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (): void => {
    if (!ac.signal.aborted) io.err('\ncancelling...\n');
    ac.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A progress line on stderr, only when it is a terminal. */
function progressLine(io: Output): { onProgress?: (p: Progress) => void; done: () => void } {
  if (!io.color) return { done: () => undefined };
  let shown = false;
  return {
    onProgress: (p) => {
      const pct = p.percent !== undefined ? ` ${p.percent.toFixed(0)}%` : '';
      const bytes = p.phase === 'verifying' || p.phase === 'validating' ? formatBytes(p.compressedBytes) : formatBytes(p.bytes);
      io.err(`\r\x1b[2K${p.phase}${pct}: ${count(p.entries)} entries, ${bytes}`);
      shown = true;
    },
    done: () => {
      if (shown) io.err('\r\x1b[2K');
    },
  };
}

/** The engine's errors by their kind (cli/errors.ts); one it has no words for is the operation failing (exit 1). */
function fail(io: Output, err: unknown): number {
  return reportError(io, err, 'failed');
}

function commonOptions(values: { out?: string; host?: string }, extra: Partial<BackupOptions> = {}): BackupOptions {
  const labels = helperLabels();
  return {
    ...(values.out ? { outDir: resolve(values.out) } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(labels ? { helperLabels: labels } : {}),
    ...extra,
  };
}

function printArchive(io: Output, r: Omit<BackupResult, 'staleRemoved'>): void {
  const m = r.manifest;
  io.out(`  archive   ${r.archive} (${formatBytes(m.archiveBytes)}, gzip -${m.gzipLevel})\n`);
  io.out(`  sha256    ${m.sha256}\n`);
  io.out(`  manifest  ${r.manifestPath}\n`);
}

function printHousekeeping(io: Output, r: Pick<BackupResult, 'pruned' | 'staleRemoved' | 'warnings'>, keep: number, what: string): void {
  if (r.pruned.length) io.out(`Retention: kept the newest ${keep} backups of ${what}; deleted ${r.pruned.join(', ')}\n`);
  if (r.staleRemoved.length)
    io.out(`Removed ${r.staleRemoved.length} unfinished archive(s) left by an interrupted backup: ${r.staleRemoved.join(', ')}\n`);
  for (const w of r.warnings) io.err(`warning: ${w}\n`);
}

export async function backupCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...COMMON,
      volume: { type: 'string' },
      container: { type: 'string' },
      path: { type: 'string' },
      project: { type: 'string' },
      all: { type: 'boolean' },
      keep: { type: 'string' },
      level: { type: 'string' },
      stop: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`backup takes no positional arguments (got "${positionals[0]}")`);
  if (values.project !== undefined || values.all) {
    if (values.volume !== undefined || values.path !== undefined)
      throw new UsageError(
        'backup takes one source: --project NAME, --container C --all, --volume NAME, --container C --path P, or --path DIR',
      );
    if (values.project !== undefined && values.container !== undefined)
      throw new UsageError('backup takes one source: --project NAME or --container C --all');
    if (values.project === undefined && !values.container)
      throw new UsageError('--all backs up everything of one container: backup --container C --all');
    if (values.project === '') throw new UsageError('--project needs a compose project name');
    return backupSetCommand(values.project !== undefined ? { project: values.project } : { container: values.container! }, values, io);
  }
  let source: BackupSource;
  if (values.volume !== undefined) {
    if (values.container !== undefined || values.path !== undefined)
      throw new UsageError('backup takes one source: --volume NAME, --container C --path P, or --path DIR');
    if (!values.volume) throw new UsageError('--volume needs a volume name');
    source = { kind: 'volume', volume: values.volume };
  } else if (values.container !== undefined) {
    if (!values.path)
      throw new UsageError(
        'backup --container C needs --path P (the directory to archive); to archive the writable layer use rescue --container C',
      );
    source = { kind: 'container-path', container: values.container, path: values.path };
  } else if (values.path !== undefined) {
    if (!values.path) throw new UsageError('--path needs a directory');
    source = { kind: 'local', path: values.path };
  } else {
    throw new UsageError('backup needs a source: --volume NAME, --container C --path P, or --path DIR');
  }
  const keep = intOption('keep', values.keep, 0, 100000) ?? DEFAULT_KEEP;
  const level = intOption('level', values.level, 1, 9);
  const progress = progressLine(io);
  try {
    const r = await cancellable(io, (signal) =>
      backup(
        source,
        commonOptions(values, {
          keep,
          ...(level !== undefined ? { level } : {}),
          ...(values.stop ? { stopContainers: true } : {}),
          signal,
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        }),
      ),
    );
    progress.done();
    const unreadable = r.unreadable ?? [];
    const incomplete = (): number => {
      if (unreadable.length === 0) return 0;
      const shown = unreadable.slice(0, 20).join(', ') + (unreadable.length > 20 ? `, and ${unreadable.length - 20} more` : '');
      io.err(
        `persistence-lens: ${unreadable.length} path(s) of ${describeSource(r.manifest.source)} could not be read (permission denied) and are not in the backup ` +
          `(a folder among them is there without its content): ${shown}. The rest is in ${r.archive}; the manifest lists them under "unreadable". Run the backup as a user who can read them, or accept it as it is.\n`,
      );
      return 3;
    };
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            archive: r.archive,
            manifestPath: r.manifestPath,
            manifest: r.manifest,
            pruned: r.pruned,
            staleRemoved: r.staleRemoved,
            warnings: r.warnings,
            unreadable,
            stopped: r.stopped ?? [],
          },
          null,
          2,
        ) + '\n',
      );
      return incomplete();
    }
    const what = describeSource(r.manifest.source);
    io.out(
      `${paint(io.color, unreadable.length ? 'yellow' : 'green', 'Backed up')} ${what}: ${count(r.manifest.entries)} entries, ${formatBytes(r.manifest.bytes)} of files\n`,
    );
    printArchive(io, r);
    if (r.stopped?.length) io.out(`  stopped   ${r.stopped.join(', ')} while archiving, started again\n`);
    printHousekeeping(io, r, keep, what);
    return incomplete();
  } catch (err) {
    progress.done();
    return fail(io, err);
  }
}

export async function restoreCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...COMMON,
      volume: { type: 'string' },
      container: { type: 'string' },
      path: { type: 'string' },
      project: { type: 'string' },
      force: { type: 'boolean' },
      'keep-privileges': { type: 'boolean' },
      keep: { type: 'string' },
      level: { type: 'string' },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0 ? 'restore needs the ARCHIVE to restore' : `restore takes one ARCHIVE (got ${positionals.length})`,
    );
  const archive = positionals[0]!;
  if (archive.endsWith(SET_SUFFIX) || values.project !== undefined) {
    if (!archive.endsWith(SET_SUFFIX))
      throw new UsageError(`restore --project takes a set (<project>-<time>${SET_SUFFIX}, written by backup --project)`);
    if (values.volume !== undefined || values.path !== undefined)
      throw new UsageError('a set restores into a project (--project NAME) or a container (--container C)');
    if ((values.project === undefined) === (values.container === undefined))
      throw new UsageError('restore SET needs one target: --project NAME or --container C');
    if (values.project === '') throw new UsageError('--project needs a compose project name');
    return restoreSetCommand(
      archive,
      values.project !== undefined ? { project: values.project } : { container: values.container! },
      values,
      io,
    );
  }
  let target: RestoreTarget;
  if (values.volume !== undefined) {
    if (values.container !== undefined || values.path !== undefined)
      throw new UsageError('restore takes one target: --volume NAME, --container C [--path P], or --path DIR');
    if (!values.volume) throw new UsageError('--volume needs a volume name');
    target = { kind: 'volume', volume: values.volume };
  } else if (values.container !== undefined) {
    target = values.path
      ? { kind: 'container-path', container: values.container, path: values.path }
      : { kind: 'container', container: values.container };
  } else if (values.path !== undefined) {
    if (!values.path) throw new UsageError('--path needs a directory');
    target = { kind: 'local', path: values.path };
  } else {
    throw new UsageError('restore needs a target: --volume NAME, --container C [--path P], or --path DIR');
  }
  const keep = intOption('keep', values.keep, 0, 100000) ?? DEFAULT_KEEP;
  const level = intOption('level', values.level, 1, 9);
  const progress = progressLine(io);
  try {
    const r = await cancellable(io, (signal) =>
      restore(archive, target, {
        ...commonOptions(values, { keep, ...(level !== undefined ? { level } : {}) }),
        force: !!values.force,
        keepPrivileges: !!values['keep-privileges'],
        signal,
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      }),
    );
    progress.done();
    for (const w of r.warnings) io.err(`warning: ${w}\n`);
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            archive: r.archive,
            target: r.target,
            verified: r.check.verified,
            entries: r.entries,
            bytes: r.bytes,
            ...(r.createdVolume ? { createdVolume: true } : {}),
            ...(r.safetyBackup ? { safetyBackup: r.safetyBackup.archive } : {}),
            warnings: r.warnings,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    io.out(
      `${paint(io.color, 'green', 'Restored')} ${count(r.entries)} entries (${formatBytes(r.bytes)} of files) from ${r.archive} into ${r.target}${r.createdVolume ? ' (created)' : ''}\n`,
    );
    io.out(
      r.check.verified
        ? '  verified  sha256 and entry count match the manifest\n'
        : '  verified  no: the archive has no manifest (every entry was checked)\n',
    );
    if (r.safetyBackup) io.out(`  safety backup of what was there: ${r.safetyBackup.archive}\n`);
    return 0;
  } catch (err) {
    progress.done();
    return fail(io, err);
  }
}

export async function rescueCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { ...COMMON, container: { type: 'string' }, keep: { type: 'string' }, level: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`rescue takes no positional arguments (got "${positionals[0]}")`);
  if (!values.container) throw new UsageError('rescue needs --container C');
  const keep = intOption('keep', values.keep, 0, 100000) ?? DEFAULT_KEEP;
  const level = intOption('level', values.level, 1, 9);
  const container = values.container;
  const progress = progressLine(io);
  try {
    const r = await cancellable(io, (signal) =>
      rescue(
        { container },
        commonOptions(values, {
          keep,
          ...(level !== undefined ? { level } : {}),
          signal,
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        }),
      ),
    );
    progress.done();
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            container: r.container,
            archived: r.archived,
            ...(r.archive ? { archive: r.archive, manifestPath: r.manifestPath, manifest: r.manifest } : {}),
            paths: r.plan.roots,
            groups: r.groups,
            deleted: r.plan.deleted,
            skipped: r.plan.skipped,
            pruned: r.pruned ?? [],
            warnings: r.warnings,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    if (!r.archived) {
      io.out(
        `Nothing to rescue: the writable layer of container "${r.container}" holds no added or modified files outside mounts, and no anonymous volume or tmpfs of it holds anything.\n`,
      );
      return 0;
    }
    const m = r.manifest!;
    const mountsToo = r.plan.roots.some((x) => x.storage);
    io.out(
      `${paint(io.color, 'green', 'Rescued')} the writable layer${mountsToo ? ', anonymous volumes and tmpfs mounts' : ''} of container "${r.container}": ${r.plan.roots.length} path(s), ${count(m.entries)} entries, ${formatBytes(m.bytes)} of files\n`,
    );
    printArchive(io, r as BackupResult);
    io.out(
      `\nThese paths are lost when the container is recreated; persist their directories (a named volume or a bind mount) so a recreate keeps them:\n`,
    );
    for (const g of r.groups) {
      io.out(`  ${paint(io.color, 'bold', g.directory)}\n`);
      for (const p of g.paths) {
        const root = r.plan.roots.find((x) => x.path === p)!;
        const what =
          root.storage === 'anonymous-volume'
            ? 'an anonymous volume'
            : root.storage === 'tmpfs'
              ? 'a tmpfs'
              : `${root.change}${root.listed > 1 ? `, ${root.listed} paths` : ''}`;
        io.out(`      ${p} (${what})\n`);
      }
    }
    if (r.plan.deleted.length) io.out(`Not archived: ${r.plan.deleted.length} deleted path(s) (a deletion cannot be archived).\n`);
    if (r.plan.skipped.length) io.out(`Skipped (mounts and engine files, not in the writable layer): ${r.plan.skipped.join(', ')}\n`);
    io.out(`After recreating the container: persistence-lens restore ${r.archive} --container ${r.container}\n`);
    printHousekeeping(
      io,
      { pruned: r.pruned ?? [], staleRemoved: r.staleRemoved ?? [], warnings: r.warnings },
      keep,
      `container "${r.container}"`,
    );
    return 0;
  } catch (err) {
    progress.done();
    return fail(io, err);
  }
}

function listingSource(l: BackupListing): string {
  const m = l.manifest;
  if (!m) return '?';
  const s = m.source;
  const base =
    s.kind === 'volume'
      ? `volume ${s.name}`
      : s.kind === 'container-path'
        ? `${s.container}:${s.name}`
        : s.kind === 'rescue'
          ? `rescue ${s.name}`
          : s.name;
  return m.purpose === 'safety' ? `${base} (safety)` : base;
}

export async function backupsCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean' }, verify: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError(`backups takes no positional arguments (got "${positionals[0]}")`);
  const dir = resolve(values.out ?? defaultBackupDir());
  try {
    const list = await listBackups(dir, { verify: !!values.verify });
    if (values.json) {
      io.out(
        JSON.stringify(
          list.map((l) => ({
            archive: l.file,
            size: l.size,
            createdAt: l.createdAt,
            status: l.status,
            ...(l.manifest
              ? {
                  source: l.manifest.source,
                  purpose: l.manifest.purpose,
                  entries: l.manifest.entries,
                  bytes: l.manifest.bytes,
                  sha256: l.manifest.sha256,
                }
              : {}),
            ...(l.problem ? { problem: l.problem } : {}),
          })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    if (list.length === 0) {
      io.out(`No backups in ${dir}\n`);
      return 0;
    }
    io.out(`Backups in ${dir}:\n`);
    const rows = [
      ['DATE', 'SOURCE', 'SIZE', 'STATUS', 'ARCHIVE'],
      ...list.map((l) => [l.createdAt.replace(/\.\d{3}Z$/, 'Z'), listingSource(l), formatBytes(l.size), l.status, l.archive]),
    ];
    table(rows).forEach((cells, i) => {
      const l = i === 0 ? undefined : list[i - 1];
      const line = cells.join('');
      const style =
        i === 0 ? 'bold' : l!.status === 'ok' || l!.status === 'verified' ? undefined : l!.status === 'no-manifest' ? 'yellow' : 'red';
      io.out((style ? paint(io.color, style, line) : line) + '\n');
    });
    for (const l of list) if (l.problem && l.status !== 'no-manifest') io.err(`warning: ${l.archive}: ${l.problem}\n`);
    const sets = await listSets(dir);
    if (sets.length > 0) {
      io.out(`\nSets (restore one with: persistence-lens restore SET --project NAME):\n`);
      const setRows = [
        ['DATE', 'OF', 'MEMBERS', 'SET'],
        ...sets.map((x) => [
          x.set?.createdAt.replace(/\.\d{3}Z$/, 'Z') ?? '?',
          x.set ? (x.set.kind === 'project' ? `project ${x.set.project}` : `container ${x.set.container}`) : '?',
          x.set ? String(x.set.members.length) : '?',
          x.name,
        ]),
      ];
      table(setRows).forEach((cells, i) => io.out(`${i === 0 ? paint(io.color, 'bold', cells.join('')) : cells.join('')}\n`));
      for (const x of sets) if (x.problem) io.err(`warning: ${x.name}: ${x.problem}\n`);
    }
    return 0;
  } catch (err) {
    return fail(io, err);
  }
}

type SetValues = {
  out?: string;
  host?: string;
  json?: boolean;
  keep?: string;
  level?: string;
  stop?: boolean;
  force?: boolean;
  'keep-privileges'?: boolean;
};

async function backupSetCommand(source: { project: string } | { container: string }, values: SetValues, io: Output): Promise<number> {
  const keep = intOption('keep', values.keep, 0, 100000) ?? DEFAULT_KEEP;
  const level = intOption('level', values.level, 1, 9);
  const progress = progressLine(io);
  try {
    const r = await cancellable(io, (signal) =>
      backupSet(source, {
        ...commonOptions(values, {
          keep,
          ...(level !== undefined ? { level } : {}),
          ...(values.stop ? { stopContainers: true } : {}),
          signal,
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        }),
        onMember: (m, i, n) => {
          progress.done();
          if (!values.json)
            io.err(`[${i + 1}/${n}] ${m.kind === 'volume' ? `volume "${m.volume}"` : `${m.path} of ${m.container}`} (${m.criticality})\n`);
        },
      }),
    );
    progress.done();
    if (values.json) {
      io.out(
        JSON.stringify({ set: r.setFile, manifest: r.set, pruned: r.pruned, skipped: r.skipped, warnings: r.warnings }, null, 2) + '\n',
      );
      return 0;
    }
    const what = r.set.kind === 'project' ? `compose project "${r.set.project}"` : `container "${r.set.container}"`;
    io.out(`${paint(io.color, 'green', 'Backed up')} ${what} as a set of ${r.set.members.length} (most critical first):\n`);
    for (const m of r.set.members) {
      const src = m.kind === 'volume' ? `volume ${m.volume} (${m.path})` : `${m.container}:${m.path} (${m.status})`;
      io.out(`  ${m.criticality.padEnd(8)} ${src}: ${count(m.entries)} entries, ${formatBytes(m.bytes)} -> ${m.archive}\n`);
    }
    io.out(`  set       ${r.setFile}\n`);
    if (r.pruned.length) io.out(`Retention: kept the newest ${keep} sets of ${what}; deleted ${r.pruned.join(', ')} with their members\n`);
    for (const s of r.skipped) io.out(`  skipped   ${s}\n`);
    for (const w of r.warnings) io.err(`warning: ${w}\n`);
    return 0;
  } catch (err) {
    progress.done();
    return fail(io, err);
  }
}

async function restoreSetCommand(
  setFile: string,
  target: { project: string } | { container: string },
  values: SetValues,
  io: Output,
): Promise<number> {
  const keep = intOption('keep', values.keep, 0, 100000) ?? DEFAULT_KEEP;
  const level = intOption('level', values.level, 1, 9);
  try {
    const r = await cancellable(io, (signal) =>
      restoreSet(setFile, target, {
        ...commonOptions(values, { keep, ...(level !== undefined ? { level } : {}) }),
        force: !!values.force,
        keepPrivileges: !!values['keep-privileges'],
        signal,
      }),
    );
    for (const w of r.warnings) io.err(`warning: ${w}\n`);
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            set: r.setFile,
            target: r.target,
            createdVolumes: r.createdVolumes,
            members: r.members.map((m) => ({
              key: m.member.key,
              archive: m.member.archive,
              target: m.target,
              entries: m.result.entries,
              bytes: m.result.bytes,
              ...(m.result.safetyBackup ? { safetyBackup: m.result.safetyBackup.archive } : {}),
            })),
            warnings: r.warnings,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    io.out(`${paint(io.color, 'green', 'Restored')} the set ${r.setFile} into ${r.target} (every member verified first):\n`);
    for (const m of r.members) {
      io.out(
        `  ${m.target}: ${count(m.result.entries)} entries (${formatBytes(m.result.bytes)})${r.createdVolumes.some((v) => m.target === `volume "${v}"`) ? ' (created)' : ''}\n`,
      );
      if (m.result.safetyBackup) io.out(`    safety backup of what was there: ${m.result.safetyBackup.archive}\n`);
    }
    return 0;
  } catch (err) {
    return fail(io, err);
  }
}
