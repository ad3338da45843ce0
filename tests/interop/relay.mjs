// js-libp2p circuit relay v2 clients (@libp2p/circuit-relay-v2) <-> chiral-relay's relay service.
//
// usage: node relay.mjs <path-to-chiral-relay> [extra daemon args...]
//        INTEROP_RELAY_ONLY=a,c node relay.mjs ...   runs only those sub-tests
//
// Sub-tests run one after the other, each with its own daemon
//   <bin> --listen /ip4/127.0.0.1/tcp/0 --identity-path <tmp>/id.key [relay flags] [extra args]
// and its own js nodes; each prints one PASS/FAIL line (a failure also prints the daemon's log). All of
// them run; the script exits 1 if any failed.
//
//  (a) echo through relay, unlimited (--circuit-data-limit 0 --circuit-duration 0): js A reserves and
//      listens on <relay>/p2p-circuit, js B dials <relay>/p2p-circuit/p2p/A, 1 MiB echoed and compared;
//      neither side sees connection limits.
//  (b) default limits cut the circuit: js sees limits data=131072 / duration=120 s on both ends; a 1 MiB
//      echo is cut (reset/closed, not stalled) with 0 < bytes echoed back <= 131072; the relayed
//      connection closes; A's reservation survives and a new circuit works.
//  (c) voucher accepted: js A's stored reservation carries a voucher js decoded (relay, peer,
//      expiration, payload type); a raw RESERVE shows the exact wire reply: expire ~ now+3600, addrs,
//      limit {120, 131072}, and a voucher whose RFC 0002 signature verifies with the relay's key.
//  (d) reserve, disconnect, reserve again (--max-reservations 1): A reserves and stops; A' (new key)
//      reserves (the slot was freed on disconnect); a refresh by A' is OK; A (same key, new node) is
//      refused with RESERVATION_REFUSED (200); B reaches A' through the relay.
//  (e) no reservation: js dial to <relay>/p2p-circuit/p2p/<random peer> fails; raw CONNECT to it, and
//      to a peer connected to the relay without a reservation, get NO_RESERVATION (204).
//  (f) duration limit cuts the circuit (--circuit-duration 2 --circuit-data-limit 0): js sees
//      limits.seconds <= 2 and no byte limit; an echo works, then the relayed connection closes 2-5 s in.
//  (g) metrics follow js peers (--metrics-file, --prometheus-listen): metrics.json and /metrics show the
//      peers, the reservation and the circuit as js makes them, bytes relayed = payload + overhead, the
//      circuit histogram, then the reservation ending with A and the counts back to 0.
//
// How js-libp2p 3.x exposes what we check:
//  - connection.limits = { bytes?: bigint, seconds?: number } on a relayed connection: REMAINING bytes
//    (both directions counted together, end-to-end handshake included) and remaining seconds; absent
//    when the relay sent no limit or zeros. The Limit js decoded is not kept: we wrap
//    LimitTracker.prototype.getLimits (circuit-relay-v2's dist/src/utils.js) to see the initial values.
//  - the reservation js stored: circuitRelayTransport's `reservationStore.getReservation(relayPeerId)`
//    (also the 'relay:created-reservation' event on the reservation store) = the decoded Reservation
//    { expire: bigint, addrs: Uint8Array[] (js adds the connection's remote addr), voucher?: { publicKey,
//    payloadType, payload: { relay, peer, expiration }, signature } }. js decodes the voucher but never
//    verifies its signature; we do that on the raw bytes.
import './lib/polyfill.mjs'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair, publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { echo } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import {
  assertEqual, assertOk, createNode, dumpDaemonOutput, fail, forgetDaemon, multiaddr, recordEvents,
  runTest, sleep, startDaemon, withTimeout
} from './lib/harness.mjs'
import {
  HopType, Status, VOUCHER_PAYLOAD_TYPE, hex, hopConnect, hopReserve, openVoucher, statusName
} from './lib/relay_proto.mjs'

const [bin, ...extraArgs] = process.argv.slice(2)
if (bin == null) {
  console.error('usage: node relay.mjs <path-to-chiral-relay> [extra daemon args...]')
  process.exit(2)
}

const ECHO = '/chiral-test/echo/1.0.0'
const MiB = 1 << 20
const DEFAULT_DATA_LIMIT = 131072
const DEFAULT_DURATION = 120
const DEFAULT_TTL = 3600
const SUBTEST_TIMEOUT_MS = 30_000
const ONLY = (process.env.INTEROP_RELAY_ONLY ?? '').split(',').map(s => s.trim()).filter(s => s !== '')

// ---------------------------------------------------------------------------------------------
// The Limit js decoded: LimitTracker (not exported from the package root) turns it into
// connection.limits, which only shows what REMAINS. Wrap getLimits() - called once per relayed
// connection, before any byte flows - to remember the initial values per limits object.

