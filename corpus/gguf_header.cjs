// What @huggingface/gguf (a GGUF parser nobody here wrote) reads in a GGUF file's header, as JSON on stdout:
// the version, every metadata key (arrays as their length and first items), every tensor's name, shape (in ggml's
// order, ne[0] first), type and offset, and where the tensor data starts.
//   node gguf_header.cjs PARSER_DIR FILE.gguf      (PARSER_DIR: the folder npm installed @huggingface/gguf into)
const path = require("path");
const { gguf } = require(path.join(path.resolve(process.argv[2]), "node_modules", "@huggingface", "gguf"));

const plain = (v) => (typeof v === "bigint" ? v.toString() : v);
gguf(process.argv[3], { allowLocalFile: true }).then(({ metadata, tensorInfos, tensorDataOffset, littleEndian }) => {
  const meta = {};
  for (const [k, v] of Object.entries(metadata)) {
    meta[k] = Array.isArray(v) ? { array_length: v.length, first: v.slice(0, 3).map(plain) } : plain(v);
  }
  process.stdout.write(JSON.stringify({
    version: Number(metadata.version),
    little_endian: littleEndian,
    tensor_data_offset: tensorDataOffset.toString(),
    metadata: meta,
    tensors: tensorInfos.map((t) => ({ name: t.name, shape: t.shape.map(String), dtype: t.dtype, offset: t.offset.toString() })),
  }));
}).catch((e) => {
  process.stderr.write(String(e) + "\n");
  process.exit(1);
});
