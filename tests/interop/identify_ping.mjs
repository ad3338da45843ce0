// js-libp2p (dialer) -> chiral-relay: identify, ping, identity persistence.
//
// usage: node identify_ping.mjs <path-to-chiral-relay> [extra daemon args...]
//
// Starts the daemon with
//   --port 0 --identity-path <tmp>/identity.key --external-address /ip4/203.0.113.7/tcp/4001
// waits for its log line with /ip4/127.0.0.1/tcp/<port>/p2p/<peerid>, dials it from js-libp2p and
// checks the identify message js received, then 20 pings; stops the daemon with SIGTERM, restarts it
// with the same identity file and checks the peer id did not change.
import './lib/polyfill.mjs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import {
  assertEqual, assertIncludes, assertMatch, assertOk, assertSome, connectionLocalAddr, createNode,
  ipPort, p2pOf, runTest, startDaemon, stripP2p, waitForIdentify, withTimeout
} from './lib/harness.mjs'

const [bin, ...extraArgs] = process.argv.slice(2)
if (bin == null) {
  console.error('usage: node identify_ping.mjs <path-to-chiral-relay> [extra daemon args...]')
  process.exit(2)
}

const EXTERNAL = '/ip4/203.0.113.7/tcp/4001'
const PROTOCOL_VERSION = '/chiral/relay/1.0.0'
const REQUIRED_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0']
const PINGS = 20

