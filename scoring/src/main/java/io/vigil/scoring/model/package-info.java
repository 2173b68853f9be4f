/**
 * The fraud model: {@link io.vigil.scoring.model.OnnxModel} runs the committed ONNX model (see scoring/model/README.md for how it is fitted) in batches on the pipeline thread; {@link io.vigil.scoring.model.TrainingDataExport} exports its training data.
 */
package io.vigil.scoring.model;
