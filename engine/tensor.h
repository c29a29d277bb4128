// Tensor: a contiguous, typed, device-tagged view of a shared Storage, up to 4-D.
//
// Activations are NHWC [N][H][W][C]; conv weights [Cout][kh][kw][Cin]. Copies of a Tensor
// share storage (like a shared_ptr); clone() makes a deep copy. Every accessor checks dtype
// and device and says which tensor was wrong.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/allocator.h"
#include "engine/dtype.h"
#include "engine/error.h"
#include "engine/shape.h"

namespace hr {

class Tensor {
 public:
  Tensor() = default;  // undefined tensor

  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::CPU);
  // A CPU tensor in page-locked memory when a CUDA device is present (pageable otherwise):
  // what the data loader fills so that batches reach the GPU at full bus speed.
  static Tensor empty_pinned(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);  // CPU
  template <typename T>
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values);  // CPU

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return shape_.ndim(); }
  int64_t size(int dim) const { return shape_[dim]; }
  int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool is_cpu() const { return device_ == Device::CPU; }
  bool is_pinned() const { return storage_ && storage_->pinned(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  // Typed pointer; throws when T does not match the dtype.
  template <typename T> T* data();
  template <typename T> const T* data() const;
  void* raw() { return defined() ? storage_->data() : nullptr; }
  const void* raw() const { return defined() ? storage_->data() : nullptr; }

  // Same storage, new shape of the same element count.
  Tensor reshape(const Shape& shape) const;
  Tensor clone() const;
  Tensor to(Device device) const;  // same tensor if already there
  Tensor to(DType dtype) const;    // CPU conversion between f32/f64/i64
  void zero_();
  void copy_from(const Tensor& src);  // same shape and dtype, any devices
  void fill_(double value);           // CPU

  template <typename T> std::vector<T> to_vector() const;  // copies to host
  double item() const;                                     // one-element tensor to double

  bool shares_storage(const Tensor& o) const { return storage_ == o.storage_; }
  std::string desc() const;  // "f32[8, 64, 48, 32]@cpu"

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  DType dtype_ = DType::f32;
  Device device_ = Device::CPU;
};

// ---- checks that name the tensor at fault ------------------------------------
void check_defined(const Tensor& t, const char* what);
void check_shape(const Tensor& t, const Shape& expected, const char* what);
void check_ndim(const Tensor& t, int ndim, const char* what);
void check_same_dtype(const Tensor& a, const Tensor& b, const char* what_a, const char* what_b);
void check_same_device(const Tensor& a, const Tensor& b, const char* what_a, const char* what_b);
void check_cpu(const Tensor& t, const char* what);

// ---- template definitions ----------------------------------------------------
template <typename T>
T* Tensor::data() {
  HR_CHECK(defined(), "data() on an undefined tensor");
  HR_CHECK(dtype_ == dtype_of<T>::value, "tensor {} accessed as {}", desc(),
           dtype_name(dtype_of<T>::value));
  return static_cast<T*>(storage_->data());
}

template <typename T>
const T* Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}

template <typename T>
Tensor Tensor::from_vector(const Shape& shape, const std::vector<T>& values) {
  HR_CHECK(shape.numel() == static_cast<int64_t>(values.size()),
           "from_vector: shape {} needs {} values, got {}", shape.str(), shape.numel(), values.size());
  Tensor t = empty(shape, dtype_of<T>::value, Device::CPU);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor host = to(Device::CPU);
  const T* p = host.data<T>();
  return std::vector<T>(p, p + numel());
}

}  // namespace hr
