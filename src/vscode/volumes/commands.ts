import * as vscode from 'vscode';
import type { VolumeReport } from '../../core/volume-inventory';
import { inUseText, prunePlan, removalDecision, shortVolumeName } from '../../core/volume-removal';
import type { BackupResult, RecoverResult } from '../../backend';
import { backend } from '../backend';
import { COMMAND } from '../ids';
import { recoverVolumeInto } from '../paths/orphans';
import { dockerHost } from '../settings';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';
import type { VolumesModel } from './model';
import { asOrphan } from './present';
import type { VolumeNode } from './volumes-view';

export interface VolumesDeps {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  model: VolumesModel;
}

/** What Remove or Prune Unused did, for the tests and the summary. */
export interface RemovalOutcome {
  removed: string[];
  /** Left in place: the user cancelled, recovered or backed up and then kept it. */
  kept: string[];
  failed: Array<{ name: string; error: string }>;
}

const RECOVER = 'Recover Into…';
const BACK_UP = 'Back Up First';
const REMOVE = 'Remove';

/**
 * Remove, Prune Unused, Show Sizes, Recover Into… and Back Up… of the Volumes view. The decisions are in
 * core/volume-removal.ts (shared with the CLI); here the questions are asked: a volume that held data of
 * criticality high or more is removed only after a modal naming what it holds, offering a backup first and, for
 * an orphaned anonymous volume, a copy into a named volume. The engine refuses to remove a volume a container
 * mounts.
 */
