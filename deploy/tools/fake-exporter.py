"""Serves a real Vigil /metrics scrape (deploy/tools/metrics-sample.prom) on /metrics, its counters growing with
time, so that a real Prometheus can scrape something with exactly the admin server's metric families, types and
labels, and every dashboard query and alerting rule can be evaluated without running Vigil:

  python3 deploy/tools/fake-exporter.py 19171 &     # then a Prometheus scraping 127.0.0.1:19171 as job vigil, and
  python3 deploy/tools/check-dashboard.py deploy/grafana/vigil.json http://127.0.0.1:9090

The sample is what `vigil run` served after `vigil bench --rate 2000 --duration 10s` (a checkpoint every 5,000
events, a webhook receiver that is down, one logon with a wrong secret); re-capture it when the admin server's
metrics change (deploy/README.md says how). DeployedNamesTest (gateway) fails when its vigil_* families and the real
server's differ.

Every value of a counter family (and a histogram's or summary's _bucket, _count, _sum) is multiplied by
1 + seconds since start / 60, so rates are positive wherever the sample is not 0 and buckets stay ordered; gauges
are served as captured.
"""
import http.server
import os
import re
import sys
import time

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'metrics-sample.prom')
T0 = time.time()
SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def load(path):
    """The sample's lines, each with the type of its family ('counter', 'gauge', ...; None for comments)."""
    types, lines = {}, []
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('# TYPE '):
                _, _, name, kind = line.split(' ', 3)
                types[name] = kind
            lines.append(line)
    out = []
    for line in lines:
        m = SERIES.match(line)
        kind = None
        if m:
            name = m.group(1)
            kind = types.get(name)
            for suffix in ('_bucket', '_count', '_sum'):
                if kind is None and name.endswith(suffix):
                    kind = types.get(name[:-len(suffix)])
        out.append((line, kind, m))
    return out


LINES = load(SAMPLE)


def body():
    factor = 1 + (time.time() - T0) / 60
    out = []
    for line, kind, m in LINES:
        if m and kind in ('counter', 'histogram', 'summary') and not m.group(1).endswith('_created'):
            value = float(m.group(3))
            grown = value * factor
            # integral counts (buckets, _count) stay integral, and ordered: floor keeps a <= b
            text = str(int(grown)) if value.is_integer() and '.' not in m.group(3) else repr(grown)
            out.append(f'{m.group(1)}{m.group(2) or ""} {text}')
        else:
            out.append(line)
    return ('\n'.join(out) + '\n').encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split('?')[0] != '/metrics':
            self.send_error(404)
            return
        b = body()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *args):
        pass


if __name__ == '__main__':
    http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
