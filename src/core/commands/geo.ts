/**
 * The geo family's rows of the command table (see spec.ts). Shard ops:
 * workers/families/geo.ts. A geo key is a sorted set whose scores are geohashes.
 */
import { family } from './spec';
import { firstKeyRead, georadiusKeys, secondKeyRead } from './key-finders';

const radiusOptions = '[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]';

export const geoCommands = family('geo', 'shard', [
  {
    name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], keys: [1], since: '3.2.0',
    syntax: 'key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]',
    summary: 'Adds one or more members to a geospatial index. The key is created if it doesn\'t exist.',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
  },
  {
    name: 'geodist', arity: -4, flags: ['readonly'], keys: [1], since: '3.2.0', syntax: 'key member1 member2 [M | KM | FT | MI]',
    summary: 'Returns the distance between two members of a geospatial index.', complexity: 'O(1)',
  },
  {
    name: 'geohash', arity: -2, flags: ['readonly'], keys: [1], since: '3.2.0', syntax: 'key [member [member ...]]',
    summary: 'Returns members from a geospatial index as geohash strings.', complexity: 'O(1) for each member requested.',
  },
  {
    name: 'geopos', arity: -2, flags: ['readonly'], keys: [1], since: '3.2.0', syntax: 'key [member [member ...]]',
    summary: 'Returns the longitude and latitude of members from a geospatial index.', complexity: 'O(1) for each member requested.',
  },
  {
    name: 'georadius', arity: -6, flags: ['write', 'denyoom'], getKeys: georadiusKeys, keys: [1], since: '3.2.0', readLookups: firstKeyRead,
    syntax: `key longitude latitude radius M | KM | FT | MI ${radiusOptions} [STORE key | STOREDIST key]`,
    summary: 'Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.',
    complexity: 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
    op: 'geosearch', variant: { form: 'coords', store: false, nostore: false },
  },
  {
    name: 'georadius_ro', arity: -6, flags: ['readonly'], keys: [1], since: '3.2.10',
    syntax: `key longitude latitude radius M | KM | FT | MI ${radiusOptions}`,
    summary: 'Returns members from a geospatial index that are within a distance from a coordinate.',
    complexity: 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
    op: 'geosearch', variant: { form: 'coords', store: false, nostore: true },
  },
  {
    name: 'georadiusbymember', arity: -5, flags: ['write', 'denyoom'], getKeys: georadiusKeys, keys: [1], since: '3.2.0', readLookups: firstKeyRead,
    syntax: `key member radius M | KM | FT | MI ${radiusOptions} [STORE key | STOREDIST key]`,
    summary: 'Queries a geospatial index for members within a distance from a member, optionally stores the result.',
    complexity: 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
    op: 'geosearch', variant: { form: 'member', store: false, nostore: false },
  },
  {
    name: 'georadiusbymember_ro', arity: -5, flags: ['readonly'], keys: [1], since: '3.2.10',
    syntax: `key member radius M | KM | FT | MI ${radiusOptions}`,
    summary: 'Returns members from a geospatial index that are within a distance from a member.',
    complexity: 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
    op: 'geosearch', variant: { form: 'member', store: false, nostore: true },
  },
  {
    name: 'geosearch', arity: -7, flags: ['readonly'], keys: [1], since: '6.2.0',
    syntax: 'key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]',
    summary: 'Queries a geospatial index for members inside an area of a box or a circle.',
    complexity: 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape',
    variant: { form: 'search', store: false, nostore: true },
  },
  {
    name: 'geosearchstore', arity: -8, flags: ['write', 'denyoom'], keys: [1, 2], since: '6.2.0', readLookups: secondKeyRead,
    syntax: 'destination source FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [STOREDIST]',
    summary: 'Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.',
    complexity: 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape',
    op: 'geosearch', variant: { form: 'search', store: true, nostore: true },
  },
]);