await runTest('identify_ping', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'chiral-interop-'))
  const nodes = []
  try {
    const identityPath = join(tmp, 'identity.key')
    const args = ['--port', '0', '--identity-path', identityPath, '--external-address', EXTERNAL, ...extraArgs]

    // ---- run 1: identify + pings -------------------------------------------------------------
    const daemon = await startDaemon(bin, args)
    const daemonId = peerIdFromString(daemon.peerId)

    const node = await createNode()
    nodes.push(node)
    const identified = waitForIdentify(node, daemon.peerId, 10_000)
    const conn = await withTimeout(node.dial(daemon.multiaddr), 10_000, `dial ${daemon.addr}`)
    assertEqual(conn.remotePeer.toString(), daemon.peerId, 'peer id authenticated by the noise handshake')
    const local = connectionLocalAddr(conn)
    const id = await identified

    // peer id and public key
    assertEqual(id.peerId.toString(), daemon.peerId, 'identified peer id')
    assertOk(id.publicKey instanceof Uint8Array && id.publicKey.length > 0, 'identify publicKey (field 1) present')
    const pub = publicKeyFromProtobuf(id.publicKey)
    assertEqual(peerIdFromPublicKey(pub).toString(), daemon.peerId, 'peer id derived from the identify publicKey')
    if (daemonId.publicKey != null) {
      assertOk(daemonId.publicKey.equals(pub), 'identify publicKey equals the key inlined in the peer id')
    }
    assertOk(uint8ArrayEquals(publicKeyToProtobuf(pub), id.publicKey),
      'identify publicKey is deterministically encoded (field 1 then field 2)')

    // versions and protocols
    assertMatch(id.agentVersion, /^chiral-relay\//, 'agentVersion')
    assertEqual(id.protocolVersion, PROTOCOL_VERSION, 'protocolVersion')
    for (const p of REQUIRED_PROTOCOLS) assertIncludes(id.protocols, p, 'identify protocols')

    // listen addresses (the unsigned listenAddrs field)
    const listenAddrs = id.listenAddrs.map(a => a.toString())
    assertIncludes(listenAddrs.map(stripP2p), EXTERNAL, 'listenAddrs include the --external-address')
    const loopback = `/ip4/127.0.0.1/tcp/${daemon.port}`
    assertSome(listenAddrs, a => stripP2p(a) === loopback, `listenAddrs include ${loopback}`)
    for (const a of listenAddrs) {
      const p2p = p2pOf(a)
      if (p2p != null) assertEqual(p2p, daemon.peerId, `/p2p/ component of listen addr ${a}`)
      assertOk(!a.includes('/p2p-circuit'), 'no p2p-circuit address in listenAddrs', a)
    }
    // the signed peer record (field 8), when sent, must carry the same addresses: js (and rust) use
    // its addresses instead of listenAddrs, and js fails the whole identify if it does not verify
    let sprAddrs
    if (id.signedPeerRecord != null) {
      sprAddrs = id.signedPeerRecord.addresses.map(a => stripP2p(a))
      assertEqual(JSON.stringify([...new Set(sprAddrs)].sort()), JSON.stringify([...new Set(listenAddrs.map(stripP2p))].sort()),
        'signed peer record addresses == listenAddrs')
    }

    // observed address = the js side's local address of this connection
    assertOk(id.observedAddr != null, 'identify observedAddr (field 4) present')
    const observed = id.observedAddr.toString()
    const obs = ipPort(observed)
    assertOk(obs != null && obs.proto === 'tcp', 'observedAddr is an /ip4|ip6/.../tcp/... address', observed)
    assertEqual(obs.ip, local.ip, `observedAddr ${observed} ip vs js local address (${local.via})`)
    assertEqual(obs.port, local.port, `observedAddr ${observed} port vs js local address (${local.via})`)

    // pings over the same connection
    const rtts = []
    for (let i = 0; i < PINGS; i++) {
      const rtt = await withTimeout(node.services.ping.ping(daemonId), 5_000, `ping ${i + 1}/${PINGS}`)
      assertOk(Number.isFinite(rtt) && rtt >= 0, `ping ${i + 1} rtt`, String(rtt))
      rtts.push(rtt)
    }
    const conns = node.getConnections(daemonId)
    assertEqual(conns.length, 1, 'connections to the daemon after the pings (no redial)')
    assertEqual(conns[0].id, conn.id, 'the pings ran on the first connection')

    await node.stop()
    const stop1 = await daemon.stop()
    assertOk(!stop1.killed, 'daemon exits within 5 s of SIGTERM', JSON.stringify(stop1))
    assertEqual(stop1.code, 0, 'daemon exit code after SIGTERM')

    const st = await stat(identityPath)
    assertOk(st.isFile(), 'identity file written', identityPath)
    assertEqual(st.mode & 0o077, 0, `identity file mode (0${(st.mode & 0o777).toString(8)}) allows no group/other access`)

    // ---- run 2: same identity file -> same peer id -------------------------------------------
    const daemon2 = await startDaemon(bin, args, { name: 'daemon-restart' })
    assertEqual(daemon2.peerId, daemon.peerId, 'peer id after a restart with the same identity file')
    const node2 = await createNode()
    nodes.push(node2)
    const identified2 = waitForIdentify(node2, daemon2.peerId, 10_000)
    const conn2 = await withTimeout(node2.dial(daemon2.multiaddr), 10_000, `dial ${daemon2.addr}`)
    assertEqual(conn2.remotePeer.toString(), daemon.peerId, 'peer id authenticated by noise after the restart')
    const id2 = await identified2
    assertEqual(id2.protocolVersion, PROTOCOL_VERSION, 'protocolVersion after the restart')
    await withTimeout(node2.services.ping.ping(daemonId), 5_000, 'ping after the restart')
    await node2.stop()
    const stop2 = await daemon2.stop()
    assertOk(!stop2.killed, 'restarted daemon exits within 5 s of SIGTERM', JSON.stringify(stop2))

    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length
    console.log(JSON.stringify({
      test: 'identify_ping',
      peer_id: daemon.peerId,
      agent_version: id.agentVersion,
      protocol_version: id.protocolVersion,
      protocols: id.protocols,
      listen_addrs: listenAddrs,
      signed_peer_record_addrs: sprAddrs ?? null,
      observed_addr: observed,
      js_local_addr: `/ip4/${local.ip}/tcp/${local.port}`,
      pings_ok: rtts.length,
      rtt_ms: { min: Math.min(...rtts), avg: Math.round(avg * 100) / 100, max: Math.max(...rtts) },
      daemon_stop_ms: stop1.ms,
      identity_mode: '0' + (st.mode & 0o777).toString(8),
      restart_same_peer_id: true
    }))
  } finally {
    for (const n of nodes) await n.stop().catch(() => {})
    await rm(tmp, { recursive: true, force: true })
  }
})