const initialLimits = new WeakMap() // connection.limits object -> { bytes?: bigint, ms?: number }
let limitSpy = 'not installed'
try {
  const utilsUrl = new URL('./utils.js', import.meta.resolve('@libp2p/circuit-relay-v2'))
  const { LimitTracker } = await import(utilsUrl.href)
  const orig = LimitTracker.prototype.getLimits
  if (typeof orig !== 'function') throw new Error('LimitTracker.prototype.getLimits is not a function')
  LimitTracker.prototype.getLimits = function (...args) {
    const out = orig.apply(this, args)
    if (out != null) initialLimits.set(out, { bytes: this.bytes, ms: this.expires == null ? undefined : this.expires - Date.now() })
    return out
  }
  limitSpy = 'installed'
} catch (err) {
  limitSpy = `unavailable (${err.message}); only connection.limits is checked`
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Info lines go to stderr (ctest shows them with -V / on failure); PASS/FAIL lines to stdout. */
const info = (...a) => console.error('   ', ...a)

/** connection.limits as text (its bytes/seconds are non-enumerable getters: JSON.stringify shows {}). */
const fmtLimits = (l) => l == null ? String(l) : `{ bytes: ${l.bytes}, seconds: ${l.seconds} }`

const fmtErr = (err) => err == null ? 'none' : `${err.name ?? 'Error'}: ${err.message}`

/** Message lines without the stack frames js inlines into some messages, joined into one line. */
const oneLine = (msg) => String(msg).split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('at ')).join(' ')

/** The error and its causes / aggregated errors, as one line (js wraps dial errors). */
function errChain (err) {
  const parts = []
  const seen = new Set()
  const walk = (e, depth) => {
    if (e == null || seen.has(e) || depth > 5) return
    seen.add(e)
    parts.push(`${e.name ?? 'Error'}: ${oneLine(e.message ?? e)}`)
    if (Array.isArray(e.errors)) e.errors.forEach(x => walk(x, depth + 1))
    walk(e.cause, depth + 1)
  }
  walk(err, 0)
  return parts.join(' <- ')
}

/** A js node with circuitRelayTransport; `relayTransport()` returns the transport instance. */
async function createRelayClient (ctx, { privateKey, listenOnRelay = false, name = 'node' } = {}) {
  let transport
  const factory = circuitRelayTransport()
  const node = await createNode({
    privateKey,
    listen: listenOnRelay ? [`${ctx.daemon.addr}/p2p-circuit`] : [],
    transports: [(components) => { transport = factory(components); return transport }],
    start: false
  })
  ctx.nodes.push(node)
  node.relayTransport = () => transport
  node.label = name
  // recorded before start: with a listen address the reservation is made during start()
  node.reservations = recordEvents(transport.reservationStore, 'relay:created-reservation')
  try {
    await withTimeout(node.start(), 15_000, `${name}.start()`)
  } catch (err) {
    throw new Error(`${name}.start() failed${listenOnRelay ? ` (listening on ${ctx.daemon.addr}/p2p-circuit makes a reservation on the relay)` : ''}: ${errChain(err)}`)
  }
  return node
}

/** Resolves A's circuit address through our relay once A advertises it. */
async function waitForCircuitAddr (node, daemon, timeoutMs = 10_000) {
  const want = `/p2p/${daemon.peerId}/p2p-circuit/p2p/${node.peerId}`
  const t = Date.now()
  while (true) {
    const addrs = node.getMultiaddrs().map(a => a.toString())
    const hit = addrs.filter(a => a.endsWith(want))
    if (hit.length > 0) return hit
    if (Date.now() - t > timeoutMs) fail(`${node.label} advertises no address ending in ${want} after ${timeoutMs} ms`, JSON.stringify(addrs))
    await sleep(50)
  }
}

async function handleEcho (node) {
  await node.handle(ECHO, (stream) => { echo(stream).catch(() => {}) }, { runOnLimitedConnection: true })
}

/** B dials A through the relay; checks it is a relayed connection to A. */
async function dialThroughRelay (B, daemon, A, timeoutMs = 15_000) {
  const target = multiaddr(`${daemon.addr}/p2p-circuit/p2p/${A.peerId}`)
  const conn = await withTimeout(B.dial(target, { signal: AbortSignal.timeout(timeoutMs) }), timeoutMs + 1_000, `B dials ${target}`)
  assertEqual(conn.remotePeer.toString(), A.peerId.toString(), 'remote peer of B\'s relayed connection')
  assertOk(conn.remoteAddr.toString().includes('/p2p-circuit'), 'B\'s connection to A is relayed', conn.remoteAddr.toString())
  return conn
}

/** A's inbound relayed connection from B (it may take a moment to be registered). */
async function inboundRelayed (A, B, timeoutMs = 5_000) {
  const t = Date.now()
  while (true) {
    const c = A.getConnections(B.peerId).find(c => c.remoteAddr.toString().includes('/p2p-circuit') && c.status === 'open')
    if (c != null) return c
    if (Date.now() - t > timeoutMs) fail(`A has no open relayed connection from B after ${timeoutMs} ms`, A.getConnections(B.peerId).map(c => `${c.remoteAddr} ${c.status}`).join(', '))
    await sleep(20)
  }
}

/**
 * Send `data` on an echo stream while reading the echo back. At most `window` bytes are outstanding
 * (sent, not yet echoed). Never throws: resolves { sent, got, received, readEnded, readErr,
 * writeErr, timedOut, ms } (ms until the last byte came back, or until both sides stopped).
 */