export class VolumesCommands {
  constructor(private readonly deps: VolumesDeps) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(COMMAND.refreshVolumes, () => this.deps.model.refresh()),
      vscode.commands.registerCommand(COMMAND.showVolumeSizes, () => this.showSizes()),
      vscode.commands.registerCommand(COMMAND.removeVolume, (node?: VolumeNode) => this.remove(node)),
      vscode.commands.registerCommand(COMMAND.pruneVolumes, () => this.prune()),
      vscode.commands.registerCommand(COMMAND.recoverVolume, (node?: VolumeNode) => this.recover(node)),
      vscode.commands.registerCommand(COMMAND.backupVolume, (node?: VolumeNode) => this.backUp(node)),
    ];
  }

  async showSizes(): Promise<number | undefined> {
    const { ui, model } = this.deps;
    try {
      const measured = await ui.withProgress({ title: 'Counting volume sizes (/system/df)', location: 'window', cancellable: false }, () =>
        model.measureSizes(),
      );
      void ui.show(
        'info',
        `Volume sizes counted by the engine in ${measured.ms} ms. /system/df walks every volume on disk, so it is asked only on demand: the sizes shown are from now.`,
      );
      return measured.ms;
    } catch (err) {
      void ui.show('error', `Could not count the volume sizes: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Remove on one volume: refused when in use; asks (Remove, or Back Up First, Recover Into…) before it goes. */
  async remove(node: VolumeNode | undefined): Promise<RemovalOutcome | undefined> {
    if (node?.kind !== 'plVolume') return undefined;
    const v = node.volume;
    const outcome: RemovalOutcome = { removed: [], kept: [], failed: [] };
    const decision = removalDecision(v);
    if (decision.kind === 'in-use') {
      void this.deps.ui.show('error', `Not removed: ${inUseText(v.name, decision.users)}.`);
      return outcome;
    }
    if (decision.kind === 'remove') {
      const ok = await this.deps.ui.confirm({
        kind: 'remove-volume',
        message: `Remove volume ${shortVolumeName(v.name)}?`,
        detail: `No container uses it${v.lastSeen ? ` (it was ${v.lastSeen.path} of ${v.lastSeen.container})` : ''}, and it is not known to hold data that matters. Its files are deleted; this cannot be undone.`,
        action: REMOVE,
      });
      if (ok) await this.removeOne(v, outcome);
      else outcome.kept.push(v.name);
    } else {
      await this.askThenRemove(v, outcome);
    }
    this.report(outcome);
    void this.deps.model.refresh();
    return outcome;
  }

  /**
   * Prune Unused: a fresh inventory (the view may be minutes old); one confirmation for the unused volumes that
   * hold nothing that matters, then one question per volume that held data of criticality high or more.
   */
  async prune(): Promise<RemovalOutcome | undefined> {
    const { ui, model } = this.deps;
    const outcome: RemovalOutcome = { removed: [], kept: [], failed: [] };
    let volumes: VolumeReport[];
    try {
      volumes = (await model.gather(this.deps.hooks()?.pruneScope)).volumes;
    } catch (err) {
      void ui.show('error', `Prune Unused: ${(err as Error).message}`);
      return undefined;
    }
    const plan = prunePlan(volumes);
    if (plan.remove.length === 0 && plan.ask.length === 0) {
      void ui.show('info', 'Every volume is used by a container: nothing to prune.');
      return outcome;
    }
    if (plan.remove.length > 0) {
      const names = plan.remove.map((v) => shortVolumeName(v.name));
      const ok = await ui.confirm({
        kind: 'prune-volumes',
        message: `Remove ${plan.remove.length} unused volume${plan.remove.length === 1 ? '' : 's'}?`,
        detail: `${names.slice(0, 20).join(', ')}${names.length > 20 ? ` and ${names.length - 20} more` : ''}.\n\nNo container uses them and none is known to hold data of criticality high or more. Their files are deleted; this cannot be undone.${plan.ask.length ? `\n\n${plan.ask.length} other unused volume${plan.ask.length === 1 ? '' : 's'} held data: you are asked about each next.` : ''}`,
        action: `Remove ${plan.remove.length}`,
      });
      if (!ok) {
        void model.refresh();
        return { removed: [], kept: [...plan.remove, ...plan.ask].map((v) => v.name), failed: [] };
      }
      for (const v of plan.remove) await this.removeOne(v, outcome);
    }
    for (const v of plan.ask) await this.askThenRemove(v, outcome);
    this.report(outcome);
    void model.refresh();
    return outcome;
  }

  async recover(node: VolumeNode | undefined): Promise<RecoverResult | undefined> {
    if (node?.kind !== 'plVolume') return undefined;
    return recoverVolumeInto(asOrphan(node.volume), this.deps);
  }

  /** Back Up… of one volume: the Backups feature's own command, with the volume as its source. */
  async backUp(node: VolumeNode | undefined): Promise<BackupResult | undefined> {
    if (node?.kind !== 'plVolume') return undefined;
    return vscode.commands.executeCommand<BackupResult | undefined>(COMMAND.backup, { kind: 'volume', volume: node.volume.name });
  }

  /** The question for a volume that held data: what it holds, and Recover Into… / Back Up First before Remove. */
  private async askThenRemove(v: VolumeReport, outcome: RemovalOutcome): Promise<void> {
    const decision = removalDecision(v);
    if (decision.kind !== 'ask') return;
    const actions = [...(decision.offers.includes('recover') ? [RECOVER] : []), BACK_UP, REMOVE];
    const chosen = await this.deps.ui.choose({
      kind: 'remove-volume-data',
      message: `Volume ${shortVolumeName(v.name)} holds ${decision.holds}. Remove it?`,
      detail: `Removing it deletes that data for good. ${decision.offers.includes('recover') ? 'Recover Into… copies it into a named volume first; ' : ''}Back Up First archives it into the backup folder; you are asked again once that is done.`,
      actions,
    });
    if (chosen === REMOVE) return this.removeOne(v, outcome);
    let kept = true;
    if (chosen === RECOVER) kept = !(await recoverVolumeInto(asOrphan(v), this.deps));
    else if (chosen === BACK_UP)
      kept = !(await vscode.commands.executeCommand<BackupResult | undefined>(COMMAND.backup, { kind: 'volume', volume: v.name }));
    if (!kept) {
      // its data is safe elsewhere now: removing it is a choice of its own
      const ok = await this.deps.ui.confirm({
        kind: 'remove-volume',
        message: `${chosen === RECOVER ? 'Recovered' : 'Backed up'}. Remove volume ${shortVolumeName(v.name)} now?`,
        detail: `Its data is ${chosen === RECOVER ? 'in the named volume' : 'in the backup'}; the volume itself is deleted. This cannot be undone.`,
        action: REMOVE,
      });
      if (ok) return this.removeOne(v, outcome);
    }
    outcome.kept.push(v.name);
  }

  private async removeOne(v: VolumeReport, outcome: RemovalOutcome): Promise<void> {
    try {
      const host = dockerHost();
      const conn = await backend().connectDocker(host ? { host } : {});
      await backend().removeVolume(conn, v.name);
      outcome.removed.push(v.name);
    } catch (err) {
      outcome.failed.push({ name: v.name, error: (err as Error).message });
    }
  }

  private report(o: RemovalOutcome): void {
    const { ui } = this.deps;
    for (const f of o.failed) void ui.show('error', `Could not remove volume ${shortVolumeName(f.name)}: ${f.error}`);
    if (o.removed.length > 0) {
      void ui.show(
        'info',
        `Removed ${o.removed.length} volume${o.removed.length === 1 ? '' : 's'}: ${o.removed.map(shortVolumeName).join(', ')}${o.kept.length ? `; kept ${o.kept.map(shortVolumeName).join(', ')}` : ''}.`,
      );
    }
  }
}
