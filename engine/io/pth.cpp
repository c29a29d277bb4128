#include "engine/io/pth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "engine/error.h"
#include "engine/io/byte_reader.h"
#include "engine/io/file.h"
#include "engine/io/pickle.h"
#include "engine/io/torch_objects.h"
#include "engine/io/zip_reader.h"

namespace hr::io {

namespace {

using Kind = PyValue::Kind;

// torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as pickle's LONG1 stores it.
constexpr uint8_t kLegacyMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocolVersion = 1001;
constexpr uint8_t kPickleProto = 0x80;

std::string list_keys(const PyValue* dict) {
  constexpr size_t kShown = 12;
  std::string out;
  for (size_t i = 0; i < dict->entries.size() && i < kShown; ++i) {
    const PyValue* k = dict->entries[i].first;
    out += (i ? ", " : "") + (k->is_string() ? "'" + k->text + "'" : k->describe());
  }
  if (dict->entries.size() > kShown) out += fmt::format(", ... ({} in all)", dict->entries.size());
  return out.empty() ? "none" : out;
}

// Finds the dict of tensors by the rule documented in pth.h.
const PyValue* choose_state_dict(const PyValue* root, const StateDictOptions& options,
                                 std::string_view source, std::string& chosen_key) {
  HR_CHECK(root->kind == Kind::dict,
           "{}: the saved object is {}, not a dict (a state_dict or a checkpoint dict)", source,
           root->describe());
  if (!options.state_dict_key.empty()) {
    const PyValue* v = root->find(options.state_dict_key);
    HR_CHECK(v != nullptr, "{}: no top-level entry '{}' (keys: {})", source,
             options.state_dict_key, list_keys(root));
    HR_CHECK(v->kind == Kind::dict, "{}: top-level entry '{}' is {}, not a dict of tensors", source,
             options.state_dict_key, v->describe());
    chosen_key = options.state_dict_key;
    return v;
  }
  for (const char* key : {"state_dict", "best_state_dict"}) {
    const PyValue* v = root->find(key);
    if (v && v->kind == Kind::dict) {
      chosen_key = key;
      return v;
    }
  }
  const bool holds_tensor = std::any_of(root->entries.begin(), root->entries.end(),
                                        [](const auto& kv) { return as_tensor_ref(kv.second); });
  HR_CHECK(holds_tensor,
           "{}: found no tensors: the top-level dict holds no tensor and no 'state_dict' or "
           "'best_state_dict' dict (keys: {}); name the entry to load with state_dict_key",
           source, list_keys(root));
  chosen_key.clear();
  return root;
}

PthContents extract_tensors(const PyValue* root, StorageBytes& storage, PthFormat format,
                            std::string_view source, const StateDictOptions& options) {
  PthContents out;
  out.format = format;
  const PyValue* dict = choose_state_dict(root, options, source, out.state_dict_key);
  for (const auto& [key, value] : dict->entries) {
    if (!key->is_string()) {
      out.notes.push_back(fmt::format("skipped an entry whose key is {}, not a string", key->describe()));
      continue;
    }
    const TorchTensorRef* ref = as_tensor_ref(value);
    if (!ref) {
      out.notes.push_back(fmt::format("skipped '{}': {} is not a tensor", key->text, value->describe()));
      continue;
    }
    out.tensors.push_back({key->text, materialize_tensor(*ref, storage, key->text, source)});
  }
  if (options.strip_module_prefix) out.stripped_module_prefix = strip_common_prefix(out.tensors);
  return out;
}

// ---- zip format ---------------------------------------------------------------------------

class ZipStorageBytes : public StorageBytes {
 public:
  ZipStorageBytes(const ZipArchive& zip, std::string prefix, std::string_view source)
      : zip_(zip), prefix_(std::move(prefix)), source_(source) {}

  std::span<const uint8_t> get(const TorchStorage& storage, std::string_view tensor) override {
    auto it = cache_.find(storage.key);
    if (it == cache_.end()) {
      const std::string member = prefix_ + "data/" + storage.key;
      const ZipEntry* entry = zip_.find(member);
      HR_CHECK(entry != nullptr, "{}: tensor '{}': storage member '{}' is missing from the archive",
               source_, tensor, member);
      it = cache_.emplace(storage.key, zip_.read(*entry)).first;
    }
    return it->second.bytes();
  }

 private:
  const ZipArchive& zip_;
  std::string prefix_;
  std::string_view source_;
  std::map<std::string, ZipData> cache_;  // a storage shared by several tensors is read once
};

PthContents parse_zip_pth(std::span<const uint8_t> bytes, std::string_view source,
                          const StateDictOptions& options) {
  const ZipArchive zip(bytes, std::string(source));
  // The records sit under one top-level folder whose name varies with the PyTorch version
  // ("archive", or the file's stem); data.pkl tells us which.
  std::string prefix;
  bool found = false;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = e.name.substr(0, slash + 1);
      found = true;
      break;
    }
  }
  HR_CHECK(found, "{}: zip archive has no <folder>/data.pkl, so it is not a torch.save checkpoint",
           source);

  bool big_endian = false;
  if (const ZipEntry* bo = zip.find(prefix + "byteorder")) {
    const ZipData d = zip.read(*bo);
    const std::string order(d.bytes().begin(), d.bytes().end());
    HR_CHECK(order == "little" || order == "big", "{}: {}byteorder says '{}', expected little or big",
             source, prefix, order);
    big_endian = order == "big";
  }

