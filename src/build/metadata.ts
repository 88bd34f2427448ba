// `files: - metadata: yaml|json` puts the resolved config into the image
// (lk:moby/build/build.go metadata): image names expanded to full references first, then written
// as LinuxKit writes them: yaml.v2's layout for yaml, Go's json.MarshalIndent of its struct for
// json (test/fixtures/metadata/ holds LinuxKit's own outputs for a few configs).
import { configToYaml, type Config } from '../config/index.js';
import { parseNormalizedNamed, referenceString } from '../oci/index.js';
import { configToGoJson } from '../spec/index.js';
import { UserError } from '../util/index.js';

const expand = (ref: string) => referenceString(parseNormalizedNamed(ref));

export function expandImageNames(config: Config): Config {
  const entries = (list: Config['onboot']) => list?.map((e) => ({ ...e, image: expand(e.image) }));
  return {
    ...config,
    ...(config.kernel?.image && { kernel: { ...config.kernel, image: expand(config.kernel.image) } }),
    ...(config.init && { init: config.init.map(expand) }),
    ...(config.onboot && { onboot: entries(config.onboot) }),
    ...(config.onshutdown && { onshutdown: entries(config.onshutdown) }),
    ...(config.services && { services: entries(config.services) }),
  };
}

export function metadataFor(config: Config, kind: string): string {
  const expanded = expandImageNames(config);
  if (kind === 'yaml') return configToYaml(expanded, 'v2');
  if (kind === 'json') return configToGoJson(expanded);
  throw new UserError(`unsupported metadata type: ${kind} (yaml or json)`);
}