async function echoTransfer (stream, data, { window = Infinity, chunkSize = 64 * 1024, timeoutMs = 30_000 } = {}) {
  const received = new Uint8Array(data.length)
  const r = { sent: 0, got: 0, received, readEnded: false, readDone: false, readErr: undefined, writeErr: undefined, timedOut: false, ms: 0 }
  let wake = () => {}
  const progressed = () => new Promise(resolve => { wake = resolve })
  const t0 = performance.now()
  let tLast
  const timer = setTimeout(() => {
    r.timedOut = true
    stream.abort(new Error(`echo transfer timed out after ${timeoutMs} ms`))
  }, timeoutMs)

  const reader = (async () => {
    try {
      for await (const buf of stream) {
        const u = buf instanceof Uint8Array ? buf : buf.subarray()
        if (r.got + u.length > data.length) throw new Error(`echo returned more bytes than were sent (${r.got + u.length} > ${data.length})`)
        received.set(u, r.got)
        r.got += u.length
        tLast = performance.now()
        wake()
      }
      r.readEnded = true
    } catch (err) {
      r.readErr = err
    } finally {
      r.readDone = true
      wake()
    }
  })()
  const writer = (async () => {
    try {
      while (r.sent < data.length && !r.readDone) {
        while (r.sent - r.got >= window && !r.readDone) await progressed()
        if (r.readDone) break
        const n = Math.min(chunkSize, data.length - r.sent)
        const ok = stream.send(data.subarray(r.sent, r.sent + n))
        r.sent += n
        if (!ok) await stream.onDrain()
      }
      if (!r.readDone) await stream.close()
    } catch (err) {
      r.writeErr = err
    }
  })()
  await Promise.all([reader, writer])
  clearTimeout(timer)
  r.ms = (tLast ?? performance.now()) - t0
  return r
}

function describeTransfer (r) {
  return `sent ${r.sent}, echoed back ${r.got}, read ${r.readEnded ? 'ended' : 'did not end'} cleanly, ` +
    `read error: ${fmtErr(r.readErr)}, write error: ${fmtErr(r.writeErr)}${r.timedOut ? ', TIMED OUT' : ''}`
}

async function waitClosed (conn, timeoutMs, what) {
  const t = Date.now()
  while (conn.status === 'open') {
    if (Date.now() - t > timeoutMs) fail(`${what}: still open ${timeoutMs} ms later`)
    await sleep(50)
  }
  return Date.now() - t
}

/** Checks a relayed connection's limits as js exposes them, against data/duration sent by the relay. */
function checkLimits (conn, who, { data, duration }) {
  const l = conn.limits
  assertOk(l != null, `${who}: js marks the relayed connection as limited (connection.limits set)`, fmtLimits(l))
  const init = initialLimits.get(l)
  if (init != null) {
    assertEqual(init.bytes, BigInt(data), `${who}: data limit js decoded (Limit.data, bytes)`)
    assertOk(init.ms != null, `${who}: js decoded a duration limit`)
    // js turns Limit.duration (seconds) into now + duration*1000; a relay sending ms shows up here
    assertOk(Math.abs(init.ms - duration * 1000) <= 2_000, `${who}: duration limit js decoded (Limit.duration, seconds)`,
      `expected ${duration} s, js computed an expiry ${Math.round(init.ms / 1000)} s ahead`)
  }
  // what remains now: bytes counts both directions and the end-to-end handshake, so a little less
  assertOk(typeof l.bytes === 'bigint' && l.bytes <= BigInt(data) && l.bytes > BigInt(data) - 16_384n,
    `${who}: connection.limits.bytes (remaining) in (${data - 16_384}, ${data}]`, String(l.bytes))
  assertOk(typeof l.seconds === 'number' && l.seconds <= duration && l.seconds >= duration - 5,
    `${who}: connection.limits.seconds (remaining) in [${duration - 5}, ${duration}]`, String(l.seconds))
  return { bytes: l.bytes, seconds: l.seconds, initial: init == null ? null : { bytes: init.bytes, seconds: Math.round(init.ms / 1000) } }
}

const mh = (peerId) => peerId.toMultihash().bytes

