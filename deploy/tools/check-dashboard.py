"""Evaluates every query of a Grafana dashboard JSON on a running Prometheus (template variables replaced by test
values): each must parse and return at least one series. With --rules, also every rule Prometheus has loaded must be
healthy (evaluated without error). Exit 1 if anything is bad.

  python3 deploy/tools/check-dashboard.py deploy/grafana/vigil.json http://127.0.0.1:9090 [--rules]

Run it against a Prometheus that has scraped Vigil's admin server (or deploy/tools/fake-exporter.py) as job vigil
for at least three scrape intervals, so that rate() has two samples (deploy/README.md, "What was checked"). A real
server must have had load, one reject and one checkpoint: "Rejects by reason" (> 0) and "Checkpoint age" (absent
before a data directory's first checkpoint) are rightly empty otherwise."""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

args = [a for a in sys.argv[1:] if not a.startswith('--')]
check_rules = '--rules' in sys.argv
dash = json.load(open(args[0]))
prom = args[1].rstrip('/')
subs = {'$__rate_interval': '1m', '$instance': '.*', '$quantile': '0.99'}


def get(path, **params):
    url = prom + path + ('?' + urllib.parse.urlencode(params) if params else '')
    try:
        return json.load(urllib.request.urlopen(url))
    except urllib.error.HTTPError as e:
        return json.load(e)


def queries(panels):
    for p in panels:
        yield from queries(p.get('panels', []))
        for t in p.get('targets', []):
            yield p['title'], t['expr']


def evaluate(title, expr):
    q = expr
    for k, v in subs.items():
        q = q.replace(k, v)
    r = get('/api/v1/query', query=q)
    if r.get('status') != 'success':
        print('ERROR', title, '|', expr, '|', r.get('error'))
        return False
    if not r['data']['result']:
        print('EMPTY', title, '|', expr)
        return False
    print('ok   ', title, '|', len(r['data']['result']), 'series')
    return True


bad = 0
n = 0
for title, expr in queries(dash['panels']):
    n += 1
    bad += not evaluate(title, expr)
for v in dash['templating']['list']:
    if v['type'] == 'query':
        # label_values(SELECTOR, label): the selector must match
        selector = v['definition'][len('label_values('):v['definition'].rindex(',')]
        n += 1
        bad += not evaluate('variable ' + v['name'], selector)
print(f'{n} queries, {bad} bad')
if check_rules:
    r = get('/api/v1/rules')
    rules = [rule for g in r['data']['groups'] for rule in g['rules']]
    unhealthy = [rule for rule in rules if rule.get('health') != 'ok']
    for rule in rules:
        print('rule ', rule.get('health'), rule['name'], rule.get('state', ''), rule.get('lastError', ''))
    print(f'{len(rules)} rules, {len(unhealthy)} not healthy')
    bad += len(unhealthy) + (0 if rules else 1)
sys.exit(1 if bad else 0)
