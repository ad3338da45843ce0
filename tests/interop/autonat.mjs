// js-libp2p AutoNAT clients (@libp2p/autonat-v2, @libp2p/autonat for v1) <-> chiral-relay's AutoNAT server.
//
// usage: node autonat.mjs <path-to-chiral-relay> [extra daemon args...]
//        INTEROP_AUTONAT_ONLY=a,d node autonat.mjs ...   runs only those sub-tests
//
// Daemon: <bin> --listen /ip4/127.0.0.1/tcp/0 --identity-path <tmp>/id.key --autonat-allow-private
// (sub-test (f): without --autonat-allow-private). Everything runs on loopback, and both js clients
// drop private/loopback addresses before asking anyone (isPrivate() in getUnverifiedMultiaddrs /
// getFirstUnverifiedMultiaddr), so left alone they never send us a request - (a) shows that. The
// other sub-tests therefore run the js clients' own request/verdict code (askPeerToVerify) on an
// address we hand them, and speak the protocol with js's own generated protobuf codecs
// (dist/src/pb/index.js of both packages) where the raw answers matter.
//
//  (a) identify advertises /libp2p/autonat/2/dial-request and /libp2p/autonat/1.0.0 (not dial-back);
//      a js node with autoNATv2() + autoNAT() listening on 127.0.0.1 connects and sends no request.
//  (b) v2 js client verdicts: its listen address -> dialed back (nonce checked by js), js marks the
//      address verified (addressManager); a dead port -> js counts one failure (E_DIAL_ERROR).
//  (c) v2 js client on 127.0.0.2 (seen by us as 127.0.0.1): we ask for dial data, js pays it in 4096-byte
//      chunks, we dial 127.0.0.2 and js verifies the address; the amount we asked is in [30000, 100000].
//  (d) raw v2 (js codec): OK + the nonce arrives on a new connection from a peer id other than the
//      daemon's, reaching exactly the requested address; E_DIAL_ERROR for a closed port;
//      E_DIAL_BACK_ERROR for a node without a dial-back handler.
//  (e) raw v2 amplification guard: an address on another IP gets DialDataRequest{addrIdx, numBytes in
//      [30000, 100000]}; a client that sends 8 KiB and stalls is cut off (reset) by the server's
//      dial-data deadline (15 s) and never dialed.
//  (f) without --autonat-allow-private: loopback -> E_DIAL_REFUSED (v2) and E_DIAL_REFUSED (v1).
//  (g) v1: the js v1 client's askPeerToVerify on its listen address -> OK, js marks it verified;
//      raw (js codec): OK carries the dialed addr; wrong PeerInfo.id -> E_BAD_REQUEST; an address on
//      another IP -> E_DIAL_REFUSED (v1 dials the observed IP only).
import './lib/polyfill.mjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { autoNAT } from '@libp2p/autonat'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { peerSet } from '@libp2p/peer-collections'
import { PeerQueue, pbStream } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import {
  assertEqual, assertIncludes, assertOk, connectionLocalAddr, createNode, dumpDaemonOutput, fail, forgetDaemon,
  multiaddr, sleep, startDaemon, stripP2p, waitForIdentify, withTimeout
} from './lib/harness.mjs'

const [bin, ...extraArgs] = process.argv.slice(2)
if (bin == null) {
  console.error('usage: node autonat.mjs <path-to-chiral-relay> [extra daemon args...]')
  process.exit(2)
}

const V2_DIAL_REQUEST = '/libp2p/autonat/2/dial-request'
const V2_DIAL_BACK = '/libp2p/autonat/2/dial-back'
const V1 = '/libp2p/autonat/1.0.0'
const SUBTEST_TIMEOUT_MS = 40_000
const ONLY = (process.env.INTEROP_AUTONAT_ONLY ?? '').split(',').map(s => s.trim()).filter(s => s !== '')

// js's own generated codecs (not exported from the package roots).
const v2pb = await import(new URL('./pb/index.js', import.meta.resolve('@libp2p/autonat-v2')).href)
const v1pb = await import(new URL('./pb/index.js', import.meta.resolve('@libp2p/autonat')).href)
const { Message: V2Message, DialBack, DialBackResponse, DialResponse: V2DialResponse, DialStatus } = v2pb
const { Message: V1Message } = v1pb

