#include "engine/io/torch_objects.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <limits>

#include "engine/error.h"

namespace hr::io {

using Kind = PyValue::Kind;

namespace {

// Storage classes by attribute name (module torch, torch.cuda or torch.storage).
std::optional<StoredType> storage_class_type(std::string_view n) {
  if (n == "FloatStorage") return StoredType::f32;
  if (n == "DoubleStorage") return StoredType::f64;
  if (n == "HalfStorage") return StoredType::f16;
  if (n == "BFloat16Storage") return StoredType::bf16;
  if (n == "LongStorage") return StoredType::i64;
  if (n == "IntStorage") return StoredType::i32;
  if (n == "ShortStorage") return StoredType::i16;
  if (n == "CharStorage") return StoredType::i8;
  if (n == "ByteStorage" || n == "UntypedStorage") return StoredType::u8;
  if (n == "BoolStorage") return StoredType::boolean;
  return std::nullopt;
}

// torch dtype globals (torch.float32, ...), as _rebuild_tensor_v3 receives them.
std::optional<StoredType> torch_dtype_type(std::string_view n) {
  if (n == "float32" || n == "float") return StoredType::f32;
  if (n == "float64" || n == "double") return StoredType::f64;
  if (n == "float16" || n == "half") return StoredType::f16;
  if (n == "bfloat16") return StoredType::bf16;
  if (n == "int64" || n == "long") return StoredType::i64;
  if (n == "int32" || n == "int") return StoredType::i32;
  if (n == "int16" || n == "short") return StoredType::i16;
  if (n == "int8") return StoredType::i8;
  if (n == "uint8") return StoredType::u8;
  if (n == "bool") return StoredType::boolean;
  return std::nullopt;
}

bool is_torch_module(const std::string& m) {
  return m == "torch" || m == "torch.cuda" || m == "torch.storage";
}

PyValue* wrap(PyArena& arena, std::shared_ptr<NativeValue> native) {
  PyValue* v = arena.make(Kind::native);
  v->native = std::move(native);
  return v;
}

// Text fields of persistent ids may be str or (from Python 2) bytes.
bool text_of(const PyValue* v, std::string& out) {
  if (v->kind != Kind::string && v->kind != Kind::bytes) return false;
  out = v->text;
  return true;
}

bool int_list(const PyValue* v, std::vector<int64_t>& out) {
  if (v->kind != Kind::tuple && v->kind != Kind::list) return false;
  out.clear();
  for (const PyValue* i : v->items) {
    if (!i->is_int()) return false;
    out.push_back(i->integer);
  }
  return true;
}

PyValue* make_tensor_ref(PyArena& arena, const std::string& fn, const PyValue* args) {
  auto ref = std::make_shared<TorchTensorRef>();
  const std::vector<PyValue*>& a = args->items;
  const bool v3 = fn == "_rebuild_tensor_v3";
  const size_t needed = v3 ? 7 : 4;
  if (a.size() < needed) {
    ref->problem = fmt::format("torch._utils.{} got {} arguments, needs at least {}", fn, a.size(), needed);
    return wrap(arena, ref);
  }
  const auto* storage = a[0]->kind == Kind::native
                            ? dynamic_cast<const TorchStorage*>(a[0]->native.get())
                            : nullptr;
  if (!storage) {
    ref->problem = fmt::format("built from {}, not a storage", a[0]->describe());
    return wrap(arena, ref);
  }
  ref->storage = std::static_pointer_cast<const TorchStorage>(a[0]->native);
  if (!a[1]->is_int()) {
    ref->problem = fmt::format("storage offset is {}", a[1]->describe());
    return wrap(arena, ref);
  }
  ref->storage_offset = a[1]->integer;
  if (!int_list(a[2], ref->size) || !int_list(a[3], ref->stride)) {
    ref->problem = fmt::format("size {} / stride {} are not tuples of integers", a[2]->describe(),
                               a[3]->describe());
    return wrap(arena, ref);
  }
  if (v3) {
    const PyValue* d = a[6];
    ref->dtype = d->kind == Kind::global && d->text == "torch" ? torch_dtype_type(d->name) : std::nullopt;
    if (!ref->dtype) ref->problem = fmt::format("unsupported dtype {}", d->describe());
  } else {
    ref->dtype = storage->type;
    if (!ref->dtype) ref->problem = fmt::format("unsupported dtype (storage class {})", storage->type_name);
  }
  return wrap(arena, ref);
}

}  // namespace

std::string TorchStorage::describe() const {
  return fmt::format("storage {} '{}' of {}", type_name, key, numel);
}

std::string TorchTensorRef::describe() const {
  return fmt::format("tensor {}[{}]", dtype ? stored_name(*dtype) : "?", fmt::join(size, ", "));
}

const TorchTensorRef* as_tensor_ref(const PyValue* v) {
  if (v->kind != Kind::native) return nullptr;
  return dynamic_cast<const TorchTensorRef*>(v->native.get());
}

PyValue* TorchUnpickleHooks::persistent_load(PyArena& arena, PyValue* pid, std::string_view source) {
  std::string kind;
  HR_CHECK(pid->kind == Kind::tuple && !pid->items.empty() && text_of(pid->items[0], kind),
           "{}: pickle: persistent id {} is not a tuple naming its kind", source, pid->describe());
  const std::vector<PyValue*>& a = pid->items;
  if (kind == "module") return a.size() > 1 ? a[1] : arena.make(Kind::none);  // a saved nn.Module class
  HR_CHECK(kind == "storage", "{}: pickle: unknown persistent id kind '{}'", source, kind);
  auto s = std::make_shared<TorchStorage>();
  HR_CHECK(a.size() >= 5 && a[1]->kind == Kind::global && text_of(a[2], s->key) &&
               text_of(a[3], s->location) && a[4]->is_int() && a[4]->integer >= 0,
           "{}: pickle: malformed storage id ({} fields; expected 'storage', storage class, key, "
           "location, numel)", source, a.size());
  s->type_name = a[1]->text + "." + a[1]->name;
  s->type = is_torch_module(a[1]->text) ? storage_class_type(a[1]->name) : std::nullopt;
  s->untyped = a[1]->name == "UntypedStorage";
  s->numel = static_cast<uint64_t>(a[4]->integer);
  // Legacy files may describe a view: (view_key, element offset, element count).
  if (a.size() >= 6 && a[5]->kind == Kind::tuple) {
    const std::vector<PyValue*>& v = a[5]->items;
    HR_CHECK(v.size() == 3 && v[1]->is_int() && v[1]->integer >= 0,
             "{}: pickle: malformed storage view of '{}'", source, s->key);
    s->view_offset = static_cast<uint64_t>(v[1]->integer);
  }
  storages_.emplace(s->key, s);  // the first description of a key decides its layout
  return wrap(arena, s);
}

PyValue* TorchUnpickleHooks::apply(PyArena& arena, PyValue* callable, PyValue* args,
                                   std::string_view source) {
  if (callable->kind != Kind::global) return nullptr;
  const std::string& m = callable->text;
  const std::string& n = callable->name;
  if (m == "torch._utils") {
    if (n == "_rebuild_tensor" || n == "_rebuild_tensor_v2" || n == "_rebuild_tensor_v3")
      return make_tensor_ref(arena, n, args);
    // nn.Parameter(data, requires_grad, hooks): the data is all we keep.
    if ((n == "_rebuild_parameter" || n == "_rebuild_parameter_with_state") && !args->items.empty())
      return args->items[0];
  }
  // Tensors with Python attributes or of a subclass: _rebuild_from_type_v2(func, type, args,
  // state) calls func(*args); the type and attributes do not matter for weights.
  // (Not nested: a hostile file could otherwise nest them deep enough to exhaust the stack.)
  if (m == "torch._tensor" && n == "_rebuild_from_type_v2" && args->items.size() >= 3 &&
      args->items[2]->kind == Kind::tuple && !args->items[0]->is_global(m, n))
    return apply(arena, args->items[0], args->items[2], source);
  if (m == "torch" && n == "Size" && args->items.size() == 1 && args->items[0]->kind == Kind::tuple)
    return args->items[0];
  return nullptr;
}

Tensor materialize_tensor(const TorchTensorRef& ref, StorageBytes& bytes, std::string_view name,
                          std::string_view source) {
  HR_CHECK(ref.problem.empty(), "{}: tensor '{}': {}", source, name, ref.problem);
  const size_t ndim = ref.size.size();
  HR_CHECK(ndim <= static_cast<size_t>(Shape::kMaxDims),
           "{}: tensor '{}' has {} dimensions [{}]; the engine supports at most {}", source, name,
           ndim, fmt::join(ref.size, ", "), Shape::kMaxDims);
  HR_CHECK(ref.stride.size() == ndim, "{}: tensor '{}': {} sizes but {} strides", source, name,
           ndim, ref.stride.size());
  HR_CHECK(ref.storage_offset >= 0, "{}: tensor '{}': negative storage offset {}", source, name,
           ref.storage_offset);

  // Highest element index the view touches, with overflow checks (the inputs are untrusted).
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t numel = 1, extent = 0;
  for (size_t d = 0; d < ndim; ++d) {
    const int64_t sz = ref.size[d], st = ref.stride[d];
    HR_CHECK(sz >= 0 && st >= 0, "{}: tensor '{}': negative size or stride (size [{}], stride [{}])",
             source, name, fmt::join(ref.size, ", "), fmt::join(ref.stride, ", "));
    HR_CHECK(sz == 0 || numel <= kMax / sz, "{}: tensor '{}': size [{}] overflows", source, name,
             fmt::join(ref.size, ", "));
    numel *= sz;
    if (sz > 0) {
      HR_CHECK(st == 0 || sz - 1 <= (kMax - extent) / st, "{}: tensor '{}': strides overflow",
               source, name);
      extent += (sz - 1) * st;
    }
  }

  const TorchStorage& storage = *ref.storage;
  const StoredType type = *ref.dtype;
  const size_t elem = stored_size(type);
  HR_CHECK(storage.untyped || storage.type, "{}: tensor '{}': unsupported storage class {}",
           source, name, storage.type_name);
  const std::span<const uint8_t> data = bytes.get(storage, name);
  const uint64_t declared = storage.untyped ? storage.numel : storage.numel * stored_size(*storage.type);
  HR_CHECK(data.size() == declared,
           "{}: tensor '{}': storage '{}' holds {} bytes, but its {} numel {} needs {}", source,
           name, storage.key, data.size(), storage.type_name, storage.numel, declared);

  const uint64_t available = data.size() / elem;
  const uint64_t first = storage.view_offset + static_cast<uint64_t>(ref.storage_offset);
  if (numel > 0) {
    HR_CHECK(first <= available && static_cast<uint64_t>(extent) < available - first,
             "{}: tensor '{}': storage offset {} with size [{}] and stride [{}] reaches element "
             "{}, but storage '{}' has {} {} elements",
             source, name, first, fmt::join(ref.size, ", "), fmt::join(ref.stride, ", "),
             first + static_cast<uint64_t>(extent), storage.key, available, stored_name(type));
  }

  // Stride-0 views (expand) can describe more elements than the storage holds. Legitimate
  // ones are small; a corrupt size must not turn into a huge allocation.
  constexpr int64_t kMaxExpandedElements = int64_t{1} << 28;
  HR_CHECK(static_cast<uint64_t>(numel) <= available || numel <= kMaxExpandedElements,
           "{}: tensor '{}': size [{}] with stride [{}] expands storage '{}' of {} elements to {}; "
           "refusing", source, name, fmt::join(ref.size, ", "), fmt::join(ref.stride, ", "),
           storage.key, available, numel);

  Shape shape;
  for (int64_t s : ref.size) shape.push(s);
  Tensor t = Tensor::empty(shape, loaded_dtype(type));
  if (numel == 0) return t;

  // Walk the outer dimensions with a counter; the innermost runs through convert_elements.
  const size_t out_elem = dtype_size(t.dtype());
  auto* dst = static_cast<uint8_t*>(t.raw());
  const uint8_t* base = data.data() + first * elem;
  if (ndim == 0) {
    convert_elements(base, type, 1, 1, dst, bytes.byteswap);
    return t;
  }
  const int64_t inner = ref.size[ndim - 1];
  const int64_t inner_stride = ref.stride[ndim - 1];
  std::vector<int64_t> index(ndim - 1, 0);
  for (int64_t row = 0, rows = numel / inner; row < rows; ++row) {
    int64_t src_elem = 0;
    for (size_t d = 0; d + 1 < ndim; ++d) src_elem += index[d] * ref.stride[d];
    convert_elements(base + static_cast<uint64_t>(src_elem) * elem, type, inner, inner_stride,
                     dst + static_cast<size_t>(row * inner) * out_elem, bytes.byteswap);
    for (size_t d = ndim - 1; d-- > 0;) {  // odometer increment
      if (++index[d] < ref.size[d]) break;
      index[d] = 0;
    }
  }
  return t;
}

}  // namespace hr::io
