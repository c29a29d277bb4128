// Reading back the markdown tables the benchmarks print.
#pragma once
#include <string>
#include <vector>

namespace hr::test {

// The cells of a markdown table row, trimmed: "| a | b c |" -> {"a", "b c"}.
inline std::vector<std::string> markdown_cells(const std::string& line) {
  std::vector<std::string> out;
  size_t pos = line.find('|');
  while (pos != std::string::npos) {
    const size_t bar = line.find('|', pos + 1);
    if (bar == std::string::npos) break;
    std::string c = line.substr(pos + 1, bar - pos - 1);
    const size_t first = c.find_first_not_of(' ');
    c = first == std::string::npos ? "" : c.substr(first, c.find_last_not_of(' ') - first + 1);
    out.push_back(c);
    pos = bar;
  }
  return out;
}

}  // namespace hr::test