  const ZipData pickle = zip.read(*zip.find(prefix + "data.pkl"));
  ByteReader reader(pickle.bytes(), source, "pickle");
  PyArena arena;
  TorchUnpickleHooks hooks;
  const PyValue* root = unpickle(reader, arena, hooks);
  ZipStorageBytes storage(zip, prefix, source);
  storage.byteswap = big_endian;
  return extract_tensors(root, storage, PthFormat::zip, source, options);
}

// ---- legacy format --------------------------------------------------------------------------

class LegacyStorageBytes : public StorageBytes {
 public:
  explicit LegacyStorageBytes(std::string_view source) : source_(source) {}

  std::span<const uint8_t> get(const TorchStorage& storage, std::string_view tensor) override {
    auto it = sections.find(storage.key);
    HR_CHECK(it != sections.end(), "{}: tensor '{}': storage '{}' is not in the file's storage list",
             source_, tensor, storage.key);
    return it->second;
  }

  std::map<std::string, std::span<const uint8_t>> sections;

 private:
  std::string_view source_;
};

PthContents parse_legacy_pth(std::span<const uint8_t> bytes, std::string_view source,
                             const StateDictOptions& options) {
  ByteReader r(bytes, source, "legacy .pth");
  PyArena arena;
  UnpickleHooks plain;  // the header pickles have no persistent ids

  const PyValue* magic = unpickle(r, arena, plain);
  HR_CHECK(magic->kind == Kind::big_integer && magic->text.size() == sizeof kLegacyMagic &&
               std::memcmp(magic->text.data(), kLegacyMagic, sizeof kLegacyMagic) == 0,
           "{}: a pickle, but not a torch.save file (its first value is {}, not torch's magic number)",
           source, magic->describe());
  const PyValue* version = unpickle(r, arena, plain);
  HR_CHECK(version->is_int() && version->integer == kLegacyProtocolVersion,
           "{}: legacy .pth protocol version is {}, expected {}", source, version->describe(),
           kLegacyProtocolVersion);
  const PyValue* sys_info = unpickle(r, arena, plain);
  HR_CHECK(sys_info->kind == Kind::dict, "{}: legacy .pth sys_info is {}, not a dict", source,
           sys_info->describe());
  const PyValue* little = sys_info->find("little_endian");
  const bool big_endian = little && little->kind == Kind::boolean && !little->boolean;

  TorchUnpickleHooks hooks;
  const PyValue* root = unpickle(r, arena, hooks);
  const PyValue* keys = unpickle(r, arena, plain);
  HR_CHECK(keys->kind == Kind::list, "{}: legacy .pth storage key list is {}, not a list", source,
           keys->describe());

  // The storages follow in the order of the key list: an element count, then the bytes.
  LegacyStorageBytes storage(source);
  storage.byteswap = big_endian;
  for (const PyValue* k : keys->items) {
    HR_CHECK(k->is_string(), "{}: legacy .pth storage key {} is not a string", source, k->describe());
    auto it = hooks.storages().find(k->text);
    HR_CHECK(it != hooks.storages().end(),
             "{}: legacy .pth lists storage '{}', which the pickle never references", source, k->text);
    const TorchStorage& s = *it->second;
    // Without the element size we cannot find where the next storage starts.
    HR_CHECK(s.untyped || s.type, "{}: legacy .pth storage '{}' has unsupported class {}", source,
             s.key, s.type_name);
    const uint64_t elem = s.untyped ? 1 : stored_size(*s.type);
    uint64_t count = r.u64("storage element count");
    if (big_endian) count = byteswap64(count);
    HR_CHECK(count == s.numel, "{}: legacy .pth storage '{}' has {} elements, the pickle says {}",
             source, s.key, count, s.numel);
    HR_CHECK(count <= std::numeric_limits<uint64_t>::max() / elem && count * elem <= r.remaining(),
             "{}: legacy .pth storage '{}' ({} x {} bytes) runs past the end of the file (truncated?)",
             source, s.key, count, elem);
    storage.sections[s.key] = r.take(static_cast<size_t>(count * elem), "storage data");
  }
  return extract_tensors(root, storage, PthFormat::legacy, source, options);
}

bool looks_like_tar(std::span<const uint8_t> bytes) {
  return bytes.size() >= 262 && std::memcmp(bytes.data() + 257, "ustar", 5) == 0;
}

}  // namespace

bool looks_like_pickle(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == kPickleProto && bytes[1] <= 5;
}

bool strip_common_prefix(NamedTensors& tensors, std::string_view prefix) {
  if (tensors.empty() || prefix.empty()) return false;
  for (const NamedTensor& t : tensors)
    if (!t.name.starts_with(prefix) || t.name.size() == prefix.size()) return false;
  for (NamedTensor& t : tensors) t.name.erase(0, prefix.size());
  return true;
}

PthContents parse_pth(std::span<const uint8_t> bytes, std::string_view source,
                      const StateDictOptions& options) {
  if (looks_like_zip(bytes)) return parse_zip_pth(bytes, source, options);
  HR_CHECK(!looks_like_tar(bytes),
           "{}: this is the tar-based torch.save format of PyTorch < 0.4, which is not supported; "
           "re-save it with a current PyTorch", source);
  HR_CHECK(looks_like_pickle(bytes),
           "{}: not a PyTorch checkpoint (neither a zip archive nor a pickle)", source);
  return parse_legacy_pth(bytes, source, options);
}

PthContents read_pth(const std::string& path, const StateDictOptions& options) {
  MappedFile file(path);
  return parse_pth(file.bytes(), path, options);
}

}  // namespace hr::io
