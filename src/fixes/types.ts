import { InputError, type SourceLocation } from '../core/types';
import type { FileRedirect } from './single-files';
import type { TextEdit } from './text';

export type FixKind =
  'add-named-volume' | 'name-anonymous-volume' | 'bind-host-folder' | 'replace-tmpfs' | 'devcontainer-mount' | 'redirect-file';

/** The smallest edits to one file that make a path persistent, already checked by re-parsing. */
export interface FixPlan {
  /** The file the edits apply to (may differ from the file the user named: an included or extended file). */
  file: string;
  /** What a user reads in a quick-fix menu. */
  title: string;
  kind: FixKind;
  edits: TextEdit[];
  /** The text the edits were planned against: applying them to anything else is refused. */
  originalText: string;
  newText: string;
  volumeName?: string;
  bindSource?: string;
  /** A single file moved into a persisted folder by a variable (kind `redirect-file`): the volume is the folder's. */
  redirect?: FileRedirect;
}

/** The file keeps the path already: there is nothing to edit, and that is an answer, not an error. */
export interface AlreadyPersisted {
  status: 'already-persisted';
  file: string;
  /** What keeps it: `/data is already persisted by the named volume "data" in service "db"`. */
  message: string;
  declaredAt?: SourceLocation;
}

/** What a planner answers: the edits to make, or that none are needed. A file it cannot edit is a FixRefusal. */
export type FixOutcome = { status: 'planned'; plan: FixPlan } | AlreadyPersisted;

/** The file cannot be edited safely for this request; the message names where and why. Nothing was changed. */
export class FixRefusal extends InputError {
  constructor(message: string, location?: SourceLocation) {
    super(message, location);
    this.name = 'FixRefusal';
  }
}
