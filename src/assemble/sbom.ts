// One SPDX 2.3 document for the whole image, merged from the images' own SBOMs, with file
// names moved under where each image was unpacked (lk:moby/build/sbom.go). Unlike LinuxKit,
// whose document namespace is a random UUID, ours is derived from the content, so the output
// stays byte-identical from run to run.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { UserError } from '../util/index.js';

interface SpdxDoc {
  packages?: Array<Record<string, unknown>>;
  files?: Array<Record<string, unknown>>;
  hasExtractedLicensingInfos?: unknown[];
  relationships?: unknown[];
  annotations?: unknown[];
  externalDocumentRefs?: unknown[];
}

export const DEFAULT_SBOM_FILENAME = 'sbom.spdx.json';

export class SbomCollector {
  private readonly docs: SpdxDoc[] = [];

  /** Adds one image's SPDX JSON, its paths placed under `prefix` ("" for the root). */
  add(prefix: string, json: Buffer, image: string): void {
    let doc: SpdxDoc;
    try {
      doc = JSON.parse(json.toString('utf8')) as SpdxDoc;
    } catch (err) {
      throw new UserError(`SBOM attached to ${image} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
    }
    const under = (name: unknown) => (typeof name === 'string' ? posix.join(prefix || '.', name) : name);
    for (const f of doc.files ?? []) f.fileName = under(f.fileName);
    for (const p of doc.packages ?? []) if (p.packageFileName !== undefined) p.packageFileName = under(p.packageFileName);
    this.docs.push(doc);
  }

  /** The merged document's bytes. */
  render(created: Date): string {
    const merged = {
      packages: this.docs.flatMap((d) => d.packages ?? []),
      files: this.docs.flatMap((d) => d.files ?? []),
      hasExtractedLicensingInfos: this.docs.flatMap((d) => d.hasExtractedLicensingInfos ?? []),
      relationships: this.docs.flatMap((d) => d.relationships ?? []),
      annotations: this.docs.flatMap((d) => d.annotations ?? []),
      externalDocumentRefs: this.docs.flatMap((d) => d.externalDocumentRefs ?? []),
    };
    const digest = createHash('sha256').update(JSON.stringify(merged)).digest('hex');
    const doc = {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'sbom',
      documentNamespace: `https://github.com/linuxkit/linuxkit/sbom-${digest.slice(0, 32)}`,
      creationInfo: {
        licenseListVersion: '3.20',
        creators: ['Organization: LinuxKit', 'Tool: linuxkit'],
        created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      ...Object.fromEntries(Object.entries(merged).filter(([, v]) => v.length > 0)),
    };
    return JSON.stringify(doc);
  }
}
