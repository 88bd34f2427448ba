// `--publish host:guest[/tcp|udp]` (lk:src/cmd/linuxkit/util.go NewPublishedPort), turned into
// qemu user-networking `hostfwd=` rules.
import { UserError } from '../util/index.js';

export interface PublishedPort {
  host: number;
  guest: number;
  protocol: 'tcp' | 'udp';
}

function port(s: string, which: string, spec: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UserError(`--publish "${spec}": ${which} port "${s}" is not a port number (1-65535)`);
  return n;
}

export function parsePublish(spec: string): PublishedPort {
  const [hostPart, rest] = spec.split(':');
  if (rest === undefined) throw new UserError(`--publish "${spec}": expected <host>:<guest> or <host>:<guest>/<tcp|udp>`);
  const [guestPart, proto = 'tcp'] = rest.split('/');
  const protocol = proto.trim().toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw new UserError(`--publish "${spec}": protocol must be tcp or udp, not "${proto}"`);
  return { host: port(hostPart!, 'host', spec), guest: port(guestPart!, 'guest', spec), protocol };
}

/** `,hostfwd=tcp::8080-:80…`, appended to a `-netdev user` definition. */
export function hostForwards(ports: PublishedPort[]): string {
  return ports.map((p) => `,hostfwd=${p.protocol}::${p.host}-:${p.guest}`).join('');
}