const v2Name = (code) => `${Object.keys(V2DialResponse.ResponseStatus).find(k => V2DialResponse.ResponseStatus[k] === code) ?? 'unknown'} (${code})`
const dialName = (code) => `${Object.keys(DialStatus).find(k => DialStatus[k] === code) ?? 'unknown'} (${code})`
const v1Name = (code) => `${Object.keys(V1Message.ResponseStatus).find(k => V1Message.ResponseStatus[k] === code) ?? 'unknown'} (${code})`

// ---------------------------------------------------------------------------------------------
// helpers

async function withDaemon (flags, fn) {
  const dir = await mkdtemp(join(tmpdir(), 'chiral-autonat-'))
  const daemon = await startDaemon(bin, ['--listen', '/ip4/127.0.0.1/tcp/0', '--identity-path', join(dir, 'id.key'),
    ...flags, ...extraArgs])
  let passed = false
  try {
    const r = await fn(daemon)
    passed = true
    return r
  } finally {
    const exit = await daemon.stop()
    if (exit.code !== 0 || exit.killed) {
      passed = false
      console.error(`daemon did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}`)
    }
    // A failing sub-test shows its daemon's log; a passing one is forgotten.
    if (!passed) dumpDaemonOutput(150, [daemon])
    forgetDaemon(daemon)
    await rm(dir, { recursive: true, force: true })
  }
}

