/**
 * Every compose file and every devcontainer.json of the shared corpus of real files
 * (../shared/corpus: compose-go's loader test data, microsoft/vscode-dev-containers) either loads or is
 * refused with an InputError that names a location. Nothing else may escape the loaders.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import { InputError, type TargetInput } from '../../../src/core/types';
import { loadComposeProject } from '../../../src/sources/compose/index';
import { loadDevcontainer } from '../../../src/sources/devcontainer/index';
import { CORPUS_DIR } from '../helpers/corpus';

const corpus = CORPUS_DIR;
const at = (...p: string[]): string => join(corpus, ...p);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

let listed: string[] | undefined;

/** Every file of the corpus; fails (never skips) when the corpus is not there. Each test calls it. */
function requireCorpus(): string[] {
  if (listed) return listed;
  assert.ok(
    existsSync(corpus) && statSync(corpus).isDirectory(),
    `the shared corpus of real files is missing: expected it at ${corpus} (../shared/corpus beside the project, or beside the repository it was cloned from, or PL_CORPUS). These tests cannot pass without it.`,
  );
  listed = walk(corpus);
  return listed;
}

/** Compose files: YAML files that are not tool configuration dotfiles (.golangci.yml, .pre-commit-config.yaml). */
const isComposeFile = (f: string): boolean => /\.ya?ml$/.test(f) && !basename(f).startsWith('.');
const isDevcontainerFile = (f: string): boolean => basename(f) === 'devcontainer.json' || basename(f) === '.devcontainer.json';

type Outcome = { file: string; ok: true; targets: TargetInput[]; warnings: string[] } | { file: string; ok: false; error: InputError };

async function attempt(file: string, load: () => Promise<{ targets: TargetInput[]; warnings: string[] }>): Promise<Outcome> {
  try {
    const r = await load();
    return { file, ok: true, targets: r.targets, warnings: r.warnings };
  } catch (e) {
    if (!(e instanceof InputError)) {
      assert.fail(
        `${relative(corpus, file)}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)} escaped the loader (only InputError may)`,
      );
    }
    assert.ok(e.location, `${relative(corpus, file)}: InputError without a location: ${e.message}`);
    assert.ok(e.location.line >= 1 && e.location.column >= 1, `${relative(corpus, file)}: bad location in ${e.message}`);
    assert.ok(existsSync(e.location.file), `${relative(corpus, file)}: the location names a file that does not exist: ${e.message}`);
    return { file, ok: false, error: e };
  }
}

function summary(outcomes: Outcome[]): string[] {
  const refused = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  return [
    `${outcomes.length - refused.length} loaded, ${refused.length} refused`,
    ...refused.map((o) => `refused: ${o.error.message.split(`${corpus}/`).join('')}`),
  ];
}

describe('corpus of real files', () => {
  it('loads every compose file or refuses it with a located InputError', async (t) => {
    const composeFiles = requireCorpus().filter(isComposeFile);
    assert.ok(composeFiles.length >= 60, `expected the corpus compose files, found ${composeFiles.length}`);
    const outcomes: Outcome[] = [];
    for (const f of composeFiles) outcomes.push(await attempt(f, () => loadComposeProject([f], { env: {} })));
    for (const o of outcomes) if (o.ok) for (const target of o.targets) analyzeTarget(target); // the core takes what we give it
    for (const line of summary(outcomes)) t.diagnostic(line);
    // The refusals are the files compose itself refuses.
    assert.deepEqual(
      outcomes.filter((o) => !o.ok).map((o) => relative(corpus, o.file)),
      [
        'compose-go/loader/testdata/compose-include-cycle.yaml', // includes itself
        'compose-go/loader/testdata/remote/cycle/compose-cycle.yaml', // remote: resources
        'compose-go/loader/testdata/remote/cycle/compose.yaml',
        'compose-go/loader/testdata/remote/nested/compose.yaml',
        'compose-go/schema/using-variables.yaml', // ${VARIABLE}:${VARIABLE} with VARIABLE unset is ":"
      ],
    );
  });

  it('loads every devcontainer.json or refuses it with a located InputError', async (t) => {
    const devcontainers = requireCorpus().filter(isDevcontainerFile);
    assert.ok(devcontainers.length >= 100, `expected the corpus devcontainer.json files, found ${devcontainers.length}`);
    const outcomes: Outcome[] = [];
    for (const f of devcontainers) outcomes.push(await attempt(f, () => loadDevcontainer(f, { env: {} })));
    for (const o of outcomes) if (o.ok) for (const target of o.targets) analyzeTarget(target);
    for (const line of summary(outcomes)) t.diagnostic(line);
    assert.deepEqual(
      outcomes.filter((o) => !o.ok).map((o) => relative(corpus, o.file)),
      ['vscode-dev-containers/containers/docker-existing-docker-compose/.devcontainer/devcontainer.json'], // its ../docker-compose.yml is the user's, not in the repository
    );
    const refused = outcomes.find((o) => !o.ok) as Extract<Outcome, { ok: false }>;
    assert.equal(refused.error.location?.line, 8);
    assert.match(refused.error.message, /docker-existing-docker-compose\/docker-compose\.yml not found/);
    assert.ok(outcomes.every((o) => !o.ok || o.targets[0]!.kind === 'devcontainer'));
  });
});

