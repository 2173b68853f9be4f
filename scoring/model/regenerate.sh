#!/usr/bin/env bash
# Regenerates Vigil's committed fraud model from the synthetic stream:
#   1. TrainingDataExport: synthetic generator -> TransactionFeatures -> CSV (features + label)
#   2. train.py (Debian's python3 with numpy and onnx): fit, write the ONNX model, its metrics,
#      the numpy reference rows and the deliberately bad models used by the tests.
# Usage: scoring/model/regenerate.sh [extra TrainingDataExport options, e.g. --seed 42 --events 1000000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3
if ! "$py" -c 'import numpy, onnx' 2>/dev/null; then
  echo "installing python3-numpy and python3-onnx (Debian packages)" >&2
  apt-get install -y python3-numpy python3-onnx >&2
fi
cd "$root"
mvn -o -q -B install -pl scoring -DskipTests
cp_file="$(mktemp)"
csv="$(mktemp --suffix=.csv)"
trap 'rm -f "$cp_file" "$csv"' EXIT
mvn -o -q -B dependency:build-classpath -pl scoring -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" \
  || mvn -q -B dependency:build-classpath -pl scoring -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file"
java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
  -cp "scoring/target/classes:$(cat "$cp_file")" io.vigil.scoring.model.TrainingDataExport --out "$csv" "$@"
"$py" "$here/train.py" --csv "$csv" \
  --resources scoring/src/main/resources/io/vigil/scoring/model \
  --test-resources scoring/src/test/resources/io/vigil/scoring/model
echo "done: scoring/src/main/resources/io/vigil/scoring/model/fraud-model.onnx" >&2
