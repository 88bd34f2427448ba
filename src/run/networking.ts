// `--networking default|user|bridge,NAME|tap,NAME|none` → a qemu -netdev definition
// (lk:src/cmd/linuxkit/run_qemu.go). Port publishing and guest forwarding only make sense with
// user networking. linuxkit-ts adds `vde,SWITCH` (a vde_switch's socket directory: a private
// network between machines, no root needed) and `--add-network MODE` for more network cards (t1, t2, …).
import { UserError } from '../util/index.js';
import { guestForwards, type GuestForward } from './guestfwd.js';
import { hostForwards, type PublishedPort } from './publish.js';

/** The -netdev value, or undefined for no network at all; `id` names it for its -device. */
export function netdevFor(networking: string, publish: PublishedPort[], guestfwd: GuestForward[] = [], id = 't0'): string | undefined {
  const [mode, name] = (networking === '' || networking === 'default' ? 'user' : networking).split(',', 2);
  if (mode !== 'user' && publish.length > 0) throw new UserError('--publish requires "user" networking');
  if (mode !== 'user' && guestfwd.length > 0) throw new UserError('--guestfwd requires "user" networking');
  switch (mode) {
    case 'user':
      return `user,id=${id}${guestForwards(guestfwd)}${hostForwards(publish)}`;
    case 'tap':
      if (!name) throw new UserError('--networking tap needs an interface: tap,NAME');
      return `tap,id=${id},ifname=${name},script=no,downscript=no`;
    case 'bridge':
      if (!name) throw new UserError('--networking bridge needs a bridge: bridge,NAME');
      return `bridge,id=${id},br=${name}`;
    case 'vde':
      if (!name) throw new UserError('--networking vde needs the switch: vde,DIR (the directory given to vde_switch -s)');
      return `vde,id=${id},sock=${name}`;
    case 'none':
      return undefined;
    default:
      throw new UserError(`invalid --networking mode "${mode}" (default, user, bridge,NAME, tap,NAME, vde,DIR or none)`);
  }
}

/**
 * `--add-network MODE` (repeatable): the -netdev values of the extra network cards, t1, t2, …
 * Ports are published on the first card only.
 */
export function extraNetdevs(modes: string[]): string[] {
  return modes.map((m, i) => {
    const netdev = netdevFor(m, [], [], `t${i + 1}`);
    if (netdev === undefined) throw new UserError(`--add-network ${m}: a card needs a network ("none" adds nothing)`);
    return netdev;
  });
}