/** A TCP port on 127.0.0.1 nobody listens on. */
async function closedPort () {
  const srv = createServer()
  await new Promise(resolve => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address()
  await new Promise(resolve => srv.close(resolve))
  return port
}

const nodes = []
async function node (opts) {
  const n = await createNode(opts)
  nodes.push(n)
  return n
}
async function stopNodes () {
  await Promise.allSettled(nodes.splice(0).map(n => n.stop()))
}

/** The first listen address of a js node, without /p2p. */
const listenAddr = (n) => multiaddr(stripP2p(n.getMultiaddrs()[0]))

/** One DialRequest with js's codec; pays dial data if `pay` allows; returns { response, ddr, sent }. */
async function v2Request (conn, addrs, nonce, { pay = Infinity, stallAfter } = {}) {
  const stream = await conn.newStream(V2_DIAL_REQUEST, { signal: AbortSignal.timeout(10_000) })
  const messages = pbStream(stream, { maxDataLength: 8192 }).pb(V2Message)
  const signal = AbortSignal.timeout(30_000)
  await messages.write({ dialRequest: { addrs: addrs.map(a => multiaddr(a).bytes), nonce } }, { signal })
  let ddr
  let sent = 0
  for (;;) {
    const msg = await messages.read({ signal })
    if (msg.dialResponse != null) {
      await stream.close().catch(() => {})
      return { response: msg.dialResponse, ddr, sent }
    }
    if (msg.dialDataRequest == null) fail('v2 answer', `neither DialResponse nor DialDataRequest: ${JSON.stringify(msg)}`)
    ddr = msg.dialDataRequest
    const want = Number(ddr.numBytes)
    if (want > pay) {
      stream.abort(new Error('refusing the dial data cost'))
      return { response: undefined, ddr, sent }
    }
    const chunk = new Uint8Array(4096)
    while (sent < want) {
      if (stallAfter != null && sent >= stallAfter) {
        // Stop paying, keep the stream open: what does the server do?
        const t0 = Date.now()
        try {
          const more = await messages.read({ signal: AbortSignal.timeout(40_000) })
          return { response: more.dialResponse, ddr, sent, stalledMs: Date.now() - t0, ended: 'message' }
        } catch (err) {
          return { response: undefined, ddr, sent, stalledMs: Date.now() - t0, ended: err.name ?? String(err) }
        }
      }
      await messages.write({ dialDataResponse: { data: chunk } }, { signal })
      sent += chunk.length
    }
  }
}

/** One v1 DIAL with js's codec; returns the DialResponse. */
async function v1Request (conn, peer) {
  const stream = await conn.newStream(V1, { signal: AbortSignal.timeout(10_000) })
  const messages = pbStream(stream, { maxDataLength: 8192 }).pb(V1Message)
  const signal = AbortSignal.timeout(30_000)
  await messages.write({ type: V1Message.MessageType.DIAL, dial: { peer } }, { signal })
  const msg = await messages.read({ signal })
  await stream.close().catch(() => {})
  assertEqual(msg.type, V1Message.MessageType.DIAL_RESPONSE, 'v1 answer type')
  return msg.dialResponse
}

/** Handles /libp2p/autonat/2/dial-back on a js node with js's codec; records what arrives. */
async function recordDialBacks (n) {
  const got = []
  await n.handle(V2_DIAL_BACK, async (stream, connection) => {
    try {
      const messages = pbStream(stream, { maxDataLength: 8192 })
      const msg = await messages.read(DialBack, { signal: AbortSignal.timeout(10_000) })
      let local
      try { local = connectionLocalAddr(connection) } catch {}
      got.push({ nonce: msg.nonce, from: connection.remotePeer.toString(), direction: connection.direction, local })
      await messages.write({ status: DialBackResponse.DialBackStatus.OK }, DialBackResponse)
      await stream.close()
    } catch (err) {
      stream.abort(err)
    }
  })
  return got
}

/** A js AutoNAT client's result entry for `ma`, as its getUnverifiedMultiaddrs would have made it. */
function v2Entry (ma) {
  return { multiaddr: ma, success: 0, failure: 0, networkSegments: [], verifyingPeers: peerSet(), type: 'transport' }
}
function v1Entry (ma) {
  return { ...v2Entry(ma), queue: new PeerQueue({ concurrency: 3, maxSize: 50 }) }
}

/**
 * Prepares a js client (v2 AutoNATv2Client or v1 AutoNATService) to verify an address its own filters
 * would never pick: records its verdicts (confirmAddress / unconfirmAddress, what it reports to its
 * address manager) and keeps it from dropping our injected result entries as "not awaited" (its
 * removeOutdatedMultiaddrResults only keeps addresses whose verification expired - and js-libp2p treats
 * loopback transport addresses as verified from the start).
 */
function instrument (client) {
  const verdicts = []
  const confirm = client.confirmAddress.bind(client)
  const unconfirm = client.unconfirmAddress.bind(client)
  client.confirmAddress = (r) => { verdicts.push({ addr: r.multiaddr.toString(), reachable: true }); confirm(r) }
  client.unconfirmAddress = (r) => { verdicts.push({ addr: r.multiaddr.toString(), reachable: false }); unconfirm(r) }
  client.removeOutdatedMultiaddrResults = () => {}
  return verdicts
}

function daemonLines (daemon, re) {
  return daemon.lines.map(l => l.line).filter(l => re.test(l))
}

// ---------------------------------------------------------------------------------------------
// sub-tests

const subtests = {}

subtests.a = ['identify advertises autonat; js clients send nothing for loopback addresses', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.1/tcp/0'], services: { autoNATv2: autoNATv2(), autoNAT: autoNAT() } })
    const identified = waitForIdentify(n, daemon.peerId)
    await n.dial(daemon.multiaddr)
    const id = await identified
    assertIncludes(id.protocols, V2_DIAL_REQUEST, 'daemon protocols')
    assertIncludes(id.protocols, V1, 'daemon protocols')
    assertOk(!id.protocols.includes(V2_DIAL_BACK), 'dial-back is not served by the relay identity', id.protocols.join(' '))
    await sleep(2_000)
    const me = n.peerId.toString()
    const requests = daemonLines(daemon, new RegExp(`peer ${me}: autonat`))
    assertEqual(requests.length, 0, 'autonat requests from the js node (js filters loopback itself)')
    const v2c = n.services.autoNATv2.client
    const meta = n.components.addressManager.getAddressesWithMetadata()
      .map(a => `${a.multiaddr} ${a.type} verified=${a.verified}`).join(', ')
    console.error(`  (a) js address manager: ${meta}; js v2 client: ${v2c.dialResults.size} address(es) queued; ` +
      `js v1 client: ${n.services.autoNAT.dialResults.size}; daemon saw ${requests.length} request(s)`)
  })]

