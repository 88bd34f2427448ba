// build.yml's `config` as LinuxKit reads it: scalars written where LinuxKit has a string field
// keep the text written (yaml.v3 into Go strings), so LinuxKit's own build.yml files work as-is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBuildYml } from './buildyml.js';

describe('build.yml config label', () => {
  it('keeps unquoted modes, numbers and booleans in string fields as written', () => {
    const y = parseBuildYml(
      [
        'image: getty',
        'config:',
        '  devices:',
        '    - path: all',
        '      type: c',
        '      major: 4',
        '      mode: 0666',
        '  command: [sleep, 10]',
        '  sysctl:',
        '    net.ipv4.ip_forward: 1',
        '  net: true',
        '  oomScoreAdj: -800',
        '  uid: 100',
        '',
      ].join('\n'),
      'build.yml',
    );
    assert.deepEqual(y.config, {
      devices: [{ path: 'all', type: 'c', major: 4, mode: '0666' }],
      command: ['sleep', '10'],
      sysctl: { 'net.ipv4.ip_forward': '1' },
      net: 'true',
      // not string fields in LinuxKit's ImageConfig: left as YAML values
      oomScoreAdj: -800,
      uid: 100,
    });
  });
});
