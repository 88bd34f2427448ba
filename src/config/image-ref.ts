// Checks an image reference against the Docker reference grammar
// (distribution/reference: [domain[:port]/]path[:tag][@digest]), so that a typo is reported at
// load time with its position rather than when pulling.
// TODO: use the oci module's reference parser once it lands, to keep one place for the grammar.

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domain = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const referenceRe = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

/** Why `ref` is not a valid image reference, or undefined when it is. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref === '') return 'an image reference is empty';
  if (ref.startsWith('@pkg:')) return undefined; // a template, resolved or reported elsewhere
  if (ref.includes('://')) return `"${ref}" is a URL, not an image reference (write host/path:tag)`;
  const m = referenceRe.exec(ref);
  if (!m) {
    if (referenceRe.test(lowerCasePath(ref))) return `"${ref}" is not a valid image reference: repository names must be lower case`;
    return `"${ref}" is not a valid image reference ([registry/]path[:tag][@sha256:digest])`;
  }
  if (m[1]!.length > 255) return `"${ref}" is not a valid image reference: the name is longer than 255 characters`;
  return undefined;
}

/** The reference with its repository path (not the registry, tag or digest) in lower case. */
function lowerCasePath(ref: string): string {
  const at = ref.indexOf('@');
  const digestPart = at >= 0 ? ref.slice(at) : '';
  let rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  let tagPart = '';
  if (colon > rest.lastIndexOf('/')) {
    tagPart = rest.slice(colon);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const hasDomain = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!);
  const lowered = parts.map((p, i) => (hasDomain && i === 0 ? p : p.toLowerCase()));
  return lowered.join('/') + tagPart + digestPart;
}
