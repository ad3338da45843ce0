#!/usr/bin/env python3
"""Turns a capture_js.mjs output directory (plaintext per node and Noise key) into js-* seed files:
yamux streams, multistream negotiations per stream and direction, identify messages, HOP/STOP messages,
the voucher and signed peer records, keys, peer ids, multiaddrs, and the js initiator's raw Noise frames
seen on the relayed connection.  usage: seeds_from_capture.py <capture-dir> <corpus-dir>"""
import os, sys, glob, collections
src, dst = sys.argv[1], sys.argv[2]

def uvarint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return v, i

def frames(b):  # uvarint-framed messages
    i, out = 0, []
    while i < len(b):
        try: n, j = uvarint(b, i)
        except IndexError: break
        if j + n > len(b): break
        out.append(b[j:j+n]); i = j + n
    return out, b[i:]

def pb_fields(b):
    try: return pb_fields_(b)
    except (ValueError, IndexError): print('not protobuf:', bytes(b[:40])); return []
def pb_fields_(b):
    i, out = 0, []
    while i < len(b):
        key, i = uvarint(b, i); f, t = key >> 3, key & 7
        if t == 0: v, i = uvarint(b, i)
        elif t == 2: n, i = uvarint(b, i); v = b[i:i+n]; i += n
        elif t == 1: v = b[i:i+8]; i += 8
        elif t == 5: v = b[i:i+4]; i += 4
        else: raise ValueError
        out.append((f, v))
    return out

def yamux(b):
    i, per = 0, collections.OrderedDict()
    global opened
    while i + 12 <= len(b):
        ver, typ, flags, sid, ln = b[i], b[i+1], int.from_bytes(b[i+2:i+4], 'big'), int.from_bytes(b[i+4:i+8], 'big'), int.from_bytes(b[i+8:i+12], 'big')
        i += 12
        if flags & 1: opened.add((id(b), sid))
        if typ == 0:
            per.setdefault(sid, bytearray()).extend(b[i:i+ln]); i += ln
        else: per.setdefault(sid, bytearray())
    return per

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58(b):
    n = int.from_bytes(b, 'big'); s = ''
    while n: n, r = divmod(n, 58); s = B58[r] + s
    return '1' * (len(b) - len(b.lstrip(b'\0'))) + s

seeds = collections.defaultdict(dict)
opened = set()
def seed(target, name, data):
    if isinstance(data, str): data = data.encode()
    seeds[target][name] = bytes(data)

streams = {}
for f in sorted(glob.glob(src + '/*.bin')):
    name = os.path.basename(f)[:-4]; b = open(f, 'rb').read()
    if len(b) == 120:  # handshake payload: identity key + sig + muxers
        seed('noise_handshake', 'js-payload-' + name, b + b'\x00')  # last byte even: payload mode
        for fno, v in pb_fields(b):
            if fno == 1: seed('keys', 'js-identity-key-' + name, v)
    elif len(b) > 200:
        streams[name] = b
        seed('yamux_session', 'js-' + name, b)
        seed('yamux_header', 'js-first-frames-' + name, b[:36])

for name, b in streams.items():
    for sid, data in yamux(b).items():
        data = bytes(data)
        if not data.startswith(b'\x13/multistream/1.0.0\n'): continue
        msgs, rest = frames(data)
        texts = [m[:-1].decode(errors='replace') for m in msgs]
        proto = texts[1] if len(texts) > 1 else ''
        tag = f'js-{name}-s{sid}'
        # Who opened the stream: the dialer proposes, the listener echoes; both start with the header.
        seed('multistream_message', tag, data[:300])
        seed('multistream_listener' if (id(b), sid) in opened else 'multistream_dialer', tag, data[:300])
        # Protocol payload after header + echo/proposal
        negotiated = data[len(b''.join(bytes([len(m)]) + m for m in msgs[:2])):]
        if proto == '/ipfs/id/1.0.0' and negotiated:
            seed('identify', tag, negotiated)
            for m in frames(negotiated)[0]:
                for fno, v in pb_fields(m):
                    if fno == 1: seed('keys', 'js-identify-key-' + tag, v); seed('peer_id', 'js-text-' + tag, b58(b'\x00' + bytes([len(v)]) + v))
                    if fno == 2: seed('multiaddr_bytes', f'js-listen-{tag}-{len(seeds["multiaddr_bytes"])}', v)
                    if fno == 4: seed('multiaddr_bytes', f'js-observed-{tag}', v)
                    if fno == 8: seed('envelope', 'js-peer-record-' + tag, v)
        if proto.endswith('/hop') or proto.endswith('/stop'):
            kind = 'relay_hop' if proto.endswith('/hop') else 'relay_stop'
            msgs2, _ = frames(negotiated)
            if not msgs2: continue
            m = msgs2[0]
            seed(kind, tag, m)
            # After HOP CONNECT (dialer side) / STOP CONNECT answer, the stream carries the relayed
            # connection: multistream "/noise", then the js initiator's raw Noise frames (msg1, msg3, ...).
            relayed = negotiated[len(bytes([len(m)])) + len(m):] if len(m) < 128 else b''
            if relayed.startswith(b'\x13/multistream/1.0.0\n'):
                ms, _ = frames(relayed)
                noise_wire = relayed[sum(1 + len(x) for x in ms[:2]):]
                if noise_wire[:2] == b'\x00\x20': seed('noise_handshake', 'js-initiator-wire-' + tag, noise_wire[:600] + b'\x01')
            if True:
                if kind == 'relay_hop':
                    for fno, v in pb_fields(m):
                        if fno == 3:
                            for rf, rv in pb_fields(v):
                                if rf == 3: seed('relay_voucher', 'js-voucher-' + tag, rv); seed('envelope', 'js-voucher-' + tag, rv)
                                if rf == 2: seed('multiaddr_bytes', f'js-relay-addr-{tag}-{len(seeds["multiaddr_bytes"])}', rv)
                        if fno == 2:
                            for pf, pv in pb_fields(v):
                                if pf == 1: seed('peer_id', 'js-bytes-' + tag, pv)

for target, files in seeds.items():
    os.makedirs(f'{dst}/{target}', exist_ok=True)
    for n, d in files.items():
        open(f'{dst}/{target}/{n}', 'wb').write(d)
    print(target, len(files), sum(len(d) for d in files.values()))
