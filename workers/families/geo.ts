/**
 * GEO commands (Redis's geo.c): points are sorted-set members whose score is
 * their 52-bit geohash (workers/structures/geohash.ts), so GEOADD is a ZADD
 * and every other zset command works on geo keys. Argument parsing follows
 * georadiusGeneric's order, which decides which error a bad request gets.
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../../src/core/errors';
import { parseI64 } from '../../src/core/args/parse';
import { parseScoreArg } from '../structures/zset-numbers';
import { NOTIFY } from '../../src/core/notify';
import { getTyped } from './typed';
import { ZSetValue } from '../structures/zset';
import { NIL } from '../structures/skiplist';
import { storeResult, zaddGeneric } from './zsets';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellScoreRange,
  decodeScore,
  distanceIfWithin,
  fixedDecimal,
  geoDistance,
  humanDouble,
  scoreOf,
  searchCells,
  standardGeohash,
  type GeoShape,
} from '../structures/geohash';

const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_MEMBER = 'ERR could not decode requested zset member';

function getZset(ctx: ShardOpContext, key: string): ZSetValue | undefined {
  return getTyped<ZSetValue>(ctx, key, 'zset');
}

/** Redis's getDoubleFromObjectOrReply: strtod to the end, no leading space, no overflow or underflow, no NaN. */
function doubleOr(s: string, error: string): number {
  const d = parseScoreArg(s);
  if (d === null) throw new ReplyError(error);
  return d;
}

/** C's "%f" (six decimals), as Redis's error about a bad pair prints the numbers. */
function cFloat(d: number): string {
  return fixedDecimal(d, 6);
}

/** Redis's extractLongLatOrReply. */
function longLat(args: readonly string[], at: number): [number, number] {
  const lon = doubleOr(args[at], ERR_NOT_FLOAT);
  const lat = doubleOr(args[at + 1], ERR_NOT_FLOAT);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new ReplyError(`ERR invalid longitude,latitude pair ${cFloat(lon)},${cFloat(lat)}`);
  }
  return [lon, lat];
}

/** Redis's extractUnitOrReply: meters per unit. */
function unit(s: string): number {
  switch (s.toLowerCase()) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw new ReplyError(ERR_UNIT);
  }
}

/** The distance reply: "%.4f" as a bulk string. */
function writeDistance(w: ReplyWriter, d: number): void {
  w.bulk(fixedDecimal(d, 4));
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3. */
function writeCoord(w: ReplyWriter, d: number): void {
  w.doubleText(humanDouble(d));
}

// ---------------------------------------------------------------------------
// GEOADD key [NX|XX] [CH] longitude latitude member [...]

function opGeoadd(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let nx = false;
  let xx = false;
  let at = 2;
  for (; at < args.length; at++) {
    const o = args[at].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o !== 'ch') break;
  }
  if ((args.length - at) % 3 !== 0 || (xx && nx)) throw new ReplyError(ERR_SYNTAX);
  const zadd = ['zadd', ...args.slice(1, at)];
  for (let i = at; i < args.length; i += 3) {
    const [lon, lat] = longLat(args, i);
    zadd.push(String(scoreOf(lon, lat) ?? 0), args[i + 2]);
  }
  zaddGeneric(ctx, zadd, w, false);
}

// ---------------------------------------------------------------------------
// GEOPOS / GEOHASH / GEODIST

function opGeopos(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const z = getZset(ctx, args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const score = z?.score(args[i]);
    if (score === undefined) {
      w.nullArray();
      continue;
    }
    const [lon, lat] = decodeScore(score);
    w.array(2);
    writeCoord(w, lon);
    writeCoord(w, lat);
  }
}

function opGeohash(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const z = getZset(ctx, args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const score = z?.score(args[i]);
    if (score === undefined) w.nullBulk();
    else w.bulk(standardGeohash(score));
  }
}

function opGeodist(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let toMeter = 1;
  if (args.length === 5) toMeter = unit(args[4]);
  else if (args.length > 5) throw new ReplyError(ERR_SYNTAX);
  const z = getZset(ctx, args[1]);
  const s1 = z?.score(args[2]);
  const s2 = s1 === undefined ? undefined : z?.score(args[3]);
  if (s1 === undefined || s2 === undefined) {
    w.nullBulk();
    return;
  }
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  writeDistance(w, geoDistance(x1, y1, x2, y2) / toMeter);
}

// ---------------------------------------------------------------------------
// GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH, GEOSEARCHSTORE

/** Which form runs georadiusGeneric (Redis's RADIUS_COORDS, RADIUS_MEMBER, GEOSEARCH flags). */
export interface GeoSearchVariant {
  readonly [k: string]: string | boolean;
  form: 'coords' | 'member' | 'search';
  /** GEOSEARCHSTORE (the destination is args[1]). */
  store: boolean;
  /** The _RO forms and GEOSEARCH: no STORE options. */
  nostore: boolean;
}

interface GeoPoint {
  member: string;
  score: number;
  dist: number;
  lon: number;
  lat: number;
}

function distanceArg(args: readonly string[], at: number): { radius: number; conversion: number } {
  const radius = doubleOr(args[at], 'ERR need numeric radius');
  if (radius < 0) throw new ReplyError('ERR radius cannot be negative');
  return { radius, conversion: unit(args[at + 1]) };
}

function memberPosition(z: ZSetValue, member: string): [number, number] {
  const score = z.score(member);
  if (score === undefined) throw new ReplyError(ERR_MEMBER);
  return decodeScore(score);
}