/** Asserts on a reply to RESERVE that must be STATUS OK; returns a summary. */
async function checkReserveOk (r, daemon, reserver, what) {
  const rep = r.reply
  assertEqual(rep.type, HopType.STATUS, `${what}: reply type (STATUS = 2)`)
  assertOk(rep.status === Status.OK, `${what}: reply status`, `expected OK (100), got ${statusName(rep.status)}`)
  assertOk(r.replyLength <= 4096, `${what}: reply is at most 4096 bytes (go and rust refuse more)`, `${r.replyLength} bytes`)
  const res = rep.reservation
  assertOk(res != null, `${what}: reply carries a reservation`)
  const now = Math.floor(Date.now() / 1000)
  assertOk(res.expire != null, `${what}: reservation.expire present`)
  const ttl = Number(res.expire) - now
  assertOk(Math.abs(ttl - DEFAULT_TTL) <= 60, `${what}: reservation.expire is unix seconds ~ now + ${DEFAULT_TTL}`,
    `expire ${res.expire} = now ${ttl >= 0 ? '+' : ''}${ttl} s`)

  // addresses: non-empty, /p2p/<relay>, no p2p-circuit, no unspecified address; ours includes
  // the concrete bound loopback address when nothing external is configured
  const addrs = []
  for (const b of res.addrs) {
    let ma
    try { ma = multiaddr(b) } catch (err) { fail(`${what}: reservation address ${hex(b)} does not decode`, err.message) }
    addrs.push(ma.toString())
  }
  assertOk(addrs.length > 0, `${what}: reservation.addrs is not empty (rust-libp2p clients fail with NoAddressesInReservation)`)
  for (const a of addrs) {
    assertOk(a.includes(`/p2p/${daemon.peerId}`), `${what}: reservation address contains /p2p/<relay id>`, a)
    assertOk(!a.includes('/p2p-circuit'), `${what}: reservation address contains no /p2p-circuit`, a)
    assertOk(!/^\/ip4\/0\.0\.0\.0\/|^\/ip6\/::\//.test(a), `${what}: reservation address is not unspecified (0.0.0.0 / ::)`, a)
  }
  // with --external-address (extra args) those are the reservation's addresses; without, the
  // concrete bound address (127.0.0.1 here, never 0.0.0.0)
  const externals = extraArgs.flatMap((a, i) => a === '--external-address' && extraArgs[i + 1] != null ? [extraArgs[i + 1]] : [])
  const expected = externals.length > 0
    ? externals.map(e => `${e.replace(/\/p2p\/[^/]+$/, '')}/p2p/${daemon.peerId}`)
    : [`/ip4/127.0.0.1/tcp/${daemon.port}/p2p/${daemon.peerId}`]
  for (const e of expected) {
    assertOk(addrs.includes(e), `${what}: reservation.addrs include ${externals.length > 0 ? 'the --external-address' : 'the bound listen address'} ${e}`, JSON.stringify(addrs))
  }

  // limit
  assertOk(rep.limit != null, `${what}: reply carries a limit`)
  assertEqual(rep.limit.duration, DEFAULT_DURATION, `${what}: limit.duration (seconds)`)
  assertEqual(rep.limit.data, BigInt(DEFAULT_DATA_LIMIT), `${what}: limit.data (bytes per direction)`)

  // voucher: signed envelope over the RFC 0002 buffer, by the relay, for the reserving peer
  assertOk(res.voucher != null, `${what}: reservation.voucher present`)
  const v = await openVoucher(res.voucher)
  assertOk(v.error == null, `${what}: voucher envelope`, v.error)
  assertOk(uint8ArrayEquals(v.envelope.payloadType, VOUCHER_PAYLOAD_TYPE), `${what}: voucher payload_type is the literal bytes 03 02`,
    hex(v.envelope.payloadType))
  assertOk(v.signatureValid, `${what}: voucher signature verifies over uvarint(17)‖"libp2p-relay-rsvp"‖uvarint(2)‖03 02‖uvarint(len)‖payload`,
    `signature ${hex(v.envelope.signature, 16)}, key ${hex(v.envelope.publicKey, 16)}`)
  assertEqual(peerIdFromPublicKey(v.publicKey).toString(), daemon.peerId, `${what}: voucher signed by the relay's key`)
  assertOk(uint8ArrayEquals(publicKeyToProtobuf(v.publicKey), v.envelope.publicKey), `${what}: voucher public_key deterministically encoded`)
  assertOk(v.payload.relay != null && uint8ArrayEquals(v.payload.relay, mh(peerIdFromString(daemon.peerId))),
    `${what}: voucher payload relay == relay peer id`, hex(v.payload.relay))
  assertOk(v.payload.peer != null && uint8ArrayEquals(v.payload.peer, mh(reserver.peerId)),
    `${what}: voucher payload peer == the reserving peer`, hex(v.payload.peer))
  assertEqual(v.payload.expiration, res.expire, `${what}: voucher payload expiration == reservation.expire`)
  return { expireIn: ttl, addrs, limit: { duration: rep.limit.duration, data: Number(rep.limit.data) }, replyBytes: r.replyLength, voucherBytes: res.voucher.length }
}

// ---------------------------------------------------------------------------------------------
// sub-tests

const SUBTESTS = [
  {
    id: 'a',
    title: 'echo through relay, unlimited',
    flags: ['--circuit-data-limit', '0', '--circuit-duration', '0'],
    async run (ctx) {
      const A = await createRelayClient(ctx, { listenOnRelay: true, name: 'A' })
      await handleEcho(A)
      const circuitAddrs = await waitForCircuitAddr(A, ctx.daemon)
      const B = await createRelayClient(ctx, { name: 'B' })
      const conn = await dialThroughRelay(B, ctx.daemon, A)
      const inbound = await inboundRelayed(A, B)
      assertOk(conn.limits == null, 'B: no connection.limits on an unlimited circuit (relay sent no limit or zeros)', fmtLimits(conn.limits))
      assertOk(inbound.limits == null, 'A: no connection.limits on an unlimited circuit (relay sent no limit or zeros)', fmtLimits(inbound.limits))

      const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
      const data = randomBytes(MiB)
      const r = await echoTransfer(stream, data, { timeoutMs: 30_000 })
      const d = describeTransfer(r)
      assertOk(!r.timedOut, '1 MiB echo finishes within 30 s', d)
      assertOk(r.readErr == null && r.writeErr == null, '1 MiB echo without stream errors', d)
      assertEqual(r.got, data.length, `bytes echoed back (${d})`)
      assertOk(uint8ArrayEquals(r.received, data), 'echoed bytes equal the bytes sent')
      assertEqual(conn.status, 'open', 'B\'s relayed connection still open after 1 MiB each way')
      const mibps = (data.length / MiB) / (r.ms / 1000)
      return { summary: `1 MiB each way in ${r.ms.toFixed(0)} ms (${mibps.toFixed(1)} MiB/s one way); A advertised ${circuitAddrs.join(' ')}` }
    }
  },
  {
    id: 'b',
    title: 'default limits cut the circuit',
    flags: [],
    async run (ctx) {
      const A = await createRelayClient(ctx, { listenOnRelay: true, name: 'A' })
      await handleEcho(A)
      await waitForCircuitAddr(A, ctx.daemon)
      const B = await createRelayClient(ctx, { name: 'B' })
      const conn = await dialThroughRelay(B, ctx.daemon, A)
      const inbound = await inboundRelayed(A, B)
      const limB = checkLimits(conn, 'B (HOP STATUS limit)', { data: DEFAULT_DATA_LIMIT, duration: DEFAULT_DURATION })
      const limA = checkLimits(inbound, 'A (STOP CONNECT limit)', { data: DEFAULT_DATA_LIMIT, duration: DEFAULT_DURATION })

      const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
      const data = randomBytes(MiB)
      // at most 32 KiB in flight: echoed data keeps coming back until the relay cuts the circuit
      const r = await echoTransfer(stream, data, { window: 32 * 1024, chunkSize: 8 * 1024, timeoutMs: 30_000 })
      const d = describeTransfer(r)
      assertOk(!r.timedOut, 'the relay ends the circuit at the data limit (the transfer must fail, not stall)', d)
      assertOk(r.got < data.length, 'the 1 MiB echo does not complete through a 128 KiB circuit', d)
      assertOk(r.readErr != null || r.writeErr != null || r.readEnded, 'the transfer failed or the stream ended', d)
      assertOk(r.got > 0, 'some echoed bytes came back before the cut', d)
      assertOk(r.got <= DEFAULT_DATA_LIMIT, `B received at most ${DEFAULT_DATA_LIMIT} bytes back`, d)
      assertOk(uint8ArrayEquals(r.received.subarray(0, r.got), data.subarray(0, r.got)), 'the bytes echoed before the cut are intact')
      const closeMs = await waitClosed(conn, 10_000, 'B\'s relayed connection after the cut')

      // the circuit is gone, the reservation is not: a new circuit to A works
      const conn2 = await dialThroughRelay(B, ctx.daemon, A)
      assertOk(conn2.id !== conn.id, 'a new relayed connection after the cut')
      const s2 = await conn2.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
      const small = randomBytes(1024)
      const r2 = await echoTransfer(s2, small, { timeoutMs: 10_000 })
      assertOk(r2.got === small.length && uint8ArrayEquals(r2.received, small), 'a 1 KiB echo over a new circuit after the cut', describeTransfer(r2))
      return {
        summary: `cut after ${r.sent} sent / ${r.got} echoed (${r.readErr != null ? `read: ${fmtErr(r.readErr)}` : r.writeErr != null ? `write: ${fmtErr(r.writeErr)}` : 'stream ended'}), relayed connection closed ${closeMs} ms later; ` +
          `js limits B ${JSON.stringify(limB, (_k, v) => typeof v === 'bigint' ? Number(v) : v)} A ${JSON.stringify(limA, (_k, v) => typeof v === 'bigint' ? Number(v) : v)}; new circuit OK`
      }
    }
  },
  {
    id: 'c',
    title: 'voucher accepted',
    flags: [],
    async run (ctx) {
      const relayId = peerIdFromString(ctx.daemon.peerId)
      // js client: the reservation it stored (decoded by js's own codec) carries our voucher
      const A = await createRelayClient(ctx, { listenOnRelay: true, name: 'A' })
      await waitForCircuitAddr(A, ctx.daemon)
      const ev = await A.reservations.waitFor(d => d.relay.equals(relayId), 5_000, 'relay:created-reservation for our relay')
      const res = A.relayTransport().reservationStore.getReservation(relayId)
      assertOk(res != null, 'js reservation store holds a reservation on our relay')
      assertOk(ev.details.reservation === res, 'relay:created-reservation carries the stored reservation')
      const v = res.voucher
      assertOk(v != null, 'js decoded a voucher in our reservation')
      assertOk(v.payloadType != null && uint8ArrayEquals(v.payloadType, VOUCHER_PAYLOAD_TYPE), 'js voucher payloadType is 03 02', hex(v.payloadType))
      assertOk(v.payload != null, 'js decoded the voucher payload (ReservationVoucher)')
      assertOk(uint8ArrayEquals(v.payload.relay, mh(relayId)), 'js voucher relay == our relay id', hex(v.payload.relay))
      assertOk(uint8ArrayEquals(v.payload.peer, mh(A.peerId)), 'js voucher peer == A', hex(v.payload.peer))
      assertEqual(v.payload.expiration, res.expire, 'js voucher expiration == reservation expire')
      const jsTtl = Number(res.expire) - Math.floor(Date.now() / 1000)
      assertOk(Math.abs(jsTtl - DEFAULT_TTL) <= 60, `js reservation expire ~ now + ${DEFAULT_TTL} s`, `now + ${jsTtl} s`)
      assertOk(v.publicKey != null && peerIdFromPublicKey(publicKeyFromProtobuf(v.publicKey)).equals(relayId),
        'js voucher publicKey is our relay\'s key')
      assertOk(v.signature != null && v.signature.length > 0, 'js voucher has a signature')

      // raw RESERVE from another node: the exact bytes, and the signature
      const C = await createNode()
      ctx.nodes.push(C)
      const r = await hopReserve(C, ctx.daemon.multiaddr)
      const s = await checkReserveOk(r, ctx.daemon, C, 'raw RESERVE')
      return { summary: `js stored voucher for A (expire now+${jsTtl} s); raw reply ${s.replyBytes} B, voucher ${s.voucherBytes} B signature OK, expire now+${s.expireIn} s, limit ${JSON.stringify(s.limit)}, addrs ${s.addrs.join(' ')}` }
    }
  },
  {
    id: 'd',
    title: 'reserve, disconnect, reserve again',
    flags: ['--max-reservations', '1'],
    async run (ctx) {
      const keyA = await generateKeyPair('Ed25519')
      const A = await createRelayClient(ctx, { privateKey: keyA, listenOnRelay: true, name: 'A' })
      await waitForCircuitAddr(A, ctx.daemon)
      await A.stop() // closes every connection to the relay
      const tStop = Date.now()

      // A' (new key): the only slot must be free again. The relay may take a moment to see A's
      // connection close: retry for up to 5 s, each attempt a fresh node with the same key.
      const keyA2 = await generateKeyPair('Ed25519')
      let A2
      const errors = []
      for (let attempt = 1; A2 == null; attempt++) {
        try {
          A2 = await createRelayClient(ctx, { privateKey: keyA2, listenOnRelay: true, name: `A' (attempt ${attempt})` })
          await waitForCircuitAddr(A2, ctx.daemon, 3_000)
        } catch (err) {
          const e = errChain(err)
          if (errors.length === 0 || errors[errors.length - 1].error !== e) errors.push({ first: attempt, last: attempt, error: e })
          else errors[errors.length - 1].last = attempt
          if (A2 != null) await A2.stop().catch(() => {})
          A2 = undefined
          if (Date.now() - tStop > 5_000) {
            fail('A\' (new key) could not reserve the only slot after A disconnected: the relay did not free A\'s reservation when its connection closed',
              errors.map(e => `attempt${e.first === e.last ? ` ${e.first}` : `s ${e.first}-${e.last}`}: ${e.error}`).join('; '))
          }
          await sleep(250)
        }
      }
      const freedAfter = Date.now() - tStop

      // A' refreshing on its connection keeps its slot (no second slot needed)
      const refresh = await hopReserve(A2, ctx.daemon.multiaddr)
      assertOk(refresh.reply.status === Status.OK, 'A\' refreshes its reservation (refresh takes no new slot)', statusName(refresh.reply.status))

      // A again (same key, new node) while A' holds the slot: refused
      const A3 = await createNode({ privateKey: keyA })
      ctx.nodes.push(A3)
      const r = await hopReserve(A3, ctx.daemon.multiaddr)
      assertEqual(r.reply.type, HopType.STATUS, 'reply type to A\'s RESERVE (STATUS)')
      assertOk(r.reply.status === Status.RESERVATION_REFUSED, 'A (same key) RESERVE while A\' holds the only slot',
        `expected RESERVATION_REFUSED (200), got ${statusName(r.reply.status)}`)
      assertOk(r.reply.reservation == null, 'no reservation in a refusal')

      // and A' is the one reachable through the relay
      await handleEcho(A2)
      const B = await createRelayClient(ctx, { name: 'B' })
      const conn = await dialThroughRelay(B, ctx.daemon, A2)
      const s = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
      const small = randomBytes(1024)
      const e = await echoTransfer(s, small, { timeoutMs: 10_000 })
      assertOk(e.got === small.length && uint8ArrayEquals(e.received, small), 'B echoes 1 KiB with A\' through the relay', describeTransfer(e))
      // A' leaves; A itself (same key) reconnects and reserves the freed slot again.
      await A2.stop()
      const tStop2 = Date.now()
      let A4
      for (;;) {
        try {
          A4 = await createRelayClient(ctx, { privateKey: keyA, listenOnRelay: true, name: 'A (reconnected)' })
          await waitForCircuitAddr(A4, ctx.daemon, 3_000)
          break
        } catch (err) {
          if (A4 != null) await A4.stop().catch(() => {})
          A4 = undefined
          if (Date.now() - tStop2 > 5_000) fail('A could not reserve again after reconnecting', errChain(err))
          await sleep(250)
        }
      }
      return { summary: `A' reserved ${freedAfter} ms after A stopped (${errors.reduce((n, e) => n + e.last - e.first + 1, 0)} failed attempt(s) before), refresh OK, A again -> ${statusName(r.reply.status)}, B reaches A', A reconnected and reserved again after A' left` }
    }
  },
  {
    id: 'f',
    title: 'duration limit cuts the circuit',
    flags: ['--circuit-duration', '2', '--circuit-data-limit', '0'],
    async run (ctx) {
      const A = await createRelayClient(ctx, { listenOnRelay: true, name: 'A' })
      await handleEcho(A)
      await waitForCircuitAddr(A, ctx.daemon)
      const B = await createRelayClient(ctx, { name: 'B' })
      const tDial = Date.now()
      const conn = await dialThroughRelay(B, ctx.daemon, A)
      const tOpen = Date.now()
      const l = conn.limits
      const secondsAtOpen = l?.seconds
      assertOk(l != null && typeof l.seconds === 'number' && l.seconds >= 1 && l.seconds <= 2,
        'B: connection.limits.seconds (remaining) in [1, 2] for --circuit-duration 2', fmtLimits(l))
      assertOk(l.bytes == null, 'B: no byte limit with --circuit-data-limit 0 (js shows connection.limits.bytes only for a non-zero data limit)', String(l.bytes))
      const s = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(5_000) })
      const small = randomBytes(1024)
      const e = await echoTransfer(s, small, { timeoutMs: 5_000 })
      assertOk(e.got === small.length && uint8ArrayEquals(e.received, small), '1 KiB echo within the duration limit', describeTransfer(e))
      await waitClosed(conn, 8_000, 'B\'s relayed connection with a 2 s duration limit')
      const tClosed = Date.now()
      assertOk(tClosed - tDial >= 1_900, 'the circuit lives for the duration limit (2 s)', `closed ${tClosed - tDial} ms after the dial started`)
      assertOk(tClosed - tOpen <= 5_000, 'the relay cuts the circuit within 3 s after the 2 s duration limit', `closed ${tClosed - tOpen} ms after the dial finished`)
      return { summary: `relayed connection closed ${tClosed - tOpen} ms after it opened (dial took ${tOpen - tDial} ms); js limits.seconds was ${secondsAtOpen} at open` }
    }
  },
  {
    id: 'e',
    title: 'no reservation',
    flags: [],
    async run (ctx) {
      const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const B = await createRelayClient(ctx, { name: 'B' })
      const target = multiaddr(`${ctx.daemon.addr}/p2p-circuit/p2p/${nobody}`)
      let dialErr
      try {
        const c = await withTimeout(B.dial(target, { signal: AbortSignal.timeout(15_000) }), 16_000, `B dials ${target}`)
        fail(`B's dial to a peer without a reservation succeeded (connection to ${c.remotePeer} via ${c.remoteAddr})`)
      } catch (err) {
        if (err?.name === 'AssertionError' || /^timed out/.test(err?.message)) throw err
        dialErr = errChain(err)
      }

      const raw = await hopConnect(B, ctx.daemon.multiaddr, nobody)
      assertEqual(raw.reply.type, HopType.STATUS, 'reply type to CONNECT (STATUS)')
      assertOk(raw.reply.status === Status.NO_RESERVATION, `raw CONNECT to ${nobody} (unknown peer)`,
        `expected NO_RESERVATION (204), got ${statusName(raw.reply.status)}`)

      // a peer that is connected to the relay but holds no reservation is not reachable either
      const C = await createNode()
      ctx.nodes.push(C)
      await withTimeout(C.dial(ctx.daemon.multiaddr), 10_000, 'C connects to the relay')
      const raw2 = await hopConnect(B, ctx.daemon.multiaddr, C.peerId)
      assertOk(raw2.reply.status === Status.NO_RESERVATION, 'raw CONNECT to a peer connected to the relay without a reservation',
        `expected NO_RESERVATION (204), got ${statusName(raw2.reply.status)}`)
      return { summary: `js dial failed (${dialErr}); raw CONNECT -> ${statusName(raw.reply.status)} and ${statusName(raw2.reply.status)} (connected, unreserved)` }
    }
  },
  {
    id: 'g',
    title: 'metrics file and Prometheus follow js peers',
    flags: (ctx) => ['--circuit-data-limit', '0', '--circuit-duration', '0', '--metrics-file', join(ctx.tmp, 'metrics.json'),
      '--prometheus-listen', '127.0.0.1:0'],
    async run (ctx) {
      const file = join(ctx.tmp, 'metrics.json')
      const { match } = await ctx.daemon.waitForLine(/prometheus metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/, 5_000)
      const url = match[1]
      let last = {}
      const waitMetrics = async (pred, what, timeoutMs = 8_000) => {
        const t = Date.now()
        while (true) {
          try { last = JSON.parse(await readFile(file, 'utf8')) } catch (err) { fail(`metrics.json does not parse: ${err.message}`) }
          if (pred(last)) return last
          if (Date.now() - t > timeoutMs) fail(`metrics.json: ${what} not seen within ${timeoutMs} ms`, JSON.stringify(last))
          await sleep(50)
        }
      }
      const scrape = async () => {
        const text = await (await fetch(url)).text()
        const value = (name) => {
          const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'))
          return m == null ? undefined : Number(m[1])
        }
        return { text, value }
      }
      await waitMetrics(j => j.connected_peers === 0 && j.relay_reservations === 0, 'an idle relay')

      const A = await createRelayClient(ctx, { listenOnRelay: true, name: 'A' })
      await handleEcho(A)
      await waitForCircuitAddr(A, ctx.daemon)
      await waitMetrics(j => j.connected_peers === 1 && j.relay_reservations === 1 && j.reservations_accepted === 1,
        'A connected with a reservation')
      const B = await createRelayClient(ctx, { name: 'B' })
      const C = await createRelayClient(ctx, { name: 'C' })
      await withTimeout(C.dial(ctx.daemon.multiaddr), 10_000, 'C connects to the relay')
      const conn = await dialThroughRelay(B, ctx.daemon, A)
      await waitMetrics(j => j.connected_peers === 3 && j.relay_circuits === 1 && j.circuits_accepted === 1,
        '3 peers and 1 circuit')
      const p = await scrape()
      assertEqual(p.value('chiral_relay_connected_peers'), 3, 'Prometheus connected_peers')
      assertEqual(p.value('chiral_relay_reservations'), 1, 'Prometheus reservations')
      assertEqual(p.value('chiral_relay_circuits'), 1, 'Prometheus circuits')

      const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
      const data = randomBytes(256 * 1024)
      const r = await echoTransfer(stream, data, { timeoutMs: 20_000 })
      assertEqual(r.got, data.length, `bytes echoed back (${describeTransfer(r)})`)
      await conn.close()
      // Both directions carried the payload plus the end-to-end Noise/yamux/multistream overhead.
      const j = await waitMetrics(j => j.relay_circuits === 0 && j.circuits_closed === 1, 'the circuit closed')
      assertOk(j.bytes_relayed.src_to_dst >= data.length && j.bytes_relayed.src_to_dst < data.length + 16384,
        'bytes relayed B -> A = payload + a little overhead', JSON.stringify(j.bytes_relayed))
      assertOk(j.bytes_relayed.dst_to_src >= data.length && j.bytes_relayed.dst_to_src < data.length + 16384,
        'bytes relayed A -> B = payload + a little overhead', JSON.stringify(j.bytes_relayed))
      const q = await scrape()
      assertEqual(q.value('chiral_relay_circuit_duration_seconds_count'), 1, 'Prometheus circuit duration histogram count')
      assertEqual(q.value('chiral_relay_bytes_relayed_total{direction="src_to_dst"}'), j.bytes_relayed.src_to_dst,
        'Prometheus bytes relayed = metrics.json')

      await A.stop()
      await waitMetrics(j => j.connected_peers === 2 && j.relay_reservations === 0, 'A gone: its reservation ended')
      await B.stop()
      await C.stop()
      await waitMetrics(j => j.connected_peers === 0 && j.connections === 0, 'everyone gone')
      return { summary: `metrics.json and /metrics matched 3 js peers, 1 reservation, 1 circuit (${j.bytes_relayed.src_to_dst} + ${j.bytes_relayed.dst_to_src} bytes relayed) and their departure` }
    }
  }
]

