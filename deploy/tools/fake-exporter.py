"""Serves /metrics with every metric name deploy/grafana/vigil.json and deploy/prometheus/vigil-rules.yml use (the
names expected from the admin server, issue 10: check them against the real /metrics once it exists), counters
growing with time, so that a real Prometheus can scrape it and every expression can be evaluated:
  python3 deploy/tools/fake-exporter.py 19171 &   # then a Prometheus scraping it as job vigil, and
  python3 deploy/tools/check-dashboard.py deploy/grafana/vigil.json http://127.0.0.1:9090"""
import http.server, time, sys
T0 = time.time()
def body():
    t = time.time() - T0
    n = int(t * 1000)
    L = []
    def c(name, labels, v):
        L.append(f'{name}{{{labels}}} {v}' if labels else f'{name} {v}')
    L.append('# TYPE vigil_events_total counter')
    c('vigil_events_total', 'type="transaction"', n * 9); c('vigil_events_total', 'type="metric_sample"', n)
    L.append('# TYPE vigil_decisions_total counter')
    for a, k in (('APPROVE', 8), ('REVIEW', 1), ('DECLINE', 1)):
        c('vigil_decisions_total', f'action="{a}"', n * k)
    L.append('# TYPE vigil_rejects_total counter')
    c('vigil_rejects_total', 'reason="INVALID_AMOUNT"', n // 10); c('vigil_rejects_total', 'reason="BAD_CREDENTIAL"', 0)
    for name, v in (('vigil_dead_letters_total', n // 10), ('vigil_model_fallbacks_total', n // 100),
                    ('vigil_backpressure_pauses_total', n // 1000), ('vigil_errors_total', n // 1000)):
        L.append(f'# TYPE {name} counter'); c(name, '', v)
    for name, v in (('vigil_journal_lag_events', 100), ('vigil_ring_occupancy', 50), ('vigil_checkpoint_age_seconds', 42.0),
                    ('vigil_connections', 4), ('vigil_journal_unavailable', 0), ('vigil_alerts_firing', 0)):
        L.append(f'# TYPE {name} gauge'); c(name, '', v)
    L.append('# TYPE vigil_stage_latency_seconds summary')
    for s in ('gateway_decode', 'journal_append', 'validate', 'inference'):
        for q in ('0.5', '0.9', '0.99', '0.999'):
            c('vigil_stage_latency_seconds', f'stage="{s}",quantile="{q}"', float(q) * 1e-5)
        c('vigil_stage_latency_seconds_sum', f'stage="{s}"', n * 1e-6); c('vigil_stage_latency_seconds_count', f'stage="{s}"', n)
    L.append('# TYPE vigil_slo_budget_remaining_ratio gauge')
    c('vigil_slo_budget_remaining_ratio', 'slo="latency"', 0.9); c('vigil_slo_budget_remaining_ratio', 'slo="availability"', 0.99)
    L.append('# TYPE vigil_slo_burn_rate gauge')
    for w in ('5m', '1h', '6h'):
        c('vigil_slo_burn_rate', f'slo="latency",window="{w}"', 1.5)
    L.append('# TYPE vigil_webhook_breaker_state gauge')
    c('vigil_webhook_breaker_state', 'receiver="pager"', 0)
    L.append('# TYPE jvm_memory_used_bytes gauge')
    c('jvm_memory_used_bytes', 'area="heap",id="ZHeap"', 5e8); c('jvm_memory_used_bytes', 'area="nonheap",id="Metaspace"', 8e7)
    L.append('# TYPE jvm_memory_max_bytes gauge')
    c('jvm_memory_max_bytes', 'area="heap",id="ZHeap"', 2e9)
    L.append('# TYPE jvm_gc_collection_seconds summary')
    c('jvm_gc_collection_seconds_count', 'gc="ZGC Pauses"', n // 100); c('jvm_gc_collection_seconds_sum', 'gc="ZGC Pauses"', n * 1e-7)
    return ('\n'.join(L) + '\n').encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = body(); self.send_response(200); self.send_header('Content-Type', 'text/plain; version=0.0.4')
        self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
