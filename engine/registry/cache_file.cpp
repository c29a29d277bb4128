#include "engine/registry/cache_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/io/file.h"

namespace hr::registry {
namespace {
constexpr const char* kKind = "hrnet kernel cache";
}  // namespace

std::string cache_key(const std::string& device, const std::string& op, const std::string& shape) {
  return fmt::format("{} | registry {} | {} | {}", device, kRegistryFormat, op, shape);
}

CacheFile::CacheFile(std::string path, Warn warn) : path_(std::move(path)), warn_(std::move(warn)) {
  if (path_.empty()) return;
  if (auto entries = read(true)) entries_ = std::move(*entries);
}

std::optional<nlohmann::json> CacheFile::read(bool loud) const {
  std::ifstream f(path_, std::ios::binary);
  if (!f) return std::nullopt;  // missing: an empty cache, nothing to report
  std::stringstream text;
  text << f.rdbuf();
  std::string why;
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded())
    why = "is not valid JSON";
  else if (!doc.is_object() || doc.value("kind", "") != kKind || !doc.contains("entries") ||
           !doc["entries"].is_object())
    why = fmt::format("is not a kernel cache (an object with \"kind\": \"{}\" and \"entries\")", kKind);
  if (why.empty()) return doc["entries"];
  if (loud) warn_(fmt::format("kernel cache {} {}; ignoring it (it will be overwritten)", path_, why));
  return std::nullopt;
}

std::optional<nlohmann::json> CacheFile::get(const std::string& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return *it;
}

void CacheFile::put(const std::string& key, nlohmann::json entry) {
  if (path_.empty()) {
    entries_[key] = std::move(entry);
    return;
  }
  // Start from the file as it is now, so entries other processes wrote since we read it are
  // kept; if it is gone or unreadable, from what we know.
  nlohmann::json merged = read(false).value_or(entries_);
  merged[key] = std::move(entry);
  entries_ = std::move(merged);
  const nlohmann::json doc = {{"kind", kKind}, {"entries", entries_}};
  try {
    const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    io::write_file_atomic(path_, doc.dump(1) + "\n");
  } catch (const std::exception& e) {
    warn_(fmt::format("kernel cache {} could not be written ({}); choices are kept in memory only", path_, e.what()));
  }
}

}  // namespace hr::registry
