import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { planPersist } from '../../fixes/persist';
import { writePlanAtomically } from '../../fixes/write';
import { persistWithData } from '../../move/persist-flow';
import type { MoveProgress } from '../../move/index';
import type { Output } from '../output';
import { unifiedDiff } from '../unified-diff';
import { UsageError } from '../usage';

/**
 * `persist --file FILE [--service NAME] --path /abs [--volume NAME | --bind HOSTPATH] [--write | --diff]`:
 * prints the edited file (or, with --diff, a unified diff; or writes it in place), with a one-line summary on
 * stderr.
 * With `--write --move-data [--container C] [--live] [--recreate]` it first moves what the container holds at
 * the path into the new volume (verified), then writes the edit; everything it says goes to stderr.
 */
export async function persistCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      service: { type: 'string' },
      path: { type: 'string' },
      volume: { type: 'string' },
      bind: { type: 'string' },
      write: { type: 'boolean' },
      diff: { type: 'boolean' },
      'move-data': { type: 'boolean' },
      container: { type: 'string' },
      live: { type: 'boolean' },
      recreate: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`persist takes no positional arguments (got "${positionals[0]}")`);
  if (!values.file) throw new UsageError('persist needs --file');
  if (!values.path) throw new UsageError('persist needs --path');
  if (values.volume && values.bind) throw new UsageError('--volume and --bind exclude each other');
  if (values.diff && values.write) throw new UsageError('--diff prints what --write would change: use one or the other');
  const file = resolve(values.file);
  const moveOnly = (['container', 'live', 'recreate'] as const).find((k) => values[k] !== undefined);
  if (!values['move-data'] && moveOnly) throw new UsageError(`--${moveOnly} goes with --move-data`);
  if (values['move-data']) {
    if (!values.write) throw new UsageError('--move-data needs --write: the data is moved for an edit that is written');
    if (values.bind) throw new UsageError('--move-data moves the data into a named volume: it does not go with --bind');
    return persistMoveData(io, {
      file,
      path: values.path,
      ...(values.service ? { service: values.service } : {}),
      ...(values.volume ? { volumeName: values.volume } : {}),
      ...(values.container ? { container: values.container } : {}),
      ...(values.live ? { live: true } : {}),
      ...(values.recreate ? { recreate: true } : {}),
    });
  }

  const outcome = await planPersist({
    file,
    path: values.path,
    ...(values.service ? { service: values.service } : {}),
    ...(values.volume ? { volumeName: values.volume } : {}),
    ...(values.bind ? { bindSource: values.bind } : {}),
  });
  if (outcome.status === 'already-persisted') {
    io.err(`${outcome.message}; nothing to change.\n`);
    if (!values.write) {
      const { readFile } = await import('node:fs/promises');
      io.out(await readFile(file, 'utf8'));
    }
    return 0;
  }
  const { plan } = outcome;
  if (plan.file !== file) io.err(`edited ${plan.file} (where the service is declared)\n`);
  if (plan.redirect) io.err(`${plan.redirect.why}\n`);
  if (values.write) {
    await writePlanAtomically(plan);
    io.err(`${plan.title}: wrote ${plan.file}\n`);
    return 0;
  }
  // stdout stays the whole new text (scripts pipe it) or, with --diff, a patch; the summary goes to stderr
  const rel = relative(process.cwd(), plan.file) || plan.file;
  io.out(values.diff ? unifiedDiff(plan.originalText, plan.newText, plan.edits, { old: `a/${rel}`, new: `b/${rel}` }) : plan.newText);
  io.err(`${plan.title} in ${plan.file}: nothing written (--write writes it${values.diff ? '' : ', --diff shows only the change'})\n`);
  return 0;
}

async function persistMoveData(io: Output, req: Parameters<typeof persistWithData>[0]): Promise<number> {
  let lastPhase = '';
  const onProgress = (p: MoveProgress): void => {
    if (p.phase !== lastPhase) {
      lastPhase = p.phase;
      io.err(`${p.phase}…\n`);
    } else if (p.phase === 'copying') io.err(`  ${p.files} files, ${megabytes(p.bytes)}${p.current ? ` (${p.current})` : ''}\n`);
  };
  const outcome = await persistWithData(req, { onProgress, progressIntervalMs: 1000, onLine: (l) => io.err(`${l}\n`) });
  if (outcome.status === 'already-persisted') {
    io.err(`${outcome.message}.\n`);
    return 0;
  }
  const { move, recreate } = outcome;
  // the wording is part of the CLI contract (issue 11): "moved N files (X MB) into volume V, verified"
  const what = `moved ${move.files} files (${megabytes(move.bytes)}) into volume ${move.volume}`;
  if (!move.source.existed)
    io.err(`${req.path} did not exist in the container: the volume's root belongs to the container's user, so it can write there\n`);
  if (recreate.ran) {
    io.err(`${what}, verified in the recreated container ${recreate.container.name}\n`);
  } else {
    io.err(`${what}, verified in the volume (${move.entries} entries: content, modes, owners, links)\n`);
    if (move.leftStopped)
      io.err(
        `container ${move.container.name} was stopped for the copy and stays stopped, so nothing written after the copy is lost: recreate it now\n`,
      );
    io.err(`recreate the container to use the volume: ${recreate.instructions}\n`);
  }
  return 0;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
}
