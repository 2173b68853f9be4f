"""Evaluates every query of a Grafana dashboard JSON on a running Prometheus (template variables replaced by
test values): each must parse and return at least one series."""
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1])); prom = sys.argv[2]
subs = {'$__rate_interval': '1m', '$instance': '.*', '$quantile': '0.99'}
bad = 0; n = 0
def queries(panels):
    for p in panels:
        yield from queries(p.get('panels', []))
        for t in p.get('targets', []):
            yield p['title'], t['expr']
for title, expr in queries(dash['panels']):
    q = expr
    for k, v in subs.items():
        q = q.replace(k, v)
    url = prom + '/api/v1/query?' + urllib.parse.urlencode({'query': q})
    try:
        r = json.load(urllib.request.urlopen(url))
    except urllib.error.HTTPError as e:
        r = json.load(e)
    n += 1
    if r.get('status') != 'success':
        bad += 1; print('ERROR', title, '|', expr, '|', r.get('error'))
    elif not r['data']['result']:
        bad += 1; print('EMPTY', title, '|', expr)
    else:
        print('ok   ', title, '|', len(r['data']['result']), 'series')
for v in dash['templating']['list']:
    if v['type'] == 'query':
        print('variable', v['name'], v['definition'])
print(f'{n} queries, {bad} bad'); sys.exit(1 if bad else 0)
