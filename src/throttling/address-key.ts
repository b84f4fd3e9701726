import { isIPv4, isIPv6 } from 'node:net'

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/**
 * The key a client address is counted under. An IPv4 address counts alone. An IPv6 address
 * counts by its /64 network: one host is routinely given a whole /64, so counting single
 * addresses would hand an attacker 2^64 fresh counters. IPv4 written as IPv6 is IPv4.
 */
export function addressKey(address: string): string {
  const mapped = IPV4_MAPPED.exec(address)
  if (mapped) return mapped[1] as string
  if (isIPv4(address)) return address
  if (!isIPv6(address)) return address

  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`
}

/** The eight groups of an IPv6 address, without `::` shorthand or a zone. */
function expandIPv6(address: string): string[] {
  const [withoutZone = ''] = address.toLowerCase().split('%')
  const groups = withoutZone.replace(/(\d+\.){3}\d+$/, embeddedIPv4Groups).split('::')
  const head = groups[0] ? groups[0].split(':') : []
  const tail = groups[1] ? groups[1].split(':') : []
  const zeros = Array.from({ length: 8 - head.length - tail.length }, () => '0')

  return [...head, ...zeros, ...tail].map((group) => group.replace(/^0+(?=.)/, ''))
}

function embeddedIPv4Groups(ipv4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number)
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
}
