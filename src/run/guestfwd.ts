// `--guestfwd ADDR:PORT=HOST:PORT` (a linuxkit-ts addition; LinuxKit has no such flag): the
// guest's TCP connections to ADDR:PORT reach a server on the host, through qemu user
// networking's guestfwd rules. Made for metadata services, which clouds put at link-local
// addresses (169.254.169.254:80, 169.254.42.42:80), so a test or a demo can serve one from the
// host (docs/run.md).
import { isIPv4 } from 'node:net';
import { UserError } from '../util/index.js';
import { portNumber } from './publish.js';

export interface GuestForward {
  guest: string;
  guestPort: number;
  host: string;
  hostPort: number;
}

// qemu refuses a guestfwd address outside its user network (10.0.2.0/24 unless `net=` moves
// it): with a link-local rule the whole network becomes 169.254.0.0/16, the guest's DHCP
// address 169.254.0.15, the gateway 169.254.0.2 and the DNS proxy 169.254.0.3.
const DEFAULT_NET = { prefix: '10.0.2.', netdev: '' };
const LINK_LOCAL_NET = { prefix: '169.254.', netdev: ',net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3,dhcpstart=169.254.0.15' };

function ipv4(s: string, spec: string): string {
  if (!isIPv4(s)) throw new UserError(`--guestfwd "${spec}": "${s}" is not an IPv4 address`);
  return s;
}

export function parseGuestForward(spec: string): GuestForward {
  const m = /^([^:=]+):([^:=]+)=([^:=]+):([^:=]+)$/.exec(spec);
  if (!m) throw new UserError(`--guestfwd "${spec}": expected <guest address>:<port>=<host address>:<port>`);
  return {
    guest: ipv4(m[1]!, spec),
    guestPort: portNumber(m[2]!, `--guestfwd "${spec}":`),
    host: ipv4(m[3]!, spec),
    hostPort: portNumber(m[4]!, `--guestfwd "${spec}":`),
  };
}

// qemu's `tcp:` chardev target is connected once, for the first guest connection only; a
// command (`cmd:`) is started for each connection with the connection as its stdin and
// stdout, so each rule runs this relay, with the node that runs us.
const RELAY = 'const s=require("net").connect(+process.argv[2],process.argv[1]);process.stdin.pipe(s);s.pipe(process.stdout);s.on("error",()=>process.exit(1))';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `,net=…,guestfwd=tcp:ADDR:PORT-cmd:…`, appended to a `-netdev user` definition. */
export function guestForwards(rules: GuestForward[], node = process.execPath): string {
  if (rules.length === 0) return '';
  const nets = new Set(
    rules.map((r) => {
      const net = [DEFAULT_NET, LINK_LOCAL_NET].find((n) => r.guest.startsWith(n.prefix));
      if (!net) throw new UserError(`--guestfwd ${r.guest}: the guest address must be in 10.0.2.0/24 (qemu's user network) or 169.254.0.0/16 (link-local)`);
      return net;
    }),
  );
  if (nets.size > 1) throw new UserError('--guestfwd: guest addresses in 10.0.2.0/24 and in 169.254.0.0/16 cannot be mixed (qemu has one user network)');
  const [net] = nets;
  // In a -netdev option value a comma is written twice.
  const cmd = (r: GuestForward) => [node, '-e', RELAY, r.host, String(r.hostPort)].map(shellQuote).join(' ').replace(/,/g, ',,');
  return net!.netdev + rules.map((r) => `,guestfwd=tcp:${r.guest}:${r.guestPort}-cmd:${cmd(r)}`).join('');
}
