import { reportError } from './errors';
import { backupCommand, backupsCommand, rescueCommand, restoreCommand } from './commands/backup';
import { persistCommand } from './commands/persist';
import { scanCommand } from './commands/scan';
import { orphansCommand, recoverCommand, volumesCommand } from './commands/volumes';
import { whereCommand } from './commands/where';
import { tuneMemoryFor } from './memory';
import { processOutput, type Output } from './output';
import { USAGE } from './usage';
import { toolVersion } from './version';

const COMMANDS: Record<string, (argv: string[], io: Output) => Promise<number>> = {
  scan: scanCommand,
  where: whereCommand,
  persist: persistCommand,
  backup: backupCommand,
  restore: restoreCommand,
  rescue: rescueCommand,
  backups: backupsCommand,
  volumes: volumesCommand,
  orphans: orphansCommand,
  recover: recoverCommand,
};

/**
 * Runs one CLI invocation and returns its exit code; never throws.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | done |
 * | 1 | `--fail-on` tripped; a backup, restore or rescue that failed or was cancelled |
 * | 2 | a usage or input error (bad flags, no such source, a refused archive, a non-empty target without --force) |
 * | 3 | `backup`: the archive was written, but paths of the source could not be read (listed; manifest `unreadable`) |
 * | 130 | a second Ctrl-C |
 *
 * An error's code comes from its kind, in one table: `EXIT_CODES` in cli/errors.ts.
 */
export async function runCli(argv: string[], io: Output = processOutput()): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${toolVersion()}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`persistence-lens: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    return reportError(io, err);
  }
}

/**
 * Ctrl-C always ends the CLI. A command that cancels cleanly (a backup that removes what it half wrote)
 * listens for SIGINT itself and gets the first one; the second, or the first when nothing listens, ends the
 * process at once with 130 (128 + SIGINT), as a shell reports it: whatever hangs (a read that never returns,
 * an engine that stopped answering) is not waited for.
 */
export function installInterruptHandler(proc: NodeJS.Process, io: Output): void {
  let cancelling = false;
  proc.on('SIGINT', () => {
    const cancellable = proc.listenerCount('SIGINT') > 1;
    if (cancellable && !cancelling) {
      cancelling = true;
      return;
    }
    io.err('\ninterrupted\n');
    proc.exit(130);
  });
}

if (require.main === module) {
  // before anything streams: the archive commands' memory settings (scan and the others start as they were)
  tuneMemoryFor(process.argv[2]);
  installInterruptHandler(process, processOutput());
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`persistence-lens: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