describe('corpus: concrete results', () => {
  beforeEach(() => {
    requireCorpus();
  });

  it('php-mariadb: the dev container is the compose service "app", the database keeps a named volume', async () => {
    const dir = at('vscode-dev-containers/containers/php-mariadb');
    const r = await loadDevcontainer(join(dir, '.devcontainer/devcontainer.json'), { env: {} });
    const [app, db] = r.targets;
    assert.equal(r.targets.length, 2);
    assert.deepEqual(
      [app!.kind, app!.name, app!.file, app!.workingDir, app!.user, app!.home, app!.image],
      [
        'devcontainer',
        'PHP & MariaDB (Community)',
        join(dir, '.devcontainer/docker-compose.yml'),
        '/workspace',
        'vscode',
        '/home/vscode',
        undefined,
      ],
    );
    assert.deepEqual(app!.declaredAt, { file: join(dir, '.devcontainer/docker-compose.yml'), line: 4, column: 3 });
    assert.deepEqual(app!.mounts, [
      {
        target: '/workspace',
        status: 'bind-mount',
        source: dir,
        readOnly: false,
        declaredAt: { file: join(dir, '.devcontainer/docker-compose.yml'), line: 18, column: 9 },
        origin: 'compose volumes',
      },
    ]);
    assert.equal(app!.labels!['com.docker.compose.project'], 'php-mariadb_devcontainer');
    assert.equal(app!.labels!['com.docker.compose.service'], 'app');
    assert.deepEqual([db!.kind, db!.name, db!.image], ['compose-service', 'db', 'mariadb:10.4']);
    assert.deepEqual(
      db!.mounts.map((m) => [m.status, m.source, m.target, m.declaredAt?.line]),
      [['named-volume', 'mariadb-data', '/var/lib/mysql', 36]],
    );
    assert.deepEqual(r.compose!.volumes['mariadb-data'], {
      external: false,
      declaredAt: { file: join(dir, '.devcontainer/docker-compose.yml'), line: 47, column: 3 },
    });
    assert.equal(analyzeTarget(app!).paths.find((p) => p.path === '/workspace')!.status, 'bind-mount');
  });

  it('cpp-mariadb: its volume sits at /var/lib/MARIADB, so the data directory /var/lib/mysql is an anonymous volume', async () => {
    const r = await loadDevcontainer(at('vscode-dev-containers/containers/cpp-mariadb/.devcontainer/devcontainer.json'), { env: {} });
    const db = r.targets.find((t) => t.name === 'db')!;
    const report = analyzeTarget(db);
    assert.equal(report.paths.find((p) => p.path === '/var/lib/MARIADB')!.status, 'named-volume');
    const data = report.paths.find((p) => p.path === '/var/lib/mysql')!;
    assert.equal(data.status, 'anonymous-volume');
    assert.equal(data.atRisk, true);
    // Its env_file .env is not in the repository: a warning, not a failure.
    assert.ok(
      r.warnings.some((w) => /docker-compose\.yml:16:9: env file .*\.env not found/.test(w)),
      r.warnings.join('\n'),
    );
  });

  it('kubernetes-helm: ${env:HOME} in a mount source is the local HOME', async () => {
    const r = await loadDevcontainer(at('vscode-dev-containers/containers/kubernetes-helm/.devcontainer/devcontainer.json'), {
      env: { HOME: '/home/me' },
    });
    const kube = r.targets[0]!.mounts.find((m) => m.target === '/usr/local/share/kube-localhost')!;
    assert.deepEqual([kube.status, kube.source, kube.declaredAt?.line], ['bind-mount', '/home/me/.kube', 12]);
  });

  it('compose-go extends: the imported service, its volume declared in subdir/, its env_file relative to subdir/', async () => {
    const testdata = at('compose-go/loader/testdata');
    const p = await loadComposeProject([join(testdata, 'compose-test-extends.yaml')], { env: {} });
    assert.equal(p.name, 'compose-test-extends');
    const importer = p.targets[0]!;
    assert.deepEqual([importer.name, importer.image], ['importer', 'nginx']);
    assert.deepEqual(
      importer.mounts.map((m) => [m.status, m.source, m.target, m.declaredAt?.file, m.declaredAt?.line]),
      [['bind-mount', '/opt/data', '/var/lib/mysql', join(testdata, 'subdir/compose-test-extends-imported.yaml'), 8]],
    );
    assert.ok(
      p.warnings.some((w) => w.includes(join(testdata, 'subdir/extra.env'))),
      p.warnings.join('\n'),
    );
  });

  it('compose-go include: imported services merge in, with their own positions', async () => {
    const testdata = at('compose-go/loader/testdata');
    const p = await loadComposeProject([join(testdata, 'compose-include.yaml')], { env: {} });
    assert.deepEqual(
      p.targets.map((t) => [t.name, t.image, t.file]),
      [
        ['bar', 'bar', join(testdata, 'compose-include.yaml')],
        ['imported', 'nginx', join(testdata, 'subdir/compose-test-extends-imported.yaml')],
      ],
    );
    assert.deepEqual(p.targets[0]!.env, { FOO: 'BAR' });
  });

  it('compose-go include with project_directory: relative paths start at that directory', async () => {
    const testdata = at('compose-go/loader/testdata');
    const p = await loadComposeProject([join(testdata, 'include/project-directory.yaml')], { env: {} });
    const service = p.targets[0]!;
    assert.equal(service.name, 'service');
    assert.equal(service.image, undefined); // build only
    // As the reference loader's TestIncludeWithProjectDirectory expects: testdata/subdir/compose-test-extends-imported.yaml
    assert.equal(service.mounts[0]!.source, join(testdata, 'subdir/compose-test-extends-imported.yaml'));
    assert.equal(service.mounts[0]!.declaredAt?.file, join(testdata, 'include/dir/compose.yaml'));
    assert.ok(p.warnings.some((w) => w.includes(join(testdata, 'subdir/extra.env'))));
  });

  it('compose-go combined include + extends, reset and volumes_from', async () => {
    const testdata = at('compose-go/loader/testdata');
    const combined = await loadComposeProject([join(testdata, 'combined/compose.yaml')], { env: {} });
    assert.deepEqual(
      combined.targets.map((t) => [t.name, t.image, t.file]),
      [['service', undefined, join(testdata, 'combined/dir/included.yaml')]],
    );
    const reset = await loadComposeProject([join(testdata, 'extends/reset.yaml')], { env: {} });
    assert.deepEqual(
      reset.targets.map((t) => [t.name, t.image]),
      [
        ['init', 'alpine:latest'],
        ['base', 'alpine:latest'],
      ],
    );
    const withVersion = await loadComposeProject([join(testdata, 'compose-test-with-version.yaml')], { env: {} });
    const web = withVersion.targets.find((t) => t.name === 'web')!;
    assert.deepEqual(
      web.mounts.map((m) => [m.status, m.target, m.origin]),
      [['anonymous-volume', '/data', 'volumes_from other']],
    );
  });

  it('compose-go interpolated bind source: ${SOURCE:-/dev/null}', async () => {
    const file = at('compose-go/loader/testdata/extends/interpolated.yaml');
    const unset = await loadComposeProject([file], { env: {} });
    assert.deepEqual(
      unset.targets[0]!.mounts.map((m) => [m.status, m.source, m.target, m.readOnly]),
      [['bind-mount', '/dev/null', '/tmp/foo', true]],
    );
    const set = await loadComposeProject([file], { env: { SOURCE: '/srv/src' } });
    assert.equal(set.targets[0]!.mounts[0]!.source, '/srv/src');
  });
});
