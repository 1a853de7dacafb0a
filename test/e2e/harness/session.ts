// One scenario's world, made fresh and removed afterwards (also on failure): a run folder with its own HOME,
// XDG dirs and TMPDIR for the host-side processes (Chromium), a workspace folder, a named volume, the container
// with code-server in it, and a Chromium profile with the workbench open on /workspace.
import { chmodSync, chownSync, createWriteStream, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { isolatedEnv, launchChromium, makeDirs, withoutEditorVariables } from '../../../scripts/lib/browser-env.mjs';
import { compose, composeFileText, serviceContainer, type ComposeSpec } from './compose';
import { CODER_UID, EditorContainer, HOME, hostSocket, WORKSPACE } from './container';
import { docker, dockerOk, runLabels } from './docker';
import { extensionSeed, workbenchQuery, type ExtensionSource } from './extension';
import { Workbench } from './workbench';

export interface RunContext {
  runId: string;
  root: string;
  image: string;
  codeServerDir: string;
  chromiumPath: string;
  extension: ExtensionSource;
  keep: boolean;
  log: (msg: string) => void;
}

export interface SessionOptions {
  /** Mount the Docker socket into the container. */
  socket: boolean;
  /** Files of the bind-mounted workspace (relative paths). */
  workspace?: Record<string, string>;
  /** Files put in the container's writable layer, relative to /home/coder. */
  home?: Record<string, string>;
  /** The user's settings.json (code-server's user data dir, in the writable layer). */
  settings?: Record<string, unknown>;
  /**
   * Left out: workspace trust is off (code-server's --disable-workspace-trust and the setting), every folder is
   * trusted. false: trust is on, and the window's "Do you trust the authors?" dialog is answered "No, I don't
   * trust the authors": /workspace opens in Restricted Mode.
   */
  trusted?: false;
  /**
   * code-server runs as the service of a compose project (test/e2e/harness/compose.ts) that the session writes
   * into the workspace as compose.yaml and brings up with docker-compose (the workspace at /workspace, as
   * always). Implies the Docker socket. `s.compose` then names the project and the file.
   */
  compose?: true;
  /**
   * Open the window on a multi-root workspace (`/workspace/e2e.code-workspace`, whose one folder is /workspace)
   * instead of the folder: adding a workspace folder then changes the workspace in place, where a window of one
   * folder would reload to become an untitled multi-root workspace.
   */
  multiRoot?: true;
}

/** The workspace file a multiRoot session opens. */
export const WORKSPACE_FILE = `${WORKSPACE}/e2e.code-workspace`;

export class Session {
  readonly dirs: Record<'home' | 'config' | 'data' | 'cache' | 'tmp' | 'chromium' | 'ws', string>;
  readonly name: string;
  readonly configVolume: string;
  container!: EditorContainer;
  context?: BrowserContext;
  page!: Page;
  wb!: Workbench;
  private readonly volumes = new Set<string>();
  private readonly containers = new Set<string>();
  private readonly runDir: string;
  /** The compose project the editor runs in (options.compose). */
  readonly compose?: Pick<ComposeSpec, 'project' | 'file'>;

  constructor(
    readonly run: RunContext,
    scenario: string,
    readonly options: SessionOptions,
  ) {
    this.runDir = realpathSync(mkdtempSync(join(tmpdir(), `pl-e2e-${scenario}-`)));
    this.dirs = makeDirs(this.runDir, ['home', 'config', 'data', 'cache', 'tmp', 'chromium', 'ws'] as const);
    this.name = `pl-e2e-${run.runId}-${scenario}`.slice(0, 60);
    if (options.compose) {
      this.compose = { project: this.name.replace(/[^a-z0-9_-]/g, '-'), file: join(this.dirs.ws, 'compose.yaml') };
      this.configVolume = `${this.compose.project}_config`;
    } else this.configVolume = `${this.name}-config`;
    this.volumes.add(this.configVolume);
  }

  /** The workspace as the container sees it (the folder code-server opens). */
  get workspace(): string {
    return WORKSPACE;
  }

  /** The workspace as the host sees it (what the container's /workspace is bound to). */
  get hostWorkspace(): string {
    return this.dirs.ws;
  }

  async open(): Promise<void> {
    const o = this.options;
    // The workspace belongs to the container's user, as a developer's checkout would.
    chownSync(this.dirs.ws, CODER_UID, CODER_UID);
    for (const [rel, text] of Object.entries(o.workspace ?? {})) this.writeWorkspaceFile(rel, text);
    if (o.multiRoot)
      this.writeWorkspaceFile(
        WORKSPACE_FILE.slice(WORKSPACE.length + 1),
        JSON.stringify({ folders: [{ path: WORKSPACE }], settings: {} }, null, 2) + '\n',
      );
    if (this.compose) await this.composeUp();
    else
      this.container = await EditorContainer.start({
        name: this.name,
        image: this.run.image,
        runId: this.run.runId,
        workspace: this.dirs.ws,
        configVolume: this.configVolume,
        socket: o.socket,
        workspaceTrust: o.trusted === false,
        codeServerDir: this.run.codeServerDir,
        seed: this.seed(),
      });
    this.containers.add(this.container.id);
    if (this.compose) this.run.log(`${this.name}: docker-compose -p ${this.compose.project} -f ${this.compose.file} up -d`);
    // the user's own files: written once, into the writable layer (a recreate does not bring them back)
    if (o.home && Object.keys(o.home).length) await this.container.putFiles(HOME, o.home);
    this.run.log(
      `${this.name}: code-server on ${this.container.address}${o.socket ? ' (with the Docker socket)' : ' (no Docker socket)'}${o.trusted === false ? ' (workspace trust on)' : ''}`,
    );
    await this.openBrowser();
  }

  /** The compose project: its file, the seed folder, `docker-compose up -d`, then the service's container. */
  private async composeUp(): Promise<void> {
    const c = this.compose!;
    const seedDir = join(this.runDir, 'seed');
    for (const [rel, content] of Object.entries(this.seed())) {
      const p = join(seedDir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    chmodSync(this.runDir, 0o755); // the container's user reads the seed through the bind mount
    const spec: ComposeSpec = {
      ...c,
      image: this.run.image,
      runId: this.run.runId,
      workspace: this.dirs.ws,
      workspaceAt: WORKSPACE,
      seedDir,
      codeServerDir: this.run.codeServerDir,
      socket: hostSocket(),
    };
    this.writeWorkspaceFile('compose.yaml', composeFileText(spec));
    this.composeStarted = true;
    await compose(c, 'up', '-d');
    await this.adoptComposeContainer();
  }

  private composeStarted = false;

  /**
   * After the compose project's container was (re)created from outside: the service's running container is
   * found, code-server awaited in it. The page is not reloaded here.
   */
  async adoptComposeContainer(timeoutMs = 60_000): Promise<EditorContainer> {
    const c = this.compose!;
    const until = Date.now() + timeoutMs;
    let id: string | undefined;
    while (!(id = await serviceContainer(c.project))) {
      if (Date.now() > until) throw new Error(`no running container of project ${c.project} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    this.containers.add(id);
    this.container = await EditorContainer.adopt(
      {
        name: this.name,
        image: this.run.image,
        runId: this.run.runId,
        workspace: this.dirs.ws,
        configVolume: this.configVolume,
        socket: true,
        codeServerDir: this.run.codeServerDir,
        seed: {},
      },
      id,
      Math.max(5_000, until - Date.now()),
    );
    return this.container;
  }

  /** The workbench's URL for the current container. */
  workbenchUrl(): string {
    return `http://${this.container.address}/?${workbenchQuery(this.run.extension, this.container.address, this.options.multiRoot ? WORKSPACE_FILE : this.workspace)}`;
  }

  /** What the image's provisioning puts in the home on every (re)creation: the extension and the user settings. */
  private seed(): Record<string, string | Buffer> {
    const o = this.options;
    const settings = {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'security.workspace.trust.enabled': o.trusted === false,
      ...o.settings,
    };
    return {
      ...extensionSeed(this.run.extension),
      '.local/share/code-server/User/settings.json': JSON.stringify(settings, null, 2) + '\n',
    };
  }

  writeWorkspaceFile(rel: string, text: string): void {
    const p = join(this.dirs.ws, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    chownSync(p, CODER_UID, CODER_UID);
  }

  private async openBrowser(): Promise<void> {
    const env = { ...withoutEditorVariables(process.env), ...isolatedEnv(this.dirs) };
    const { context } = await launchChromium({
      executablePath: this.run.chromiumPath,
      env,
      userDataDir: this.dirs.chromium,
      viewport: { width: 1440, height: 900 },
    });
    this.context = context;
    this.page = context.pages()[0] ?? (await context.newPage());
    // an action that cannot happen fails with its own message, well before the step's time is up
    this.page.setDefaultTimeout(20_000);
    const consoleLog = createWriteStream(join(this.runDir, 'page-console.log'));
    this.page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
    this.page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.stack ?? e.message}\n`));
    this.wb = new Workbench(this.page);
    await this.wb.load(this.workbenchUrl());
    if (this.options.trusted === false) await this.distrust();
    await this.wb.sidebarWidth(560);
  }

  /** Answers the startup dialog that asks whether to trust the folder's authors with "No", as a wary user. */
  private async distrust(): Promise<void> {
    const dialog = this.wb.dialog().filter({ hasText: /trust the authors/i });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    await this.wb.dialogButton(/^\s*No, I don.t trust the authors\s*$/);
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await this.wb
      .statusItem(/Restricted Mode/)
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** Recreates the container from the same configuration (the volume stays), and reloads the workbench. */
  async recreateContainer(): Promise<void> {
    await this.container.recreate();
    this.containers.add(this.container.id);
    await this.wb.load(`http://${this.container.address}/?${workbenchQuery(this.run.extension, this.container.address, WORKSPACE)}`);
    await this.wb.sidebarWidth(560);
  }

  /**
   * Another container on the same engine, made in the scenario (removed with it): the test image sleeping,
   * under the session's name with this suffix. Returns its name.
   */
  async startContainer(suffix: string): Promise<string> {
    const name = `${this.name}-${suffix}`;
    const id = await docker([
      'run',
      '-d',
      '--name',
      name,
      ...runLabels(this.run.runId),
      '--entrypoint',
      '/bin/sleep',
      this.run.image,
      '3600',
    ]);
    this.containers.add(id);
    return name;
  }

  /** A named volume made in the scenario (removed with it). */
  async createVolume(suffix: string): Promise<string> {
    const name = `${this.name}-${suffix}`;
    this.volumes.add(name);
    await docker(['volume', 'create', ...runLabels(this.run.runId), name]);
    return name;
  }

  /** Marks a volume made by the product (e.g. a restore into a new volume) for removal. */
  trackVolume(name: string): void {
    this.volumes.add(name);
  }

  /** Files of a volume, path → sha256, read through a throwaway container of the test image. */
  async volumeDigest(volume: string): Promise<Record<string, string>> {
    const out = await docker([
      'run',
      '--rm',
      ...runLabels(this.run.runId),
      '-v',
      `${volume}:/v:ro`,
      '--entrypoint',
      '/bin/sh',
      this.run.image,
      '-c',
      'cd /v && find . -type f -exec sha256sum {} +',
    ]);
    const digest: Record<string, string> = {};
    for (const line of out.split('\n').filter(Boolean)) {
      const [sum, ...rest] = line.split(/\s+/);
      digest[rest.join(' ').replace(/^\.\//, '')] = sum!;
    }
    return digest;
  }

  /** Saves a screenshot and the logs (container, page console) under dir with the given stem. */
  async saveArtifacts(dir: string, stem: string): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    const saved: string[] = [];
    if (this.page && !this.page.isClosed()) {
      const shot = join(dir, `${stem}.png`);
      await this.page.screenshot({ path: shot, timeout: 10_000 }).then(
        () => saved.push(shot),
        () => {},
      );
    }
    if (this.container?.id) {
      const logs = join(dir, `${stem}-code-server.log`);
      writeFileSync(logs, await this.container.logs());
      saved.push(logs);
    }
    return saved;
  }

  /** Removes everything the scenario made. Never throws; returns what could not be removed. */
  close(): Promise<string[]> {
    this.closing ??= this.removeAll();
    return this.closing;
  }

  private closing?: Promise<string[]>;

  private async removeAll(): Promise<string[]> {
    const problems: string[] = [];
    if (this.context) {
      const c = this.context;
      this.context = undefined;
      await Promise.race([c.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    }
    // the compose project: its containers, the volumes its file declares (the product's too) and its network
    if (this.compose && this.composeStarted) {
      await compose(this.compose, 'down', '-v', '--remove-orphans', '-t', '1').catch((e: Error) =>
        problems.push(`compose project ${this.compose!.project}: ${e.message}`),
      );
    }
    for (const id of [...this.containers, ...(await this.productContainers())]) {
      if (!(await dockerOk(['rm', '-f', '-v', id])) && (await dockerOk(['inspect', id]))) problems.push(`container ${id.slice(0, 12)}`);
    }
    for (const v of this.volumes) {
      if (!(await dockerOk(['volume', 'rm', '-f', v])) && (await dockerOk(['volume', 'inspect', v]))) problems.push(`volume ${v}`);
    }
    if (!this.run.keep) {
      // files written by the container's user (uid 1000) are removable by root; the folder is ours
      rmSync(this.runDir, { recursive: true, force: true });
    } else this.run.log(`kept ${this.runDir}`);
    return problems;
  }

  /** Containers still using this scenario's volumes (helpers the product made, that a failure may leave). */
  private async productContainers(): Promise<string[]> {
    const ids: string[] = [];
    for (const v of this.volumes) {
      const out = await docker(['ps', '-a', '-q', '--filter', `volume=${v}`]).catch(() => '');
      ids.push(...out.split('\n').filter(Boolean));
    }
    return ids;
  }

  get home(): string {
    return HOME;
  }
}