subtests.b = ['js v2 client verdicts: reachable address verified, dead port counted as failure', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.1/tcp/0'], services: { autoNATv2: autoNATv2() } })
    const identified = waitForIdentify(n, daemon.peerId)
    const conn = await n.dial(daemon.multiaddr)
    await identified
    await sleep(200) // js's own topology callback has run (and found nothing to verify)
    const client = n.services.autoNATv2.client
    const verdicts = instrument(client)
    const segment = client.getNetworkSegment(conn.remoteAddr)
    const mine = listenAddr(n)

    // js's own askPeerToVerify, with the entry its loopback filter would not create.
    const entry = v2Entry(mine)
    client.dialResults.set(mine.toString(), entry)
    const nonce = BigInt(Date.now()) * 1000n + 7n
    client.nonces.add(nonce)
    await withTimeout(client.askPeerToVerify(conn, segment, nonce, { signal: AbortSignal.timeout(20_000) }), 25_000, 'askPeerToVerify')
    assertEqual(entry.success, 1, 'js counted the dial-back as a success')
    assertEqual(entry.result, true, 'js verdict for its listen address')
    assertOk(verdicts.some(v => v.addr === mine.toString() && v.reachable), 'js confirmed the address to its address manager', JSON.stringify(verdicts))
    assertOk(!client.nonces.has(nonce), 'js consumed the nonce in its dial-back handler')
    assertOk(daemonLines(daemon, new RegExp(`autonat v2 dial-back to ${mine.toString()}: OK`)).length === 1, 'daemon log of the OK dial-back')

    const dead = multiaddr(`/ip4/127.0.0.1/tcp/${await closedPort()}`)
    const deadEntry = v2Entry(dead)
    client.dialResults.set(dead.toString(), deadEntry)
    await withTimeout(client.askPeerToVerify(conn, segment, nonce + 1n, { signal: AbortSignal.timeout(20_000) }), 25_000, 'askPeerToVerify (dead)')
    assertEqual(deadEntry.failure, 1, 'js counted E_DIAL_ERROR as one failure')
    assertEqual(deadEntry.success, 0, 'no success for the dead port')
    assertOk(!verdicts.some(v => v.addr === dead.toString()), 'no verdict yet for the dead port', JSON.stringify(verdicts))
    console.error(`  (b) js verdicts: ${JSON.stringify(verdicts)}; ${dead}: success=${deadEntry.success} ` +
      `failure=${deadEntry.failure} (js declares an address unreachable after 8 failures from different /8 segments)`)
  })]

subtests.c = ['js v2 client on another IP pays dial data and is verified', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.2/tcp/0'], services: { autoNATv2: autoNATv2() } })
    const identified = waitForIdentify(n, daemon.peerId)
    const conn = await n.dial(daemon.multiaddr)
    await identified
    await sleep(200)
    const local = connectionLocalAddr(conn)
    assertEqual(local.ip, '127.0.0.1', 'js connects from 127.0.0.1 (the IP we observe)')
    const client = n.services.autoNATv2.client
    const verdicts = instrument(client)
    const segment = client.getNetworkSegment(conn.remoteAddr)
    const mine = listenAddr(n)
    assertOk(mine.toString().startsWith('/ip4/127.0.0.2/'), 'js listens on 127.0.0.2', mine.toString())
    const entry = v2Entry(mine)
    client.dialResults.set(mine.toString(), entry)
    const nonce = 4242n
    client.nonces.add(nonce)
    await withTimeout(client.askPeerToVerify(conn, segment, nonce, { signal: AbortSignal.timeout(25_000) }), 30_000, 'askPeerToVerify')
    assertEqual(entry.result, true, 'js verdict after paying dial data')
    assertOk(verdicts.some(v => v.addr === mine.toString() && v.reachable), 'js confirmed the address', JSON.stringify(verdicts))
    const line = daemonLines(daemon, /autonat v2 dial-back to .* \(after (\d+) bytes of dial data\): OK/)[0]
    assertOk(line != null, 'daemon dialed back after dial data', daemon.output())
    const asked = Number(line.match(/after (\d+) bytes/)[1])
    assertOk(asked >= 30000 && asked <= 100000, 'dial data amount in [30000, 100000]', asked)
    console.error(`  (c) we asked js for ${asked} bytes; js paid in 4096-byte chunks; js verdicts: ${JSON.stringify(verdicts)}`)
  })]

