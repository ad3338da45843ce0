#!/usr/bin/python3
"""Validates Prometheus text exposition (format 0.0.4) with prometheus_client's parser plus stricter checks.

usage: check_exposition.py FILE            # a rendered exposition text
       check_exposition.py --url URL       # scrape a live endpoint (e.g. http://127.0.0.1:9100/metrics)
options: --require NAME (repeatable; default: the deployment guide's four gauges)
Exit 0 when valid, 1 with one line per problem otherwise.
"""
import argparse
import math
import sys
import urllib.request

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit("check_exposition: python3-prometheus-client is missing (scripts/install-deps.sh installs it)")

GUIDE_GAUGES = ["chiral_relay_connected_peers", "chiral_relay_reservations",
                "chiral_relay_circuits", "chiral_relay_uptime_seconds"]


def load(args):
    if args.url:
        with urllib.request.urlopen(args.url, timeout=10) as resp:
            ctype = resp.headers.get("Content-Type", "")
            if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
                raise SystemExit(f"check_exposition: unexpected Content-Type {ctype!r}")
            return resp.read().decode("utf-8")
    with open(args.file, encoding="utf-8") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--url")
    ap.add_argument("--require", action="append")
    args = ap.parse_args()
    if not args.file and not args.url:
        ap.error("give FILE or --url")
    text = load(args)
    problems = []
    if not text.endswith("\n"):
        problems.append("exposition does not end with a newline")

    # Structural checks the lenient parser skips: one HELP and TYPE per family, before its samples.
    seen_type, seen_help = {}, set()
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in seen_help:
                problems.append(f"line {n}: second HELP for {name}")
            seen_help.add(name)
        elif line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                problems.append(f"line {n}: bad TYPE line {line!r}")
            elif parts[2] in seen_type:
                problems.append(f"line {n}: second TYPE for {parts[2]}")
            else:
                seen_type[parts[2]] = parts[3]
        elif line and not line.startswith("#"):
            sample = line.split("{", 1)[0].split(" ", 1)[0]
            base = sample
            for suffix in ("_bucket", "_sum", "_count"):
                if sample.endswith(suffix) and sample[: -len(suffix)] in seen_type:
                    base = sample[: -len(suffix)]
            if base not in seen_type:
                problems.append(f"line {n}: sample {sample} before its TYPE line")

    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and friends on malformed input
        print(f"check_exposition: parser rejected the text: {e}")
        return 1

    by_name = {}
    for fam in families:
        by_name[fam.name] = fam
        if fam.type == "histogram":
            series = {}
            for s in fam.samples:
                key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                series.setdefault(key, {"buckets": [], "count": None})
                if s.name.endswith("_bucket"):
                    series[key]["buckets"].append((float(s.labels["le"]), s.value))
                elif s.name.endswith("_count"):
                    series[key]["count"] = s.value
            for key, d in series.items():
                b = sorted(d["buckets"])
                if not b or not math.isinf(b[-1][0]):
                    problems.append(f"{fam.name}{dict(key)}: no +Inf bucket")
                    continue
                if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
                    problems.append(f"{fam.name}{dict(key)}: buckets not cumulative")
                if d["count"] != b[-1][1]:
                    problems.append(f"{fam.name}{dict(key)}: _count {d['count']} != +Inf bucket {b[-1][1]}")
        for s in fam.samples:
            if fam.type == "counter" and s.value < 0:
                problems.append(f"{s.name}: negative counter {s.value}")

    for name in args.require or GUIDE_GAUGES:
        fam = by_name.get(name) or by_name.get(name.removesuffix("_total"))
        if fam is None:
            problems.append(f"missing metric {name}")
        elif not fam.samples and name in GUIDE_GAUGES:
            problems.append(f"metric {name} has no sample")

    for p in problems:
        print(f"check_exposition: {p}")
    if problems:
        return 1
    print(f"check_exposition: OK: {len(families)} families, {sum(len(f.samples) for f in families)} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
