#include "engine/tensor.h"

#include <fmt/format.h>

#include <algorithm>

namespace hr {

Tensor Tensor::empty_pinned(const Shape& shape, DType dtype) {
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.device_ = Device::CPU;
  t.storage_ = std::make_shared<Storage>(t.nbytes(), Device::CPU, /*pinned=*/true);
  return t;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.device_ = device;
  HR_CHECK(dtype != DType::f64 || device == Device::CPU,
           "f64 tensors live on the CPU only (shape {})", shape.str());
  t.storage_ = std::make_shared<Storage>(t.nbytes(), device);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.zero_();
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype, Device::CPU);
  t.fill_(value);
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_defined(*this, "reshape input");
  HR_CHECK(shape.numel() == numel(), "cannot reshape {} to {}", desc(), shape.str());
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::clone() const {
  check_defined(*this, "clone input");
  Tensor t = empty(shape_, dtype_, device_);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::to(Device device) const {
  check_defined(*this, "to(device) input");
  if (device == device_) return *this;
  Tensor t = empty(shape_, dtype_, device);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::to(DType dtype) const {
  check_defined(*this, "to(dtype) input");
  if (dtype == dtype_) return *this;
  check_cpu(*this, "dtype conversion input");
  Tensor t = empty(shape_, dtype, Device::CPU);
  const int64_t n = numel();
  auto convert = [&](auto* dst) {
    using D = std::remove_pointer_t<decltype(dst)>;
    switch (dtype_) {
      case DType::f32: { const float* s = data<float>(); for (int64_t i = 0; i < n; ++i) dst[i] = D(s[i]); break; }
      case DType::f64: { const double* s = data<double>(); for (int64_t i = 0; i < n; ++i) dst[i] = D(s[i]); break; }
      case DType::i64: { const int64_t* s = data<int64_t>(); for (int64_t i = 0; i < n; ++i) dst[i] = D(s[i]); break; }
    }
  };
  switch (dtype) {
    case DType::f32: convert(t.data<float>()); break;
    case DType::f64: convert(t.data<double>()); break;
    case DType::i64: convert(t.data<int64_t>()); break;
  }
  return t;
}

void Tensor::zero_() {
  check_defined(*this, "zero_ target");
  zero_bytes(raw(), device_, nbytes());
}

void Tensor::copy_from(const Tensor& src) {
  check_defined(*this, "copy destination");
  check_defined(src, "copy source");
  HR_CHECK(src.shape_ == shape_ && src.dtype_ == dtype_, "copy from {} into {}: shape or dtype differ",
           src.desc(), desc());
  copy_bytes(raw(), device_, src.raw(), src.device_, nbytes());
}

void Tensor::fill_(double value) {
  check_cpu(*this, "fill_ target");
  const int64_t n = numel();
  switch (dtype_) {
    case DType::f32: std::fill_n(data<float>(), n, static_cast<float>(value)); break;
    case DType::f64: std::fill_n(data<double>(), n, value); break;
    case DType::i64: std::fill_n(data<int64_t>(), n, static_cast<int64_t>(value)); break;
  }
}

double Tensor::item() const {
  HR_CHECK(numel() == 1, "item() needs a one-element tensor, got {}", desc());
  const Tensor h = to(Device::CPU);
  switch (dtype_) {
    case DType::f32: return h.data<float>()[0];
    case DType::f64: return h.data<double>()[0];
    case DType::i64: return static_cast<double>(h.data<int64_t>()[0]);
  }
  return 0;
}

std::string Tensor::desc() const {
  if (!defined()) return "<undefined>";
  return fmt::format("{}{}@{}", dtype_name(dtype_), shape_.str(), device_name(device_));
}

void check_defined(const Tensor& t, const char* what) {
  HR_CHECK(t.defined(), "{} is an undefined tensor", what);
}

void check_shape(const Tensor& t, const Shape& expected, const char* what) {
  check_defined(t, what);
  HR_CHECK(t.shape() == expected, "{} has shape {}, expected {}", what, t.shape().str(), expected.str());
}

void check_ndim(const Tensor& t, int ndim, const char* what) {
  check_defined(t, what);
  HR_CHECK(t.ndim() == ndim, "{} must be {}-D, got {}", what, ndim, t.desc());
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* what_a, const char* what_b) {
  HR_CHECK(a.dtype() == b.dtype(), "dtype mismatch: {} is {} but {} is {}", what_a, a.desc(), what_b,
           b.desc());
}

void check_same_device(const Tensor& a, const Tensor& b, const char* what_a, const char* what_b) {
  HR_CHECK(a.device() == b.device(), "device mismatch: {} is {} but {} is {}", what_a, a.desc(), what_b,
           b.desc());
}

void check_cpu(const Tensor& t, const char* what) {
  HR_CHECK(t.device() == Device::CPU, "{} must be on the CPU, got {}", what, t.desc());
}

}  // namespace hr
