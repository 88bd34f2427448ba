// An image's `org.mobyproject.config` label: the container settings the image suggests, used as
// defaults for fields the YAML does not give (LinuxKit's NewImage). For the spec step.
import { parse } from 'yaml';
import { UserError, UserErrors } from '../util/index.js';
import { log } from '../util/index.js';
import { checkLabel, ignoredAddWarnings } from './checks.js';
import { recordPaths } from './positions.js';
import { labelSchemaErrors } from './schema.js';
import type { ImageConfig, ImageEntry } from './types.js';

export const LABEL_CONFIG = 'org.mobyproject.config';

/**
 * Parses and validates a label's text (JSON, or YAML as LinuxKit also accepts). `image` names the
 * image in messages. name and image may not be set in a label.
 */
export function parseImageLabel(text: string, image: string): ImageConfig {
  let value: unknown;
  try {
    value = parse(text) as unknown;
  } catch (err) {
    throw new UserError(`${image}: invalid ${LABEL_CONFIG} label: ${(err as Error).message.split('\n')[0]}`, undefined, { cause: err });
  }
  const fail = (errors: UserError[]): never => {
    const list = errors.map((e) => new UserError(`${image}: invalid ${LABEL_CONFIG} label: ${e.message}`, undefined, { cause: e }));
    throw list.length === 1 ? list[0]! : new UserErrors(list);
  };
  const obj = value as Record<string, unknown>;
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    const own = ['name', 'image'].filter((k) => k in obj);
    if (own.length) fail(own.map((k) => new UserError(`${k} cannot be set in a label`)));
  }
  const schemaProblems = labelSchemaErrors(value);
  if (schemaProblems.length) fail(schemaProblems);
  recordPaths(value);
  const problems = checkLabel(value as ImageEntry);
  if (problems.length) fail(problems);
  for (const w of ignoredAddWarnings(value as ImageConfig, `${image}: ${LABEL_CONFIG} label`)) warnOnce(w);
  return value as ImageConfig;
}

/** A label is read once per container that uses the image: say each thing once per run. */
const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  log.warn(message);
}
