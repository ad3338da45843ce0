// Circuit Relay v2 wire helpers for the interop tests: a small, strict protobuf reader/writer, the
// HopMessage / StopMessage / Reservation / Limit / voucher (signed envelope) codecs, voucher signature
// verification (RFC 0002), and a raw HOP client that runs over a js-libp2p connection.
//
// Written by hand on purpose (not js's generated codec): the tests want to see exactly what is on the
// wire - which fields are present, their wire types, the payload_type bytes, the envelope bytes that
// were signed - not what js's decoder makes of it.
//
// Field numbers (libp2p/specs relay/circuit-v2.md):
//   HopMessage{type=1 (RESERVE 0, CONNECT 1, STATUS 2), peer=2, reservation=3, limit=4, status=5}
//   StopMessage{type=1 (CONNECT 0, STATUS 1), peer=2, limit=3, status=4}
//   Peer{id=1, addrs=2}  Reservation{expire=1 uint64, addrs=2, voucher=3}  Limit{duration=1, data=2}
//   Envelope{public_key=1, payload_type=2, payload=3, signature=5}
//   ReservationVoucher{relay=1, peer=2, expiration=3}

import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'

export const HopType = { RESERVE: 0, CONNECT: 1, STATUS: 2 }
export const StopType = { CONNECT: 0, STATUS: 1 }
export const Status = {
  UNUSED: 0,
  OK: 100,
  RESERVATION_REFUSED: 200,
  RESOURCE_LIMIT_EXCEEDED: 201,
  PERMISSION_DENIED: 202,
  CONNECTION_FAILED: 203,
  NO_RESERVATION: 204,
  MALFORMED_MESSAGE: 400,
  UNEXPECTED_MESSAGE: 401
}
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]))
/** "NO_RESERVATION (204)" */
export function statusName (code) {
  return code == null ? 'absent' : `${STATUS_NAMES[code] ?? 'unknown'} (${code})`
}

export const VOUCHER_DOMAIN = 'libp2p-relay-rsvp'
/** The literal payload_type bytes of a reservation voucher (multicodec 0x0302, big-endian, not a varint). */
export const VOUCHER_PAYLOAD_TYPE = Uint8Array.of(0x03, 0x02)

// ---------------------------------------------------------------------------------------------
// varints and raw protobuf

export function encodeUvarint (n) {
  let v = BigInt(n)
  if (v < 0n) throw new RangeError('uvarint of a negative number')
  const out = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return Uint8Array.from(out)
}

/** { value: bigint, next: offset after it }; throws on truncation or > 10 bytes. */
export function decodeUvarint (buf, offset = 0) {
  let v = 0n
  let shift = 0n
  for (let i = offset; i < buf.length; i++) {
    if (i - offset >= 10) throw new Error(`varint at offset ${offset} is longer than 10 bytes`)
    const b = buf[i]
    v |= BigInt(b & 0x7f) << shift
    shift += 7n
    if ((b & 0x80) === 0) return { value: v, next: i + 1 }
  }
  throw new Error(`truncated varint at offset ${offset}`)
}

