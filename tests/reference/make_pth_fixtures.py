#!/usr/bin/env python3
"""Writes the small weight-file fixtures of tests/io into tests/fixtures/pth/.

Run by hand when the fixtures need to change (never in CI):
    pip install torch safetensors
    python3 tests/reference/make_pth_fixtures.py

Every file is a few KB. expected.json records, for each file that loads, what the C++ reader
must return: tensor names in order, engine dtype (f32/f64/i64), shape and all values
(float16/bfloat16 already widened to float32, integers widened to int64), plus the
state-dict key chosen, whether a 'module.' prefix was stripped and how many entries were
skipped. The other files are broken on purpose; tests/io checks the error each one gives.
"""
import collections
import copy
import io
import json
import os
import pickle
import struct
import zipfile
import zlib

import warnings

import torch

warnings.filterwarnings("ignore", message=".*TypedStorage is deprecated.*")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "pth")


def seq(n, dtype=torch.float32, scale=1.0):
    """Deterministic, non-trivial values that are exact in every float type used."""
    return (torch.sin(torch.arange(n, dtype=torch.float64) * 0.7) * scale).to(dtype)


def tiny_model():
    """conv -> bn -> conv (with bias): the kinds of keys HRNet has, with fixed values."""
    torch.manual_seed(0)
    m = torch.nn.Sequential(
        collections.OrderedDict(
            conv1=torch.nn.Conv2d(2, 3, 3, bias=False),
            bn1=torch.nn.BatchNorm2d(3),
            final_layer=torch.nn.Conv2d(3, 2, 1),
        )
    )
    with torch.no_grad():
        for i, (name, t) in enumerate(m.state_dict().items()):
            if t.dtype == torch.int64:
                t.fill_(12345678901 + i)  # needs all 64 bits
            else:
                t.copy_(seq(t.numel(), scale=1.0 + i).reshape(t.shape))
    return m


def describe(tensors):
    """The expected.json record of an ordered {name: tensor}."""
    out = []
    for name, t in tensors.items():
        if t.dtype in (torch.float32, torch.float16, torch.bfloat16):
            dtype, vals = "f32", t.detach().float()
        elif t.dtype == torch.float64:
            dtype, vals = "f64", t.detach()
        else:
            dtype, vals = "i64", t.detach().long()
        out.append(
            {"name": name, "dtype": dtype, "shape": list(t.shape),
             "values": vals.contiguous().flatten().tolist()}
        )
    return out


expected = {}


def record(fname, tensors, state_dict_key="", stripped=False, notes=0):
    expected[fname] = {
        "state_dict_key": state_dict_key,
        "stripped_module_prefix": stripped,
        "notes": notes,
        "tensors": describe(tensors),
    }


def save(obj, fname, **kw):
    torch.save(obj, os.path.join(OUT, fname), **kw)


def repack_zip(src, dst, transform=None, compression=zipfile.ZIP_STORED):
    """Copies a torch zip, optionally changing members: transform(name, data) -> (name, data)."""
    with zipfile.ZipFile(os.path.join(OUT, src)) as zin, zipfile.ZipFile(
        os.path.join(OUT, dst), "w", compression=compression
    ) as zout:
        for info in zin.infolist():
            name, data = info.filename, zin.read(info.filename)
            if transform:
                name, data = transform(name, data)
            if name is not None:
                zout.writestr(name, data)


def write_zip64(src, dst):
    """Rewrites a torch zip with zip64 records everywhere (32-bit fields saturated, real values
    in zip64 extra fields and a zip64 end record), as a writer must for archives past 4 GiB."""
    with zipfile.ZipFile(os.path.join(OUT, src)) as z:
        members = [(i.filename.encode(), z.read(i.filename)) for i in z.infolist()]
    full = 0xFFFFFFFF
    out, central = bytearray(), bytearray()
    for name, data in members:
        crc, offset = zlib.crc32(data), len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, full, full,
                           len(name), len(extra)) + name + extra + data
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, full,
                               full, len(name), len(cextra), 0, 0, 0, 0, full) + name + cextra
    cd_offset, n = len(out), len(members)
    out += central
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, full, full, 0)
    with open(os.path.join(OUT, dst), "wb") as f:
        f.write(out)
    torch.load(os.path.join(OUT, dst))  # PyTorch's own reader must accept it


class TaggedTensor(torch.Tensor):
    """A tensor subclass: torch pickles it through torch._tensor._rebuild_from_type_v2."""


