import { isForbiddenAddress, isMetadataAddress } from './ip-ranges';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback /8'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'RFC 1918 10/8'],
    ['172.16.0.1', 'RFC 1918 172.16/12 low'],
    ['172.31.255.255', 'RFC 1918 172.16/12 high'],
    ['192.168.1.1', 'RFC 1918 192.168/16'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local fd'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone id'],
    ['febf::1', 'IPv6 link-local upper edge'],
    ['100.64.0.1', 'CGNAT low'],
    ['100.127.255.255', 'CGNAT high'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network /8'],
    ['::', 'IPv6 unspecified'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast high'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['ff02::1', 'IPv6 multicast'],
    ['198.18.0.1', 'benchmarking low'],
    ['198.19.255.255', 'benchmarking high'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['::ffff:127.0.0.1', 'IPv4-mapped dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped hex'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['0:0:0:0:0:ffff:7f00:0001', 'IPv4-mapped fully expanded'],
    ['::127.0.0.1', 'IPv4-compatible dotted'],
    ['::7f00:1', 'IPv4-compatible hex'],
    ['::8.8.8.8', 'IPv4-compatible is deprecated and refused outright'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated'],
    ['64:ff9b::7f00:1', 'NAT64 embedding loopback'],
    ['64:ff9b::10.0.0.1', 'NAT64 embedding private, dotted'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 embedding loopback'],
    ['2002:a9fe:a9fe::1', '6to4 embedding metadata'],
    ['2001:0:7f00:1::1', 'Teredo with loopback server'],
    ['2001:0:808:808:0:0:f5ff:fffe', 'Teredo with obfuscated 10.0.0.1 client'],
  ])('refuses %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.216.34'],
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['100.63.255.255'],
    ['100.128.0.0'],
    ['198.17.255.255'],
    ['198.20.0.0'],
    ['223.255.255.255'],
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'],
    ['::ffff:808:808'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
    ['2001:0:808:808:0:0:f7f7:f7f7'],
  ])('allows public %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it.each([
    [''],
    ['not-an-ip'],
    ['localhost'],
    ['0177.0.0.1'],
    ['2130706433'],
    ['0x7f000001'],
    ['256.0.0.1'],
    ['1.2.3'],
    ['[::1]'],
    ['1::2::3'],
    ['gggg::1'],
  ])('refuses invalid input %j', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });
});

describe('isMetadataAddress', () => {
  it.each([
    ['169.254.169.254'],
    ['169.254.170.2'],
    ['100.100.100.200'],
    ['fd00:ec2::254'],
    ['::ffff:169.254.169.254'],
    ['::ffff:a9fe:a9fe'],
    ['2002:a9fe:a9fe::'],
    ['not-an-ip'],
  ])('flags %s', (ip) => {
    expect(isMetadataAddress(ip)).toBe(true);
  });

  it.each([['127.0.0.1'], ['10.0.0.1'], ['169.254.1.1'], ['8.8.8.8'], ['fd00:ec2::1']])(
    'does not flag %s',
    (ip) => {
      expect(isMetadataAddress(ip)).toBe(false);
    },
  );
});
