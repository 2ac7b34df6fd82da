"""Convert resemblyzer's speaker encoder (`pretrained.pt`, PyPI resemblyzer 0.1.4, Apache-2.0)
to safetensors, with the standard library only (no torch): `make models` runs it.

`pretrained.pt` is in PyTorch's legacy (pre-1.6) format: a few pickles in a row, the state dict
pickled with persistent ids for its storages, then the storages' raw little-endian bytes, each
after an int64 element count. Usage: voice_encoder.py pretrained.pt out.safetensors
"""
import json
import os
import pickle
import struct
import sys
from collections import OrderedDict

DTYPES = {"FloatStorage": ("F32", 4, "f")}


class Storage:
    def __init__(self, kind, key):
        if kind not in DTYPES:
            raise ValueError(f"unsupported storage type {kind}")
        self.kind, self.key, self.data = kind, key, None


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def contiguous_bytes(self):
        _, width, _ = DTYPES[self.storage.kind]
        expect, n = [], 1
        for d in reversed(self.size):
            expect.insert(0, n)
            n *= d
        if self.size and tuple(expect) != self.stride:
            raise ValueError(f"non-contiguous tensor {self.size} {self.stride}")
        a = self.offset * width
        return self.storage.data[a:a + n * width]


def rebuild_tensor(storage, offset, size, stride, *_):
    return Tensor(storage, offset, size, stride)


class Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch" and name in DTYPES:
            return name
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_type, key = pid[0], pid[1], pid[2]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        if key not in self.storages:
            self.storages[key] = Storage(storage_type, key)
        return self.storages[key]


def load(path):
    with open(path, "rb") as f:
        magic = pickle.load(f)
        if magic != 0x1950A86A20F9469CFC6C:
            raise ValueError(f"{path}: not a legacy PyTorch file")
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys info
        storages = {}
        obj = Unpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            _, width, _ = DTYPES[storages[key].kind]
            storages[key].data = f.read(count * width)
            if len(storages[key].data) != count * width:
                raise ValueError(f"{path}: truncated storage {key}")
    return obj


def main():
    src, dst = sys.argv[1], sys.argv[2]
    state = load(src)["model_state"]
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        if not isinstance(t, Tensor):
            continue
        data = t.contiguous_bytes()
        header[name] = {"dtype": DTYPES[t.storage.kind][0], "shape": list(t.size),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"source": "resemblyzer 0.1.4 pretrained.pt"}
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    with open(dst + ".partial", "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            out.write(b)

    os.replace(dst + ".partial", dst)
    for name in header:
        if name != "__metadata__":
            print(name, header[name]["shape"])


if __name__ == "__main__":
    main()
