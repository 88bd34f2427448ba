// The OCI grammar for what comes from outside (a registry, an imported tar, a cache another tool
// wrote): digests, media types, sizes, descriptors and the manifests and indexes that hold them.
// Every value is checked here before it is used to build a URL, a file name or a tar path, or is
// stored: a digest such as `sha256:../..` must never reach a request path or blobs/sha256/.
// One place for these rules; the registry client, pull, the cache layout and `cache import` all
// call it.
import { createHash } from 'node:crypto';
import { UserError } from '../util/index.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

/**
 * The registered algorithms and the length of their lowercase-hex encoding
 * (image-spec descriptor.md "Registered algorithms"). Any other algorithm is refused, even one
 * the general grammar allows: we could not verify it.
 */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

/** image-spec: algorithm ::= component (separator component)*; encoded ::= [a-zA-Z0-9=_-]+. */
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** RFC 6838 type/subtype (restricted-name), as the image-spec's JSON schema spells it; no parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** Lowercase hex, of the algorithm's length. */
  encoded: string;
}

/** Shows a hostile value safely in a message: quoted, control characters escaped, cut short. */
export function quoted(value: unknown): string {
  if (typeof value !== 'string') return (JSON.stringify(value) ?? String(value)).slice(0, 80);
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Why `digest` is not a digest we accept, or undefined when it is one. */
export function digestProblem(digest: unknown): string | undefined {
  if (typeof digest !== 'string') return `digest ${quoted(digest)} is not a string`;
  const m = DIGEST_GRAMMAR.exec(digest);
  if (!m) return `digest ${quoted(digest)} is not algorithm:encoded`;
  const want = ALGORITHMS[m[1] as DigestAlgorithm] as number | undefined;
  if (want === undefined) return `digest ${quoted(digest)} uses an unsupported algorithm (only ${Object.keys(ALGORITHMS).join(', ')})`;
  if (m[2]!.length !== want || !/^[0-9a-f]+$/.test(m[2]!)) return `digest ${quoted(digest)} is not ${m[1]}:<${want} lowercase hex digits>`;
  return undefined;
}

/** Splits a digest after checking it; `what` says where it came from, for the message. */
export function parseDigest(digest: unknown, what: string): ParsedDigest {
  const problem = digestProblem(digest);
  if (problem) throw new UserError(`${what}: ${problem}`);
  const [algorithm, encoded] = (digest as string).split(':') as [DigestAlgorithm, string];
  return { algorithm, encoded };
}

/** The digest `algorithm` gives `data`, as `algorithm:hex`. */
export function digestOf(data: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function mediaTypeProblem(mediaType: unknown): string | undefined {
  if (typeof mediaType !== 'string') return `media type ${quoted(mediaType)} is not a string`;
  if (!MEDIA_TYPE.test(mediaType)) return `media type ${quoted(mediaType)} is not type/subtype (RFC 6838)`;
  return undefined;
}

export function sizeProblem(size: unknown): string | undefined {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return `size ${quoted(size)} is not a non-negative integer`;
  return undefined;
}

/**
 * Checks a descriptor's mediaType, digest and size (and that it is an object at all). Returns
 * it typed; throws a UserError starting with `what`.
 */
export function checkDescriptor(desc: unknown, what: string): Descriptor {
  if (desc === null || typeof desc !== 'object' || Array.isArray(desc)) throw new UserError(`${what}: not a descriptor object`);
  const d = desc as Record<string, unknown>;
  const problems = [mediaTypeProblem(d.mediaType), digestProblem(d.digest), sizeProblem(d.size)].filter(Boolean);
  if (problems.length) throw new UserError(`${what}: ${problems.join('; ')}`);
  return desc as Descriptor;
}

/** Checks every entry of an index (all of them: the index is stored whole). */
export function checkIndex(doc: unknown, what: string): ImageIndex {
  const index = doc as ImageIndex;
  if (!index || typeof index !== 'object' || !Array.isArray(index.manifests)) throw new UserError(`${what}: not an image index (no manifests list)`);
  if (index.mediaType !== undefined) checkMediaType(index.mediaType, what);
  index.manifests.forEach((d, i) => checkDescriptor(d, `${what}: manifests[${i}]`));
  return index;
}

/** Checks a manifest's config and every layer. */
export function checkManifest(doc: unknown, what: string): ImageManifest {
  const m = doc as ImageManifest;
  if (!m || typeof m !== 'object' || !m.config || !Array.isArray(m.layers)) throw new UserError(`${what}: has no config or layers`);
  if (m.mediaType !== undefined) checkMediaType(m.mediaType, what);
  checkDescriptor(m.config, `${what}: config`);
  m.layers.forEach((d, i) => checkDescriptor(d, `${what}: layers[${i}]`));
  return m;
}

export function checkMediaType(mediaType: unknown, what: string): string {
  const problem = mediaTypeProblem(mediaType);
  if (problem) throw new UserError(`${what}: ${problem}`);
  return mediaType as string;
}
