import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, realpath, rename, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { readConfigFile } from '../sources/compose/limits';
import { FixRefusal, type FixPlan } from './types';

/**
 * Writes a plan's new text in place: only if the file still holds the text the plan was made from, through
 * a temporary file in the same folder (fsynced, then renamed over). A reader sees the old file or the new
 * one, never half of either.
 *
 * A symlinked file is written where the link points (the link stays, the file it names is edited), the
 * owner and mode are kept (a root CLI editing a user's file leaves it the user's), and a file without the
 * owner's write bit is refused: its owner made it read-only, root or not.
 */
export async function writePlanAtomically(plan: FixPlan): Promise<void> {
  const { target, st } = await checkPlanWritable(plan);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  // O_EXCL|O_NOFOLLOW: the temporary name is ours alone; a link planted there is never written through.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(plan.newText, 'utf8');
    // The owner first (chown clears setuid/setgid bits), then the mode, which the umask must not narrow.
    if (process.getuid?.() === 0 && (st.uid !== 0 || st.gid !== 0)) await handle.chown(st.uid, st.gid);
    else if (st.gid !== process.getgid?.()) await handle.chown(-1, st.gid).catch(() => undefined); // a group we are not in: the default stays
    await handle.chmod(st.mode & 0o7777);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Whether a plan can be written now: the file (through its link) still holds the planned-against text, is a
 * regular file and is not read-only. A flow that does something costly before the edit (moving a container's
 * data) asks first, so a file that cannot be written is refused before anything else happens.
 */
export async function checkPlanWritable(plan: FixPlan): Promise<{ target: string; st: Stats }> {
  const target = await realpath(plan.file).catch((e: NodeJS.ErrnoException) => {
    throw new FixRefusal(`cannot write ${plan.file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}; nothing was written`);
  });
  // Read through the same checks as the planner (a regular file, within the size limit).
  const current = await readConfigFile(target);
  if (current !== plan.originalText) {
    throw new FixRefusal(`${plan.file} changed since it was read; nothing was written. Run the command again.`);
  }
  const original = await open(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  let st;
  try {
    st = await original.stat();
  } finally {
    await original.close();
  }
  if (!st.isFile()) throw new FixRefusal(`${target} is not a regular file; nothing was written`);
  if ((st.mode & 0o200) === 0) {
    throw new FixRefusal(
      `${plan.file}${target !== plan.file ? ` (${target})` : ''} is read-only (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}); nothing was written. Make it writable to edit it.`,
    );
  }

  return { target, st };
}