// ---------------------------------------------------------------------------------------------

await runTest('relay', async () => {
  const selected = SUBTESTS.filter(t => ONLY.length === 0 || ONLY.includes(t.id)).sort((x, y) => x.id.localeCompare(y.id))
  if (selected.length === 0) fail(`INTEROP_RELAY_ONLY=${ONLY.join(',')} selects no sub-test (have ${SUBTESTS.map(t => t.id).join(',')})`)
  info(`js limit spy: ${limitSpy}`)
  const failed = []
  for (const t of selected) {
    const name = `(${t.id}) ${t.title}`
    const tmp = await mkdtemp(join(tmpdir(), `chiral-relay-${t.id}-`))
    const ctx = { nodes: [], tmp, daemon: undefined }
    const t0 = Date.now()
    let result
    let error
    try {
      const flags = typeof t.flags === 'function' ? t.flags(ctx) : t.flags
      const args = ['--listen', '/ip4/127.0.0.1/tcp/0', '--identity-path', join(tmp, 'id.key'), ...flags, ...extraArgs]
      ctx.daemon = await startDaemon(bin, args, { name: `daemon-${t.id}` })
      result = await withTimeout(t.run(ctx), SUBTEST_TIMEOUT_MS, `sub-test ${name}`)
      if (ctx.daemon.exitInfo != null) fail('daemon still running at the end of the sub-test', `it exited: ${JSON.stringify(ctx.daemon.exitInfo)}`)
    } catch (err) {
      error = err
    }
    for (const n of ctx.nodes) await n.stop().catch(() => {})
    if (ctx.daemon != null) {
      const st = await ctx.daemon.stop()
      if (error == null && (st.killed || st.code !== 0)) {
        error = new Error(`daemon did not exit 0 within 5 s of SIGTERM: ${JSON.stringify(st)}`)
      }
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1)
    if (error == null) {
      console.log(`PASS ${name} [${secs} s]: ${result?.summary ?? ''}`)
    } else {
      failed.push(t.id)
      console.log(`FAIL ${name} [${secs} s]: ${oneLine(error?.message ?? error)}`)
      console.error(`FAIL ${name}: ${error?.stack ?? error}`)
      if (ctx.daemon != null) dumpDaemonOutput(200, [ctx.daemon])
    }
    if (ctx.daemon != null) forgetDaemon(ctx.daemon)
    await rm(tmp, { recursive: true, force: true })
  }
  if (failed.length > 0) fail(`${failed.length} of ${selected.length} sub-tests failed: ${failed.join(', ')}`)
}, { timeoutMs: 170_000 })
