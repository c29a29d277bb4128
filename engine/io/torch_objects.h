// PyTorch's pickled objects, as the pickle VM sees them, and how tensors are rebuilt.
//
// torch.save pickles a tensor as
//   torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
//                                   backward_hooks[, metadata])
// (or _rebuild_tensor_v3 with an explicit dtype, or the old _rebuild_tensor), where
// `storage` is a persistent id
//   ('storage', torch.FloatStorage, key, location, numel[, view_metadata])
// whose bytes live outside the pickle (zip member data/<key>, or a section of a legacy
// file). TorchUnpickleHooks turns these into TorchStorage and TorchTensorRef values; the
// bytes are read later, only for the tensors the caller asks for, by materialize_tensor.
//
// A tensor reference built from something unexpected (an unknown storage class, arguments
// of the wrong kind) is not an error until that tensor is materialised, so an odd entry in
// an optimizer state cannot stop a state_dict from loading.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/element_types.h"
#include "engine/io/pickle.h"
#include "engine/tensor.h"

namespace hr::io {

struct TorchStorage : NativeValue {
  std::string key;                  // record name: zip member data/<key>, or the legacy key
  std::string type_name;            // "torch.FloatStorage", for messages
  std::optional<StoredType> type;   // nullopt: a storage class we cannot load
  bool untyped = false;             // torch.UntypedStorage: numel counts bytes
  uint64_t numel = 0;               // elements of `type`, as the persistent id says
  std::string location;             // "cpu", "cuda:0": ignored, everything loads to the CPU
  uint64_t view_offset = 0;         // legacy storage views: element offset into the root

  std::string describe() const override;
};

struct TorchTensorRef : NativeValue {
  std::shared_ptr<const TorchStorage> storage;
  std::optional<StoredType> dtype;  // element type; nullopt when `problem` says why
  int64_t storage_offset = 0;       // in elements
  std::vector<int64_t> size, stride;
  std::string problem;              // non-empty: this reference cannot become a tensor

  std::string describe() const override;
};

// Returns the TorchTensorRef inside `v`, or nullptr if `v` is not a tensor.
const TorchTensorRef* as_tensor_ref(const PyValue* v);

class TorchUnpickleHooks : public UnpickleHooks {
 public:
  PyValue* persistent_load(PyArena& arena, PyValue* pid, std::string_view source) override;
  PyValue* apply(PyArena& arena, PyValue* callable, PyValue* args, std::string_view source) override;

  // Every storage the pickle referenced, by key (the legacy format needs their types to
  // find the data sections).
  const std::map<std::string, std::shared_ptr<TorchStorage>>& storages() const { return storages_; }

 private:
  std::map<std::string, std::shared_ptr<TorchStorage>> storages_;
};

// The raw bytes of a storage, supplied by the container format (zip or legacy).
class StorageBytes {
 public:
  virtual ~StorageBytes() = default;
  // All bytes of the root storage `key`; throws (naming `tensor_name`) when missing.
  virtual std::span<const uint8_t> get(const TorchStorage& storage, std::string_view tensor_name) = 0;
  bool byteswap = false;  // the file was written on a big-endian machine
};

// Copies the elements `ref` describes (honouring offset and strides) into a new contiguous
// CPU tensor, converting as element_types.h says. Checks rank (at most 4), sizes, strides
// and that every element lies inside the storage; errors name `source` and `name`.
Tensor materialize_tensor(const TorchTensorRef& ref, StorageBytes& bytes, std::string_view name,
                          std::string_view source);

}  // namespace hr::io
