import * as vscode from 'vscode';
import type { MoveOffer, MoveResult, PersistMoveOutcome, Recreator } from '../../backend';
import { backend } from '../backend';
import { CONTEXT } from '../ids';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';
import { afterMoveMessage, COPY_AGAIN, filesAndSize, movedSentence, progressMessage, RECREATE_NOW } from './persist-policy';
import { dockerCallOptions, revealEdit, unsavedTexts, withCancellableProgress, type PlannedFix } from './persist-support';

/** The terminal where the recreate runs, so the user sees the exact command and what compose says. */
export const TERMINAL_NAME = 'Persistence Lens';
/** The Dev Containers extension's command (ms-vscode-remote.remote-containers). */
export const REBUILD_CONTAINER = 'remote-containers.rebuildContainer';

interface MoveDeps {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  liveMoves: LiveMoves;
}

/** A live copy of this container's path, waiting for the user to recreate the container (Copy Again until then). */
export interface LiveMove {
  container: string;
  containerName: string;
  path: string;
  volume: string;
  /** How to recreate, for the messages. */
  instructions: string;
}

/** This container's live moves, kept in the editor's global state (a reload keeps Copy Again available). */
export class LiveMoves {
  private static readonly KEY = 'persistenceLens.liveMoves';

  constructor(private readonly state: vscode.Memento) {
    void this.publish();
  }

  list(): LiveMove[] {
    return this.state.get<LiveMove[]>(LiveMoves.KEY) ?? [];
  }

  async add(m: LiveMove): Promise<void> {
    await this.state.update(LiveMoves.KEY, [...this.list().filter((x) => x.volume !== m.volume), m]);
    await this.publish();
  }

  async forget(volume: string): Promise<void> {
    await this.state.update(
      LiveMoves.KEY,
      this.list().filter((x) => x.volume !== volume),
    );
    await this.publish();
  }

  private publish(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', CONTEXT.liveMovePending, this.list().length > 0);
  }
}

/**
 * "Move current data": the backend stops the container (unless it is this one, or a tmpfs), copies the path into
 * the new volume and verifies it, and only then calls `writeEdit` (the editor's WorkspaceEdit); any failure
 * before that removes the volume and starts the container again. Then "Recreate now" (or, for this container,
 * Copy Again), the recreate and the verification in the new container.
 */
export async function moveAndPersist(
  req: { file: string; service?: string; path: string },
  offer: MoveOffer,
  deps: MoveDeps,
  writeEdit: (plan: PlannedFix) => Promise<void>,
): Promise<boolean> {
  const { ui } = deps;
  const hooks = deps.hooks();
  const options = dockerCallOptions(deps);
  let outcome: PersistMoveOutcome;
  let cancelled = false;
  try {
    outcome = await withCancellableProgress(ui, hooks, `Moving ${req.path} of ${offer.container.name} into a volume`, (signal, report) => {
      signal.addEventListener('abort', () => (cancelled = true));
      return backend().persistWithData(
        { ...req, container: offer.container.id, ...(offer.self ? { live: true } : {}) },
        {
          ...options,
          signal,
          overlay: unsavedTexts(),
          progressIntervalMs: 250,
          onProgress: (p) => {
            report(progressMessage(p));
            hooks?.onMoveProgress?.(p);
          },
          writeEdit,
        },
      );
    });
  } catch (err) {
    // the backend's message says what was done and in what state things are (volume removed, container running)
    void ui.show(cancelled ? 'info' : 'error', `Persist ${req.path}${cancelled ? ' cancelled' : ' failed'}: ${(err as Error).message}`);
    return false;
  }
  if (outcome.status === 'already-persisted') {
    void ui.show('info', outcome.message);
    return false;
  }
  const { move, plan, recreator } = outcome;
  const instructions = outcome.recreate.ran ? '' : outcome.recreate.instructions;
  await revealEdit(plan).catch(() => undefined);
  // A container the editor cannot watch being recreated (this one, a dev container rebuilt by another
  // extension) gets the manifest: the editor started in the new container checks the path against it.
  if (offer.self || recreator.kind === 'devcontainer') {
    await backend()
      .writeMoveManifest(backend().manifestFor(move, req.path), options)
      .catch(
        (err: unknown) =>
          void ui.show(
            'warning',
            `The data is moved and verified, but the note the editor checks after the recreate could not be written: ${(err as Error).message}`,
          ),
      );
  }
  if (offer.self)
    await deps.liveMoves.add({
      container: move.container.id,
      containerName: move.container.name,
      path: req.path,
      volume: move.volume,
      instructions,
    });
  const message = afterMoveMessage({ move, offer, file: vscode.workspace.asRelativePath(plan.file), path: req.path, instructions });
  // Not awaited: the command ends while the message waits for the user.
  void ui
    .show(message.level, message.text, ...message.actions)
    .then(async (choice): Promise<unknown> => {
      if (choice === RECREATE_NOW) return recreateNow({ recreator, move, file: plan.file, path: req.path, instructions }, deps);
      if (choice === COPY_AGAIN) return copyAgain(deps, move.volume);
      return undefined;
    })
    .then(undefined, (err: unknown) => void ui.show('error', `Persistence Lens: ${(err as Error).message}`));
  return true;
}

