#include "engine/io/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/error.h"
#include "engine/io/byte_reader.h"
#include "engine/io/element_types.h"
#include "engine/io/file.h"

namespace hr::io {

namespace {

using Json = nlohmann::ordered_json;  // keeps the header's key order

constexpr std::string_view kMetadataKey = "__metadata__";
// The format's own limit (the reference implementation refuses larger headers); it also
// stops a lying length from making us parse hundreds of megabytes as JSON.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

struct Entry {
  std::string name;
  StoredType type;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

uint64_t json_uint(const Json& v, std::string_view source, std::string_view name,
                   std::string_view field) {
  HR_CHECK(v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0),
           "{}: tensor '{}': {} must be a non-negative integer, got {}", source, name, field,
           v.dump());
  return v.get<uint64_t>();
}

Entry parse_entry(const std::string& name, const Json& info, std::string_view source) {
  HR_CHECK(info.is_object(), "{}: tensor '{}': header entry must be an object, got {}", source,
           name, info.dump());
  Entry e;
  e.name = name;

  auto dtype_it = info.find("dtype");
  HR_CHECK(dtype_it != info.end() && dtype_it->is_string(),
           "{}: tensor '{}': missing or non-string \"dtype\"", source, name);
  const std::string dtype = dtype_it->get<std::string>();
  const auto type = stored_type_from_safetensors(dtype);
  HR_CHECK(type.has_value(), "{}: tensor '{}': unsupported dtype \"{}\"", source, name, dtype);
  e.type = *type;

  auto shape_it = info.find("shape");
  HR_CHECK(shape_it != info.end() && shape_it->is_array(),
           "{}: tensor '{}': missing or non-array \"shape\"", source, name);
  HR_CHECK(shape_it->size() <= static_cast<size_t>(Shape::kMaxDims),
           "{}: tensor '{}' has {} dimensions {}; the engine supports at most {}", source, name,
           shape_it->size(), shape_it->dump(), Shape::kMaxDims);
  uint64_t numel = 1;
  for (const Json& d : *shape_it) {
    const uint64_t dim = json_uint(d, source, name, "a shape entry");
    HR_CHECK(dim <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) &&
                 (dim == 0 || numel <= std::numeric_limits<uint64_t>::max() / dim),
             "{}: tensor '{}': shape {} is too large", source, name, shape_it->dump());
    numel *= dim;
    e.shape.push(static_cast<int64_t>(dim));
  }

  auto off_it = info.find("data_offsets");
  HR_CHECK(off_it != info.end() && off_it->is_array() && off_it->size() == 2,
           "{}: tensor '{}': \"data_offsets\" must be [begin, end]", source, name);
  e.begin = json_uint((*off_it)[0], source, name, "data_offsets[0]");
  e.end = json_uint((*off_it)[1], source, name, "data_offsets[1]");
  HR_CHECK(e.begin <= e.end, "{}: tensor '{}': data_offsets [{}, {}] end before begin", source,
           name, e.begin, e.end);
  const uint64_t elem = stored_size(e.type);
  HR_CHECK(numel <= std::numeric_limits<uint64_t>::max() / elem && e.end - e.begin == numel * elem,
           "{}: tensor '{}': data_offsets [{}, {}] span {} bytes, but {} {} needs {}", source, name,
           e.begin, e.end, e.end - e.begin, dtype, e.shape.str(), numel * elem);
  return e;
}

// The data area must be covered exactly: no byte claimed twice, none unclaimed (the
// format's rule, which stops files from hiding extra content between tensors).
void check_coverage(std::vector<const Entry*> entries, uint64_t data_size,
                    std::string_view source) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : entries) {
    HR_CHECK(e->end <= data_size,
             "{}: tensor '{}': data_offsets [{}, {}] run past the data area ({} bytes)", source,
             e->name, e->begin, e->end, data_size);
    HR_CHECK(e->begin >= covered, "{}: tensor '{}': data_offsets [{}, {}] overlap tensor '{}'",
             source, e->name, e->begin, e->end, prev ? prev->name : "");
    HR_CHECK(e->begin == covered,
             "{}: tensor '{}': data_offsets [{}, {}] leave a hole of {} bytes after offset {}",
             source, e->name, e->begin, e->end, e->begin - covered, covered);
    covered = e->end;
    prev = e;
  }
  HR_CHECK(covered == data_size,
           "{}: the data area holds {} bytes but the tensors cover only {} (trailing bytes)",
           source, data_size, covered);
}

}  // namespace

