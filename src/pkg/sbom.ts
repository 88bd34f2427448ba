// An SPDX 2.3 JSON SBOM naming the exact Debian packages (name, version, architecture, .deb
// sha256) an image was made from. Deterministic: ids and the namespace derive from the
// contents, the creation time is SOURCE_DATE_EPOCH (or 1970-01-01), lists are sorted.
//
// It is attached the way BuildKit attaches SBOMs and LinuxKit's `build` finds them
// (lk:src/cmd/linuxkit/cache/imagesource.go SBoMs, lk:docs/sbom.md): an in-toto statement
// (predicateType https://spdx.dev/Document) as the single layer of an "attestation manifest",
// listed in the image index with platform unknown/unknown and the annotations
// vnd.docker.reference.type=attestation-manifest, vnd.docker.reference.digest=<image manifest>.
import { createHash } from 'node:crypto';
import { VERSION } from '../version.js';
import type { DebInfo } from './apt.js';
import { sourceDateEpoch } from './rootfs.js';

export {
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_REFERENCE_DIGEST,
  ANNOTATION_REFERENCE_TYPE,
  ATTESTATION_MANIFEST,
  INTOTO_MEDIA_TYPE,
  INTOTO_STATEMENT_TYPE,
  SPDX_PREDICATE_TYPE,
} from '../oci/index.js';
import { INTOTO_STATEMENT_TYPE, SPDX_PREDICATE_TYPE } from '../oci/index.js';

function spdxId(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]/g, '-');
}

/** Debian's "Name <mail>" → SPDX's "Name (mail)". */
function spdxActor(s: string): string {
  return s.replace(/\s*<([^>]*)>\s*$/, ' ($1)').trim();
}

function purl(d: DebInfo): string {
  const enc = (s: string): string => encodeURIComponent(s);
  return `pkg:deb/debian/${enc(d.name)}@${enc(d.version)}?arch=${enc(d.architecture)}`;
}

export function spdxDocument(imageName: string, debs: DebInfo[]): Record<string, unknown> {
  const sorted = [...debs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.architecture < b.architecture ? -1 : 1));
  const fingerprint = createHash('sha256')
    .update(imageName + '\n' + sorted.map((d) => `${d.name} ${d.version} ${d.architecture} ${d.sha256}`).join('\n'))
    .digest('hex');
  const packages = sorted.map((d) => {
    const p: Record<string, unknown> = {
      name: d.name,
      SPDXID: `SPDXRef-Package-deb-${spdxId(d.name)}-${spdxId(d.architecture)}`,
      versionInfo: d.version,
      supplier: d.maintainer ? `Organization: ${spdxActor(d.maintainer)}` : 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      sourceInfo: `built from Debian source package ${d.source} ${d.sourceVersion}`,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl(d) }],
    };
    if (d.sha256) p.checksums = [{ algorithm: 'SHA256', checksumValue: d.sha256 }];
    if (d.homepage) p.homepage = d.homepage;
    return p;
  });
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: imageName,
    documentNamespace: `https://linuxkit-ts.invalid/spdx/${encodeURIComponent(imageName)}-${fingerprint}`,
    creationInfo: {
      created: new Date(sourceDateEpoch() * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: linuxkit-ts-${VERSION}`],
    },
    packages,
    relationships: packages.map((p) => ({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relationshipType: 'DESCRIBES',
      relatedSpdxElement: p.SPDXID,
    })),
  };
}

/** The in-toto statement wrapping the SBOM, with the image manifest as its subject. */
export function intotoStatement(subjectName: string, manifestDigest: string, sbom: Record<string, unknown>): Record<string, unknown> {
  return {
    _type: INTOTO_STATEMENT_TYPE,
    predicateType: SPDX_PREDICATE_TYPE,
    subject: [{ name: subjectName, digest: { sha256: manifestDigest.replace(/^sha256:/, '') } }],
    predicate: sbom,
  };
}
