#!/usr/bin/env node
// `npm start`: install what is missing, build, and run the product on the bundled examples.
// (When the editor side lands, this opens code-server on examples/ instead.)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, ['scripts/build.mjs']);

const cli = join(root, 'dist/cli.js');
const examples = [
  ['code-server workspace', ['scan', '--compose', 'examples/code-server/compose.yaml']],
  ['agent sandbox', ['scan', '--compose', 'examples/agent-sandbox/compose.yaml']],
  ['dev container with postgres', ['scan', '--devcontainer', 'examples/devcontainer-postgres/.devcontainer/devcontainer.json']],
];
for (const [title, args] of examples) {
  console.log(`\n\x1b[1m### ${title}: persistence-lens ${args.join(' ')}\x1b[0m\n`);
  spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '1' } });
}
console.log(`\nThis machine: persistence-lens scan (inside a container it reads /proc/self/mountinfo; with a Docker Engine, every container)\n`);
spawnSync(process.execPath, [cli, 'scan', '--self'], { cwd: root, stdio: 'inherit' });