class RawTensor:
    """Pickles as torch's tensor rebuild call with arguments of our choosing, to write tensors
    that torch itself would never produce (offsets outside the storage, ...)."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce_ex__(self, proto):
        return (torch._utils._rebuild_tensor_v2, self.args)


def main():
    os.makedirs(OUT, exist_ok=True)
    model = tiny_model()
    sd = model.state_dict()  # carries _metadata, pickled through BUILD

    # 1. A plain state_dict: f32 weights, 0-D int64 num_batches_tracked.
    save(sd, "state_dict_f32.pth")
    record("state_dict_f32.pth", sd)

    # 2. Other dtypes, an nn.Parameter, a subclass, and entries that are not tensors.
    mixed = collections.OrderedDict()
    mixed["half"] = torch.tensor([1.5, -2.0, 65504.0, 2.0**-20, 0.1], dtype=torch.float16)
    mixed["bf16"] = torch.tensor([[1.0, -3.140625], [1e30, 0.0078125]], dtype=torch.bfloat16)
    mixed["double"] = seq(4, torch.float64).reshape(2, 2)
    mixed["int32"] = torch.tensor([-7, 2**31 - 1], dtype=torch.int32)
    mixed["flags"] = torch.tensor([True, False, True])
    mixed["scalar"] = torch.tensor(-9000000000, dtype=torch.int64)
    mixed["param"] = torch.nn.Parameter(seq(3) + 10)
    mixed["empty"] = torch.zeros(0, 4)
    mixed["subclass"] = (seq(2) + 5).as_subclass(TaggedTensor)
    mixed["with_attribute"] = seq(2) - 5
    mixed["with_attribute"].note = "python attributes go through _rebuild_from_type_v2 too"
    with_extras = collections.OrderedDict(mixed)
    with_extras["epoch_count"] = 3
    with_extras["comment"] = "not a tensor"
    save(with_extras, "mixed_dtypes.pth")
    record("mixed_dtypes.pth", mixed, notes=2)

    # 3. Views: transposed, sliced (storage_offset), strided, broadcast (stride 0), permuted.
    base = seq(24)
    views = collections.OrderedDict()
    views["matrix"] = base[:6].reshape(2, 3)
    views["transposed"] = views["matrix"].t()
    views["slice"] = base[3:7]
    views["every_third"] = base[1::3]
    views["broadcast"] = base[:3].expand(2, 3)
    views["permuted"] = base.reshape(2, 3, 4).permute(2, 0, 1)
    views["column"] = base.reshape(4, 6)[1:, 2:3]
    assert not views["transposed"].is_contiguous() and views["slice"].storage_offset() == 3
    save(views, "views.pth")
    record("views.pth", views)

    # 4. nn.DataParallel state_dict: every key starts with 'module.'.
    dp = torch.nn.DataParallel(model).state_dict()
    save(dp, "module_prefix.pth")
    record("module_prefix.pth", sd, stripped=True)

    # 5. checkpoint.pth as tools/train.py writes it. best_state_dict gets different values so a
    #    test can tell which dict was read.
    best = collections.OrderedDict((k, v.clone() * 2 if v.is_floating_point() else v.clone())
                                   for k, v in sd.items())
    trained = copy.deepcopy(model)  # a real optimizer state, without touching `sd`
    opt = torch.optim.Adam(trained.parameters(), lr=1e-3)
    trained.train()
    trained(torch.ones(1, 2, 4, 4)).sum().backward()
    opt.step()
    checkpoint = {
        "epoch": 140,
        "model": "pose_hrnet",
        "state_dict": dp,
        "best_state_dict": best,
        "perf": 0.7435,
        "optimizer": opt.state_dict(),
    }
    save(checkpoint, "checkpoint.pth")
    record("checkpoint.pth", sd, state_dict_key="state_dict", stripped=True)
    expected["checkpoint.pth#best_state_dict"] = dict(
        expected["checkpoint.pth"], state_dict_key="best_state_dict", stripped_module_prefix=False,
        tensors=describe(best))
    # A checkpoint without 'state_dict' falls back to 'best_state_dict'.
    save({"epoch": 1, "best_state_dict": best}, "best_only.pth")
    record("best_only.pth", best, state_dict_key="best_state_dict")

    # 6. The legacy (pre-1.6) format, with views and an f16 tensor.
    legacy = collections.OrderedDict(sd)
    legacy["half"] = mixed["half"]
    legacy["transposed"] = views["transposed"]
    legacy["slice"] = views["slice"]
    save(legacy, "legacy.pth", _use_new_zipfile_serialization=False)
    record("legacy.pth", legacy)

    # 7. The same state_dict repacked with DEFLATE members, and as if written big-endian.
    repack_zip("state_dict_f32.pth", "deflated.pth", compression=zipfile.ZIP_DEFLATED)
    record("deflated.pth", sd)
    prefix = "state_dict_f32/"
    elem = {}  # storage key -> element size, from the persistent ids in data.pkl
    with zipfile.ZipFile(os.path.join(OUT, "state_dict_f32.pth")) as z:
        pkl = z.read(prefix + "data.pkl")
    class Probe(pickle.Unpickler):
        def persistent_load(self, pid):
            _, stype, key, _, _ = pid
            elem[key] = torch.tensor([], dtype=stype(0).dtype).element_size()
            return torch.UntypedStorage(0)

        def find_class(self, mod, name):
            if name == "_rebuild_tensor_v2":
                return lambda *a: None
            return super().find_class(mod, name)

    Probe(io.BytesIO(pkl)).load()

    def to_big_endian(name, data):
        if name == prefix + "byteorder":
            return name, b"big"
        if name.startswith(prefix + "data/"):
            size = elem[name[len(prefix + "data/"):]]
            return name, b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
        return name, data

    repack_zip("state_dict_f32.pth", "big_endian.pth", to_big_endian)
    record("big_endian.pth", sd)

    write_zip64("state_dict_f32.pth", "zip64.pth")
    record("zip64.pth", sd)

    # 8. safetensors, written by the Python library.
    try:
        from safetensors.torch import save_file

        st = collections.OrderedDict()
        st["conv.weight"] = seq(2 * 3 * 1 * 1).reshape(2, 3, 1, 1)
        st["bn.num_batches_tracked"] = torch.tensor(42)
        st["double"] = seq(3, torch.float64)
        st["half"] = mixed["half"]
        st["bf16"] = mixed["bf16"]
        st["ids"] = torch.tensor([[1, -2], [3, 2**40]], dtype=torch.int64)
        save_file(st, os.path.join(OUT, "python.safetensors"), metadata={"format": "pt", "source": "fixture"})
        # The library chooses the order (by dtype alignment, then name); the reader returns
        # the header's order, so the expectation follows the header as written.
        with open(os.path.join(OUT, "python.safetensors"), "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n), object_pairs_hook=collections.OrderedDict)
        record("python.safetensors",
               collections.OrderedDict((k, st[k]) for k in header if k != "__metadata__"))
        expected["python.safetensors"]["metadata"] = {"format": "pt", "source": "fixture"}
    except ImportError:
        print("safetensors not installed: python.safetensors not written")

    # ---- files that must fail, each for one reason ----
    save({"w": torch.zeros(1, 1, 1, 1, 2)}, "five_dims.pth")
    save({"z": torch.zeros(2, dtype=torch.complex64)}, "complex.pth")
    st6 = torch.arange(6, dtype=torch.float32).untyped_storage()
    typed = torch.storage.TypedStorage(wrap_storage=st6, dtype=torch.float32, _internal=True)
    save({"ok": torch.ones(2), "w": RawTensor(typed, 4, (2, 2), (2, 1))}, "offset_out_of_range.pth")
    save({"w": RawTensor(typed, 0, (3, 2), (1, 4))}, "stride_out_of_range.pth")
    repack_zip("state_dict_f32.pth", "missing_storage.pth",
               lambda n, d: (None, d) if n == prefix + "data/1" else (n, d))

    def bad_opcode(name, data):
        if name == prefix + "data.pkl":
            assert data[-1:] == b"."
            return name, data[:-1] + b"\xff."  # 0xff is no pickle opcode
        return name, data

    repack_zip("state_dict_f32.pth", "bad_opcode.pth", bad_opcode)
    repack_zip("state_dict_f32.pth", "no_data_pkl.pth",
               lambda n, d: (None, d) if n.endswith("data.pkl") else (n, d))
    save([torch.ones(1)], "list_top_level.pth")
    save({"epoch": 3, "model": collections.OrderedDict(w=torch.ones(2))}, "model_key.pth")
    record("model_key.pth#model", collections.OrderedDict(w=torch.ones(2)), state_dict_key="model")

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