SafetensorsContents parse_safetensors(std::span<const uint8_t> bytes, std::string_view source) {
  ByteReader r(bytes, source, "safetensors");
  HR_CHECK(bytes.size() >= 8, "{}: safetensors: file of {} bytes is too short for the 8-byte header length",
           source, bytes.size());
  const uint64_t header_len = r.u64("header length");
  HR_CHECK(header_len <= bytes.size() - 8,
           "{}: safetensors: header length {} is larger than the rest of the file ({} bytes)",
           source, header_len, bytes.size() - 8);
  HR_CHECK(header_len <= kMaxHeaderBytes, "{}: safetensors: header length {} exceeds the {}-byte limit",
           source, header_len, kMaxHeaderBytes);
  const Bytes header = r.take(static_cast<size_t>(header_len), "header");
  const Bytes data = bytes.subspan(r.offset());

  // Count top-level keys while parsing: ordered_json silently collapses duplicate names,
  // which would hide a second tensor claiming part of the data.
  size_t top_level_keys = 0;
  const Json::parser_callback_t count_keys = [&](int depth, Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::key && depth == 1) ++top_level_keys;
    return true;
  };
  Json root;
  try {
    root = Json::parse(header.begin(), header.end(), count_keys);
  } catch (const Json::exception& e) {
    fail("{}: safetensors: header is not valid JSON: {}", source, e.what());
  }
  HR_CHECK(root.is_object(), "{}: safetensors: header must be a JSON object, got {}", source,
           root.type_name());
  HR_CHECK(top_level_keys == root.size(), "{}: safetensors: header names a tensor twice", source);

  SafetensorsContents out;
  std::vector<Entry> entries;
  entries.reserve(root.size());
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == kMetadataKey) {
      HR_CHECK(it->is_object(), "{}: safetensors: \"__metadata__\" must be an object", source);
      for (auto m = it->begin(); m != it->end(); ++m) {
        HR_CHECK(m->is_string(), "{}: safetensors: __metadata__[\"{}\"] must be a string, got {}",
                 source, m.key(), m->dump());
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(it.key(), *it, source));
  }

  std::vector<const Entry*> ptrs;
  for (const Entry& e : entries) ptrs.push_back(&e);
  check_coverage(ptrs, data.size(), source);

  out.tensors.reserve(entries.size());
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, loaded_dtype(e.type));
    convert_elements(data.data() + e.begin, e.type, t.numel(), 1, t.raw(), false);
    out.tensors.push_back({e.name, std::move(t)});
  }
  return out;
}

SafetensorsContents read_safetensors(const std::string& path) {
  MappedFile file(path);
  return parse_safetensors(file.bytes(), path);
}

namespace {

std::string_view safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
  }
  return "?";
}

// Streams a safetensors file into `sink`: header first, then each tensor's bytes.
void emit_safetensors(const NamedTensors& tensors, const SafetensorsMetadata& metadata,
                      const ByteSink& sink) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) {
      HR_CHECK(!k.empty(), "safetensors: empty metadata key");
      meta[k] = v;
    }
    header[std::string(kMetadataKey)] = std::move(meta);
  }
  std::set<std::string_view> seen;
  uint64_t offset = 0;
  for (const NamedTensor& nt : tensors) {
    HR_CHECK(!nt.name.empty(), "safetensors: a tensor has an empty name");
    HR_CHECK(nt.name != kMetadataKey, "safetensors: \"{}\" is reserved, not a tensor name",
             kMetadataKey);
    HR_CHECK(seen.insert(nt.name).second, "safetensors: tensor name '{}' appears twice", nt.name);
    HR_CHECK(nt.tensor.defined(), "safetensors: tensor '{}' is undefined", nt.name);
    Json shape = Json::array();
    for (int d = 0; d < nt.tensor.ndim(); ++d) shape.push_back(nt.tensor.size(d));
    const uint64_t n = nt.tensor.nbytes();
    header[nt.name] = {{"dtype", safetensors_dtype(nt.tensor.dtype())},
                       {"shape", std::move(shape)},
                       {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // names or metadata that are not valid UTF-8
    fail("safetensors: cannot encode the header: {}", e.what());
  }
  // Pad with spaces (allowed by the format) so the data area starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t len = text.size();
  sink(&len, sizeof len);
  sink(text.data(), text.size());
  for (const NamedTensor& nt : tensors) {
    const Tensor host = nt.tensor.to(Device::CPU);
    sink(host.raw(), host.nbytes());
  }
}

}  // namespace

std::vector<uint8_t> encode_safetensors(const NamedTensors& tensors,
                                        const SafetensorsMetadata& metadata) {
  std::vector<uint8_t> out;
  emit_safetensors(tensors, metadata, [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  });
  return out;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const SafetensorsMetadata& metadata) {
  write_file_atomic(path, [&](const ByteSink& sink) { emit_safetensors(tensors, metadata, sink); });
}

}  // namespace hr::io
