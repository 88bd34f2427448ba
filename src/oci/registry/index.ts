// The registry client's public face. Commands build one client from the global flags
// (--mirror, --cert-file) and hand it to pullImage/pushImage.
export { RegistryClient, MANIFEST_ACCEPT, registryMessage, type RegistryClientOptions, type Repo, type FetchedManifest } from './client.js';
export { dockerCredentials, dockerConfigPath, type Credentials, type CredentialSource } from './credentials.js';
export { ENV_INSECURE, ENV_MIRROR, Hosts, isLoopback, parseMirrors, insecureFromEnv, type Endpoint } from './hosts.js';
export { availablePlatforms, selectManifests, platformlessManifests } from './platform.js';

import type { RegistryClientOptions } from './client.js';

/** Registry options from LinuxKit's global flags ($LINUXKIT_MIRROR and $LINUXKIT_INSECURE_REGISTRIES are read too). */
export function registryOptions(global: { mirror?: string[]; certFile?: string[] }): RegistryClientOptions {
  return { mirrors: global.mirror ?? [], certFiles: global.certFile ?? [] };
}
export * from './transport.js';
export * from './hosts.js';
export * from './client.js';
