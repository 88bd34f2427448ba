// `--networking default|user|bridge,NAME|tap,NAME|none` → a qemu -netdev definition
// (lk:src/cmd/linuxkit/run_qemu.go). Port publishing and guest forwarding only make sense with
// user networking.
import { UserError } from '../util/index.js';
import { guestForwards, type GuestForward } from './guestfwd.js';
import { hostForwards, type PublishedPort } from './publish.js';

/** The -netdev value, or undefined for no network at all. */
export function netdevFor(networking: string, publish: PublishedPort[], guestfwd: GuestForward[] = []): string | undefined {
  const [mode, name] = (networking === '' || networking === 'default' ? 'user' : networking).split(',', 2);
  if (mode !== 'user' && publish.length > 0) throw new UserError('--publish requires "user" networking');
  if (mode !== 'user' && guestfwd.length > 0) throw new UserError('--guestfwd requires "user" networking');
  switch (mode) {
    case 'user':
      return `user,id=t0${guestForwards(guestfwd)}${hostForwards(publish)}`;
    case 'tap':
      if (!name) throw new UserError('--networking tap needs an interface: tap,NAME');
      return `tap,id=t0,ifname=${name},script=no,downscript=no`;
    case 'bridge':
      if (!name) throw new UserError('--networking bridge needs a bridge: bridge,NAME');
      return `bridge,id=t0,br=${name}`;
    case 'none':
      return undefined;
    default:
      throw new UserError(`invalid --networking mode "${mode}" (default, user, bridge,NAME, tap,NAME or none)`);
  }
}
