// `--guestfwd`: rule parsing and the -netdev text qemu gets (test/metadata-providers-boot.test.ts
// boots a machine through such rules).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guestForwards, parseGuestForward } from './guestfwd.js';
import { netdevFor } from './networking.js';

describe('--guestfwd', () => {
  it('parses ADDR:PORT=HOST:PORT', () => {
    assert.deepEqual(parseGuestForward('169.254.169.254:80=127.0.0.1:8080'), { guest: '169.254.169.254', guestPort: 80, host: '127.0.0.1', hostPort: 8080 });
    assert.throws(() => parseGuestForward('169.254.169.254:80'), /expected <guest address>:<port>=<host address>:<port>/);
    assert.throws(() => parseGuestForward('metadata:80=127.0.0.1:1'), /"metadata" is not an IPv4 address/);
    assert.throws(() => parseGuestForward('10.0.2.9:0=127.0.0.1:1'), /"0" is not a port number/);
  });

  it('moves the user network to 169.254.0.0/16 for a link-local address, with commas doubled in the relay command', () => {
    const fwd = guestForwards([parseGuestForward('169.254.169.254:80=127.0.0.1:8080')], '/usr/bin/node');
    assert.match(
      fwd,
      /^,net=169\.254\.0\.0\/16,host=169\.254\.0\.2,dns=169\.254\.0\.3,dhcpstart=169\.254\.0\.15,guestfwd=tcp:169\.254\.169\.254:80-cmd:'\/usr\/bin\/node' '-e' '/,
    );
    assert.match(fwd, / '127\.0\.0\.1' '8080'$/);
    // qemu splits options at single commas: every comma of the command is doubled.
    const cmd = fwd.slice(fwd.indexOf('cmd:'));
    assert.doesNotMatch(cmd.replace(/,,/g, ''), /,/);
    assert.match(netdevFor('user', [], [parseGuestForward('10.0.2.100:80=127.0.0.1:1')]) ?? '', /^user,id=t0,guestfwd=tcp:10\.0\.2\.100:80-cmd:/);
  });

  it('refuses addresses qemu cannot forward and non-user networking', () => {
    assert.throws(() => guestForwards([parseGuestForward('192.168.1.1:80=127.0.0.1:1')]), /must be in 10\.0\.2\.0\/24 .* or 169\.254\.0\.0\/16/);
    assert.throws(() => guestForwards([parseGuestForward('10.0.2.100:80=127.0.0.1:1'), parseGuestForward('169.254.42.42:80=127.0.0.1:1')]), /cannot be mixed/);
    assert.throws(() => netdevFor('none', [], [parseGuestForward('10.0.2.100:80=127.0.0.1:1')]), /requires "user" networking/);
  });
});
