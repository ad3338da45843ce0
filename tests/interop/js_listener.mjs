// chiral-dial (dialer) -> js-libp2p (listener): our client side against js.
//
// usage: node js_listener.mjs <path-to-chiral-dial> [extra chiral-dial args...]
//
// Runs `<chiral-dial> <js-multiaddr-with-/p2p> --pings 5`. chiral-dial must print exactly ONE line on
// stdout (logs go to stderr) and exit 0:
//   {"peer_id":"12D3...","agent_version":"...","protocol_version":"...","protocols":["..."],
//    "listen_addrs":["..."],"observed_addr":"/ip4/...","pings_ok":5,"rtt_ms":[...]}
// Optional field "local_peer_id": chiral-dial's own peer id (checked against js's view when present).
import './lib/polyfill.mjs'
import {
  assertEqual, assertIncludes, assertMatch, assertOk, createNode, fail, ipPort, ownAgentVersion,
  peerMetadata, recordEvents, runProcess, runTest, stripP2p, withTimeout
} from './lib/harness.mjs'

const [dialBin, ...extraArgs] = process.argv.slice(2)
if (dialBin == null) {
  console.error('usage: node js_listener.mjs <path-to-chiral-dial> [extra chiral-dial args...]')
  process.exit(2)
}

const PINGS = 5

await runTest('js_listener', async () => {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const opened = recordEvents(node, 'connection:open')
    const identified = recordEvents(node, 'peer:identify')
    const jsAddr = node.getMultiaddrs().find(a => a.toString().startsWith('/ip4/127.0.0.1/tcp/'))
    assertOk(jsAddr != null, 'js node listens on 127.0.0.1', node.getMultiaddrs().join(' '))
    const jsMeta = await peerMetadata(node, node.peerId)
    const jsAgent = await ownAgentVersion(node)

    const res = await runProcess(dialBin, [jsAddr.toString(), '--pings', String(PINGS), ...extraArgs],
      { timeoutMs: 30_000, name: 'chiral-dial' })
    const context = `\n--- chiral-dial output (${res.ms} ms) ---\n${res.output()}\n--- end ---`
    if (res.code !== 0) fail(`chiral-dial exited with ${res.signal ?? `code ${res.code}`}`, context)

    const outLines = res.stdout.split('\n').filter(l => l.trim() !== '')
    if (outLines.length !== 1) fail(`chiral-dial must print exactly one line on stdout (logs go to stderr), got ${outLines.length}`, context)
    let j
    try { j = JSON.parse(outLines[0]) } catch (err) { fail(`chiral-dial stdout is not JSON: ${err.message}`, context) }
    if (j == null || typeof j !== 'object' || Array.isArray(j)) fail('chiral-dial stdout is not a JSON object', context)

    // what chiral-dial learnt about js
    assertEqual(j.peer_id, node.peerId.toString(), 'peer_id')
    assertEqual(j.agent_version, jsAgent, 'agent_version (js\'s identify agentVersion)')
    assertEqual(j.protocol_version, jsMeta.protocolVersion ?? 'ipfs/0.1.0', 'protocol_version (js\'s identify protocolVersion)')
    assertOk(Array.isArray(j.protocols), 'protocols is an array', JSON.stringify(j.protocols))
    assertIncludes(j.protocols, '/ipfs/id/1.0.0', 'protocols')
    assertIncludes(j.protocols, '/ipfs/ping/1.0.0', 'protocols')
    assertOk(Array.isArray(j.listen_addrs), 'listen_addrs is an array', JSON.stringify(j.listen_addrs))
    assertIncludes(j.listen_addrs.map(stripP2p), stripP2p(jsAddr), 'listen_addrs (without /p2p)')
    assertEqual(j.pings_ok, PINGS, 'pings_ok')
    assertOk(Array.isArray(j.rtt_ms) && j.rtt_ms.length === PINGS && j.rtt_ms.every(x => Number.isFinite(x) && x >= 0),
      `rtt_ms: ${PINGS} finite numbers >= 0`, JSON.stringify(j.rtt_ms))

    // what js saw: one inbound connection, from the dialer's peer id
    const inbound = opened.events.filter(c => c.direction === 'inbound')
    const inboundPeers = [...new Set(inbound.map(c => c.remotePeer.toString()))]
    assertEqual(inboundPeers.length, 1, 'distinct peers with an inbound connection to js')
    const dialer = inbound[0].remotePeer
    if (j.local_peer_id != null) assertEqual(j.local_peer_id, dialer.toString(), 'local_peer_id vs the peer js authenticated')
    assertOk(dialer.toString() !== node.peerId.toString(), 'dialer has its own peer id')

    // observed_addr: js sends connection.remoteAddr (with a /p2p/<dialer> suffix)
    assertOk(typeof j.observed_addr === 'string', 'observed_addr is a string', JSON.stringify(j.observed_addr))
    const obs = ipPort(j.observed_addr)
    assertOk(obs != null, 'observed_addr is an /ip4|ip6/.../tcp/... multiaddr', j.observed_addr)
    assertEqual(obs.ip, '127.0.0.1', 'observed_addr ip')
    const remote = ipPort(inbound[0].remoteAddr)
    assertEqual(obs.port, remote.port, `observed_addr port vs js's remote address of the connection (${inbound[0].remoteAddr})`)

    // js identified the dialer (js runs identify on inbound connections too)
    const idr = await withTimeout(identified.waitFor(d => d.peerId.equals(dialer), 5_000, 'js identify of chiral-dial'),
      6_000, 'js identify of chiral-dial')
    assertMatch(idr.agentVersion, /^chiral-(relay|dial)\//, 'agentVersion js received from chiral-dial')
    const meta = await peerMetadata(node, dialer)
    assertMatch(meta.agentVersion, /^chiral-(relay|dial)\//, 'AgentVersion in js\'s peer store for chiral-dial')
    assertIncludes(idr.protocols, '/ipfs/id/1.0.0', 'protocols js received from chiral-dial')

    console.log(JSON.stringify({
      test: 'js_listener',
      js_peer_id: node.peerId.toString(),
      js_addr: jsAddr.toString(),
      dialer_peer_id: dialer.toString(),
      dialer_agent_version: idr.agentVersion,
      dialer_protocols: idr.protocols,
      chiral_dial: j,
      chiral_dial_ms: res.ms
    }))
  } finally {
    await node.stop().catch(() => {})
  }
})
