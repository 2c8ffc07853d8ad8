/**
 * brainpoolP256r1 (RFC 5639 §3.4), PACE standardized domain parameter 13, as @noble/curves points:
 * PACE's generic mapping adds points (G' = s·G + H), which node's ECDH cannot do (docs/emrtd.md, "PACE").
 */
import { weierstrassN, type WeierstrassPoint } from '@noble/curves/abstract/weierstrass'
import { bytesToBigint, uintBytes } from './bytes.js'

export const BrainpoolP256r1 = weierstrassN<bigint>({
  p: 0xa9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377n,
  a: 0x7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9n,
  b: 0x26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6n,
  Gx: 0x8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262n,
  Gy: 0x547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997n,
  n: 0xa9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7n,
  h: 1n,
})

export type CurvePoint = WeierstrassPoint<bigint>

export const CURVE_ORDER = 0xa9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7n
/** Bytes of one coordinate. */
export const COORDINATE_BYTES = 32

/** A private scalar in [1, n-1] from random bytes (at least 40, so the reduction's bias is negligible). */
export function scalarFromBytes(bytes: Uint8Array): bigint {
  return (bytesToBigint(bytes) % (CURVE_ORDER - 1n)) + 1n
}

/** Uncompressed encoding 04 ‖ X ‖ Y. */
export function encodePoint(point: CurvePoint): Uint8Array {
  return point.toBytes(false)
}

/** Parses and validates an uncompressed point; throws on a point not on the curve. */
export function decodePoint(bytes: Uint8Array): CurvePoint {
  const point = BrainpoolP256r1.fromBytes(bytes)
  point.assertValidity()
  return point
}

export function xCoordinate(point: CurvePoint): Uint8Array {
  return uintBytes(point.x, COORDINATE_BYTES)
}
