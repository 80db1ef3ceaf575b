/**
 * The ONNX sub-backend of the DJL backend, in the backend shape (see {@code docs/backends.md}):
 * ONNX files read from their protobuf, run by ONNX Runtime through DJL's engine. Its one public
 * type is {@link io.nnviz.backend.djl.onnx.OnnxFiles}, which
 * {@code io.nnviz.backend.djl.DjlBackendProvider} hands ONNX files to; users open them with
 * {@code NNViz.load}. Its classes by role:
 * <ul>
 * <li>files: {@code OnnxFiles}, parsing within the memory budget, with the checks of untrusted
 *     files beside it, {@code OnnxTensorChecks} (every tensor's dims and data, external data inside
 *     the model's folder);</li>
 * <li>model: {@code OnnxModel}, the {@code ModelView} over a read file; {@code OnnxShuffledWeights}
 *     makes its randomised copies;</li>
 * <li>describer: {@code OnnxDescriber} (nodes as layers, edges, subgraphs as groups, kinds, weight
 *     roles) with shape inference: {@code OnnxShapes} (the file's shapes, then node by node),
 *     {@code OnnxDim} and {@code OnnxTensorInfo} (what is known of a dimension and a tensor),
 *     {@code OnnxNode} (a node as a rule sees it) and {@code OnnxShapeRules}, the rules by operator,
 *     filled by its families {@code OnnxElementwiseRules}, {@code OnnxConvPoolRules},
 *     {@code OnnxMatMulRules}, {@code OnnxRecurrentRules}, {@code OnnxReduceRules},
 *     {@code OnnxReshapeRules} and {@code OnnxShapeValueRules};</li>
 * <li>tensors: {@code OnnxTensors}, element types and copies between ONNX tensors and nnviz's;
 *     {@code OnnxSession}, ONNX Runtime running the model for any top-level tensor's values;</li>
 * <li>gradients: none: ONNX Runtime computes no gradients here (attribution is by occlusion).</li>
 * </ul>
 */
package io.nnviz.backend.djl.onnx;
