/**
 * Redis's geohash arithmetic (geohash.c, geohash_helper.c), reproduced
 * operation for operation so positions, distances and search areas come out
 * bit-identical: a point is a 52-bit interleaving of 26-bit latitude and
 * longitude cells (latitude on the even bits) stored as a sorted-set score;
 * a radius or box search covers the centre cell and its 8 neighbours at a
 * step chosen from the radius, then filters by exact distance.
 *
 * Cells of up to 26 bits per axis fit in doubles, so encoding and decoding
 * stay in plain numbers; the neighbour moves use BigInt (9 per query).
 */

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

export interface GeoHashBits {
  bits: number;
  step: number;
}

interface Range {
  min: number;
  max: number;
}

export interface GeoHashArea {
  hash: GeoHashBits;
  longitude: Range;
  latitude: Range;
}

const TWO26 = 2 ** 26;
const TWO13 = 2 ** 13;

/** Spreads the low 13 bits of v onto the even bits of a 26-bit number. */
function spread13(v: number): number {
  let x = v & 0x1fff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}

/** Gathers the even bits of a 26-bit number into 13 bits. */
function squash13(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Redis's interleave64(lat, lon) for cells of at most 26 bits: latitude on the even bits. */
function interleave(lat: number, lon: number): number {
  // A coordinate on the range's upper edge has a 27th bit (offset exactly 2^26): C spreads it too.
  if (lat >= TWO26 || lon >= TWO26) {
    let out = 0n;
    for (let i = 0n; i < 32n; i++) out |= ((BigInt(lat) >> i) & 1n) << (2n * i) | ((BigInt(lon) >> i) & 1n) << (2n * i + 1n);
    return Number(out);
  }
  const latHi = Math.floor(lat / TWO13);
  const lonHi = Math.floor(lon / TWO13);
  const hi = spread13(latHi) | (spread13(lonHi) << 1);
  const lo = spread13(lat % TWO13) | (spread13(lon % TWO13) << 1);
  return (hi >>> 0) * TWO26 + (lo >>> 0);
}

/** Redis's deinterleave64: [lat, lon] cells of a hash (bits as a 64-bit integer). */
function deinterleave(bits: number): [number, number] {
  if (bits >= 0 && bits < 2 ** 52 && Number.isInteger(bits)) {
    const lo = bits % TWO26;
    const hi = (bits - lo) / TWO26;
    return [squash13(hi) * TWO13 + squash13(lo), squash13(hi >>> 1) * TWO13 + squash13(lo >>> 1)];
  }
  // A score no GEOADD wrote (ZADD of a huge or negative number): C casts it to
  // uint64_t and takes 32 bits per axis; so do we, exactly.
  let b = BigInt.asUintN(64, BigInt(Math.trunc(Number.isFinite(bits) ? bits : 0)));
  let lat = 0n;
  let lon = 0n;
  for (let i = 0n; i < 32n; i++) {
    lat |= (b & 1n) << i;
    b >>= 1n;
    lon |= (b & 1n) << i;
    b >>= 1n;
  }
  return [Number(lat), Number(lon)];
}

const LONG_RANGE: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const LAT_RANGE: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

/** Redis's geohashEncode; null when the point is outside the indexable area. */
export function geohashEncode(longRange: Range, latRange: Range, longitude: number, latitude: number, step: number): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > 180 || longitude < -180 || latitude > 85.05112878 || latitude < -85.05112878) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  // (uint32_t) casts truncate.
  return { bits: interleave(Math.trunc(latOffset), Math.trunc(longOffset)), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step: number): GeoHashBits | null {
  return geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, step);
}

/** Redis's geohashDecode: the cell's bounds. */
export function geohashDecode(longRange: Range, latRange: Range, hash: GeoHashBits): GeoHashArea {
  const [ilato, ilono] = deinterleave(hash.bits);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const cells = 2 ** hash.step;
  return {
    hash,
    latitude: { min: latRange.min + (ilato * 1.0 / cells) * latScale, max: latRange.min + ((ilato + 1) * 1.0 / cells) * latScale },
    longitude: { min: longRange.min + (ilono * 1.0 / cells) * longScale, max: longRange.min + ((ilono + 1) * 1.0 / cells) * longScale },
  };
}

