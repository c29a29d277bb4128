#include "mpii_test_support.h"

#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/error.h"

namespace hr::test::mpii {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return std::string(HRNET_MPII_FIXTURES) + "/" + name; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TempDir::TempDir() {
  static int n = 0;
  dir = fs::temp_directory_path() /
        ("hrnet_mpii_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  fs::create_directories(dir);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string TempDir::write(const std::string& name, const std::vector<uint8_t>& bytes) const {
  const std::string p = path(name);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::string TempDir::write_text(const std::string& name, const std::string& text) const {
  const std::string p = path(name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

void require_error(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const hr::Error& e) {
    const std::string msg = e.what();
    INFO("message: " << msg);
    for (const std::string& p : parts) CHECK(msg.find(p) != std::string::npos);
    return;
  }
  FAIL("expected an hr::Error");
}

namespace matb {

namespace {
void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
}  // namespace

std::vector<uint8_t> header(const std::string& text, uint16_t version, char e0, char e1) {
  std::vector<uint8_t> h(128, ' ');
  std::memcpy(h.data(), text.data(), std::min<size_t>(text.size(), 116));
  for (int i = 116; i < 124; ++i) h[i] = 0;
  h[124] = static_cast<uint8_t>(version & 0xff);
  h[125] = static_cast<uint8_t>(version >> 8);
  h[126] = static_cast<uint8_t>(e0);
  h[127] = static_cast<uint8_t>(e1);
  return h;
}

std::vector<uint8_t> element(uint32_t type, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  put32(out, type);
  put32(out, static_cast<uint32_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  out.resize(out.size() + (8 - data.size() % 8) % 8, 0);
  return out;
}

std::vector<uint8_t> small_element(uint32_t type, const std::vector<uint8_t>& data) {
  REQUIRE(data.size() <= 4);
  std::vector<uint8_t> out(8, 0);  // fixed size: the tag word, then the data
  const uint32_t w = type | static_cast<uint32_t>(data.size() << 16);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(w >> (8 * i));
  for (size_t i = 0; i < data.size(); ++i) out[4 + i] = data[i];
  return out;
}

std::vector<uint8_t> i32s(std::initializer_list<int32_t> v) {
  std::vector<uint8_t> out;
  for (int32_t x : v) put32(out, static_cast<uint32_t>(x));
  return out;
}

std::vector<uint8_t> doubles(const std::vector<double>& v) {
  std::vector<uint8_t> out(v.size() * 8);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> matrix(uint32_t cls_and_flags, std::initializer_list<int32_t> dims,
                            const std::string& name, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> body = cat({element(miUINT32, i32s({static_cast<int32_t>(cls_and_flags), 0})),
                                   element(miINT32, i32s(dims)), element(miINT8, text(name))});
  body.insert(body.end(), payload.begin(), payload.end());
  return element(miMATRIX, body);
}

std::vector<uint8_t> double_matrix(const std::string& name, std::initializer_list<int32_t> dims,
                                   const std::vector<double>& values) {
  return matrix(kDouble, dims, name, element(miDOUBLE, doubles(values)));
}

std::vector<uint8_t> compressed(const std::vector<uint8_t>& elem) {
  uLongf n = compressBound(static_cast<uLong>(elem.size()));
  std::vector<uint8_t> z(n);
  REQUIRE(compress2(z.data(), &n, elem.data(), static_cast<uLong>(elem.size()), 6) == Z_OK);
  z.resize(n);
  std::vector<uint8_t> out;
  put32(out, miCOMPRESSED);
  put32(out, static_cast<uint32_t>(z.size()));
  out.insert(out.end(), z.begin(), z.end());  // compressed elements are not padded
  return out;
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace matb

}  // namespace hr::test::mpii
