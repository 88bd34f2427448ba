// The environment variable that names registry mirrors (src/oci/registry/hosts.ts reads it).
// Named here, not in src/oci, so the CLI's start-up module can print it in its help without
// loading the registry client: whatever the start-up module imports from src/oci is bundled
// into what every command loads first (docs/performance.md, "Start-up").
export const ENV_MIRROR = 'LINUXKIT_MIRROR';
