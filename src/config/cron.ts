/**
 * --restart-cron: a cron expression, checked at the edge like every other option.
 * croner parses it (5 fields, or 6 with seconds first; names, ranges, steps, L, #)
 * and computes the next time across DST changes and month lengths — the parts a
 * hand-written parser gets wrong — with no dependencies of its own.
 */
import { Cron } from "croner";
import { invalid } from "./values.js";

const ALLOWED = 'a cron expression of 5 fields ("0 3 * * *": 03:00 every day) or 6 with seconds first ("*/30 * * * * *")';

/** The expression as given, once croner accepts it and it names a time that will come. */
export function parseCron(option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") throw invalid(option, value, ALLOWED);
  const expression = value.trim();
  const fields = expression.split(/\s+/).length;
  // croner also takes 7 fields (a year) and @-nicknames; 5 or 6 is what crontab and PM2 users write.
  if ((fields !== 5 && fields !== 6) && !expression.startsWith("@")) throw invalid(option, value, ALLOWED);
  let next: Date | null;
  try {
    next = new Cron(expression, { paused: true }).nextRun();
  } catch (error) {
    throw invalid(option, value, `${ALLOWED}; ${(error as Error).message}`);
  }
  if (next === null) throw invalid(option, value, `${ALLOWED} that names a time still to come`);
  return expression;
}
