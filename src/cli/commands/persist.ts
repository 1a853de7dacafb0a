import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { planPersist } from '../../fixes/persist';
import { writePlanAtomically } from '../../fixes/write';
import type { Output } from '../output';
import { UsageError } from '../usage';

/**
 * `persist --file FILE [--service NAME] --path /abs [--volume NAME | --bind HOSTPATH] [--write]`:
 * prints the edited file (or writes it in place), naming the file on stderr when it is not FILE.
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
    },
  });
  if (positionals.length > 0) throw new UsageError(`persist takes no positional arguments (got "${positionals[0]}")`);
  if (!values.file) throw new UsageError('persist needs --file');
  if (!values.path) throw new UsageError('persist needs --path');
  if (values.volume && values.bind) throw new UsageError('--volume and --bind exclude each other');
  const file = resolve(values.file);

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
  if (values.write) {
    await writePlanAtomically(plan);
    io.err(`${plan.title}: wrote ${plan.file}\n`);
  } else {
    io.out(plan.newText);
  }
  return 0;
}
