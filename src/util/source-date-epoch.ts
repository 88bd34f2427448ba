// $SOURCE_DATE_EPOCH (reproducible-builds.org): the one reader of it. Each user picks its own
// fallback: build outputs use LinuxKit's fixed date (src/formats/defaults.ts), package layers 0.
import { UserError } from './errors.js';

/** $SOURCE_DATE_EPOCH in seconds, or undefined when unset or empty; anything else is an error. */
export function envSourceDateEpoch(): number | undefined {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === '') return undefined;
  if (!/^\d+$/.test(env)) throw new UserError(`SOURCE_DATE_EPOCH must be a number of seconds, not "${env}"`);
  return Number(env);
}