/**
 * "Recreate now": compose and a plain container through the backend (compose's command and output in the
 * Persistence Lens terminal), then the check in the new container; a dev container through Rebuild Container.
 * Resolves when done; what happened is told in a message.
 */
export async function recreateNow(
  a: { recreator: Recreator; move: MoveResult; file: string; path: string; instructions: string },
  deps: MoveDeps,
): Promise<{ id: string; name: string } | undefined> {
  const { ui } = deps;
  if (a.recreator.kind === 'devcontainer') {
    if (await ui.runCommandIfPresent(REBUILD_CONTAINER)) return undefined;
    void ui.show(
      'info',
      `Rebuild the dev container to use volume ${a.move.volume}: the Dev Containers extension is not installed here, so from a terminal run ${a.instructions}. The volume holds a note that the editor checks when it starts in the rebuilt container.`,
    );
    return undefined;
  }
  const terminal = a.recreator.kind === 'compose' ? ui.terminal(TERMINAL_NAME) : undefined;
  terminal?.show();
  try {
    const recreated = await ui.withProgress(
      { title: `Recreating ${a.move.container.name} with volume ${a.move.volume}`, location: 'notification', cancellable: false },
      () =>
        backend().recreateAndVerify(
          a.recreator,
          a.move,
          { file: a.file, path: a.path },
          { ...dockerCallOptions(deps), onLine: (l) => terminal?.line(l) },
        ),
    );
    terminal?.line(`verified: ${a.path} in ${recreated.name} holds what was moved`);
    void ui.show('info', `${movedSentence(a.move, `in the recreated container ${recreated.name}`)}.`);
    return recreated;
  } catch (err) {
    terminal?.line(`failed: ${(err as Error).message}`);
    void ui.show('error', `Recreating ${a.move.container.name}: ${(err as Error).message}`);
    return undefined;
  }
}

/** "Copy Again": this container's path copied once more over the earlier live copy, right before the user recreates. */
export async function copyAgain(deps: MoveDeps, volume?: string): Promise<boolean> {
  const { ui } = deps;
  const pending = deps.liveMoves.list();
  const chosen =
    pending.find((m) => m.volume === volume) ??
    (pending.length === 1
      ? pending[0]
      : await ui.pick(
          pending.map((m) => ({ label: m.path, description: `volume ${m.volume}`, value: m })),
          { title: 'Copy Again', placeholder: 'Which path of this container should be copied into its volume again?' },
        ));
  if (!chosen) {
    if (pending.length === 0) void ui.show('info', 'No path of this container was copied live into a volume: nothing to copy again.');
    return false;
  }
  try {
    const { move } = await withCancellableProgress(
      ui,
      deps.hooks(),
      `Copying ${chosen.path} into volume ${chosen.volume} again`,
      (signal, report) =>
        backend().copyAgainIntoVolume(
          { container: chosen.container, path: chosen.path, volume: chosen.volume },
          { ...dockerCallOptions(deps), signal, onProgress: (p) => report(progressMessage(p)) },
        ),
    );
    void ui
      .show(
        'warning',
        `Copied ${chosen.path} again: ${filesAndSize(move.files, move.bytes)} in volume ${chosen.volume}, verified. Recreate ${chosen.containerName} now (${chosen.instructions}): what is written to ${chosen.path} from now on is not in the volume.`,
        COPY_AGAIN,
      )
      .then(
        (c) => (c === COPY_AGAIN ? copyAgain(deps, chosen.volume) : undefined),
        () => undefined,
      );
    return true;
  } catch (err) {
    void ui.show('error', `Copy Again of ${chosen.path}: ${(err as Error).message}`);
    return false;
  }
}