export function concatBytes (...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

const WT = { VARINT: 0, I64: 1, LEN: 2, I32: 5 }

/**
 * Strictly decode one protobuf message into [{ field, wireType, value }] in wire order; value is a
 * bigint (varint), a Uint8Array (length-delimited, fixed64/fixed32 raw). Throws on truncation,
 * groups or unknown wire types.
 */
export function decodeFields (buf) {
  const out = []
  let o = 0
  while (o < buf.length) {
    const key = decodeUvarint(buf, o)
    o = key.next
    const field = Number(key.value >> 3n)
    const wireType = Number(key.value & 7n)
    if (field === 0) throw new Error(`field number 0 at offset ${o}`)
    let value
    switch (wireType) {
      case WT.VARINT: { const v = decodeUvarint(buf, o); value = v.value; o = v.next; break }
      case WT.LEN: {
        const l = decodeUvarint(buf, o)
        const len = Number(l.value)
        o = l.next
        if (o + len > buf.length) throw new Error(`field ${field}: length ${len} runs past the end of the message (${buf.length - o} bytes left)`)
        value = buf.subarray(o, o + len)
        o += len
        break
      }
      case WT.I64: if (o + 8 > buf.length) throw new Error(`field ${field}: truncated fixed64`); value = buf.subarray(o, o + 8); o += 8; break
      case WT.I32: if (o + 4 > buf.length) throw new Error(`field ${field}: truncated fixed32`); value = buf.subarray(o, o + 4); o += 4; break
      default: throw new Error(`field ${field}: unsupported wire type ${wireType}`)
    }
    out.push({ field, wireType, value })
  }
  return out
}

function fieldsOf (buf, what) {
  try {
    return decodeFields(buf)
  } catch (err) {
    throw new Error(`cannot decode ${what} (${hex(buf, 64)}): ${err.message}`)
  }
}

/** The one value of `field` (last wins, as protobuf says) checked for wire type; undefined when absent. */
function one (fields, field, wireType, what) {
  const hits = fields.filter(f => f.field === field)
  if (hits.length === 0) return undefined
  for (const h of hits) {
    if (h.wireType !== wireType) throw new Error(`${what}: field ${field} has wire type ${h.wireType}, expected ${wireType}`)
  }
  return hits[hits.length - 1].value
}
function all (fields, field, wireType, what) {
  const hits = fields.filter(f => f.field === field)
  for (const h of hits) {
    if (h.wireType !== wireType) throw new Error(`${what}: field ${field} has wire type ${h.wireType}, expected ${wireType}`)
  }
  return hits.map(h => h.value)
}
function unknownFields (fields, known) {
  return fields.filter(f => !known.includes(f.field)).map(f => f.field)
}

const fVarint = (field, v) => concatBytes(encodeUvarint((BigInt(field) << 3n) | 0n), encodeUvarint(v))
const fBytes = (field, bytes) => concatBytes(encodeUvarint((BigInt(field) << 3n) | 2n), encodeUvarint(bytes.length), bytes)

export function hex (bytes, max = Infinity) {
  if (bytes == null) return String(bytes)
  const b = bytes.length > max ? bytes.subarray(0, max) : bytes
  return Buffer.from(b).toString('hex') + (bytes.length > max ? `...(${bytes.length} bytes)` : '')
}

// ---------------------------------------------------------------------------------------------
// Messages

export function encodePeer ({ id, addrs = [] }) {
  return concatBytes(fBytes(1, id), ...addrs.map(a => fBytes(2, a)))
}
export function decodePeer (buf) {
  const f = fieldsOf(buf, 'Peer')
  return { id: one(f, 1, WT.LEN, 'Peer'), addrs: all(f, 2, WT.LEN, 'Peer'), unknown: unknownFields(f, [1, 2]) }
}

export function encodeLimit ({ duration, data }) {
  return concatBytes(...(duration != null ? [fVarint(1, duration)] : []), ...(data != null ? [fVarint(2, data)] : []))
}
/** { duration?: number (seconds), data?: bigint (bytes) } - undefined members were absent on the wire. */
export function decodeLimit (buf) {
  const f = fieldsOf(buf, 'Limit')
  const d = one(f, 1, WT.VARINT, 'Limit')
  return { duration: d == null ? undefined : Number(d), data: one(f, 2, WT.VARINT, 'Limit'), unknown: unknownFields(f, [1, 2]) }
}

/** { expire?: bigint, addrs: Uint8Array[], voucher?: Uint8Array (the raw Envelope bytes) } */
export function decodeReservation (buf) {
  const f = fieldsOf(buf, 'Reservation')
  return {
    expire: one(f, 1, WT.VARINT, 'Reservation'),
    addrs: all(f, 2, WT.LEN, 'Reservation'),
    voucher: one(f, 3, WT.LEN, 'Reservation'),
    unknown: unknownFields(f, [1, 2, 3])
  }
}

/** Always writes `type` (RESERVE = 0 must be on the wire as `08 00`). */
export function encodeHopMessage ({ type, peer, reservation, limit, status }) {
  const parts = [fVarint(1, type)]
  if (peer != null) parts.push(fBytes(2, encodePeer(peer)))
  if (reservation != null) throw new Error('encoding a Reservation is not needed by the tests')
  if (limit != null) parts.push(fBytes(4, encodeLimit(limit)))
  if (status != null) parts.push(fVarint(5, status))
  return concatBytes(...parts)
}

/** Decoded HopMessage; numbers for type/status (undefined when absent), nested messages decoded. */
export function decodeHopMessage (buf) {
  const f = fieldsOf(buf, 'HopMessage')
  const type = one(f, 1, WT.VARINT, 'HopMessage')
  const status = one(f, 5, WT.VARINT, 'HopMessage')
  const peer = one(f, 2, WT.LEN, 'HopMessage')
  const reservation = one(f, 3, WT.LEN, 'HopMessage')
  const limit = one(f, 4, WT.LEN, 'HopMessage')
  return {
    type: type == null ? undefined : Number(type),
    peer: peer == null ? undefined : decodePeer(peer),
    reservation: reservation == null ? undefined : decodeReservation(reservation),
    limit: limit == null ? undefined : decodeLimit(limit),
    status: status == null ? undefined : Number(status),
    unknown: unknownFields(f, [1, 2, 3, 4, 5]),
    bytes: buf
  }
}

export function encodeStopMessage ({ type, peer, limit, status }) {
  const parts = [fVarint(1, type)]
  if (peer != null) parts.push(fBytes(2, encodePeer(peer)))
  if (limit != null) parts.push(fBytes(3, encodeLimit(limit)))
  if (status != null) parts.push(fVarint(4, status))
  return concatBytes(...parts)
}
export function decodeStopMessage (buf) {
  const f = fieldsOf(buf, 'StopMessage')
  const type = one(f, 1, WT.VARINT, 'StopMessage')
  const status = one(f, 4, WT.VARINT, 'StopMessage')
  const peer = one(f, 2, WT.LEN, 'StopMessage')
  const limit = one(f, 3, WT.LEN, 'StopMessage')
  return {
    type: type == null ? undefined : Number(type),
    peer: peer == null ? undefined : decodePeer(peer),
    limit: limit == null ? undefined : decodeLimit(limit),
    status: status == null ? undefined : Number(status),
    unknown: unknownFields(f, [1, 2, 3, 4]),
    bytes: buf
  }
}

// ---------------------------------------------------------------------------------------------
// Vouchers (signed envelopes, RFC 0002)

/** uvarint(len(domain)) ‖ domain ‖ uvarint(len(type)) ‖ type ‖ uvarint(len(payload)) ‖ payload */
export function envelopeSigningBuffer (domain, payloadType, payload) {
  const d = new TextEncoder().encode(domain)
  return concatBytes(encodeUvarint(d.length), d, encodeUvarint(payloadType.length), payloadType,
    encodeUvarint(payload.length), payload)
}

export function decodeEnvelope (buf) {
  const f = fieldsOf(buf, 'Envelope')
  return {
    publicKey: one(f, 1, WT.LEN, 'Envelope'),
    payloadType: one(f, 2, WT.LEN, 'Envelope'),
    payload: one(f, 3, WT.LEN, 'Envelope'),
    signature: one(f, 5, WT.LEN, 'Envelope'),
    unknown: unknownFields(f, [1, 2, 3, 5])
  }
}

export function decodeVoucherPayload (buf) {
  const f = fieldsOf(buf, 'ReservationVoucher')
  return {
    relay: one(f, 1, WT.LEN, 'ReservationVoucher'),
    peer: one(f, 2, WT.LEN, 'ReservationVoucher'),
    expiration: one(f, 3, WT.VARINT, 'ReservationVoucher'),
    unknown: unknownFields(f, [1, 2, 3])
  }
}

/**
 * Decode a voucher envelope and verify its signature over the RFC 0002 signing buffer with the
 * envelope's own public key. Returns { envelope, payload, publicKey, signatureValid, error? } -
 * the caller asserts on the fields (who signed, for whom, when it expires).
 */
export async function openVoucher (envelopeBytes) {
  const envelope = decodeEnvelope(envelopeBytes)
  const res = { envelope, payload: undefined, publicKey: undefined, signatureValid: false }
  if (envelope.payload != null) res.payload = decodeVoucherPayload(envelope.payload)
  if (envelope.publicKey == null || envelope.signature == null || envelope.payload == null || envelope.payloadType == null) {
    res.error = 'envelope lacks public_key, payload_type, payload or signature'
    return res
  }
  try {
    res.publicKey = publicKeyFromProtobuf(envelope.publicKey)
  } catch (err) {
    res.error = `envelope public_key does not decode: ${err.message}`
    return res
  }
  const signed = envelopeSigningBuffer(VOUCHER_DOMAIN, envelope.payloadType, envelope.payload)
  res.signatureValid = (await res.publicKey.verify(signed, envelope.signature)) === true
  return res
}

// ---------------------------------------------------------------------------------------------
// Raw HOP client over a js-libp2p node

/**
 * Open a HOP stream from `node` to the relay (a Multiaddr with /p2p, or a PeerId it is connected to),
 * write `message` (a HopMessage object, or raw bytes) length-prefixed, read ONE length-prefixed reply.
 * Resolves { reply (decoded HopMessage), replyLength, stream, ms }. The stream is left open (the
 * caller closes or aborts it: after CONNECT + OK it is the circuit). Rejects on timeout, on a stream
 * closed before a full reply, or on an undecodable reply.
 */
export async function hopRequest (node, relay, message, { timeoutMs = 10_000, maxLength = 1 << 20 } = {}) {
  const signal = AbortSignal.timeout(timeoutMs)
  const t0 = Date.now()
  const what = message instanceof Uint8Array ? `raw HOP request ${hex(message, 32)}` : `HOP ${Object.keys(HopType).find(k => HopType[k] === message.type) ?? message.type}`
  let stream
  try {
    stream = await node.dialProtocol(relay, HOP_PROTOCOL, { signal, runOnLimitedConnection: true })
  } catch (err) {
    throw new Error(`${what}: cannot open a ${HOP_PROTOCOL} stream to the relay: ${err.name}: ${err.message}`, { cause: err })
  }
  let phase = 'writing the request'
  try {
    const lp = lpStream(stream, { maxDataLength: maxLength })
    await lp.write(message instanceof Uint8Array ? message : encodeHopMessage(message), { signal })
    phase = 'reading the reply'
    const replyList = await lp.read({ signal })
    const bytes = replyList.subarray()
    phase = 'decoding the reply'
    return { reply: decodeHopMessage(bytes), replyLength: bytes.length, stream, ms: Date.now() - t0 }
  } catch (err) {
    stream.abort(err)
    throw new Error(`${what}: failed ${phase} after ${Date.now() - t0} ms: ${err.name}: ${err.message}`, { cause: err })
  }
}

/** hopRequest(RESERVE), then close our end of the stream. */
export async function hopReserve (node, relay, opts) {
  const r = await hopRequest(node, relay, { type: HopType.RESERVE }, opts)
  await r.stream.close().catch(() => {})
  return r
}

/**
 * hopRequest(CONNECT{peer: targetPeerId}). On STATUS OK the stream is the circuit: the caller owns
 * r.stream. Otherwise it is closed here.
 */
export async function hopConnect (node, relay, targetPeerId, opts) {
  const r = await hopRequest(node, relay, { type: HopType.CONNECT, peer: { id: targetPeerId.toMultihash().bytes, addrs: [] } }, opts)
  if (r.reply.status !== Status.OK) await r.stream.close().catch(() => {})
  return r
}