subtests.d = ['raw v2 with js codec: OK + nonce on a new connection, E_DIAL_ERROR, E_DIAL_BACK_ERROR', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const got = await recordDialBacks(n)
    const conn = await n.dial(daemon.multiaddr)
    const mine = listenAddr(n)
    // All 64 bits used (top bit set): a varint or a signed/truncated 64-bit path would show here.
    const nonce = 0xfedcba9876543210n
    const ok = await v2Request(conn, ['/ip4/127.0.0.1/udp/9/quic-v1', mine.toString()], nonce)
    assertEqual(ok.ddr, undefined, 'no dial data for the observed IP')
    assertEqual(ok.response.status, V2DialResponse.ResponseStatus.OK, `status (got ${v2Name(ok.response.status)})`)
    assertEqual(ok.response.dialStatus, DialStatus.OK, `dialStatus (got ${dialName(ok.response.dialStatus)})`)
    assertEqual(ok.response.addrIdx, 1, 'addrIdx skips the UDP address')
    assertEqual(got.length, 1, 'dial-backs received')
    // js's generated codec (protons) reads fixed64 as a signed 64-bit value: compare the bits. Harmless
    // for js's own client, whose nonces stay below 2^53.
    assertEqual(BigInt.asUintN(64, got[0].nonce), nonce, 'nonce (fixed64) arrived intact')
    assertOk(got[0].from !== daemon.peerId, 'dial-back from an identity other than the relay', got[0].from)
    assertEqual(got[0].direction, 'inbound', 'dial-back is a new inbound connection')
    if (got[0].local != null) assertEqual(`/ip4/${got[0].local.ip}/tcp/${got[0].local.port}`, mine.toString(), 'dial-back reached exactly the requested address')

    const dead = await v2Request(conn, [`/ip4/127.0.0.1/tcp/${await closedPort()}`], 1n)
    assertEqual(dead.response.status, V2DialResponse.ResponseStatus.OK, 'dead port: status')
    assertEqual(dead.response.dialStatus, DialStatus.E_DIAL_ERROR, `dead port: dialStatus (got ${dialName(dead.response.dialStatus)})`)

    const bare = await node({ listen: ['/ip4/127.0.0.1/tcp/0'] }) // no dial-back handler
    const bconn = await bare.dial(daemon.multiaddr)
    const noHandler = await v2Request(bconn, [listenAddr(bare).toString()], 2n)
    assertEqual(noHandler.response.dialStatus, DialStatus.E_DIAL_BACK_ERROR, `no handler: dialStatus (got ${dialName(noHandler.response.dialStatus)})`)
    console.error(`  (d) OK/${dialName(ok.response.dialStatus)} nonce 0x${nonce.toString(16)} arrived (js decoded it as ${got[0].nonce}) from ${got[0].from} at ${got[0].local?.ip}:${got[0].local?.port}; dead port ${dialName(dead.response.dialStatus)}; ` +
      `no handler ${dialName(noHandler.response.dialStatus)}`)
  })]

subtests.e = ['raw v2 amplification guard: dial data in range; a stalling payer is cut off and not dialed', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const other = await node({ listen: ['/ip4/127.0.0.2/tcp/0'] })
    const got = await recordDialBacks(other)
    const n = await node({})
    const conn = await n.dial(daemon.multiaddr)
    const target = listenAddr(other).toString()
    const r = await v2Request(conn, ['/dns4/example.com/tcp/1', target], 9n, { stallAfter: 8192 })
    assertOk(r.ddr != null, 'DialDataRequest for another IP')
    assertEqual(r.ddr.addrIdx, 1, 'DialDataRequest.addrIdx')
    const want = Number(r.ddr.numBytes)
    assertOk(want >= 30000 && want <= 100000, 'numBytes in [30000, 100000]', want)
    assertEqual(r.response, undefined, 'no DialResponse for a client that did not pay')
    assertOk(r.stalledMs >= 10_000 && r.stalledMs <= 20_000, 'cut off by the server deadline (~15 s after the request)', `${r.stalledMs} ms, ended by ${r.ended}`)
    await sleep(300)
    assertEqual(got.length, 0, 'never dialed')
    console.error(`  (e) asked ${want} bytes, sent ${r.sent}, stream ended (${r.ended}) ${r.stalledMs} ms after we stopped paying`)
  })]

