#!/usr/bin/env python3
"""unit-* seed files from the vectors in tests/unit: key protobufs (libp2p/specs peer-ids test vectors, all
four key types) and the multiaddr text/binary pairs.  usage: seeds_from_unit_tests.py <repo> <corpus-dir>"""
import os
import re
import sys

repo, root = sys.argv[1], sys.argv[2]


def put(target, name, data):
    os.makedirs(f'{root}/{target}', exist_ok=True)
    with open(f'{root}/{target}/unit-{name}', 'wb') as f:
        f.write(data)


src = open(f'{repo}/tests/unit/crypto/keys_test.cpp').read()
for m in re.finditer(r'constexpr const char\* (k\w+) =\s*((?:"[0-9a-f]*"\s*)+);', src):
    key = bytes.fromhex(''.join(re.findall(r'"([0-9a-f]*)"', m.group(2))))
    put('keys', m.group(1), key)
    if 'Private' in m.group(1):
        put('identity_file', m.group(1), key)

src = open(f'{repo}/tests/unit/multiformats/multiaddr_test.cpp').read()
for i, m in enumerate(re.finditer(r'\{"(/[^"]*)", "([0-9a-fA-F]+)"\}', src)):
    put('multiaddr_text', str(i), m.group(1).encode())
    put('multiaddr_bytes', str(i), bytes.fromhex(m.group(2)))
