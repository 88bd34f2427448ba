// The push targets of `linuxkit push`, LinuxKit's list (lk:src/cmd/linuxkit/push.go), one
// object each; the CLI builds its subcommands from this list. None is built yet: each is a
// stub (not-yet.ts). To add a target, or replace a stub, write its module and change its import.
import { aws, azure, equinixmetal, gcp, openstack, scaleway, vcenter } from './not-yet.js';
import type { PushTarget } from './target.js';

export type { PushTarget } from './target.js';

export const PUSH_TARGETS: readonly PushTarget[] = [aws, gcp, azure, openstack, scaleway, vcenter, equinixmetal];