/** Collects the points of the shape from the cells Redis scans, in Redis's order (membersOfAllNeighbors). */
function pointsWithin(z: ZSetValue, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const out: GeoPoint[] = [];
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell.bits === 0 && cell.step === 0) continue;
    // Huge radii make neighbours coincide: skip a cell equal to the last one scanned.
    if (last >= 0 && cell.bits === cells[last].bits && cell.step === cells[last].step) continue;
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    const zsl = z.zsl;
    for (let x = zsl.firstInScoreRange({ min, max, minex: false, maxex: true }); x !== NIL && zsl.score(x) < max; x = zsl.next(x)) {
      const [lon, lat] = decodeScore(zsl.score(x));
      const dist = distanceIfWithin(shape, lon, lat);
      if (dist === undefined) continue;
      out.push({ member: zsl.member(x), score: zsl.score(x), dist, lon, lat });
      if (limit > 0 && out.length >= limit) break;
    }
    last = i;
  }
  return out;
}

function opGeosearch(ctx: ShardOpContext, args: string[], w: ReplyWriter, variant: GeoSearchVariant): void {
  const srcIndex = variant.store ? 2 : 1;
  const z = getZset(ctx, args[srcIndex]);
  let storeKey: string | null = null;
  let storeDist = false;
  let base: number;
  let xy: [number, number] | null = null;
  let radius: { radius: number; conversion: number } | null = null;
  let box: { width: number; height: number; conversion: number } | null = null;
  if (variant.form === 'coords') {
    base = 6;
    xy = longLat(args, 2);
    radius = distanceArg(args, base - 2);
  } else if (variant.form === 'member') {
    base = 5;
    if (z !== undefined) {
      xy = memberPosition(z, args[2]);
      radius = distanceArg(args, base - 2);
    }
  } else {
    base = 2;
    if (variant.store) {
      base = 3;
      storeKey = args[1];
    }
  }
  const search = variant.form === 'search';
  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  const remaining = args.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = args[base + i].toLowerCase();
    const more = remaining - i - 1;
    if (arg === 'withdist') withdist = true;
    else if (arg === 'withhash') withhash = true;
    else if (arg === 'withcoord') withcoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = 'asc';
    else if (arg === 'desc') sort = 'desc';
    else if (arg === 'count' && more >= 1) {
      const n = parseI64(args[base + i + 1]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      if (n <= 0n) throw new ReplyError('ERR COUNT must be > 0');
      count = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && more >= 1 && !variant.nostore && !search) {
      storeKey = args[base + i + 1];
      storeDist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && search && variant.store) {
      storeDist = true;
    } else if (arg === 'frommember' && more >= 1 && search && !fromloc) {
      if (z !== undefined) xy = memberPosition(z, args[base + i + 1]);
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && more >= 2 && search && !frommember) {
      xy = longLat(args, base + i + 1);
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && more >= 2 && search && box === null) {
      radius = distanceArg(args, base + i + 1);
      i += 2;
    } else if (arg === 'bybox' && more >= 3 && search && radius === null) {
      const width = doubleOr(args[base + i + 1], 'ERR need numeric width');
      const height = doubleOr(args[base + i + 2], 'ERR need numeric height');
      if (height < 0 || width < 0) throw new ReplyError('ERR height or width cannot be negative');
      box = { width, height, conversion: unit(args[base + i + 3]) };
      i += 3;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  if (storeKey !== null && (withdist || withhash || withcoords)) {
    throw new ReplyError(
      `ERR ${variant.store ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
    );
  }
  if (search && !(frommember || fromloc)) throw new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${args[0]}`);
  if (search && radius === null && box === null) throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${args[0]}`);
  if (any && count === 0) throw new ReplyError('ERR the ANY argument requires COUNT argument');

  if (z === undefined) {
    if (storeKey !== null) {
      if (ctx.db.delete(storeKey)) ctx.notify(NOTIFY.generic, 'del', storeKey);
      w.integer(0);
    } else w.array(0);
    return;
  }
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';
  const center = xy as [number, number];
  const shape: GeoShape =
    box !== null
      ? { type: 'box', xy: center, conversion: box.conversion, width: box.width, height: box.height }
      : { type: 'circle', xy: center, conversion: (radius as { conversion: number }).conversion, radius: (radius as { radius: number }).radius };
  const points = pointsWithin(z, shape, any ? count : 0);
  if (points.length === 0 && storeKey === null) {
    w.array(0);
    return;
  }
  const returned = count === 0 || points.length < count ? points.length : count;
  // Redis's qsort (glibc: a merge sort) keeps equal distances in scan order; so does Array.sort.
  if (sort === 'asc') points.sort((a, b) => a.dist - b.dist);
  else if (sort === 'desc') points.sort((a, b) => b.dist - a.dist);

  if (storeKey === null) {
    const options = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoords ? 1 : 0);
    w.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i];
      if (options > 0) w.array(options + 1);
      w.bulk(p.member);
      if (withdist) writeDistance(w, p.dist / shape.conversion);
      if (withhash) w.integer(p.score);
      if (withcoords) {
        w.array(2);
        writeCoord(w, p.lon);
        writeCoord(w, p.lat);
      }
    }
    return;
  }
  const result = new ZSetValue();
  result.listpack = false;
  for (let i = 0; i < returned; i++) {
    const p = points[i];
    result.insert(p.member, storeDist ? p.dist / shape.conversion : p.score);
  }
  if (returned > 0) storeResult(ctx, storeKey, result, search ? 'geosearchstore' : 'georadiusstore');
  else if (ctx.db.delete(storeKey)) ctx.notify(NOTIFY.generic, 'del', storeKey);
  w.integer(returned);
}

export const geoOps: ShardOps = {
  geoadd: opGeoadd,
  geopos: opGeopos,
  geohash: opGeohash,
  geodist: opGeodist,
  geosearch: opGeosearch,
};
