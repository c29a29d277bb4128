// A MAT v5 writer for one real numeric array: what the official evaluate writes as pred.mat
// (scipy.io.savemat({'preds': preds}) with its defaults: uncompressed, little-endian).
// Apart from the 116-byte header text the bytes equal scipy's, so MATLAB, Octave and scipy
// read the file.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hr::data::mat {

// The whole file for one array; `dims` are MATLAB dimensions (at least 2) and `values` the
// data in column-major order. float arrays are written as class single, double as double.
std::vector<uint8_t> encode_mat_v5(const std::string& name, const std::vector<int64_t>& dims,
                                   std::span<const float> values);
std::vector<uint8_t> encode_mat_v5(const std::string& name, const std::vector<int64_t>& dims,
                                   std::span<const double> values);

// Writes it to `path` atomically (a temporary file renamed over `path`).
void write_mat_v5(const std::string& path, const std::string& name,
                  const std::vector<int64_t>& dims, std::span<const float> values);
void write_mat_v5(const std::string& path, const std::string& name,
                  const std::vector<int64_t>& dims, std::span<const double> values);

}  // namespace hr::data::mat
