#!/usr/bin/python3
"""Writes failing-model.onnx: a model that loads like the real one (input 'features' [N, 14], output 'score'
[N, 1], feature set txf-1) but whose every run fails inside ONNX Runtime (Gather with an index past the width),
so tests can exercise the MODEL_FALLBACK path with the real runtime. Run with Debian's python3-onnx:
    /usr/bin/python3 engine/src/test/python/failing_model.py engine/src/test/resources/failing-model.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WIDTH = 14
out = sys.argv[1]
indices = numpy_helper.from_array(np.array([WIDTH + 6], dtype=np.int64), "past_the_end")
graph = helper.make_graph(
    [helper.make_node("Gather", ["features", "past_the_end"], ["score"], axis=1)],
    "vigil_failing_model",
    [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", WIDTH])],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
    [indices])
model = helper.make_model(graph, producer_name="failing_model.py", opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
helper.set_model_props(model, {"vigil.model_version": "failing-1", "vigil.feature_set": "txf-1"})
onnx.checker.check_model(model)
onnx.save(model, out)