subtests.f = ['without --autonat-allow-private: loopback is refused (v2 and v1)', () =>
  withDaemon([], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const got = await recordDialBacks(n)
    const conn = await n.dial(daemon.multiaddr)
    const r = await v2Request(conn, [listenAddr(n).toString()], 3n)
    assertEqual(r.response.status, V2DialResponse.ResponseStatus.E_DIAL_REFUSED, `v2 status (got ${v2Name(r.response.status)})`)
    const r1 = await v1Request(conn, { id: n.peerId.toMultihash().bytes, addrs: [listenAddr(n).bytes] })
    assertEqual(r1.status, V1Message.ResponseStatus.E_DIAL_REFUSED, `v1 status (got ${v1Name(r1.status)})`)
    assertEqual(got.length, 0, 'never dialed')
    console.error(`  (f) v2 ${v2Name(r.response.status)}; v1 ${v1Name(r1.status)} "${r1.statusText}"`)
  })]

subtests.g = ['v1: js client verdict, OK with addr, E_BAD_REQUEST, other IP refused', () =>
  withDaemon(['--autonat-allow-private'], async (daemon) => {
    const n = await node({ listen: ['/ip4/127.0.0.1/tcp/0'], services: { autoNAT: autoNAT() } })
    const identified = waitForIdentify(n, daemon.peerId)
    const conn = await n.dial(daemon.multiaddr)
    await identified
    await sleep(200)
    const svc = n.services.autoNAT
    const verdicts = instrument(svc)
    const mine = listenAddr(n)
    const entry = v1Entry(mine)
    svc.dialResults.set(mine.toString(), entry)
    await withTimeout(svc.askPeerToVerify(conn, svc.getNetworkSegment(conn.remoteAddr), { multiaddr: mine, signal: AbortSignal.timeout(20_000) }), 25_000, 'v1 askPeerToVerify')
    assertEqual(entry.result, true, 'js v1 verdict for its listen address')
    assertOk(verdicts.some(v => v.addr === mine.toString() && v.reachable), 'js v1 confirmed the address', JSON.stringify(verdicts))

    const raw = await node({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const rconn = await raw.dial(daemon.multiaddr)
    const ok = await v1Request(rconn, { id: raw.peerId.toMultihash().bytes, addrs: [listenAddr(raw).bytes] })
    assertEqual(ok.status, V1Message.ResponseStatus.OK, `v1 OK (got ${v1Name(ok.status)} "${ok.statusText}")`)
    assertOk(ok.addr != null && uint8ArrayEquals(ok.addr, listenAddr(raw).bytes), 'v1 OK carries the dialed address', ok.addr && multiaddr(ok.addr).toString())
    const bad = await v1Request(rconn, { id: n.peerId.toMultihash().bytes, addrs: [listenAddr(raw).bytes] })
    assertEqual(bad.status, V1Message.ResponseStatus.E_BAD_REQUEST, `wrong id (got ${v1Name(bad.status)})`)
    const other = await node({ listen: ['/ip4/127.0.0.2/tcp/0'] })
    const far = await v1Request(rconn, { id: raw.peerId.toMultihash().bytes, addrs: [listenAddr(other).bytes] })
    assertEqual(far.status, V1Message.ResponseStatus.E_DIAL_REFUSED, `other IP (got ${v1Name(far.status)})`)
    console.error(`  (g) js v1 verdicts: ${JSON.stringify(verdicts)}; raw OK addr ${multiaddr(ok.addr)}; wrong id ${v1Name(bad.status)} ` +
      `"${bad.statusText}"; other IP ${v1Name(far.status)} "${far.statusText}"`)
  })]

// ---------------------------------------------------------------------------------------------

let failed = 0
for (const [key, [title, fn]] of Object.entries(subtests)) {
  if (ONLY.length > 0 && !ONLY.includes(key)) continue
  try {
    await withTimeout(fn(), SUBTEST_TIMEOUT_MS, `sub-test (${key})`)
    console.log(`PASS (${key}) ${title}`)
  } catch (err) {
    failed++
    console.log(`FAIL (${key}) ${title}: ${err?.stack ?? err}`)
  } finally {
    await stopNodes()
  }
}
process.exit(failed === 0 ? 0 : 1)
