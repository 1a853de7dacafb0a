import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { FixRefusal, type FixPlan } from './types';

/**
 * Writes a plan's new text in place: only if the file still holds the text the plan was made from, through
 * a temporary file in the same folder (fsynced, then renamed over), keeping the file's mode. A reader sees
 * the old file or the new one, never half of either.
 */
export async function writePlanAtomically(plan: FixPlan): Promise<void> {
  const current = await readFile(plan.file, 'utf8');
  if (current !== plan.originalText) {
    throw new FixRefusal(`${plan.file} changed since it was read; nothing was written. Run the command again.`);
  }
  const { mode } = await stat(plan.file);
  const temp = join(dirname(plan.file), `.${basename(plan.file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode & 0o7777);
  try {
    await handle.writeFile(plan.newText, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, plan.file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
