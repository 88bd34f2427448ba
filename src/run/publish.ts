// `--publish [address:]host:guest[/tcp|udp]` (lk:src/cmd/linuxkit/util.go NewPublishedPort), turned
// into qemu user-networking `hostfwd=` rules. qemu listens on every host address unless given
// one; the address (an IPv4 address, e.g. 127.0.0.1) is a linuxkit-ts addition, so a service
// without authentication (a Docker engine's API) can be published to this machine only.
import { createSocket } from 'node:dgram';
import { createServer, isIPv4 } from 'node:net';
import { UserError } from '../util/index.js';

export interface PublishedPort {
  /** The host address to listen on; every address when absent (qemu's and LinuxKit's default). */
  address?: string;
  host: number;
  guest: number;
  protocol: 'tcp' | 'udp';
}

/** A TCP/UDP port number; `what` starts the error, e.g. `--publish "0:80": host port`. */
export function portNumber(s: string, what: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UserError(`${what} "${s}" is not a port number (1-65535)`);
  return n;
}

export function parsePublish(spec: string): PublishedPort {
  const parts = spec.split(':');
  const address = parts.length === 3 ? parts.shift()! : undefined;
  const [hostPart, rest] = parts;
  if (rest === undefined || parts.length > 2) throw new UserError(`--publish "${spec}": expected [<address>:]<host>:<guest>[/<tcp|udp>]`);
  if (address !== undefined && !isIPv4(address)) throw new UserError(`--publish "${spec}": "${address}" is not an IPv4 address`);
  const [guestPart, proto = 'tcp'] = rest.split('/');
  const protocol = proto.trim().toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw new UserError(`--publish "${spec}": protocol must be tcp or udp, not "${proto}"`);
  const ports = {
    host: portNumber(hostPart!, `--publish "${spec}": host port`),
    guest: portNumber(guestPart!, `--publish "${spec}": guest port`),
    protocol,
  } as const;
  return address === undefined ? ports : { address, ...ports };
}

/** `,hostfwd=tcp::8080-:80…`, appended to a `-netdev user` definition. */
export function hostForwards(ports: PublishedPort[]): string {
  return ports.map((p) => `,hostfwd=${p.protocol}:${p.address ?? ''}:${p.host}-:${p.guest}`).join('');
}

/** Resolves to the bind error's code, or undefined once the port could be bound (and is freed again). */
function tryBind(p: PublishedPort): Promise<string | undefined> {
  return new Promise((resolve) => {
    const fail = (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message);
    if (p.protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', (err) => (s.close(), fail(err)));
      s.bind(p.host, p.address ?? '0.0.0.0', () => s.close(() => resolve(undefined)));
      return;
    }
    const s = createServer();
    s.once('error', fail);
    s.listen(p.host, p.address ?? '0.0.0.0', () => s.close(() => resolve(undefined)));
  });
}

/**
 * Each host port must be free before qemu starts: qemu binds them on every address and, when one
 * is taken, stops with only "Could not set up host forwarding rule". A port another process
 * takes between this check and qemu's start still fails there.
 */
export async function checkHostPortsFree(ports: PublishedPort[]): Promise<void> {
  for (const p of ports) {
    const code = await tryBind(p);
    if (code === 'EADDRINUSE')
      throw new UserError(
        `--publish ${p.host}:${p.guest}/${p.protocol}: host port ${p.host} is already in use (by another program or machine); choose another host port`,
      );
    if (code) throw new UserError(`--publish ${p.host}:${p.guest}/${p.protocol}: cannot listen on host port ${p.host}: ${code}`);
  }
}
