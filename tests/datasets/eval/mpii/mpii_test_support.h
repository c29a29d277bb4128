// Shared helpers of the MPII eval tests: fixture paths, a temporary folder, an error
// matcher, and a builder of hand-made MAT v5 bytes (to reach the layouts scipy never writes
// and every malformed-input path).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace hr::test::mpii {

std::string fixture(const std::string& name);  // tests/fixtures/mpii/<name>
std::vector<uint8_t> read_bytes(const std::string& path);

struct TempDir {
  std::filesystem::path dir;
  TempDir();
  ~TempDir();
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const;
  std::string write_text(const std::string& name, const std::string& text) const;
};

// Runs `f`; passes when it throws hr::Error whose message holds every one of `parts`.
// Fails (with the message) otherwise, so each bad-input test checks what the message says.
void require_error(const std::function<void()>& f, std::initializer_list<std::string> parts);

// MAT v5 bytes by hand.
namespace matb {
constexpr uint32_t miINT8 = 1, miUINT8 = 2, miINT16 = 3, miINT32 = 5, miUINT32 = 6,
                   miDOUBLE = 9, miMATRIX = 14, miCOMPRESSED = 15, miUTF8 = 16;
constexpr uint32_t kCell = 1, kStruct = 2, kChar = 4, kDouble = 6, kUInt8 = 9;

// The 128-byte header; the text, version and endian bytes can be spoiled for error tests.
std::vector<uint8_t> header(const std::string& text = "MATLAB 5.0 MAT-file, hand-made",
                            uint16_t version = 0x0100, char e0 = 'I', char e1 = 'M');
// A full-form element: tag, data, zero padding to 8 bytes.
std::vector<uint8_t> element(uint32_t type, const std::vector<uint8_t>& data);
// A small-form element (at most 4 data bytes packed into the tag).
std::vector<uint8_t> small_element(uint32_t type, const std::vector<uint8_t>& data);
std::vector<uint8_t> i32s(std::initializer_list<int32_t> v);
std::vector<uint8_t> doubles(const std::vector<double>& v);
std::vector<uint8_t> text(const std::string& s);
// miMATRIX: flags (class | extra flag bits), dims, name, then the given data elements.
std::vector<uint8_t> matrix(uint32_t cls_and_flags, std::initializer_list<int32_t> dims,
                            const std::string& name, const std::vector<uint8_t>& payload);
// A double array stored as miDOUBLE.
std::vector<uint8_t> double_matrix(const std::string& name, std::initializer_list<int32_t> dims,
                                   const std::vector<double>& values);
// miCOMPRESSED holding `element` deflated with zlib.
std::vector<uint8_t> compressed(const std::vector<uint8_t>& element);
std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts);
}  // namespace matb

}  // namespace hr::test::mpii
