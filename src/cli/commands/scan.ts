import { parseArgs } from 'node:util';
import { hasRiskAtOrAbove } from '../../core/analyze';
import { isCriticality } from '../../core/survival';
import { scan, type ScanRequest } from '../../scan';
import { formatScan, scanJson } from '../../report/format';
import { sarifScan } from './scan-sarif';
import { sightingsOf } from '../../core/volume-sightings';
import { defaultSightingsFile, recordSightings } from '../../sources/state/sightings-file';
import type { Output } from '../output';
import { UsageError } from '../usage';

export async function scanCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      self: { type: 'boolean' },
      mountinfo: { type: 'string' },
      docker: { type: 'boolean' },
      host: { type: 'string' },
      container: { type: 'string', multiple: true },
      compose: { type: 'string', multiple: true },
      devcontainer: { type: 'string' },
      kubernetes: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      format: { type: 'string' },
      'fail-on': { type: 'string', default: 'never' },
    },
  });
  // `--kubernetes a.yaml b.yaml dir/`: the files after the flag belong to it, as the contract writes them.
  const kubernetesPaths = values.kubernetes ? [...values.kubernetes, ...positionals] : undefined;
  if (positionals.length > 0 && !kubernetesPaths) throw new UsageError(`scan takes no positional arguments (got "${positionals[0]}")`);
  const failOn = values['fail-on']!;
  if (failOn !== 'never' && !isCriticality(failOn))
    throw new UsageError(`--fail-on takes critical, high, medium, low or never (got "${failOn}")`);

  const format = values.format ?? (values.json ? 'json' : 'human');
  if (!['human', 'json', 'sarif'].includes(format)) throw new UsageError(`--format takes human, json or sarif (got "${format}")`);
  if (values.json && format !== 'json') throw new UsageError('--json is --format json: give one of them');
  if (format === 'sarif') {
    if (values.self || values.mountinfo || values.docker || values.host || values.container) {
      throw new UsageError(
        '--format sarif reports on files: --compose FILE, --devcontainer FILE, --kubernetes FILE_OR_DIR (or the compose and devcontainer files of the current folder)',
      );
    }
    return sarifScan(
      {
        composeFiles: values.compose ?? [],
        ...(values.devcontainer ? { devcontainerFile: values.devcontainer } : {}),
        ...(kubernetesPaths ? { kubernetesPaths } : {}),
        ...(failOn !== 'never' && isCriticality(failOn) ? { failOn } : {}),
      },
      io,
    );
  }

  const request: ScanRequest = {
    ...(values.self ? { self: true } : {}),
    ...(values.mountinfo ? { mountinfoFile: values.mountinfo } : {}),
    ...(values.docker || values.host ? { docker: true } : {}),
    ...(values.host ? { dockerHost: values.host } : {}),
    ...(values.container ? { containers: values.container } : {}),
    ...(values.compose ? { composeFiles: values.compose } : {}),
    ...(values.devcontainer ? { devcontainerFile: values.devcontainer } : {}),
    ...(kubernetesPaths ? { kubernetesPaths } : {}),
  };
  const result = await scan(request);
  // Remember where each anonymous volume is mounted now, so that `orphans` can name it once a recreate orphans it.
  if (result.docker?.reachable)
    await recordSightings(defaultSightingsFile(), sightingsOf(result)).catch((err: Error) =>
      io.err(`warning: could not remember the volumes' mounts: ${err.message}\n`),
    );
  io.out(format === 'json' ? JSON.stringify(scanJson(result), null, 2) + '\n' : formatScan(result, io.color));
  if (format === 'json') for (const w of result.warnings) io.err(`warning: ${w}\n`);
  if (failOn === 'never' || !isCriticality(failOn)) return 0;
  return result.targets.some((t) => hasRiskAtOrAbove(t, failOn)) ? 1 : 0;
}
