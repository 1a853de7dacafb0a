/**
 * Runs one of the backup commands as a process, the way main.ts will dispatch them:
 *   node --import tsx test/integration/helpers/backup/cli.ts backup --volume V --out DIR
 */
import { backupCommand, backupsCommand, rescueCommand, restoreCommand } from '../../../../src/cli/commands/backup';
import { tuneMemoryFor } from '../../../../src/cli/memory';
import { processOutput } from '../../../../src/cli/output';

const commands: Record<string, (argv: string[], io: ReturnType<typeof processOutput>) => Promise<number>> = {
  backup: backupCommand,
  restore: restoreCommand,
  rescue: rescueCommand,
  backups: backupsCommand,
};

const [name, ...rest] = process.argv.slice(2);
const run = commands[name ?? ''];
// as main.ts does: the archive commands' memory settings (a collection every 4 MiB of data)
tuneMemoryFor(name);
if (!run) {
  process.stderr.write(`unknown command ${name}\n`);
  process.exitCode = 2;
} else {
  run(rest, processOutput()).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`persistence-lens: ${err.message}\n`);
      process.exitCode = 2;
    },
  );
}
