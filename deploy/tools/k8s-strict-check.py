"""Strict structural check of Kubernetes manifests against the Kubernetes python client's models (Debian:
apt-get install python3-kubernetes): every field must be known to the model of its place (catches typos and
misplaced fields) and leaf values must have the right type. It knows no CRD (ServiceMonitor) and client 22.6 knows
no field added after Kubernetes 1.22 (PodDisruptionBudget.spec.unhealthyPodEvictionPolicy, 1.26+).

Usage: kubectl kustomize deploy/k8s > /tmp/vigil.yaml && /usr/bin/python3 deploy/tools/k8s-strict-check.py /tmp/vigil.yaml
"""
import sys

import yaml
import kubernetes.client.models as m

KINDS = {('apps/v1', 'StatefulSet'): 'V1StatefulSet', ('v1', 'Service'): 'V1Service',
         ('v1', 'ConfigMap'): 'V1ConfigMap', ('policy/v1', 'PodDisruptionBudget'): 'V1PodDisruptionBudget'}
problems = []
# fields newer than client 22.6, allowed by name (Kubernetes version that has them)
NEWER = {('V1PodDisruptionBudgetSpec', 'unhealthyPodEvictionPolicy'): '1.26'}

def model_class(name):
    return getattr(m, name, None)

def check(value, typ, path):
    if value is None:
        return
    if typ.startswith('list['):
        if not isinstance(value, list):
            problems.append(f'{path}: expected a list'); return
        for i, v in enumerate(value):
            check(v, typ[5:-1], f'{path}[{i}]')
        return
    if typ.startswith('dict('):
        if not isinstance(value, dict):
            problems.append(f'{path}: expected a map'); return
        inner = typ[typ.index(',') + 1:-1].strip()
        for k, v in value.items():
            check(v, inner, f'{path}.{k}')
        return
    if typ in ('str',):
        if not isinstance(value, str):
            problems.append(f'{path}: expected a string, got {value!r}')
        return
    if typ in ('int',):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f'{path}: expected an int, got {value!r}')
        return
    if typ == 'bool':
        if not isinstance(value, bool):
            problems.append(f'{path}: expected a bool, got {value!r}')
        return
    if typ == 'object':   # IntOrString, quantities
        if not isinstance(value, (str, int)):
            problems.append(f'{path}: expected a string or int')
        return
    cls = model_class(typ)
    if cls is None:
        problems.append(f'{path}: unknown model {typ}'); return
    if not isinstance(value, dict):
        problems.append(f'{path}: expected an object ({typ})'); return
    by_json = {v: k for k, v in cls.attribute_map.items()}
    for key, v in value.items():
        if key not in by_json and (typ, key) in NEWER:
            print(f'note: {path}.{key} needs Kubernetes {NEWER[(typ, key)]} or later (unchecked)')
            continue
        if key not in by_json:
            problems.append(f'{path}.{key}: not a field of {typ} (in client 22.6 at least)')
            continue
        check(v, cls.openapi_types[by_json[key]], f'{path}.{key}')

for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc is None:
        continue
    key = (doc.get('apiVersion'), doc.get('kind'))
    if key not in KINDS:
        print(f'skipped {key} (no model)'); continue
    check(doc, KINDS[key], f"{doc['kind']}/{doc['metadata']['name']}")
    print(f"checked {doc['kind']}/{doc['metadata']['name']}")
for p in problems:
    print('PROBLEM', p)
sys.exit(1 if problems else 0)