/** The [longitude, latitude] a stored score stands for (Redis's decodeGeohash). */
export function decodeScore(score: number): [number, number] {
  const area = geohashDecode(LONG_RANGE, LAT_RANGE, { bits: score, step: GEO_STEP_MAX });
  let lon = (area.longitude.min + area.longitude.max) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (area.latitude.min + area.latitude.max) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

/** The score GEOADD stores for a point (geohashAlign52Bits of a step-26 hash). */
export function scoreOf(longitude: number, latitude: number): number | null {
  return geohashEncodeWGS84(longitude, latitude, GEO_STEP_MAX)?.bits ?? null;
}

export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** Redis's geohashGetDistance (haversine on Redis's earth radius). */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** A search shape (Redis's GeoShape): centre, radius or box in its unit, and the unit's meters. */
export type GeoShape =
  | { type: 'circle'; xy: [number, number]; conversion: number; radius: number }
  | { type: 'box'; xy: [number, number]; conversion: number; width: number; height: number };

/** The distance of a point from the centre when it lies inside the shape, else undefined (geoWithinShape). */
export function distanceIfWithin(shape: GeoShape, lon: number, lat: number): number | undefined {
  const [x1, y1] = shape.xy;
  if (shape.type === 'circle') {
    const d = geoDistance(x1, y1, lon, lat);
    return d > shape.radius * shape.conversion ? undefined : d;
  }
  const width = shape.width * shape.conversion;
  const height = shape.height * shape.conversion;
  if (latDistance(lat, y1) > height / 2) return undefined;
  if (geoDistance(lon, lat, x1, lat) > width / 2) return undefined;
  return geoDistance(x1, y1, lon, lat);
}

function boundingBox(shape: GeoShape): [number, number, number, number] {
  const [longitude, latitude] = shape.xy;
  const height = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'circle' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Redis's geohash_move_x (longitude, odd bits) and geohash_move_y (latitude, even bits). */
function move(hash: GeoHashBits, d: number, axis: 'x' | 'y'): GeoHashBits {
  if (d === 0) return hash;
  const bits = BigInt(hash.bits);
  const shift = BigInt(64 - hash.step * 2);
  const moving = axis === 'x' ? ODD : EVEN;
  let m = bits & moving;
  const other = bits & (axis === 'x' ? EVEN : ODD);
  const zz = (axis === 'x' ? EVEN : ODD) >> shift;
  if (d > 0) m = U64(m + (zz + 1n));
  else {
    m = m | zz;
    m = U64(m - (zz + 1n));
  }
  m &= moving >> shift;
  return { bits: Number(m | other), step: hash.step };
}

const ZERO: GeoHashBits = { bits: 0, step: 0 };

/**
 * The cells a search scans, in Redis's order (centre, N, S, E, W, NE, NW, SE,
 * SW), with the useless ones zeroed (geohashCalculateAreasByShapeWGS84).
 */
export function searchCells(shape: GeoShape): GeoHashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const [longitude, latitude] = shape.xy;
  let radiusMeters =
    shape.type === 'circle' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, latitude);
  const around = (step: number): { hash: GeoHashBits; n: Record<string, GeoHashBits>; area: GeoHashArea } => {
    const hash = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, step) ?? ZERO;
    const n = {
      east: move(hash, 1, 'x'),
      west: move(hash, -1, 'x'),
      south: move(hash, -1, 'y'),
      north: move(hash, 1, 'y'),
      north_west: move(move(hash, -1, 'x'), 1, 'y'),
      south_west: move(move(hash, -1, 'x'), -1, 'y'),
      north_east: move(move(hash, 1, 'x'), 1, 'y'),
      south_east: move(move(hash, 1, 'x'), -1, 'y'),
    };
    return { hash, n, area: geohashDecode(LONG_RANGE, LAT_RANGE, hash) };
  };
  let c = around(steps);
  const north = geohashDecode(LONG_RANGE, LAT_RANGE, c.n.north);
  const south = geohashDecode(LONG_RANGE, LAT_RANGE, c.n.south);
  const east = geohashDecode(LONG_RANGE, LAT_RANGE, c.n.east);
  const west = geohashDecode(LONG_RANGE, LAT_RANGE, c.n.west);
  const decrease = north.latitude.max < maxLat || south.latitude.min > minLat || east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    c = around(steps);
  }
  const n = c.n;
  if (steps >= 2) {
    if (c.area.latitude.min < minLat) n.south = n.south_west = n.south_east = ZERO;
    if (c.area.latitude.max > maxLat) n.north = n.north_east = n.north_west = ZERO;
    if (c.area.longitude.min < minLon) n.west = n.south_west = n.north_west = ZERO;
    if (c.area.longitude.max > maxLon) n.east = n.south_east = n.north_east = ZERO;
  }
  return [c.hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west];
}

/** The score range [min, max) a cell covers (geohashGetMinMax on 52-bit aligned hashes). */
export function cellScoreRange(cell: GeoHashBits): [number, number] {
  const scale = 2 ** (52 - cell.step * 2);
  return [cell.bits * scale, (cell.bits + 1) * scale];
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash of a stored score (GEOHASH re-encodes on -90..90). */
export function standardGeohash(score: number): string {
  const [lon, lat] = decodeScore(score);
  const hash = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, lon, lat, 26);
  const bits = hash?.bits ?? 0;
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    out += GEOALPHABET[idx];
  }
  return out;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * C's printf("%.<digits>f") of a double: its exact binary value rounded
 * half-even at `digits` decimals (what glibc prints), as a string.
 */
export function fixedDecimal(d: number, digits: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'nan' : d > 0 ? 'inf' : '-inf';
  f64[0] = d;
  const raw = u64[0];
  const neg = raw >> 63n === 1n;
  const expBits = Number((raw >> 52n) & 0x7ffn);
  const frac = raw & 0xfffffffffffffn;
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const exp = (expBits === 0 ? 1 : expBits) - 1075;
  const scale = 10n ** BigInt(digits);
  let scaled: bigint;
  if (exp >= 0) scaled = (mant << BigInt(exp)) * scale;
  else {
    const n = mant * scale;
    const den = 1n << BigInt(-exp);
    scaled = n / den;
    const r2 = (n % den) * 2n;
    if (r2 > den || (r2 === den && (scaled & 1n) === 1n)) scaled++;
  }
  const s = scaled.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  return neg ? `-${body}` : body;
}

/** Redis's ld2string(LD_STR_HUMAN) of a double: "%.17Lf" without trailing zeros, "-0" as "0". */
export function humanDouble(d: number): string {
  let s = fixedDecimal(d, 17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
