import assert from 'node:assert/strict';
import type { FixOutcome, FixPlan } from '../../../src/fixes/types';

/** The plan of an outcome that must be one (a planner answers "already persisted" as an outcome, not a throw). */
export function planned(outcome: FixOutcome): FixPlan {
  if (outcome.status !== 'planned') assert.fail(`expected a plan, got: ${outcome.message}`);
  return outcome.plan;
}

/** The message of an outcome that must be "already persisted". */
export function alreadyPersisted(outcome: FixOutcome): string {
  if (outcome.status !== 'already-persisted') assert.fail(`expected "already persisted", got the plan "${outcome.plan.title}"`);
  return outcome.message;
}
