// Image references, parsed and normalised exactly as Docker's distribution/reference does
// (ParseNormalizedNamed + TagNameOnly), so `nginx` here means what it means to docker,
// skopeo and LinuxKit: `docker.io/library/nginx:latest`.
//
// Grammar (distribution/reference, regexp.go):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [domain '/'] remote-name
//   domain     := host [':' port]        host := domain-name | '[' IPv6 ']'
//   remote-name:= path-component ['/' path-component]*
//   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [._] | __ | -+
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ':' hex{32,}
import { UserError } from '../util/index.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;

/** Hex lengths of the digest algorithms distribution accepts. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed reference. `domain` is empty only for a reference parsed without normalisation. */
export interface Reference {
  /** Registry host, with port if any: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/nginx`, `linuxkit/init`. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parses a reference as distribution's `Parse`: no defaults are filled in. */
export function parseReferenceStrict(s: string, shown = s): Reference {
  const m = referenceRegexp.exec(s);
  if (!m) {
    if (s === '') throw refError(shown, 'repository name must have at least one component');
    if (referenceRegexp.test(s.toLowerCase())) throw refError(shown, 'repository name must be lowercase');
    throw refError(shown, 'invalid reference format');
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw refError(shown, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const nm = anchoredNameRegexp.exec(name)!;
  const ref: Reference = { domain: nm[1] ?? '', path: nm[2]! };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    validateDigest(shown, m[3]);
    ref.digest = m[3];
  }
  return ref;
}

/**
 * Parses a reference as distribution's `ParseNormalizedNamed`: the domain defaults to
 * docker.io and single-component Docker Hub names get `library/`. No tag is added.
 */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifierRegexp.test(s)) {
    throw refError(s, 'cannot specify 64-byte hexadecimal strings');
  }
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) throw refError(s, 'repository name must be lowercase');
  return parseReferenceStrict(`${domain}/${remainder}`, s);
}

/**
 * The fully qualified form used everywhere in this project (cache annotations, registry
 * calls): ParseNormalizedNamed, then `:latest` when neither tag nor digest was given.
 */
export function parseReference(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** `nginx` → `docker.io/library/nginx:latest`. Throws UserError on an invalid reference. */
export function normalizeReference(s: string): string {
  return referenceString(parseReference(s));
}

/** True if `s` parses as a reference (with normalisation). */
export function isValidReference(s: string): boolean {
  try {
    parseNormalizedNamed(s);
    return true;
  } catch {
    return false;
  }
}

/** `domain/path[:tag][@digest]`. */
export function referenceString(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** `domain/path`, the repository without tag or digest. */
export function repositoryName(ref: Reference): string {
  return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
}

/** Docker's short form: `docker.io/library/nginx:latest` → `nginx:latest`. */
export function familiarString(ref: Reference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.split('/').length === 2 ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return referenceString({ ...ref, domain: '', path: name });
}

/** What a registry request names: the digest when pinned, else the tag. */
export function manifestSelector(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

export function withTag(ref: Reference, tag: string): Reference {
  if (!new RegExp(`^${tagPattern}$`).test(tag)) throw new UserError(`invalid tag format: "${tag}"`);
  return { domain: ref.domain, path: ref.path, tag };
}

export function withDigest(ref: Reference, digest: string): Reference {
  validateDigest(digest, digest);
  const out: Reference = { domain: ref.domain, path: ref.path, digest };
  if (ref.tag !== undefined) out.tag = ref.tag;
  return out;
}

/**
 * distribution's splitDockerDomain: the first component is a registry host only if it has a
 * `.` or `:`, is `localhost`, or has an uppercase letter (hosts are case-insensitive but
 * repository paths are always lowercase).
 */
function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

function validateDigest(s: string, digest: string): void {
  const colon = digest.indexOf(':');
  const alg = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const want = DIGEST_HEX_LENGTH[alg];
  if (want === undefined) throw refError(s, `unsupported digest algorithm "${alg}"`);
  if (hex.length !== want) throw refError(s, `invalid checksum digest length`);
  if (!/^[a-f0-9]+$/.test(hex)) throw refError(s, 'invalid checksum digest format');
}

function refError(s: string, why: string): UserError {
  return new UserError(`invalid reference "${s}": ${why}`);
}
